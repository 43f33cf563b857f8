import { describe, expect, it } from 'vitest';
import type { MappingConfig } from '../../../worker/src/config/types.ts';
import type { Clock } from '../../../worker/src/ports/clock.ts';
import { type SamplePlanOptions, samplePlan } from '../../../worker/src/review/sample-plan.ts';
import { MemoryObjectStore } from '../../../worker/src/storage/memory-object-store.ts';
import { MemoryService } from '../../../worker/src/storage/memory-service.ts';
import { createManualClock } from '../../support/manual-clock.ts';
import { testTransferSettings } from '../../support/transfer-fixtures.ts';

const MiB = 1024 * 1024;

const transfer = testTransferSettings({ maxAttempts: 1 });

function mapping(overrides: Partial<MappingConfig> = {}): MappingConfig {
  return {
    id: 'media',
    source: { endpoint: 'src', bucket: 'in', prefix: 'data/' },
    destination: { endpoint: 'dst', bucket: 'out', prefix: 'copy/' },
    include: [],
    exclude: [],
    ...overrides,
  };
}

/** Two stores on different services (no server-side copy between them). */
function stores() {
  return {
    source: new MemoryObjectStore({ bucket: 'in', service: new MemoryService() }),
    destination: new MemoryObjectStore({ bucket: 'out', service: new MemoryService() }),
  };
}

function options(
  parts: ReturnType<typeof stores>,
  overrides: Partial<SamplePlanOptions> = {},
): SamplePlanOptions {
  return {
    mapping: mapping(),
    ...parts,
    transfer,
    mode: 'incremental',
    recall: async () => new Map(),
    budget: { maxKeys: 1000, maxListMs: 60_000 },
    clock: createManualClock(),
    ...overrides,
  };
}

const bytes = (size: number, fill = 1) => new Uint8Array(size).fill(fill);

