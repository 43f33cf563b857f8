// processDeletes on in-memory stores: what it deletes and counts, what it refuses and why, what makes a message poison.
import { describe, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import type { DeleteItem } from '../../../worker/src/ports/ledger.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import type { DeleteBatch } from '../../../worker/src/queue/work-message.ts';
import { MemoryObjectStore } from '../../../worker/src/storage/memory-object-store.ts';
import { deleteBatchResult, processDeletes } from '../../../worker/src/worker/process-deletes.ts';
import { testMapping, testTransferSettings } from '../../support/transfer-fixtures.ts';

const mapping = testMapping();

function setup(options: { failFirstRequests?: number; failWith?: FerryError } = {}) {
  let requests = 0;
  const destination = new MemoryObjectStore({
    bucket: 'dst',
    beforeOperation: (operation) => {
      if (operation !== 'deleteObjects') return;
      requests += 1;
      const failing = options.failFirstRequests ?? 0;
      if (requests <= failing) throw options.failWith ?? new FerryError('Throttled', 'SlowDown');
    },
  });
  const runtime = { mapping, source: new MemoryObjectStore({ bucket: 'src' }), destination };
  const deps = {
    settings: testTransferSettings({ maxAttempts: 3 }),
    clock: systemClock,
    logger: silentLogger,
    backoff: { baseDelayMs: 0, maxDelayMs: 0 },
  };
  /** Seeds an object at the destination and returns it as the listing saw it. */
  const seed = (key: string, body = `body of ${key}`): DeleteItem => {
    const head = destination.seed(key, Buffer.from(body));
    return { key, size: head.size, etag: head.etag };
  };
  const run = (items: DeleteItem[]) => processDeletes(batchOf(items), runtime, deps);
  return { destination, seed, run, requests: () => requests };
}

function batchOf(items: DeleteItem[]): DeleteBatch {
  return { runId: 'run', mappingId: 'm', batchId: 'd1', items };
}

describe('processDeletes', () => {
  test('deletes the objects and counts them with their listed bytes; a key already gone counts as deleted', async () => {
    const { destination, seed, run } = setup();
    const items = [seed('out/a'), seed('out/b/c', 'a longer body'), seed('out/gone')];
    seed('out/kept');
    destination.remove('out/gone');
    const { outcome, retryable } = await run(items);
    const bytes = items.reduce((sum, item) => sum + item.size, 0);
    expect(outcome).toMatchObject({
      batchId: 'd1',
      copied: { objects: 0, bytes: 0 },
      deleted: { objects: 3, bytes },
      failed: { objects: 0, bytes: 0 },
      failures: [],
    });
    // One result per object, with the source key it mirrored, for the manifest.
    expect(outcome.results).toEqual([
      { ok: true, item: items[0], sourceKey: 'in/a' },
      { ok: true, item: items[1], sourceKey: 'in/b/c' },
      { ok: true, item: items[2], sourceKey: 'in/gone' },
    ]);
    expect(retryable).toBe(false);
    expect(await destination.head('out/a')).toBeUndefined();
    expect(await destination.head('out/b/c')).toBeUndefined();
    expect(await destination.head('out/kept')).toBeDefined();
  });

  test('an object changed since it was listed is kept and recorded as a refused delete, not retried', async () => {
    const { destination, seed, run, requests } = setup();
    const changed = seed('out/changed', 'as listed');
    const other = seed('out/other');
    seed('out/changed', 'rewritten since, by someone else');
    const { outcome, retryable } = await run([changed, other]);
    expect(outcome.deleted).toEqual({ objects: 1, bytes: other.size });
    expect(outcome.failed).toEqual({ objects: 1, bytes: changed.size });
    expect(outcome.failures).toEqual([
      {
        key: 'out/changed',
        errorClass: 'SourceChanged',
        message: expect.stringMatching(
          /delete refused: the object changed since it was listed.*PreconditionFailed/,
        ),
        attempts: 1,
      },
    ]);
    expect(outcome.failures[0]?.message).toContain(changed.etag);
    expect(outcome.results).toEqual([
      { ok: false, item: changed, sourceKey: 'in/changed', failure: outcome.failures[0] },
      { ok: true, item: other, sourceKey: 'in/other' },
    ]);
    expect(retryable).toBe(false);
    expect(requests()).toBe(1);
    expect(Buffer.from((await destination.read('out/changed')).bytes).toString()).toBe(
      'rewritten since, by someone else',
    );
    expect(await destination.head('out/other')).toBeUndefined();
  });

  test('a key outside the destination prefix makes the message poison, and nothing is deleted', async () => {
    const { destination, seed, run, requests } = setup();
    const inside = seed('out/a');
    // A source key: right for a copy batch, never for a delete.
    const outside = seed('in/a');
    const failure = await run([inside, outside]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FerryError);
    expect(failure).toMatchObject({ errorClass: 'InvalidObject' });
    expect((failure as FerryError).message).toMatch(/"in\/a" is outside the destination prefix of mapping m/);
    expect(requests()).toBe(0);
    expect(await destination.head('out/a')).toBeDefined();
    expect(await destination.head('in/a')).toBeDefined();
  });

  test('a throttled request is retried within the delivery, then deletes', async () => {
    const { destination, seed, run, requests } = setup({ failFirstRequests: 2 });
    const item = seed('out/a');
    const { outcome, retryable } = await run([item]);
    expect(requests()).toBe(3);
    expect(outcome.deleted).toEqual({ objects: 1, bytes: item.size });
    expect(retryable).toBe(false);
    expect(await destination.head('out/a')).toBeUndefined();
  });

  test('a request throttled on every attempt fails every object retryably, with its attempts', async () => {
    const { destination, seed, run } = setup({ failFirstRequests: 99 });
    const items = [seed('out/a'), seed('out/b')];
    const { outcome, retryable } = await run(items);
    expect(outcome.deleted).toEqual({ objects: 0, bytes: 0 });
    expect(outcome.failed).toEqual({ objects: 2, bytes: items[0]!.size + items[1]!.size });
    expect(outcome.failures.map(({ key, errorClass, attempts }) => ({ key, errorClass, attempts }))).toEqual([
      { key: 'out/a', errorClass: 'Throttled', attempts: 3 },
      { key: 'out/b', errorClass: 'Throttled', attempts: 3 },
    ]);
    expect(retryable).toBe(true);
    expect(await destination.head('out/a')).toBeDefined();
  });

  test('a request refused for good is not retried: every object fails with its class', async () => {
    const denied = new FerryError('AccessDenied', 'DeleteObjects: AccessDenied (HTTP 403)');
    const { seed, run, requests } = setup({ failFirstRequests: 99, failWith: denied });
    const item = seed('out/a');
    const { outcome, retryable } = await run([item]);
    expect(requests()).toBe(1);
    expect(outcome.failures).toEqual([
      {
        key: 'out/a',
        errorClass: 'AccessDenied',
        message: 's3://dst/out/a: delete refused: DeleteObjects: AccessDenied (HTTP 403)',
        attempts: 1,
      },
    ]);
    expect(outcome.results).toEqual([{ ok: false, item, sourceKey: 'in/a', failure: outcome.failures[0] }]);
    expect(retryable).toBe(false);
  });
});

describe('deleteBatchResult', () => {
  const items: DeleteItem[] = [
    { key: 'out/a', size: 1, etag: 'e1' },
    { key: 'out/b', size: 10, etag: 'e2' },
    { key: 'out/c', size: 100, etag: 'e3' },
    { key: 'out/d', size: 1000, etag: 'e4' },
  ];
  const result = deleteBatchResult({
    batch: batchOf(items),
    mapping: testMapping({ source: { endpoint: 's', bucket: 'src', prefix: 'data/in/' } }),
    urlOf: (key) => `s3://dst/${key}`,
    report: {
      ok: true,
      attempts: 2,
      outcome: {
        deleted: ['out/a'],
        errors: [
          { key: 'out/b', code: 'AccessDenied', message: 'Access Denied' },
          { key: 'out/c', code: 'SlowDown', message: 'Please reduce your request rate.' },
        ],
      },
    },
  });

  test('each key the service refused is a failure classed from its code; an unreported key fails too', () => {
    expect(result.outcome.deleted).toEqual({ objects: 1, bytes: 1 });
    expect(result.outcome.failed).toEqual({ objects: 3, bytes: 1110 });
    expect(result.outcome.failures).toEqual([
      {
        key: 'out/b',
        errorClass: 'AccessDenied',
        message: 's3://dst/out/b: delete refused: AccessDenied: Access Denied',
        attempts: 2,
      },
      {
        key: 'out/c',
        errorClass: 'Throttled',
        message: 's3://dst/out/c: delete refused: SlowDown: Please reduce your request rate.',
        attempts: 2,
      },
      expect.objectContaining({
        key: 'out/d',
        errorClass: 'Internal',
        message: expect.stringMatching(/NotReported/),
      }),
    ]);
  });

  test('each object has its result: deleted, or failed with the same record as the failures', () => {
    expect(result.outcome.results).toEqual([
      { ok: true, item: items[0], sourceKey: 'data/in/a' },
      { ok: false, item: items[1], sourceKey: 'data/in/b', failure: result.outcome.failures[0] },
      { ok: false, item: items[2], sourceKey: 'data/in/c', failure: result.outcome.failures[1] },
      { ok: false, item: items[3], sourceKey: 'data/in/d', failure: result.outcome.failures[2] },
    ]);
  });

  test('a throttled key makes the batch worth another delivery', () => {
    expect(result.retryable).toBe(true);
  });
});
