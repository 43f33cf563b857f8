// The DynamoDB ledger's sync-run items on moto beyond the shared contract: what holding deletes costs and writes,
// their expiry, the item-size guard, and run items written before sync runs existed.
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, test } from 'vitest';
import { batchMarkerKey, heldDeletesKey, runKey } from '../../../worker/src/distributed/dynamodb-keys.ts';
import { createDynamoDbLedger } from '../../../worker/src/distributed/dynamodb-ledger.ts';
import type { LedgerWrite } from '../../../worker/src/distributed/dynamodb-table.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { DeleteItem, PlannedBatch } from '../../../worker/src/ports/ledger.ts';
import { createManualClock } from '../../support/manual-clock.ts';
import { useLedgerTable } from './dynamodb-fixture.ts';

const table = useLedgerTable('ledger-sync');
const zero = { objects: 0, bytes: 0 };

function ledgerOn(writes?: LedgerWrite[]) {
  return createDynamoDbLedger({
    client: table.client(),
    tableName: table.tableName,
    clock: createManualClock(new Date('2025-05-01T00:00:00.000Z')),
    batchMarkerTtlSec: 3600,
    ...(writes ? { onWrite: (write: LedgerWrite) => writes.push(write) } : {}),
  });
}

async function rawItem(key: { pk: string; sk: string }) {
  const doc = DynamoDBDocumentClient.from(table.client());
  const output = await doc.send(
    new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }),
  );
  return output.Item;
}

async function newSyncRun(ledger: ReturnType<typeof ledgerOn>): Promise<string> {
  const runId = `run-${randomUUID()}`;
  await ledger.startRun({ runId, mappingId: `mapping-${randomUUID()}`, mode: 'sync', startedAt: new Date() });
  return runId;
}

const items = (count: number, keyBytes: number): DeleteItem[] =>
  Array.from({ length: count }, (_, index) => ({
    key: `${String(index).padStart(4, '0')}/${'k'.repeat(keyBytes - 5)}`,
    size: 1000 + index,
    etag: `"${'e'.repeat(32)}"`,
  }));

const plannedWith = (batchId: string, deletes?: PlannedBatch['deletes']): PlannedBatch => ({
  batchId,
  planned: { objects: 1, bytes: 1 },
  skipped: zero,
  ...(deletes ? { deletes } : {}),
});

describe('held deletes', () => {
  test('a batch without deletes costs what it did; one with them adds its held item, expiring with the marker', async () => {
    const writes: LedgerWrite[] = [];
    const ledger = ledgerOn(writes);
    const runId = await newSyncRun(ledger);
    writes.length = 0;
    await ledger.recordPlanned(runId, plannedWith('b1'));
    expect(writes).toEqual([{ operation: 'TransactWriteItems', items: 2, writeUnits: 4 }]);

    writes.length = 0;
    // 100 items of 100-byte keys: about 14 KB as one item, 2 WRU per KB inside the transaction.
    const held = { batchId: 'd1', items: items(100, 100) };
    await ledger.recordPlanned(runId, plannedWith('b2', held));
    expect(writes).toHaveLength(1);
    expect(writes[0]?.items).toBe(3);
    expect(writes[0]?.writeUnits).toBeGreaterThanOrEqual(4 + 2 * 14);
    expect(writes[0]?.writeUnits).toBeLessThanOrEqual(4 + 2 * 16);

    const heldItem = await rawItem(heldDeletesKey(runId, 'd1'));
    const marker = await rawItem(batchMarkerKey({ runId, batchId: 'b2', kind: 'PLANNED' }));
    expect(heldItem?.expiresAt).toBe(Date.parse('2025-05-01T01:00:00.000Z') / 1000);
    expect(heldItem?.expiresAt).toBe(marker?.expiresAt);
    expect(heldItem?.batchId).toBe('d1');
    expect(typeof heldItem?.items).toBe('string');
    expect((await ledger.getRun(runId))?.toDelete).toEqual({
      objects: 100,
      bytes: held.items.reduce((sum, each) => sum + each.size, 0),
    });
  });

  test('a batch too large for one DynamoDB item is refused before anything is written', async () => {
    const writes: LedgerWrite[] = [];
    const ledger = ledgerOn(writes);
    const runId = await newSyncRun(ledger);
    const before = await ledger.getRun(runId);
    writes.length = 0;
    // 1,000 keys of 450 bytes: about 490 KB, over the 400 KB item limit (a delete message never gets there).
    const oversized = { batchId: 'd-huge', items: items(1000, 450) };
    const refused = ledger.recordPlanned(runId, plannedWith('b-huge', oversized));
    await expect(refused).rejects.toThrow(FerryError);
    await expect(refused).rejects.toThrow(/over DynamoDB's 409600/);
    expect(writes).toEqual([]);
    expect(await ledger.getRun(runId)).toEqual(before);
    expect(await ledger.listHeldDeletes(runId, { limit: 5 })).toEqual({ batches: [] });
    expect(await ledger.recordPlanned(runId, plannedWith('b-huge'))).toBe(true);
  });

  test('a run item written before sync runs existed reads zero toDelete and deleted, and can count them', async () => {
    const ledger = ledgerOn();
    const runId = `run-${randomUUID()}`;
    const doc = DynamoDBDocumentClient.from(table.client());
    await doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...runKey(runId),
          runId,
          mappingId: 'm',
          mode: 'incremental',
          listerState: 'LISTED',
          startedAt: '2025-01-01T00:00:00.000Z',
          listedAt: '2025-01-01T01:00:00.000Z',
          plannedObjects: 4,
          plannedBytes: 40,
          skippedObjects: 0,
          skippedBytes: 0,
          copiedObjects: 3,
          copiedBytes: 30,
          failedObjects: 1,
          failedBytes: 10,
        },
      }),
    );
    expect(await ledger.getRun(runId)).toEqual({
      runId,
      mappingId: 'm',
      mode: 'incremental',
      listerState: 'LISTED',
      startedAt: new Date('2025-01-01T00:00:00.000Z'),
      listedAt: new Date('2025-01-01T01:00:00.000Z'),
      planned: { objects: 4, bytes: 40 },
      skipped: zero,
      copied: { objects: 3, bytes: 30 },
      failed: { objects: 1, bytes: 10 },
      toDelete: zero,
      deleted: zero,
    });
    await ledger.recordOutcome(runId, {
      batchId: 'd',
      copied: zero,
      failed: zero,
      failures: [],
      deleted: { objects: 2, bytes: 5 },
    });
    expect((await ledger.getRun(runId))?.deleted).toEqual({ objects: 2, bytes: 5 });
  });

  test('settling writes only the state (and reason), conditionally', async () => {
    const writes: LedgerWrite[] = [];
    const ledger = ledgerOn(writes);
    const runId = await newSyncRun(ledger);
    writes.length = 0;
    await ledger.settleDeletes(runId, { state: 'REFUSED', reason: 'the source listed no object' });
    await ledger.settleDeletes(runId, { state: 'RELEASED' });
    expect(writes).toEqual([{ operation: 'UpdateItem', items: 1, writeUnits: 1 }]);
    const stored = await rawItem(runKey(runId));
    expect(stored?.deleteState).toBe('REFUSED');
    expect(stored?.deleteReason).toBe('the source listed no object');
  });
});
