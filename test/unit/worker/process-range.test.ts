// Shared objects through the worker loop: ranges copied into one upload, completed once, counted once; duplicates,
// a lost claim, a vanished upload, a permanent failure and a contradicting message.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { TransferSettings } from '../../../worker/src/config/types.ts';
import { createSqliteLedger } from '../../../worker/src/embedded/sqlite-ledger.ts';
import { createSqliteWorkQueue, listDeadLetters } from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import {
  encodeRangeWork,
  encodeWorkMessages,
  rangesOfSharedBatch,
  type WorkBatch,
} from '../../../worker/src/queue/work-message.ts';
import { MemoryObjectStore, type MemoryOperation } from '../../../worker/src/storage/memory-object-store.ts';
import { MemoryService } from '../../../worker/src/storage/memory-service.ts';
import { checksumOf, combineChecksums } from '../../../worker/src/transfer/checksum.ts';
import type { DetailedBatchOutcome } from '../../../worker/src/worker/process-batch.ts';
import { runWorkerLoop } from '../../../worker/src/worker/worker-loop.ts';
import { seededRandom } from '../../support/seeded-random.ts';
import { testMapping, testTransferSettings } from '../../support/transfer-fixtures.ts';
import { loopOptions } from './loop-options.ts';

const MiB = 1024 * 1024;
const settings = testTransferSettings({ multipartThresholdBytes: 8 * MiB, partSizeBytes: 5 * MiB });
const mapping = testMapping();
/** 5 parts of 5 MiB (the last shorter) in 3 ranges: parts 1-2, 3-4, 5. */
const SIZE = 22 * MiB + 12_345;
const RANGES = 3;

function bytesOf(seed: number, size: number): Buffer {
  const random = seededRandom(seed);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4)
    bytes.writeUInt32LE(Math.floor(random() * 2 ** 32), i - (i + 4 > size ? 4 : 0));
  return bytes;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function setup(
  options: { sameService?: boolean; beforeDestination?: (op: MemoryOperation) => void } = {},
) {
  const db = openStateDb(':memory:');
  const ledger = createSqliteLedger({ db, clock: systemClock });
  const queue = createSqliteWorkQueue({ db, clock: systemClock, maxReceiveCount: 5, pollIntervalMs: 10 });
  const service = options.sameService ? new MemoryService() : undefined;
  const source = new MemoryObjectStore({ bucket: 'src', ...(service ? { service } : {}) });
  const destination = new MemoryObjectStore({
    bucket: 'dst',
    ...(service ? { service } : {}),
    ...(options.beforeDestination ? { beforeOperation: options.beforeDestination } : {}),
  });
  const body = bytesOf(7, SIZE);
  const head = source.seed('in/giant.bin', body, {
    contentType: 'video/mp4',
    userMetadata: { origin: 'tape' },
  });
  const batch: WorkBatch = {
    runId: 'run',
    mappingId: 'm',
    batchId: 'giant-batch',
    items: [{ key: 'in/giant.bin', size: SIZE, etag: head.etag }],
    shared: { partSizeBytes: 5 * MiB, rangeCount: RANGES },
  };
  await ledger.startRun({ runId: 'run', mappingId: 'm', mode: 'full', startedAt: new Date() });
  const outcomes: DetailedBatchOutcome[] = [];
  const work = (loop: { maxMessagesInFlight?: number; settings?: TransferSettings } = {}) =>
    runWorkerLoop({
      ...loopOptions({
        queue,
        ledger,
        runtime: { mapping, source, destination },
        settings: loop.settings ?? settings,
      }),
      maxMessagesInFlight: loop.maxMessagesInFlight ?? 3,
      shouldStop: async () => true,
      retryDelaySec: 0,
      onOutcome: (_runId, _mappingId, outcome) => outcomes.push(outcome),
    });
  const bodies = encodeWorkMessages(batch);
  const expectCopied = async (deadLettered = 0): Promise<void> => {
    const copy = await destination.read('out/giant.bin');
    expect(sha256(copy.bytes)).toBe(sha256(body));
    const partChecksums = await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => ({
        value: await checksumOf('CRC32C', body.subarray(i * 5 * MiB, Math.min((i + 1) * 5 * MiB, SIZE))),
        length: Math.min(5 * MiB, SIZE - i * 5 * MiB),
      })),
    );
    expect(copy.head.checksum).toEqual({
      algorithm: 'CRC32C',
      value: combineChecksums('CRC32C', partChecksums),
      type: 'FULL_OBJECT',
    });
    expect(copy.head.metadata).toEqual({ contentType: 'video/mp4', userMetadata: { origin: 'tape' } });
    const run = await ledger.getRun('run');
    expect(run?.copied).toEqual({ objects: 1, bytes: SIZE });
    expect(run?.failed).toEqual({ objects: 0, bytes: 0 });
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered });
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.results).toEqual([
      expect.objectContaining({ ok: true, copy: expect.objectContaining({ key: 'out/giant.bin' }) }),
    ]);
    const record = await ledger.recallSharedUpload({ runId: 'run', batchId: 'giant-batch' });
    expect(record?.state).toBe('DONE');
    expect(record?.doneRanges).toEqual([0, 1, 2]);
    const remembered = await ledger.recallCopies('m', ['out/giant.bin']);
    expect(remembered.get('out/giant.bin')).toEqual({
      key: 'out/giant.bin',
      sourceEtag: head.etag,
      sourceSize: SIZE,
      destinationEtag: copy.head.etag,
    });
  };
  return { db, ledger, queue, source, destination, batch, bodies, work, expectCopied, outcomes };
}

