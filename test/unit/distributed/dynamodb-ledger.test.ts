// The DynamoDB ledger on moto beyond the shared contract: S3's longest keys, outcomes with more failures than one
// transaction holds, duplicates, a crash between the transaction and its deferred failures, concurrency, retried
// conflicts, optional copy records, and what each batch costs in write units.
import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { batchMarkerKey } from '../../../worker/src/distributed/dynamodb-keys.ts';
import { createDynamoDbLedger, INLINE_FAILURES } from '../../../worker/src/distributed/dynamodb-ledger.ts';
import type { LedgerWrite } from '../../../worker/src/distributed/dynamodb-table.ts';
import type { Clock } from '../../../worker/src/ports/clock.ts';
import type {
  BatchOutcome,
  CopyRecord,
  FailureRecord,
  RunLedger,
  UploadRecord,
} from '../../../worker/src/ports/ledger.ts';
import { compareUtf8 } from '../../contract/ledger.contract.ts';
import { failNextCalls, motoDynamoDb, useLedgerTable } from './dynamodb-fixture.ts';

const table = useLedgerTable('ledger');
const { tableName } = table;
let client: DynamoDBClient;
beforeAll(() => {
  client = table.client();
});

/** A clock whose sleeps return at once and are remembered. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => new Date(), sleep: async (ms) => void sleeps.push(ms) };
}

function ledgerOn(
  options: { client?: DynamoDBClient; rememberCopies?: boolean; writes?: LedgerWrite[]; clock?: Clock } = {},
) {
  return createDynamoDbLedger({
    client: options.client ?? client,
    tableName,
    clock: options.clock ?? recordingClock(),
    ...(options.rememberCopies === undefined ? {} : { rememberCopies: options.rememberCopies }),
    ...(options.writes ? { onWrite: (write: LedgerWrite) => options.writes?.push(write) } : {}),
  });
}

async function newRun(ledger: RunLedger): Promise<string> {
  const runId = `run-${randomUUID()}`;
  await ledger.startRun({ runId, mappingId: `mapping-${randomUUID()}`, mode: 'full', startedAt: new Date() });
  return runId;
}

function failure(key: string, attempts = 1): FailureRecord {
  return { key, errorClass: 'AccessDenied', message: `denied: ${key}`, attempts };
}

function outcomeOf(
  batchId: string,
  options: { copied: number; failures: readonly FailureRecord[] },
): BatchOutcome {
  return {
    batchId,
    copied: { objects: options.copied, bytes: options.copied * 100 },
    failed: { objects: options.failures.length, bytes: options.failures.length * 3 },
    failures: options.failures,
  };
}

async function allFailures(ledger: RunLedger, runId: string): Promise<FailureRecord[]> {
  const all: FailureRecord[] = [];
  let after: string | undefined;
  do {
    const page = await ledger.listFailures(runId, { limit: 40, ...(after === undefined ? {} : { after }) });
    all.push(...page.failures);
    after = page.next;
  } while (after !== undefined);
  return all;
}

async function doneMarker(runId: string, batchId: string) {
  const doc = DynamoDBDocumentClient.from(client);
  const output = await doc.send(
    new GetCommand({
      TableName: tableName,
      Key: batchMarkerKey({ runId, batchId, kind: 'DONE' }),
      ConsistentRead: true,
    }),
  );
  return output.Item;
}

/** 256 emoji: 1024 bytes of UTF-8, the longest key S3 stores. */
const longestS3Key = '\u{1F600}'.repeat(256);

