import { describe, expect, test } from 'vitest';
import { createSqliteLedger } from '../../../worker/src/embedded/sqlite-ledger.ts';
import { createSqliteWorkQueue, listDeadLetters } from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import { encodeWorkBatch, type WorkBatch } from '../../../worker/src/queue/work-message.ts';
import { MemoryObjectStore } from '../../../worker/src/storage/memory-object-store.ts';
import { checksumOf } from '../../../worker/src/transfer/checksum.ts';
import { runWorkerLoop } from '../../../worker/src/worker/worker-loop.ts';
import { testMapping, testTransferSettings } from '../../support/transfer-fixtures.ts';
import { loopOptions } from './loop-options.ts';

const settings = testTransferSettings();
const mapping = testMapping();

async function setup(keys: string[]) {
  const db = openStateDb(':memory:');
  const ledger = createSqliteLedger({ db, clock: systemClock });
  const queue = createSqliteWorkQueue({ db, clock: systemClock, maxReceiveCount: 3, pollIntervalMs: 10 });
  const source = new MemoryObjectStore({ bucket: 'src' });
  const destination = new MemoryObjectStore({ bucket: 'dst' });
  const items = [];
  for (const key of keys) {
    const bytes = Buffer.from(`body of ${key}`);
    const checksum = {
      algorithm: 'CRC32C' as const,
      value: await checksumOf('CRC32C', bytes),
      type: 'FULL_OBJECT' as const,
    };
    const { etag } = await source.put(key, bytes, { metadata: { userMetadata: {} }, checksum });
    items.push({ key, size: bytes.length, etag });
  }
  await ledger.startRun({ runId: 'run', mappingId: 'm', mode: 'full', startedAt: new Date() });
  const work = (options: { stopWhenEmpty: boolean; waitSec?: number; signal?: AbortSignal }) =>
    runWorkerLoop({
      ...loopOptions({ queue, ledger, runtime: { mapping, source, destination }, settings }),
      maxMessagesInFlight: 4,
      waitSec: options.waitSec ?? 0,
      shouldStop: async () => options.stopWhenEmpty,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  return { db, ledger, queue, destination, items, work };
}

const batch = (items: WorkBatch['items'], batchId = 'b1'): WorkBatch => ({
  runId: 'run',
  mappingId: 'm',
  batchId,
  items,
});

describe('runWorkerLoop', () => {
  test('a batch delivered twice is copied and counted once per batch id', async () => {
    const { ledger, queue, destination, items, work } = await setup(['in/a', 'in/b', 'in/c']);
    const body = encodeWorkBatch(batch(items));
    await queue.send([body, body]);
    await work({ stopWhenEmpty: true });
    const run = await ledger.getRun('run');
    expect(run?.copied).toEqual({ objects: 3, bytes: items.reduce((a, item) => a + item.size, 0) });
    expect(Buffer.from((await destination.read('out/b')).bytes).toString()).toBe('body of in/b');
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  test('stopping during a long poll hands what the poll brings straight back, not after a lease', async () => {
    const { ledger, queue, items, work } = await setup(['in/a']);
    // Like SQS: aborting the request does not stop the server, which may still lease a message to the dead poll.
    const receive = queue.receive.bind(queue);
    const polls: Promise<unknown>[] = [];
    queue.receive = (options) => {
      const { signal, ...rest } = options;
      const polled = receive(rest);
      polls.push(polled);
      if (!signal) return polled;
      const aborted = new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      );
      return Promise.race([polled, aborted]);
    };
    const stop = new AbortController();
    const working = work({ stopWhenEmpty: false, waitSec: 2, signal: stop.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop.abort();
    // The message arrives after the stop, while the poll is still open: the poll gets it, the loop releases it.
    await queue.send([encodeWorkBatch(batch(items))]);
    await working;
    await Promise.all(polls);
    expect(await queue.depth()).toEqual({ visible: 1, inFlight: 0, deadLettered: 0 });
    expect((await ledger.getRun('run'))?.copied.objects).toBe(0);
  });

  test('poison messages go to the dead-letter queue with a reason, and the worker keeps going', async () => {
    const { db, ledger, queue, items, work } = await setup(['in/a']);
    const outside = { key: 'elsewhere/x', size: 1, etag: 'e' };
    await queue.send([
      'not json at all',
      JSON.stringify({ v: 9 }),
      encodeWorkBatch({ ...batch(items, 'b2'), runId: 'no-such-run' }),
      encodeWorkBatch({ ...batch(items, 'b3'), mappingId: 'unknown' }),
      encodeWorkBatch(batch([outside], 'b4')),
      encodeWorkBatch(batch(items, 'good')),
    ]);
    await work({ stopWhenEmpty: true });
    const reasons = listDeadLetters(db)
      .map((letter) => letter.reason)
      .sort();
    expect(reasons).toHaveLength(5);
    expect(reasons.join('\n')).toMatch(/not JSON/);
    expect(reasons.join('\n')).toMatch(/unknown version/);
    expect(reasons.join('\n')).toMatch(/unknown run no-such-run/);
    expect(reasons.join('\n')).toMatch(/unknown mapping unknown/);
    expect(reasons.join('\n')).toMatch(/outside the source prefix/);
    expect((await ledger.getRun('run'))?.copied.objects).toBe(1);
  });

  test('an object missing at the source is a recorded failure with its class, not a loop', async () => {
    const { ledger, queue, items, work } = await setup(['in/a']);
    await queue.send([encodeWorkBatch(batch([...items, { key: 'in/gone', size: 5, etag: 'x' }]))]);
    await work({ stopWhenEmpty: true });
    const run = await ledger.getRun('run');
    expect(run?.copied.objects).toBe(1);
    expect(run?.failed.objects).toBe(1);
    const { failures } = await ledger.listFailures('run', { limit: 10 });
    expect(failures).toEqual([expect.objectContaining({ key: 'in/gone', errorClass: 'NotFound' })]);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });
});