describe('shared objects in the worker loop', () => {
  test('three ranges, one of them delivered twice: copied byte-exact with its checksum, counted once', async () => {
    const s = await setup();
    const [first] = s.bodies;
    await s.queue.send([...s.bodies, first ?? '']);
    await s.work();
    await s.expectCopied();
  });

  test('ranges copied inside one service: the parts are copied server-side into the shared upload', async () => {
    const operations: MemoryOperation[] = [];
    const s = await setup({ sameService: true, beforeDestination: (op) => void operations.push(op) });
    await s.queue.send(s.bodies);
    await s.work();
    await s.expectCopied();
    expect(operations).not.toContain('uploadPart');
  });

  test("a worker configured with another checksum algorithm uploads its parts with the upload's", async () => {
    const s = await setup();
    await s.queue.send([s.bodies[0] ?? '']);
    await s.work();
    await s.queue.send(s.bodies.slice(1));
    await s.work({ settings: { ...settings, checksumAlgorithm: 'CRC32' } });
    await s.expectCopied();
  });

  test('workers racing to claim: one upload wins, the others are aborted', async () => {
    const operations: MemoryOperation[] = [];
    const s = await setup({ beforeDestination: (op) => void operations.push(op) });
    await s.queue.send(s.bodies);
    await s.work({ maxMessagesInFlight: 3 });
    await s.expectCopied();
    // All three ranges start before any claim is recorded: three uploads made, two of them aborted.
    expect(operations.filter((op) => op === 'startMultipart')).toHaveLength(3);
    expect(operations.filter((op) => op === 'abortMultipart')).toHaveLength(2);
  });

  test('an upload that vanishes after a range is in: replaced, the lost range sent again, finished', async () => {
    const s = await setup();
    const ref = { runId: 'run', batchId: 'giant-batch' };
    await s.queue.send([s.bodies[0] ?? '']);
    await s.work();
    const before = await s.ledger.recallSharedUpload(ref);
    expect(before?.doneRanges).toEqual([0]);
    // A lifecycle rule (or anyone) aborts the upload while the other ranges wait in the queue.
    await s.destination.abortMultipart({ key: 'out/giant.bin', uploadId: before?.uploadId ?? '' });
    await s.queue.send(s.bodies.slice(1));
    await s.work();
    await s.expectCopied();
    const after = await s.ledger.recallSharedUpload(ref);
    expect(after?.uploadId).not.toBe(before?.uploadId);
  });

  test('a range that fails for good fails the object once and aborts its upload; later ranges change nothing', async () => {
    let uploadParts = 0;
    const s = await setup({
      beforeDestination: (op) => {
        if (op === 'uploadPart') uploadParts += 1;
      },
    });
    const ref = { runId: 'run', batchId: 'giant-batch' };
    await s.queue.send([s.bodies[0] ?? '']);
    await s.work();
    const claimed = await s.ledger.recallSharedUpload(ref);
    s.source.remove('in/giant.bin');
    await s.queue.send([s.bodies[1] ?? '', s.bodies[1] ?? '', s.bodies[2] ?? '']);
    await s.work({ maxMessagesInFlight: 1 });
    const run = await s.ledger.getRun('run');
    expect(run?.failed).toEqual({ objects: 1, bytes: SIZE });
    expect(run?.copied).toEqual({ objects: 0, bytes: 0 });
    const { failures } = await s.ledger.listFailures('run', { limit: 10 });
    expect(failures).toEqual([expect.objectContaining({ key: 'in/giant.bin', errorClass: 'NotFound' })]);
    expect((await s.ledger.recallSharedUpload(ref))?.state).toBe('FAILED');
    await expect(
      s.destination.listParts({ key: 'out/giant.bin', uploadId: claimed?.uploadId ?? '' }),
    ).rejects.toMatchObject({ errorClass: 'NotFound' });
    expect(await s.destination.head('out/giant.bin')).toBeUndefined();
    expect(s.outcomes).toHaveLength(1);
    expect(uploadParts).toBe(2);
    expect(await s.queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  test('a range message that contradicts the recorded upload goes to the dead-letter queue', async () => {
    const s = await setup();
    await s.queue.send([s.bodies[0] ?? '']);
    await s.work();
    // The same object and batch id, cut differently: 5 ranges of one part.
    const other = rangesOfSharedBatch({ ...s.batch, shared: { partSizeBytes: 5 * MiB, rangeCount: 5 } }, [1]);
    await s.queue.send(other.map(encodeRangeWork));
    await s.work();
    expect(listDeadLetters(s.db).map((letter) => letter.reason)).toEqual([
      expect.stringMatching(/disagrees with the shared upload/),
    ]);
    await s.queue.send(s.bodies.slice(1));
    await s.work();
    await s.expectCopied(1);
  });
});
