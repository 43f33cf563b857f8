// The run ledger on the embedded state database: exact, idempotent counters per run, failures, and the object memory.
//
// recordPlanned and recordOutcome insert the batch's row and add to the run's counters in one transaction, and do
// nothing (returning false) when that batchId is already recorded, so a redelivered batch never counts twice.
// recordPlanned moves the run's checkpoint to the batch's checkpoint when it has one: the lister records its batches
// in listing order, so the newest recorded checkpoint is the furthest key fully planned. A sync run's deletes are
// held in held_deletes by the same transaction that records their planned batch.
import { errorClasses, FerryError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import {
  type Counts,
  type DeleteItem,
  deleteStates,
  type FailureRecord,
  type HeldDeletes,
  listerStates,
  type ObjectMemory,
  type RunLedger,
  type RunRecord,
  runModes,
} from '../ports/ledger.ts';
import { pageOf, pageReadLimit } from '../ports/page.ts';
import {
  enumColumn,
  integerColumn,
  optionalIntegerColumn,
  optionalTextColumn,
  type SqlRow,
  textColumn,
} from './sql-row.ts';
import { createSqliteObjectMemory } from './sqlite-object-memory.ts';
import type { StateDb } from './state-db.ts';

export interface SqliteLedgerOptions {
  readonly db: StateDb;
  /** Stamps recorded rows, and a LISTED state change that brings no time of its own. */
  readonly clock: Clock;
}

const RUN_COLUMNS = `run_id, mapping_id, mode, lister_state, reason, started_at_ms, listed_at_ms, checkpoint,
  planned_objects, planned_bytes, skipped_objects, skipped_bytes, copied_objects, copied_bytes, failed_objects,
  failed_bytes, to_delete_objects, to_delete_bytes, deleted_objects, deleted_bytes, delete_state, delete_reason`;
const INSERT_RUN = `
  INSERT INTO runs (run_id, mapping_id, mode, lister_state, started_at_ms, delete_state)
  VALUES (?, ?, ?, 'LISTING', ?, ?)
  ON CONFLICT (run_id) DO NOTHING`;
const SELECT_RUN = `SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = ?`;
const SELECT_LATEST_RUN = `
  SELECT ${RUN_COLUMNS} FROM runs WHERE mapping_id = ? ORDER BY started_at_ms DESC, rowid DESC LIMIT 1`;
const RUN_EXISTS = 'SELECT 1 AS found FROM runs WHERE run_id = ?';
const INSERT_PLANNED = `
  INSERT INTO planned_batches (run_id, batch_id, recorded_at_ms) VALUES (?, ?, ?)
  ON CONFLICT (run_id, batch_id) DO NOTHING`;
const ADD_PLANNED = `
  UPDATE runs SET
    planned_objects = planned_objects + :planned_objects, planned_bytes = planned_bytes + :planned_bytes,
    skipped_objects = skipped_objects + :skipped_objects, skipped_bytes = skipped_bytes + :skipped_bytes,
    to_delete_objects = to_delete_objects + :to_delete_objects, to_delete_bytes = to_delete_bytes + :to_delete_bytes,
    checkpoint = coalesce(:checkpoint, checkpoint)
  WHERE run_id = :run_id`;
const INSERT_OUTCOME = `
  INSERT INTO outcomes (run_id, batch_id, recorded_at_ms) VALUES (?, ?, ?)
  ON CONFLICT (run_id, batch_id) DO NOTHING`;
const ADD_OUTCOME = `
  UPDATE runs SET
    copied_objects = copied_objects + :copied_objects, copied_bytes = copied_bytes + :copied_bytes,
    failed_objects = failed_objects + :failed_objects, failed_bytes = failed_bytes + :failed_bytes,
    deleted_objects = deleted_objects + :deleted_objects, deleted_bytes = deleted_bytes + :deleted_bytes
  WHERE run_id = :run_id`;
const UPSERT_FAILURE = `
  INSERT INTO failures (run_id, object_key, error_class, message, attempts) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (run_id, object_key) DO UPDATE SET
    error_class = excluded.error_class, message = excluded.message, attempts = excluded.attempts`;
const SET_LISTER_STATE = `
  UPDATE runs SET lister_state = :lister_state, reason = :reason, listed_at_ms = :listed_at_ms WHERE run_id = :run_id`;
// Keys compare as UTF-8 bytes under the BINARY collation, which is S3's order.
const FAILURE_COLUMNS = 'object_key, error_class, message, attempts';
const SELECT_FIRST_FAILURES = `
  SELECT ${FAILURE_COLUMNS} FROM failures WHERE run_id = :run_id ORDER BY object_key LIMIT :limit`;
const SELECT_FAILURES_AFTER = `
  SELECT ${FAILURE_COLUMNS} FROM failures WHERE run_id = :run_id AND object_key > :after
  ORDER BY object_key LIMIT :limit`;
const INSERT_HELD_DELETES = `
  INSERT INTO held_deletes (run_id, batch_id, items) VALUES (?, ?, ?) ON CONFLICT (run_id, batch_id) DO NOTHING`;
// One row per held item, a page of batches at a time: json_each's key is the item's index in its batch.
const HELD_ITEMS_OF = (batches: string): string => `
  SELECT batch.batch_id, item.value ->> 0 AS object_key, item.value ->> 1 AS size, item.value ->> 2 AS etag
  FROM (${batches}) AS batch, json_each(batch.items) AS item
  ORDER BY batch.batch_id, item.key`;
const SELECT_FIRST_HELD = HELD_ITEMS_OF(`
  SELECT batch_id, items FROM held_deletes WHERE run_id = :run_id ORDER BY batch_id LIMIT :limit`);
const SELECT_HELD_AFTER = HELD_ITEMS_OF(`
  SELECT batch_id, items FROM held_deletes WHERE run_id = :run_id AND batch_id > :after
  ORDER BY batch_id LIMIT :limit`);
const SETTLE_DELETES = `
  UPDATE runs SET delete_state = :delete_state, delete_reason = :delete_reason
  WHERE run_id = :run_id AND delete_state = 'HELD'`;

function countsColumns(row: SqlRow, prefix: string): Counts {
  return { objects: integerColumn(row, `${prefix}_objects`), bytes: integerColumn(row, `${prefix}_bytes`) };
}

function runFromRow(row: SqlRow): RunRecord {
  const reason = optionalTextColumn(row, 'reason');
  const listedAtMs = optionalIntegerColumn(row, 'listed_at_ms');
  const checkpoint = optionalTextColumn(row, 'checkpoint');
  const deleteState = row.delete_state === null ? undefined : enumColumn(row, 'delete_state', deleteStates);
  const deleteReason = optionalTextColumn(row, 'delete_reason');
  return {
    runId: textColumn(row, 'run_id'),
    mappingId: textColumn(row, 'mapping_id'),
    mode: enumColumn(row, 'mode', runModes),
    listerState: enumColumn(row, 'lister_state', listerStates),
    ...(reason === undefined ? {} : { reason }),
    startedAt: new Date(integerColumn(row, 'started_at_ms')),
    ...(listedAtMs === undefined ? {} : { listedAt: new Date(listedAtMs) }),
    ...(checkpoint === undefined ? {} : { checkpoint }),
    planned: countsColumns(row, 'planned'),
    skipped: countsColumns(row, 'skipped'),
    copied: countsColumns(row, 'copied'),
    failed: countsColumns(row, 'failed'),
    toDelete: countsColumns(row, 'to_delete'),
    deleted: countsColumns(row, 'deleted'),
    ...(deleteState === undefined ? {} : { deleteState }),
    ...(deleteReason === undefined ? {} : { deleteReason }),
  };
}

/** What a batch of held deletes adds to the run's toDelete: nothing when there is none. */
function countsOfDeletes(deletes: HeldDeletes | undefined): Counts {
  const items = deletes?.items ?? [];
  return { objects: items.length, bytes: items.reduce((sum, item) => sum + item.size, 0) };
}

/** Held items as stored: a compact JSON array of [key, size, etag]. */
function encodeHeldItems(items: readonly DeleteItem[]): string {
  return JSON.stringify(items.map((item) => [item.key, item.size, item.etag]));
}

/** Rows of held items (in batch and item order) back into their batches. */
function heldFromRows(rows: readonly SqlRow[]): HeldDeletes[] {
  const batches = new Map<string, DeleteItem[]>();
  for (const row of rows) {
    const batchId = textColumn(row, 'batch_id');
    const item = {
      key: textColumn(row, 'object_key'),
      size: integerColumn(row, 'size'),
      etag: textColumn(row, 'etag'),
    };
    const items = batches.get(batchId);
    if (items === undefined) batches.set(batchId, [item]);
    else items.push(item);
  }
  return [...batches].map(([batchId, items]) => ({ batchId, items }));
}

function failureFromRow(row: SqlRow): FailureRecord {
  return {
    key: textColumn(row, 'object_key'),
    errorClass: enumColumn(row, 'error_class', errorClasses),
    message: textColumn(row, 'message'),
    attempts: integerColumn(row, 'attempts'),
  };
}

export function createSqliteLedger(options: SqliteLedgerOptions): RunLedger & ObjectMemory {
  const { db, clock } = options;
  const nowMs = (): number => clock.now().getTime();

  const readRun = (runId: string): RunRecord | undefined => {
    const row = db.statement(SELECT_RUN).get(runId);
    return row === undefined ? undefined : runFromRow(row);
  };

  const requireRun = (runId: string): void => {
    if (db.statement(RUN_EXISTS).get(runId) === undefined) {
      throw new FerryError('Internal', `the ledger has no run ${runId}`);
    }
  };

  /** Holds a batch of deletes; one held already under its batchId (by another planned batch) is a bug upstream. */
  const holdDeletes = (runId: string, deletes: HeldDeletes): void => {
    const held = db
      .statement(INSERT_HELD_DELETES)
      .run(runId, deletes.batchId, encodeHeldItems(deletes.items));
    if (held.changes === 0) {
      throw new FerryError('Internal', `run ${runId} holds deletes batch ${deletes.batchId} already`);
    }
  };

  const ledger: RunLedger = {
    async startRun({ runId, mappingId, mode, startedAt }) {
      return db.transaction(() => {
        const deleteState = mode === 'sync' ? 'HELD' : null;
        db.statement(INSERT_RUN).run(runId, mappingId, mode, startedAt.getTime(), deleteState);
        const run = readRun(runId);
        if (run === undefined) throw new Error(`run ${runId} vanished while it was being started`);
        return run;
      });
    },

    async getRun(runId) {
      return readRun(runId);
    },

    async latestRun(mappingId) {
      const row = db.statement(SELECT_LATEST_RUN).get(mappingId);
      return row === undefined ? undefined : runFromRow(row);
    },

    async recordPlanned(runId, batch) {
      return db.transaction(() => {
        requireRun(runId);
        const inserted = db.statement(INSERT_PLANNED).run(runId, batch.batchId, nowMs());
        if (inserted.changes === 0) return false;
        const toDelete = countsOfDeletes(batch.deletes);
        if (batch.deletes !== undefined && toDelete.objects > 0) holdDeletes(runId, batch.deletes);
        db.statement(ADD_PLANNED).run({
          run_id: runId,
          planned_objects: batch.planned.objects,
          planned_bytes: batch.planned.bytes,
          skipped_objects: batch.skipped.objects,
          skipped_bytes: batch.skipped.bytes,
          to_delete_objects: toDelete.objects,
          to_delete_bytes: toDelete.bytes,
          checkpoint: batch.checkpoint ?? null,
        });
        return true;
      });
    },

    async setListerState(runId, state, stateOptions = {}) {
      const listedAtMs = state === 'LISTED' ? (stateOptions.at ?? clock.now()).getTime() : null;
      db.transaction(() => {
        requireRun(runId);
        db.statement(SET_LISTER_STATE).run({
          run_id: runId,
          lister_state: state,
          reason: stateOptions.reason ?? null,
          listed_at_ms: listedAtMs,
        });
      });
    },

    async recordOutcome(runId, outcome) {
      return db.transaction(() => {
        requireRun(runId);
        const inserted = db.statement(INSERT_OUTCOME).run(runId, outcome.batchId, nowMs());
        if (inserted.changes === 0) return false;
        db.statement(ADD_OUTCOME).run({
          run_id: runId,
          copied_objects: outcome.copied.objects,
          copied_bytes: outcome.copied.bytes,
          failed_objects: outcome.failed.objects,
          failed_bytes: outcome.failed.bytes,
          deleted_objects: outcome.deleted?.objects ?? 0,
          deleted_bytes: outcome.deleted?.bytes ?? 0,
        });
        for (const failure of outcome.failures) {
          db.statement(UPSERT_FAILURE).run(
            runId,
            failure.key,
            failure.errorClass,
            failure.message,
            failure.attempts,
          );
        }
        return true;
      });
    },

    async listFailures(runId, page) {
      const limit = pageReadLimit(page.limit);
      const rows =
        page.after === undefined
          ? db.statement(SELECT_FIRST_FAILURES).all({ run_id: runId, limit })
          : db.statement(SELECT_FAILURES_AFTER).all({ run_id: runId, after: page.after, limit });
      const { items: failures, next } = pageOf(rows.map(failureFromRow), page.limit, (each) => each.key);
      return next === undefined ? { failures } : { failures, next };
    },

    async listHeldDeletes(runId, page) {
      const limit = pageReadLimit(page.limit);
      const rows =
        page.after === undefined
          ? db.statement(SELECT_FIRST_HELD).all({ run_id: runId, limit })
          : db.statement(SELECT_HELD_AFTER).all({ run_id: runId, after: page.after, limit });
      const { items: batches, next } = pageOf(heldFromRows(rows), page.limit, (each) => each.batchId);
      return next === undefined ? { batches } : { batches, next };
    },

    async settleDeletes(runId, settlement) {
      db.transaction(() => {
        requireRun(runId);
        db.statement(SETTLE_DELETES).run({
          run_id: runId,
          delete_state: settlement.state,
          delete_reason: settlement.state === 'REFUSED' ? settlement.reason : null,
        });
      });
    },
  };

  return { ...ledger, ...createSqliteObjectMemory({ db }) };
}
