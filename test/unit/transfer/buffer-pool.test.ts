// The part-buffer pool: reuse when a free buffer fits, nothing pooled below the minimum, a bounded free list.
import { describe, expect, test } from 'vitest';
import { createBufferPool } from '../../../worker/src/transfer/buffer-pool.ts';

const MiB = 1024 * 1024;

describe('createBufferPool', () => {
  test('a released buffer is handed out again for a size it fits', () => {
    const pool = createBufferPool({ maxPooledBytes: 64 * MiB });
    const first = pool.acquire(8 * MiB)!;
    pool.release(first);
    expect(pool.acquire(7 * MiB)).toBe(first);
    expect(pool.acquire(8 * MiB)).not.toBe(first);
  });

  test('a buffer more than twice the size asked is not wasted on it', () => {
    const pool = createBufferPool({ maxPooledBytes: 64 * MiB });
    const big = pool.acquire(16 * MiB)!;
    pool.release(big);
    const small = pool.acquire(2 * MiB)!;
    expect(small).not.toBe(big);
    expect(small.byteLength).toBe(2 * MiB);
  });

  test('small reads are not pooled', () => {
    const pool = createBufferPool({ maxPooledBytes: 64 * MiB });
    expect(pool.acquire(16 * 1024)).toBeUndefined();
  });

  test('free buffers beyond the budget are dropped', () => {
    const pool = createBufferPool({ maxPooledBytes: 10 * MiB });
    const a = pool.acquire(8 * MiB)!;
    const b = pool.acquire(8 * MiB)!;
    pool.release(a);
    pool.release(b);
    expect(pool.acquire(8 * MiB)).toBe(a);
    expect(pool.acquire(8 * MiB)).not.toBe(b);
  });
});
