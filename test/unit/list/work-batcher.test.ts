// The work batcher: batches by count and bytes, large objects alone, ids stable for the same keys.
import { describe, expect, test } from 'vitest';
import {
  batchIdOf,
  batchLimitsFor,
  defaultBatchLimits,
  WorkBatcher,
} from '../../../worker/src/list/work-batcher.ts';
import { decodeWorkBatch, encodeWorkBatch } from '../../../worker/src/queue/work-message.ts';

const item = (key: string, size: number) => ({ key, size, etag: `e-${key}` });

function cut(sizes: number[], limits: { maxItems: number; maxBytes: number }): string[][] {
  const batcher = new WorkBatcher({
    runId: 'r',
    mappingId: 'm',
    limits: { ...limits, maxMessageBytes: 1_000_000 },
  });
  const batches = sizes.flatMap((size, i) => batcher.add(item(`k${i}`, size)));
  const last = batcher.flush();
  return [...batches, ...(last ? [last] : [])].map((batch) => batch.items.map((x) => x.key));
}

describe('WorkBatcher', () => {
  test.each([
    {
      sizes: [1, 1, 1, 1, 1],
      limits: { maxItems: 2, maxBytes: 100 },
      expected: [['k0', 'k1'], ['k2', 'k3'], ['k4']],
    },
    { sizes: [40, 40, 40], limits: { maxItems: 10, maxBytes: 100 }, expected: [['k0', 'k1'], ['k2']] },
    { sizes: [1, 500, 1], limits: { maxItems: 10, maxBytes: 100 }, expected: [['k0'], ['k1'], ['k2']] },
    { sizes: [500], limits: { maxItems: 10, maxBytes: 100 }, expected: [['k0']] },
    { sizes: [50, 50, 1], limits: { maxItems: 10, maxBytes: 100 }, expected: [['k0', 'k1'], ['k2']] },
    { sizes: [0, 0, 0], limits: { maxItems: 10, maxBytes: 100 }, expected: [['k0', 'k1', 'k2']] },
  ])('sizes $sizes with $limits', ({ sizes, limits, expected }) => {
    expect(cut(sizes, limits)).toEqual(expected);
  });

  test('an add that closes the batch before it and its own returns both, in order', () => {
    const batcher = new WorkBatcher({
      runId: 'r',
      mappingId: 'm',
      limits: { maxItems: 10, maxBytes: 100, maxMessageBytes: 1_000_000 },
    });
    expect(batcher.add(item('a', 10))).toEqual([]);
    const closed = batcher.add(item('b', 200));
    expect(closed.map((batch) => batch.items.map((x) => x.key))).toEqual([['a'], ['b']]);
    expect(batcher.pending).toBe(0);
  });

  test('long escaped keys close a batch before its message would pass the byte limit', () => {
    const batcher = new WorkBatcher({
      runId: 'r',
      mappingId: 'm',
      limits: { maxItems: 100, maxBytes: 1_000_000, maxMessageBytes: 20_000 },
    });
    const key = (i: number) => `${String(i).padStart(3, '0')}${'\u0001'.repeat(1000)}`; // each escapes to 6 bytes
    const batches = Array.from({ length: 10 }, (_, i) => batcher.add(item(key(i), 1))).flat();
    const last = batcher.flush();
    const all = [...batches, ...(last ? [last] : [])];
    expect(all.length).toBeGreaterThan(2);
    for (const batch of all)
      expect(Buffer.byteLength(encodeWorkBatch(batch))).toBeLessThanOrEqual(20_000 + 200);
    expect(all.flatMap((batch) => batch.items.map((x) => x.key))).toEqual(
      Array.from({ length: 10 }, (_, i) => key(i)),
    );
  });

  test('keys with U+FFFE and U+FFFF travel escaped and decode unchanged', () => {
    const batch = { runId: 'r', mappingId: 'm', batchId: 'b', items: [item('odd\uFFFE\uFFFFkey', 1)] };
    const body = encodeWorkBatch(batch);
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(decodeWorkBatch(body)).toEqual(batch);
  });

  test('batch ids depend on run and keys only', () => {
    const items = [item('a', 1), item('b', 2)];
    expect(batchIdOf('r', items)).toBe(batchIdOf('r', [item('a', 9), item('b', 9)]));
    expect(batchIdOf('r', items)).not.toBe(batchIdOf('other', items));
    expect(batchIdOf('r', items)).not.toBe(batchIdOf('r', [item('a', 1), item('c', 2)]));
  });

  test('an object at the sharing threshold travels alone as a shared batch, after whatever was pending', () => {
    const MiB = 1024 * 1024;
    const batcher = new WorkBatcher({
      runId: 'r',
      mappingId: 'm',
      limits: {
        ...defaultBatchLimits,
        sharing: { thresholdBytes: 20 * MiB, rangeSizeBytes: 10 * MiB, minPartSizeBytes: 5 * MiB },
      },
    });
    expect(batcher.add(item('a', 10))).toEqual([]);
    const closed = batcher.add(item('giant', 40 * MiB));
    expect(closed.map((batch) => batch.items.map((x) => x.key))).toEqual([['a'], ['giant']]);
    expect(closed[0]?.shared).toBeUndefined();
    expect(closed[1]).toEqual({
      runId: 'r',
      mappingId: 'm',
      batchId: batchIdOf('r', [item('giant', 40 * MiB)]),
      items: [item('giant', 40 * MiB)],
      shared: { partSizeBytes: 5 * MiB, rangeCount: 4 },
    });
    expect(batcher.pending).toBe(0);
    // Just below the threshold: an ordinary batch of its own (it passes maxBytes here only by being large).
    expect(batcher.add(item('big', 20 * MiB - 1))[0]?.shared).toBeUndefined();
  });

  test('batchLimitsFor takes the sharing settings and part size from the configuration, with defaults', () => {
    const transfer = {
      concurrency: 1,
      multipartThresholdBytes: 1,
      partSizeBytes: 16 * 1024 * 1024,
      maxPartsInFlight: 1,
      checksumAlgorithm: 'CRC32C' as const,
      maxAttempts: 1,
    };
    expect(batchLimitsFor(transfer).sharing).toEqual({
      thresholdBytes: 4 * 1024 ** 3,
      rangeSizeBytes: 1024 ** 3,
      minPartSizeBytes: 16 * 1024 * 1024,
    });
    const configured = batchLimitsFor({ ...transfer, sharedObjectThresholdBytes: 99, rangeSizeBytes: 77 });
    expect(configured.sharing).toMatchObject({ thresholdBytes: 99, rangeSizeBytes: 77 });
    expect(configured.maxItems).toBe(defaultBatchLimits.maxItems);
  });
});