describe('samplePlan', () => {
  it('plans a whole mapping exactly: copies, skips and the requests the copies take', async () => {
    const parts = stores();
    parts.source.seed('data/a-new', bytes(100));
    parts.source.seed('data/b-same', bytes(200));
    parts.destination.seed('copy/b-same', bytes(200));
    parts.source.seed('data/c-resized', bytes(300));
    parts.destination.seed('copy/c-resized', bytes(301));
    parts.source.seed('data/d-large', bytes(20 * MiB));
    parts.destination.seed('copy/z-only-at-destination', bytes(5));

    const sample = await samplePlan(options(parts));

    expect(sample.complete).toBe(true);
    expect(sample.sourceKeys).toBe(4);
    expect(sample.destinationKeys).toBe(3);
    expect(sample.summary.byAction.copy).toEqual({ objects: 3, bytes: 100 + 300 + 20 * MiB });
    expect(sample.summary.byAction.skip).toEqual({ objects: 1, bytes: 200 });
    expect(sample.summary.byReason.new.objects).toBe(2);
    expect(sample.summary.byReason['size-differs'].objects).toBe(1);
    // Two single copies (GET + PUT each) and one multipart of 3 parts of 8 MiB (HEAD + 3 GETs; create + 3 + complete).
    expect(sample.work).toEqual({
      objects: 3,
      sourceReads: 2 + 4,
      destinationWrites: 2 + 5,
      bytesThroughWorkers: 400 + 20 * MiB,
      bytesServerSide: 0,
    });
  });

  it('counts server-side copies when both buckets are on one service', async () => {
    const service = new MemoryService();
    const parts = {
      source: new MemoryObjectStore({ bucket: 'in', service }),
      destination: new MemoryObjectStore({ bucket: 'out', service }),
    };
    parts.source.seed('data/a', bytes(1000));
    const sample = await samplePlan(options(parts));
    expect(sample.work).toEqual({
      objects: 1,
      sourceReads: 1,
      destinationWrites: 1,
      bytesThroughWorkers: 0,
      bytesServerSide: 1000,
    });
  });

  it('stops at the key budget and covers exactly the source keys up to the last one planned', async () => {
    const parts = stores();
    for (let index = 0; index < 30; index++)
      parts.source.seed(`data/${String(index).padStart(3, '0')}`, bytes(10));
    // Keys count on both sides: 12 keys let through, no destination keys.
    const sample = await samplePlan(options(parts, { budget: { maxKeys: 12, maxListMs: 60_000 } }));

    expect(sample.complete).toBe(false);
    expect(sample.stoppedBy).toBe('keys');
    expect(sample.coveredThrough).toBe('data/011');
    expect(sample.sourceKeys).toBe(12);
    expect(sample.summary.byAction.copy).toEqual({ objects: 12, bytes: 120 });
  });

  it('counts filtered-out keys as listed, but only up to the last key planned', async () => {
    const parts = stores();
    for (const key of ['data/a.jpg', 'data/b.tmp', 'data/c.jpg', 'data/d.tmp', 'data/e.tmp', 'data/f.jpg']) {
      parts.source.seed(key, bytes(10));
    }
    const sample = await samplePlan(
      options(parts, { mapping: mapping({ exclude: ['*.tmp'] }), budget: { maxKeys: 5, maxListMs: 60_000 } }),
    );
    // Listed a..e; planned a and c; d and e are past the last key planned and do not count.
    expect(sample.coveredThrough).toBe('data/c.jpg');
    expect(sample.sourceKeys).toBe(3);
    expect(sample.summary.byAction.copy.objects).toBe(2);
  });

  it('stops when the time budget runs out on the injected clock', async () => {
    const parts = stores();
    for (let index = 0; index < 50; index++)
      parts.source.seed(`data/${String(index).padStart(3, '0')}`, bytes(1));
    let nowMs = 0;
    // Every reading of the clock is one second later.
    const ticking: Clock = {
      now: () => {
        nowMs += 1000;
        return new Date(nowMs);
      },
      sleep: async () => undefined,
    };
    const sample = await samplePlan(
      options(parts, { clock: ticking, budget: { maxKeys: 1000, maxListMs: 10_000 } }),
    );
    expect(sample.complete).toBe(false);
    expect(sample.stoppedBy).toBe('time');
    expect(sample.sourceKeys).toBeGreaterThan(0);
    expect(sample.sourceKeys).toBeLessThan(50);
    expect(sample.summary.byAction.copy.objects).toBe(sample.sourceKeys);
  });

  it('is bounded by keys listed at the destination too', async () => {
    const parts = stores();
    parts.source.seed('data/a', bytes(1));
    parts.source.seed('data/z', bytes(1));
    for (let index = 0; index < 40; index++) parts.destination.seed(`copy/m${index}`, bytes(1));
    const sample = await samplePlan(options(parts, { budget: { maxKeys: 20, maxListMs: 60_000 } }));
    expect(sample.complete).toBe(false);
    expect(sample.coveredThrough).toBe('data/a');
    expect(sample.sourceKeys).toBe(1);
    expect(sample.destinationKeys).toBeLessThanOrEqual(19);
  });

  it('plans a sync: destination-only keys that pass the filters are deleted, by their destination size', async () => {
    const parts = stores();
    parts.source.seed('data/a', bytes(7));
    parts.destination.seed('copy/a', bytes(7));
    parts.destination.seed('copy/gone', bytes(40));
    parts.destination.seed('copy/gone.tmp', bytes(50));
    const sample = await samplePlan(
      options(parts, { mode: 'sync', mapping: mapping({ exclude: ['*.tmp'] }) }),
    );
    expect(sample.complete).toBe(true);
    expect(sample.destinationKeys).toBe(3);
    expect(sample.summary.byAction.skip).toEqual({ objects: 1, bytes: 7 });
    expect(sample.summary.byAction.delete).toEqual({ objects: 1, bytes: 40 });
    expect(sample.summary.sampleKeysByAction.delete).toEqual(['data/gone']);
    // Deleting copies nothing.
    expect(sample.work.objects).toBe(0);
  });

  it('plans a full run without listing the destination', async () => {
    const parts = stores();
    parts.source.seed('data/a', bytes(7));
    parts.destination.seed('copy/a', bytes(7));
    const sample = await samplePlan(options(parts, { mode: 'full' }));
    expect(sample.destinationKeys).toBe(0);
    expect(sample.summary.byReason['full-mode']).toEqual({ objects: 1, bytes: 7 });
  });
});
