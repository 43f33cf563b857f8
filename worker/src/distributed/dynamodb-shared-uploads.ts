// Shared uploads in the DynamoDB ledger table: one item per shared object (its upload, state and the set of ranges
// done) and one per recorded part, in the object's own partition. Every change is a single-item conditional write:
// the set of ranges grows by an atomic ADD whose condition refuses a range already in it, so the write that makes
// the set complete happens exactly once. Layout: docs/ledger.md.
import type { Clock } from '../ports/clock.ts';
import type { SharedObjectRef, SharedUploadRecord, SharedUploads } from '../ports/ledger.ts';
import type { StoredItem } from './dynamodb-attributes.ts';
import { itemSizeBytes } from './dynamodb-item-size.ts';
import {
  sharedPartFromItem,
  sharedPartItem,
  sharedUploadFromItem,
  sharedUploadItem,
  truncatedMessage,
} from './dynamodb-items.ts';
import {
  assertLedgerId,
  SHARED_PART_SORT_KEY_PREFIX,
  sharedPartition,
  sharedPartSortKey,
  sharedUploadKey,
} from './dynamodb-keys.ts';
import {
  getItem,
  type LedgerTable,
  putAll,
  putItemIfAbsent,
  queryPartition,
  updateWhere,
} from './dynamodb-table.ts';

export interface DynamoDbSharedUploadsOptions {
  readonly table: LedgerTable;
  readonly clock: Clock;
  /** How long shared-upload items are kept before DynamoDB's TTL deletes them. */
  readonly ttlSec: number;
}

/** Placeholders for the attributes the conditions read; `state` is a reserved word. */
const names = {
  '#state': 'state',
  '#uploadId': 'uploadId',
  '#doneRanges': 'doneRanges',
  '#rangeCount': 'rangeCount',
};

export function createDynamoDbSharedUploads(options: DynamoDbSharedUploadsOptions): SharedUploads {
  const { table, clock } = options;
  const expiresAt = (): Date => new Date(clock.now().getTime() + options.ttlSec * 1000);

  const read = async (ref: SharedObjectRef): Promise<SharedUploadRecord | undefined> => {
    assertLedgerId('run', ref.runId);
    const item = await getItem(table, sharedUploadKey(ref));
    return item === undefined ? undefined : sharedUploadFromItem(item);
  };

  const requireRead = async (ref: SharedObjectRef): Promise<SharedUploadRecord> => {
    const record = await read(ref);
    if (record === undefined) throw new Error(`shared upload ${ref.batchId} vanished after it was written`);
    return record;
  };

  const keyBytes = (ref: SharedObjectRef): number => itemSizeBytes({ ...sharedUploadKey(ref) });

  return {
    recallSharedUpload: read,

    async claimSharedUpload(ref, start) {
      assertLedgerId('run', ref.runId);
      await putItemIfAbsent(table, sharedUploadItem(ref, start, expiresAt()));
      return await requireRead(ref);
    },

    async replaceSharedUpload(ref, change) {
      assertLedgerId('run', ref.runId);
      const before = await updateWhere(table, sharedUploadKey(ref), {
        update: 'SET #uploadId = :to REMOVE #doneRanges',
        condition: '#state = :open AND #uploadId = :from',
        names: {
          '#state': names['#state'],
          '#uploadId': names['#uploadId'],
          '#doneRanges': names['#doneRanges'],
        },
        values: { ':to': change.toUploadId, ':from': change.fromUploadId, ':open': 'OPEN' },
        returnValues: 'ALL_OLD',
        writtenBytes: keyBytes(ref) + itemSizeBytes({ uploadId: change.toUploadId }),
      });
      if (before === undefined) return { replaced: false, record: await read(ref) };
      const old = sharedUploadFromItem(before);
      return {
        replaced: true,
        record: { ...old, uploadId: change.toUploadId, doneRanges: [] },
        abandonedRanges: old.doneRanges,
      };
    },

    async rememberSharedParts(ref, uploadId, parts) {
      if (parts.length === 0) return;
      assertLedgerId('run', ref.runId);
      const at = expiresAt();
      await putAll(
        table,
        parts.map((part) => sharedPartItem(ref, { ...part, uploadId }, at)),
      );
    },

    async recallSharedParts(ref, span) {
      assertLedgerId('run', ref.runId);
      if (span.lastPart < span.firstPart) return [];
      // The partition holds one item per part number (whichever upload recorded it last) and the upload item,
      // which sorts after every part: the parts from firstPart on come first.
      const items = await queryPartition(table, {
        pk: sharedPartition(ref),
        after: sharedPartSortKey(span.firstPart - 1),
        limit: span.lastPart - span.firstPart + 1,
      });
      const last = sharedPartSortKey(span.lastPart);
      const inSpan = (item: StoredItem): boolean =>
        typeof item.sk === 'string' && item.sk.startsWith(SHARED_PART_SORT_KEY_PREFIX) && item.sk <= last;
      return items
        .filter(inSpan)
        .map(sharedPartFromItem)
        .filter((part) => part.uploadId === span.uploadId)
        .map(({ uploadId: _uploadId, ...part }) => part);
    },

    async markRangeDone(ref, mark) {
      assertLedgerId('run', ref.runId);
      const after = await updateWhere(table, sharedUploadKey(ref), {
        update: 'ADD #doneRanges :added',
        condition:
          '#state = :open AND #uploadId = :uploadId AND #rangeCount > :index AND NOT contains(#doneRanges, :index)',
        names,
        values: {
          ':added': new Set([mark.rangeIndex]),
          ':open': 'OPEN',
          ':uploadId': mark.uploadId,
          ':index': mark.rangeIndex,
        },
        returnValues: 'ALL_NEW',
        writtenBytes: keyBytes(ref) + itemSizeBytes({ doneRanges: mark.rangeIndex }),
      });
      if (after !== undefined) return { marked: true, record: sharedUploadFromItem(after) };
      const record = await read(ref);
      const outOfRange =
        record?.state === 'OPEN' && record.uploadId === mark.uploadId && mark.rangeIndex >= record.rangeCount;
      if (outOfRange || !Number.isInteger(mark.rangeIndex) || mark.rangeIndex < 0) {
        throw new RangeError(`range ${mark.rangeIndex} is not one of the ${record?.rangeCount} ranges`);
      }
      return { marked: false, record };
    },

    async settleSharedUpload(ref, settlement) {
      assertLedgerId('run', ref.runId);
      const failure =
        settlement.state === 'FAILED'
          ? {
              failureKey: settlement.failure.key,
              errorClass: settlement.failure.errorClass,
              message: truncatedMessage(settlement.failure.message),
              attempts: settlement.failure.attempts,
            }
          : {};
      const fields = Object.entries({ state: settlement.state, ...failure });
      const after = await updateWhere(table, sharedUploadKey(ref), {
        update: `SET ${fields.map((_, index) => `#f${index} = :f${index}`).join(', ')}`,
        condition: '#state = :open',
        names: {
          '#state': names['#state'],
          ...Object.fromEntries(fields.map(([name], index) => [`#f${index}`, name])),
        },
        values: {
          ':open': 'OPEN',
          ...Object.fromEntries(fields.map(([, value], index) => [`:f${index}`, value])),
        },
        returnValues: 'ALL_NEW',
        writtenBytes: keyBytes(ref) + itemSizeBytes(Object.fromEntries(fields)),
      });
      return after === undefined ? await read(ref) : sharedUploadFromItem(after);
    },
  };
}