describe('S3-sized and longer keys', () => {
  test('failures with 1024-byte keys are stored, listed in byte order and paged after such a key', async () => {
    const ledger = ledgerOn();
    const runId = await newRun(ledger);
    const keys = [longestS3Key, `${'\u{1F600}'.repeat(255)}a`, 'a', `${'é'.repeat(511)}z`, '\uFFFD'];
    await ledger.recordOutcome(
      runId,
      outcomeOf('b1', { copied: 0, failures: keys.map((key) => failure(key)) }),
    );
    const expected = [...keys].sort(compareUtf8);
    expect((await allFailures(ledger, runId)).map((each) => each.key)).toEqual(expected);
    const page = await ledger.listFailures(runId, { limit: 2, after: expected[1] ?? '' });
    expect(page.failures.map((each) => each.key)).toEqual(expected.slice(2, 4));
    expect(page.next).toBe(expected[3]);
  });

  test('failures with keys over 1024 bytes keep their full keys, also when they share the first kilobyte', async () => {
    const ledger = ledgerOn();
    const runId = await newRun(ledger);
    const shared = 'k'.repeat(1100);
    const keys = [`${shared}/b`, `${shared}/a`, 'j', 'l', `${longestS3Key}${longestS3Key}`];
    await ledger.recordOutcome(
      runId,
      outcomeOf('b1', { copied: 0, failures: keys.map((key) => failure(key)) }),
    );
    const listed = (await allFailures(ledger, runId)).map((each) => each.key);
    expect(new Set(listed)).toEqual(new Set(keys));
    expect(listed).toHaveLength(keys.length);
    // Keys that do not share a shortened prefix keep S3's order among themselves and against the long ones.
    expect(listed.indexOf('j')).toBeLessThan(listed.indexOf(`${shared}/a`));
    expect(listed.indexOf(`${shared}/b`)).toBeLessThan(listed.indexOf('l'));
  });

  test('copies and uploads of a 1024-byte key round-trip', async () => {
    const ledger = ledgerOn();
    const mappingId = `mapping-${randomUUID()}`;
    const copy: CopyRecord = { key: longestS3Key, sourceEtag: 'a-2', sourceSize: 7, destinationEtag: 'b-1' };
    await ledger.rememberCopies(mappingId, [copy]);
    expect(await ledger.recallCopies(mappingId, [longestS3Key, 'other'])).toEqual(
      new Map([[longestS3Key, copy]]),
    );
    const upload: UploadRecord = {
      key: longestS3Key,
      uploadId: 'u-1',
      sourceEtag: 'a-2',
      partSize: 8 * 1024 * 1024,
      checksumAlgorithm: 'CRC64NVME',
    };
    await ledger.rememberUpload(mappingId, upload);
    expect(await ledger.recallUpload(mappingId, longestS3Key)).toEqual(upload);
    await ledger.forgetUpload(mappingId, longestS3Key);
    expect(await ledger.recallUpload(mappingId, longestS3Key)).toBeUndefined();
  });

  test('copies of two over-long keys sharing their prefix do not answer for each other', async () => {
    const ledger = ledgerOn();
    const mappingId = `mapping-${randomUUID()}`;
    const shared = 'p'.repeat(2100);
    const copy: CopyRecord = { key: `${shared}/1`, sourceEtag: 'e', sourceSize: 1, destinationEtag: 'd' };
    await ledger.rememberCopies(mappingId, [copy]);
    expect(await ledger.recallCopies(mappingId, [`${shared}/1`, `${shared}/2`])).toEqual(
      new Map([[copy.key, copy]]),
    );
  });
});

