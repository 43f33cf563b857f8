// The run ledger on one DynamoDB table: exact, idempotent counters per run, failures in key order, and the object
// memory. Item layout and costs: docs/ledger.md.
//
// recordPlanned and recordOutcome are one transaction each: a conditional put of the batch's marker item (refused
// when the batchId is recorded already) and an ADD to the run item's counters, so a redelivered batch never counts
// twice and concurrent batches never lose an update. An outcome's failures ride in the same transaction as far as
// its 100-item limit allows; the rest follow in batch writes, and the marker says so (failuresPending) until they
// are written, so a redelivery after a crash in between completes them. A sync run's deletes are held as an item per
// batch in the transaction that records their planned batch, so they are held exactly when the batch counts.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FerryError } from '../domain/errors.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { HeldDeletes, ObjectMemory, RunLedger, RunRecord } from '../ports/ledger.ts';
import { pageOf, pageReadLimit } from '../ports/page.ts';
import { itemSizeBytes } from './dynamodb-item-size.ts';
import {
  batchMarkerItem,
  counterIncrements,
  countsOfDeletes,
  failureFromItem,
  failureItem,
  heldDeletesFromItem,
  heldDeletesItem,
  mappingRunItem,
  newRunItem,
  runFromItem,
  truncatedMessage,
} from './dynamodb-items.ts';
import {
  assertLedgerId,
  type BatchMarkerKind,
  batchMarkerKey,
  failureSortKey,
  failuresPartition,
  heldDeletesPartition,
  heldDeletesSortKey,
  type ItemKey,
  isLedgerId,
  mappingRunsPartition,
  runKey,
} from './dynamodb-keys.ts';
import { createDynamoDbObjectMemory } from './dynamodb-object-memory.ts';
import {
  getItem,
  type LedgerTransactItem,
  type LedgerWrite,
  lastPerKey,
  MAX_ITEM_BYTES,
  MAX_TRANSACTION_ITEMS,
  openLedgerTable,
  putAll,
  queryPartition,
  type TransactionResult,
  transactWrite,
  updateItem,
  updateWhere,
} from './dynamodb-table.ts';

export interface DynamoDbLedgerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Stamps batch markers' expiry, and a LISTED state change that brings no time of its own; sleeps retries. */
  readonly clock?: Clock;
  /** Keep an item per copied object for change detection (one write unit each); default true. */
  readonly rememberCopies?: boolean;
  /** How long batch markers are kept before DynamoDB's TTL deletes them; default 30 days. */
  readonly batchMarkerTtlSec?: number;
  /** Called after every successful write request, for cost accounting. */
  readonly onWrite?: (write: LedgerWrite) => void;
  /** Jitter for the ledger's own retries; Math.random by default. */
  readonly random?: () => number;
}

/** Longer than any redelivery can come late: SQS keeps a message 14 days at most. */
export const defaultBatchMarkerTtlSec = 30 * 24 * 60 * 60;

/** A counter transaction holds the run update and the marker; the rest of its room is for failures. */
export const INLINE_FAILURES = MAX_TRANSACTION_ITEMS - 2;

/** The run update is always the first item of a counter transaction: its condition failing means no such run. */
function wasRecorded(result: TransactionResult, runId: string): boolean {
  if (result.written) return true;
  if (result.failedIndex === 0) throw new FerryError('Internal', `the ledger has no run ${runId}`);
  return false;
}

