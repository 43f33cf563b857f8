// Object memory in the DynamoDB ledger table: one item per copied object (optional: it costs a write per object),
// one per unfinished multipart upload, and the shared uploads (dynamodb-shared-uploads.ts).
import { type Clock, systemClock } from '../ports/clock.ts';
import type { CopyRecord, ObjectMemory } from '../ports/ledger.ts';
import { copyFromItem, copyItem, isItemOf, uploadFromItem, uploadItem } from './dynamodb-items.ts';
import { assertLedgerId, copyKey, type ObjectItemKey, uploadKey } from './dynamodb-keys.ts';
import { createDynamoDbSharedUploads } from './dynamodb-shared-uploads.ts';
import { deleteItem, getAll, getItem, type LedgerTable, putAll, putItem } from './dynamodb-table.ts';

export interface DynamoDbObjectMemoryOptions {
  readonly table: LedgerTable;
  /**
   * Keep a record of every copied object (one write unit each). Without them, Ferry tells an unchanged object by
   * its ETag alone, and recopies those whose ETag cannot be compared (multipart and KMS-encrypted ones). Default true.
   */
  readonly rememberCopies?: boolean;
  /** Stamps the expiry of shared-upload items. */
  readonly clock?: Clock;
  /** How long shared-upload items are kept before DynamoDB's TTL deletes them; default 30 days. */
  readonly sharedUploadTtlSec?: number;
}

/** Longer than any shared object takes to copy. */
export const defaultSharedUploadTtlSec = 30 * 24 * 60 * 60;

export function createDynamoDbObjectMemory(options: DynamoDbObjectMemoryOptions): ObjectMemory {
  const { table } = options;
  const remembering = options.rememberCopies ?? true;

  return {
    ...createDynamoDbSharedUploads({
      table,
      clock: options.clock ?? systemClock,
      ttlSec: options.sharedUploadTtlSec ?? defaultSharedUploadTtlSec,
    }),

    async rememberCopies(mappingId, records) {
      if (!remembering || records.length === 0) return;
      assertLedgerId('mapping', mappingId);
      await putAll(
        table,
        records.map((record) => copyItem(mappingId, record)),
      );
    },

    async recallCopies(mappingId, keys) {
      const recalled = new Map<string, CopyRecord>();
      if (!remembering || keys.length === 0) return recalled;
      assertLedgerId('mapping', mappingId);
      const wanted = new Map<string, { key: string; itemKey: ObjectItemKey }>();
      for (const key of new Set(keys)) {
        const itemKey = copyKey(mappingId, key);
        wanted.set(itemKey.pk, { key, itemKey });
      }
      const items = await getAll(
        table,
        [...wanted.values()].map(({ itemKey }) => itemKey),
      );
      for (const item of items) {
        const match = typeof item.pk === 'string' ? wanted.get(item.pk) : undefined;
        if (match && isItemOf(item, match.itemKey, match.key))
          recalled.set(match.key, copyFromItem(item, match.key));
      }
      return recalled;
    },

    async rememberUpload(mappingId, upload) {
      assertLedgerId('mapping', mappingId);
      await putItem(table, uploadItem(mappingId, upload));
    },

    async recallUpload(mappingId, key) {
      assertLedgerId('mapping', mappingId);
      const itemKey = uploadKey(mappingId, key);
      const item = await getItem(table, itemKey);
      return item && isItemOf(item, itemKey, key) ? uploadFromItem(item, key) : undefined;
    },

    async forgetUpload(mappingId, key) {
      assertLedgerId('mapping', mappingId);
      const itemKey = uploadKey(mappingId, key);
      await deleteItem(table, itemKey);
    },
  };
}