describe('outcomes with more failures than a transaction holds', () => {
  const manyFailures = (count: number, attempts = 1) =>
    Array.from({ length: count }, (_, index) => failure(`many/${String(index).padStart(4, '0')}`, attempts));

  test('250 failures: counted once, all listed, the marker no longer pending', async () => {
    const writes: LedgerWrite[] = [];
    const ledger = ledgerOn({ writes });
    const runId = await newRun(ledger);
    writes.length = 0;
    const failures = manyFailures(250);
    expect(await ledger.recordOutcome(runId, outcomeOf('big', { copied: 5, failures }))).toBe(true);
    const run = await ledger.getRun(runId);
    expect(run?.failed).toEqual({ objects: 250, bytes: 750 });
    expect(run?.copied).toEqual({ objects: 5, bytes: 500 });
    expect(await allFailures(ledger, runId)).toEqual(failures);
    expect((await doneMarker(runId, 'big'))?.failuresPending).toBeUndefined();
    const transactions = writes.filter((write) => write.operation === 'TransactWriteItems');
    expect(transactions.map((write) => write.items)).toEqual([2 + INLINE_FAILURES]);
    const deferred = writes.filter((write) => write.operation === 'BatchWriteItem');
    expect(deferred.reduce((sum, write) => sum + write.items, 0)).toBe(250 - INLINE_FAILURES);
  });

  test('a duplicate of it changes nothing: counters, failures and their attempts stay', async () => {
    const ledger = ledgerOn();
    const runId = await newRun(ledger);
    await ledger.recordOutcome(runId, outcomeOf('big', { copied: 1, failures: manyFailures(150, 1) }));
    expect(
      await ledger.recordOutcome(runId, outcomeOf('big', { copied: 1, failures: manyFailures(150, 9) })),
    ).toBe(false);
    const run = await ledger.getRun(runId);
    expect(run?.failed.objects).toBe(150);
    expect(run?.copied.objects).toBe(1);
    const listed = await allFailures(ledger, runId);
    expect(listed).toHaveLength(150);
    expect(listed.every((each) => each.attempts === 1)).toBe(true);
  });

  test('after a crash between the transaction and the deferred failures, the redelivery writes them', async () => {
    const faulty = motoDynamoDb(inject('motoSource'));
    // The 32 deferred failures go in two requests: both fail.
    const crash = failNextCalls(faulty, {
      commandName: 'BatchWriteItemCommand',
      times: 2,
      error: () => new Error('worker killed'),
    });
    const first = ledgerOn({ client: faulty });
    const runId = await newRun(first);
    const failures = manyFailures(130);
    await expect(first.recordOutcome(runId, outcomeOf('b', { copied: 0, failures }))).rejects.toThrow(
      /worker killed/,
    );
    expect(crash.failed()).toBe(2);
    expect((await first.getRun(runId))?.failed.objects).toBe(130);
    expect(await allFailures(first, runId)).toHaveLength(INLINE_FAILURES);
    expect((await doneMarker(runId, 'b'))?.failuresPending).toBe(true);

    const redelivered = ledgerOn();
    expect(await redelivered.recordOutcome(runId, outcomeOf('b', { copied: 0, failures }))).toBe(false);
    expect((await redelivered.getRun(runId))?.failed.objects).toBe(130);
    expect(await allFailures(redelivered, runId)).toEqual(failures);
    expect((await doneMarker(runId, 'b'))?.failuresPending).toBeUndefined();
    faulty.destroy();
  });

  test('one failure listed twice in an outcome is stored once, the later record winning', async () => {
    const ledger = ledgerOn();
    const runId = await newRun(ledger);
    await ledger.recordOutcome(
      runId,
      outcomeOf('b', { copied: 0, failures: [failure('k', 1), failure('k', 2)] }),
    );
    expect((await ledger.listFailures(runId, { limit: 10 })).failures).toEqual([failure('k', 2)]);
  });
});

describe('concurrency and retries', () => {
  test('50 concurrent outcomes, 15 of them duplicates, leave exact counters and failures', async () => {
    const ledger = ledgerOn();
    const runId = await newRun(ledger);
    const distinct = Array.from({ length: 35 }, (_, index) =>
      outcomeOf(`batch-${index}`, {
        copied: index + 1,
        failures: index % 4 === 0 ? [failure(`f/${index}/a`), failure(`f/${index}/b`)] : [],
      }),
    );
    const deliveries = [...distinct, ...distinct.slice(10, 25)];
    const recorded = await Promise.all(deliveries.map((each) => ledger.recordOutcome(runId, each)));
    expect(recorded.filter((first) => first)).toHaveLength(35);
    const copied = distinct.reduce((sum, each) => sum + each.copied.objects, 0);
    const failed = distinct.reduce((sum, each) => sum + each.failed.objects, 0);
    const run = await ledger.getRun(runId);
    expect(run?.copied).toEqual({ objects: copied, bytes: copied * 100 });
    expect(run?.failed).toEqual({ objects: failed, bytes: failed * 3 });
    expect(await allFailures(ledger, runId)).toHaveLength(failed);
  });

  test('a transaction cancelled by a conflict is tried again after a pause, and counts once', async () => {
    const conflicted = motoDynamoDb(inject('motoSource'));
    const conflicts = failNextCalls(conflicted, {
      commandName: 'TransactWriteItemsCommand',
      times: 2,
      error: () =>
        new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
          $metadata: {},
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
        }),
    });
    const clock = recordingClock();
    const setup = ledgerOn();
    const runId = await newRun(setup);
    const ledger = ledgerOn({ client: conflicted, clock });
    expect(
      await ledger.recordPlanned(runId, {
        batchId: 'p',
        planned: { objects: 3, bytes: 3 },
        skipped: { objects: 0, bytes: 0 },
      }),
    ).toBe(true);
    expect(conflicts.failed()).toBe(2);
    expect(clock.sleeps).toHaveLength(2);
    expect((await ledger.getRun(runId))?.planned).toEqual({ objects: 3, bytes: 3 });
    conflicted.destroy();
  });

  test('writes to a run that does not exist are refused', async () => {
    const ledger = ledgerOn();
    const runId = `run-${randomUUID()}`;
    await expect(ledger.recordOutcome(runId, outcomeOf('b', { copied: 1, failures: [] }))).rejects.toThrow(
      `the ledger has no run ${runId}`,
    );
    await expect(
      ledger.recordPlanned(runId, {
        batchId: 'b',
        planned: { objects: 1, bytes: 1 },
        skipped: { objects: 0, bytes: 0 },
      }),
    ).rejects.toThrow(`the ledger has no run ${runId}`);
    await expect(ledger.setListerState(runId, 'LISTED')).rejects.toThrow(`the ledger has no run ${runId}`);
    expect(await ledger.getRun(runId)).toBeUndefined();
  });

  test('ids that cannot be part of a key are refused on write and unknown on read', async () => {
    const ledger = ledgerOn();
    await expect(
      ledger.startRun({ runId: 'a#b', mappingId: 'm', mode: 'full', startedAt: new Date() }),
    ).rejects.toThrow(/cannot store run id/);
    await expect(
      ledger.rememberCopies('m#1', [{ key: 'k', sourceEtag: 'e', sourceSize: 1, destinationEtag: 'd' }]),
    ).rejects.toThrow(/cannot store mapping id/);
    expect(await ledger.getRun('a#b')).toBeUndefined();
  });
});