export function createDynamoDbLedger(options: DynamoDbLedgerOptions): RunLedger & ObjectMemory {
  const clock = options.clock ?? systemClock;
  const table = openLedgerTable({
    client: options.client,
    tableName: options.tableName,
    clock,
    ...(options.onWrite ? { onWrite: options.onWrite } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  const markerTtlMs = (options.batchMarkerTtlSec ?? defaultBatchMarkerTtlSec) * 1000;

  const expiresAt = (): Date => new Date(clock.now().getTime() + markerTtlMs);

  const marker = (
    runId: string,
    batch: { batchId: string; kind: BatchMarkerKind; failuresPending?: boolean },
  ): LedgerTransactItem => ({
    put: batchMarkerItem({ runId, ...batch, expiresAt: expiresAt() }),
    condition: 'absent',
  });

  /**
   * What a planned batch's deletes add to its transaction: the ADD to toDelete and the held-deletes put (refused if
   * that batch is held already). Nothing without deletes, so such batches cost what they did.
   */
  const holding = (
    runId: string,
    deletes: HeldDeletes | undefined,
  ): { add: Record<string, number>; items: LedgerTransactItem[] } => {
    if (deletes === undefined || deletes.items.length === 0) return { add: {}, items: [] };
    const put = heldDeletesItem(runId, deletes, expiresAt());
    const sizeBytes = itemSizeBytes(put);
    if (sizeBytes > MAX_ITEM_BYTES) {
      throw new FerryError(
        'Internal',
        `deletes batch ${deletes.batchId} of run ${runId} is ${sizeBytes} bytes as a ledger item, over DynamoDB's ${MAX_ITEM_BYTES}`,
      );
    }
    return {
      add: counterIncrements('toDelete', countsOfDeletes(deletes)),
      items: [{ put, condition: 'absent' }],
    };
  };

  const readRun = async (runId: string): Promise<RunRecord | undefined> => {
    if (!isLedgerId(runId)) return undefined;
    const item = await getItem(table, runKey(runId));
    return item === undefined ? undefined : runFromItem(item);
  };

  /** Writes an outcome's failures that did not fit in its transaction, then clears the marker's note of them. */
  const writeDeferredFailures = async (
    markerKey: ItemKey,
    deferred: Parameters<typeof putAll>[1],
  ): Promise<void> => {
    await putAll(table, deferred);
    await updateItem(table, markerKey, { changes: { remove: ['failuresPending'] }, condition: 'present' });
  };

  const ledger: RunLedger = {
    async startRun(run) {
      assertLedgerId('run', run.runId);
      assertLedgerId('mapping', run.mappingId);
      const item = newRunItem(run);
      const result = await transactWrite(table, [
        { put: item, condition: 'absent' },
        { put: mappingRunItem(run) },
      ]);
      if (result.written) return runFromItem(item);
      const existing = await readRun(run.runId);
      if (existing === undefined) throw new Error(`run ${run.runId} vanished while it was being started`);
      return existing;
    },

    getRun: readRun,

    async latestRun(mappingId) {
      if (!isLedgerId(mappingId)) return undefined;
      const [newest] = await queryPartition(table, {
        pk: mappingRunsPartition(mappingId),
        limit: 1,
        descending: true,
      });
      return typeof newest?.runId === 'string' ? await readRun(newest.runId) : undefined;
    },

    async recordPlanned(runId, batch) {
      assertLedgerId('run', runId);
      const held = holding(runId, batch.deletes);
      const result = await transactWrite(table, [
        {
          update: runKey(runId),
          changes: {
            add: {
              ...counterIncrements('planned', batch.planned),
              ...counterIncrements('skipped', batch.skipped),
              ...held.add,
            },
            ...(batch.checkpoint === undefined ? {} : { set: { checkpoint: batch.checkpoint } }),
          },
          condition: 'present',
        },
        marker(runId, { batchId: batch.batchId, kind: 'PLANNED' }),
        ...held.items,
      ]);
      // The held item comes after the marker: a repeated batch is refused by its marker, not as a held batch.
      if (!result.written && result.failedIndex === 2) {
        throw new FerryError(
          'Internal',
          `run ${runId} holds deletes batch ${batch.deletes?.batchId} already`,
        );
      }
      return wasRecorded(result, runId);
    },

    async setListerState(runId, state, stateOptions = {}) {
      assertLedgerId('run', runId);
      const { reason } = stateOptions;
      const listedAt = state === 'LISTED' ? (stateOptions.at ?? clock.now()) : undefined;
      const found = await updateItem(table, runKey(runId), {
        changes: {
          set: {
            listerState: state,
            ...(reason === undefined ? {} : { reason }),
            ...(listedAt === undefined ? {} : { listedAt: listedAt.toISOString() }),
          },
          remove: [
            ...(reason === undefined ? ['reason'] : []),
            ...(listedAt === undefined ? ['listedAt'] : []),
          ],
        },
        condition: 'present',
      });
      if (!found) throw new FerryError('Internal', `the ledger has no run ${runId}`);
    },

    async recordOutcome(runId, outcome) {
      assertLedgerId('run', runId);
      const failures = lastPerKey(outcome.failures.map((failure) => failureItem(runId, failure)));
      const inline = failures.slice(0, INLINE_FAILURES);
      const deferred = failures.slice(INLINE_FAILURES);
      const markerKey = batchMarkerKey({ runId, batchId: outcome.batchId, kind: 'DONE' });
      const result = await transactWrite(table, [
        {
          update: runKey(runId),
          changes: {
            add: {
              ...counterIncrements('copied', outcome.copied),
              ...counterIncrements('failed', outcome.failed),
              ...(outcome.deleted === undefined ? {} : counterIncrements('deleted', outcome.deleted)),
            },
          },
          condition: 'present',
        },
        marker(runId, { batchId: outcome.batchId, kind: 'DONE', failuresPending: deferred.length > 0 }),
        ...inline.map((put) => ({ put })),
      ]);
      const recorded = wasRecorded(result, runId);
      if (deferred.length === 0) return recorded;
      // A duplicate finishes what the first delivery may have left undone: the marker tells.
      if (recorded || (await getItem(table, markerKey))?.failuresPending === true) {
        await writeDeferredFailures(markerKey, deferred);
      }
      return recorded;
    },

    async listFailures(runId, page) {
      const limit = pageReadLimit(page.limit);
      if (!isLedgerId(runId)) return { failures: [] };
      const items = await queryPartition(table, {
        pk: failuresPartition(runId),
        limit,
        ...(page.after === undefined ? {} : { after: failureSortKey(page.after).value }),
      });
      const { items: failures, next } = pageOf(items.map(failureFromItem), page.limit, (each) => each.key);
      return next === undefined ? { failures } : { failures, next };
    },

    async listHeldDeletes(runId, page) {
      const limit = pageReadLimit(page.limit);
      if (!isLedgerId(runId)) return { batches: [] };
      const items = await queryPartition(table, {
        pk: heldDeletesPartition(runId),
        limit,
        ...(page.after === undefined ? {} : { after: heldDeletesSortKey(page.after).value }),
      });
      const { items: batches, next } = pageOf(
        items.map(heldDeletesFromItem),
        page.limit,
        (each) => each.batchId,
      );
      return next === undefined ? { batches } : { batches, next };
    },

    async settleDeletes(runId, settlement) {
      assertLedgerId('run', runId);
      const reason = settlement.state === 'REFUSED' ? truncatedMessage(settlement.reason) : undefined;
      const settled = await updateWhere(table, runKey(runId), {
        update: `SET #deleteState = :state${reason === undefined ? '' : ', #deleteReason = :reason'}`,
        condition: '#deleteState = :held',
        names: {
          '#deleteState': 'deleteState',
          ...(reason === undefined ? {} : { '#deleteReason': 'deleteReason' }),
        },
        values: {
          ':state': settlement.state,
          ':held': 'HELD',
          ...(reason === undefined ? {} : { ':reason': reason }),
        },
        returnValues: 'ALL_NEW',
        writtenBytes: itemSizeBytes({
          ...runKey(runId),
          deleteState: settlement.state,
          ...(reason === undefined ? {} : { deleteReason: reason }),
        }),
      });
      // Refused: settled already, or not a sync run (nothing changes then), or no run at all.
      if (settled === undefined && (await readRun(runId)) === undefined) {
        throw new FerryError('Internal', `the ledger has no run ${runId}`);
      }
    },
  };

  return {
    ...ledger,
    ...createDynamoDbObjectMemory({
      table,
      clock,
      ...(options.rememberCopies === undefined ? {} : { rememberCopies: options.rememberCopies }),
    }),
  };
}