describe('copy records are optional', () => {
  test('with rememberCopies off, nothing is written and nothing recalled', async () => {
    const writes: LedgerWrite[] = [];
    const mappingId = `mapping-${randomUUID()}`;
    const copy: CopyRecord = { key: 'k', sourceEtag: 'e-2', sourceSize: 1, destinationEtag: 'd' };
    const without = ledgerOn({ rememberCopies: false, writes });
    await without.rememberCopies(mappingId, [copy]);
    expect(writes).toEqual([]);
    await ledgerOn().rememberCopies(mappingId, [copy]);
    expect(await without.recallCopies(mappingId, ['k'])).toEqual(new Map());
    expect(await ledgerOn().recallCopies(mappingId, ['k'])).toEqual(new Map([['k', copy]]));
  });
});

describe('write units', () => {
  test('a batch of 100 small objects costs 4 + 4 units of ledger transactions plus 1 per copy record', async () => {
    const writes: LedgerWrite[] = [];
    const ledger = ledgerOn({ writes });
    const runId = await newRun(ledger);
    const mappingId = (await ledger.getRun(runId))?.mappingId ?? '';
    writes.length = 0;
    const objects = 100;
    const keys = Array.from(
      { length: objects },
      (_, index) => `photos/2025/03/01/IMG_${String(index).padStart(6, '0')}.jpg`,
    );
    await ledger.recordPlanned(runId, {
      batchId: 'b-0001',
      planned: { objects, bytes: objects * 50_000 },
      skipped: { objects: 0, bytes: 0 },
      checkpoint: keys.at(-1) ?? '',
    });
    await ledger.rememberCopies(
      mappingId,
      keys.map((key) => ({
        key,
        sourceEtag: 'a'.repeat(32),
        sourceSize: 50_000,
        destinationEtag: 'b'.repeat(32),
      })),
    );
    await ledger.recordOutcome(runId, outcomeOf('b-0001', { copied: objects, failures: [] }));
    const unitsOf = (operation: string) =>
      writes
        .filter((write) => write.operation === operation)
        .reduce((sum, write) => sum + write.writeUnits, 0);
    expect(unitsOf('TransactWriteItems')).toBe(8);
    expect(unitsOf('BatchWriteItem')).toBe(objects);
    const perMillion = (units: number) => (units / objects) * 1_000_000;
    console.info(
      `DynamoDB write units per million small objects: ${perMillion(8)} without copy records, ` +
        `${perMillion(8 + objects)} with them (batches of ${objects})`,
    );
  });
});
