// The manifest writer: parts written by count, size and age (manual clock), on close, retried, and never failing.
import { describe, expect, test, vi } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { ManifestBounds } from '../../../worker/src/manifest/manifest-bounds.ts';
import { encodeManifestLine } from '../../../worker/src/manifest/manifest-line.ts';
import { createManifestWriter, type ManifestRetry } from '../../../worker/src/manifest/manifest-writer.ts';
import { MemoryObjectStore, type MemoryOperation } from '../../../worker/src/storage/memory-object-store.ts';
import { createManualClock } from '../../support/manual-clock.ts';
import { copiedLine, partKeys, partLines, recordingLogger, whileAdvancing } from './manifest-support.ts';

const quickRetry: ManifestRetry = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 };

function setup(
  options: {
    bounds?: Partial<ManifestBounds>;
    beforeOperation?: (operation: MemoryOperation, key: string) => void | Promise<void>;
  } = {},
) {
  const clock = createManualClock();
  const store = new MemoryObjectStore({
    bucket: 'artifacts',
    ...(options.beforeOperation ? { beforeOperation: options.beforeOperation } : {}),
  });
  const logger = recordingLogger();
  const writer = createManifestWriter({
    store,
    prefix: 'manifests/',
    workerId: 'i-0abc-42-deadbeef',
    clock,
    logger,
    bounds: { maxAgeMs: 60_000, ...options.bounds },
    retry: quickRetry,
  });
  return { clock, store, logger, writer };
}

const keysOf = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `photos/${String(from + i).padStart(3, '0')}.jpg`);

describe('bounds', () => {
  test('a part is written as soon as it holds maxLines lines, without waiting for its age', async () => {
    const { store, writer, clock } = setup({ bounds: { maxLines: 3 } });
    writer.record(keysOf(7).map((key) => copiedLine(key)));
    await vi.waitFor(async () => expect(await partKeys(store)).toHaveLength(2));
    expect(writer.stats()).toMatchObject({ linesRecorded: 7, linesBuffered: 1, linesWritten: 6 });
    const keys = await partKeys(store);
    expect(keys).toEqual([
      'manifests/run-1/media/i-0abc-42-deadbeef-000000.jsonl.gz',
      'manifests/run-1/media/i-0abc-42-deadbeef-000001.jsonl.gz',
    ]);
    expect(await partLines(store, keys[0] ?? '')).toEqual(keysOf(3).map((key) => copiedLine(key)));
    expect(await partLines(store, keys[1] ?? '')).toEqual(keysOf(3, 3).map((key) => copiedLine(key)));
    await whileAdvancing(clock, writer.close());
  });

  test('a part is written once its uncompressed JSON reaches maxBytes', async () => {
    const line = copiedLine('photos/000.jpg');
    const lineBytes = Buffer.byteLength(encodeManifestLine(line));
    const { store, writer, clock } = setup({ bounds: { maxBytes: lineBytes * 2 + 1 } });
    writer.record(keysOf(2).map((key) => copiedLine(key)));
    expect(writer.stats().linesBuffered).toBe(2);
    writer.record([copiedLine('photos/002.jpg')]);
    expect(writer.stats().linesBuffered).toBe(0);
    await vi.waitFor(async () => expect(await partKeys(store)).toHaveLength(1));
    expect(await partLines(store, (await partKeys(store))[0] ?? '')).toHaveLength(3);
    await whileAdvancing(clock, writer.close());
  });

  test('a part is written maxAgeMs after its first line, not before, however few lines it holds', async () => {
    const { store, writer, clock } = setup();
    writer.record([copiedLine('a')]);
    await clock.advance(30_000);
    writer.record([copiedLine('b')]);
    await clock.advance(29_000);
    expect(writer.stats().linesBuffered).toBe(2);
    expect(await partKeys(store)).toEqual([]);
    await clock.advance(1_000);
    expect(writer.stats().linesBuffered).toBe(0);
    await vi.waitFor(async () => expect(await partKeys(store)).toHaveLength(1));
    // The next line opens a new part with its own age.
    writer.record([copiedLine('c')]);
    await clock.advance(59_000);
    expect(writer.stats().linesBuffered).toBe(1);
    await clock.advance(1_000);
    await vi.waitFor(async () => expect(await partKeys(store)).toHaveLength(2));
    expect(writer.stats()).toMatchObject({ linesWritten: 3, partsWritten: 2, linesLost: 0 });
    await whileAdvancing(clock, writer.close());
  });
});

describe('parts', () => {
  test('close writes every open part: one per run and mapping, each named by worker and sequence', async () => {
    const { store, writer, clock, logger } = setup();
    writer.record([copiedLine('a'), copiedLine('b', { mappingId: 'logs' })]);
    writer.record([copiedLine('c', { runId: 'run/2' })]);
    writer.record([copiedLine('d')]);
    expect(await partKeys(store)).toEqual([]);
    await whileAdvancing(clock, writer.close());
    expect(await partKeys(store)).toEqual([
      'manifests/run%2F2/media/i-0abc-42-deadbeef-000002.jsonl.gz',
      'manifests/run-1/logs/i-0abc-42-deadbeef-000001.jsonl.gz',
      'manifests/run-1/media/i-0abc-42-deadbeef-000000.jsonl.gz',
    ]);
    expect(await partLines(store, 'manifests/run-1/media/i-0abc-42-deadbeef-000000.jsonl.gz')).toEqual([
      copiedLine('a'),
      copiedLine('d'),
    ]);
    expect(writer.stats()).toEqual({
      linesRecorded: 4,
      linesBuffered: 0,
      linesWritten: 4,
      linesLost: 0,
      partsWritten: 3,
      partsFailed: 0,
    });
    expect(logger.events.find((event) => event.event === 'manifest.closed')?.fields).toMatchObject({
      linesWritten: 4,
    });
  });

  test('a part is stored gzipped, with a CRC32C checksum the store verified', async () => {
    const { store, writer, clock } = setup();
    writer.record([copiedLine('key with spaces/é/ü?#&.bin')]);
    await whileAdvancing(clock, writer.close());
    const [key] = await partKeys(store);
    const head = await store.head(key ?? '');
    expect(head?.metadata.contentType).toBe('application/gzip');
    expect(head?.checksum?.algorithm).toBe('CRC32C');
    const { bytes } = await store.read(key ?? '');
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(await partLines(store, key ?? '')).toEqual([copiedLine('key with spaces/é/ü?#&.bin')]);
  });

  test('lines recorded after close (a batch that finished late) are written at once, as one part', async () => {
    const { store, writer, clock } = setup();
    await whileAdvancing(clock, writer.close());
    writer.record([copiedLine('late-1'), copiedLine('late-2')]);
    expect(writer.stats().linesBuffered).toBe(0);
    await whileAdvancing(clock, writer.flush());
    const keys = await partKeys(store);
    expect(keys).toHaveLength(1);
    expect(await partLines(store, keys[0] ?? '')).toHaveLength(2);
  });

  test('closing with nothing recorded writes nothing', async () => {
    const { store, writer, clock } = setup();
    await whileAdvancing(clock, writer.close());
    expect(await partKeys(store)).toEqual([]);
  });
});

describe('failures never fail copies', () => {
  test('a throttled upload is retried until it succeeds', async () => {
    let puts = 0;
    const { store, writer, clock, logger } = setup({
      beforeOperation: (operation) => {
        if (operation === 'put' && ++puts <= 2) throw new FerryError('Throttled', 'SlowDown');
      },
    });
    writer.record([copiedLine('a')]);
    await whileAdvancing(clock, writer.close());
    expect(puts).toBe(3);
    expect(await partKeys(store)).toHaveLength(1);
    expect(writer.stats()).toMatchObject({ partsWritten: 1, partsFailed: 0, linesLost: 0 });
    expect(logger.events.filter((event) => event.event === 'retry')).toHaveLength(2);
  });

  test('a part that cannot be written is logged and counted; close still resolves', async () => {
    const { store, writer, clock, logger } = setup({
      beforeOperation: (operation) => {
        if (operation === 'put') throw new FerryError('AccessDenied', 'no s3:PutObject on the bucket');
      },
    });
    writer.record([copiedLine('a'), copiedLine('b')]);
    await whileAdvancing(clock, writer.close());
    expect(await partKeys(store)).toEqual([]);
    expect(writer.stats()).toMatchObject({ linesLost: 2, partsFailed: 1, partsWritten: 0 });
    const failed = logger.events.find((event) => event.event === 'manifest.part-failed');
    expect(failed?.level).toBe('error');
    expect(failed?.fields).toMatchObject({ lines: 2, errorClass: 'AccessDenied' });
  });

  test('memory stays bounded: a part sealed while maxPendingParts wait on a slow store is dropped and counted', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { store, writer, clock, logger } = setup({
      bounds: { maxLines: 2, maxPendingParts: 1 },
      beforeOperation: async (operation) => {
        if (operation === 'put') await slow;
      },
    });
    writer.record(keysOf(4).map((key) => copiedLine(key)));
    expect(writer.stats()).toMatchObject({ linesLost: 2, partsFailed: 1 });
    expect(logger.events.some((event) => event.event === 'manifest.part-dropped')).toBe(true);
    release();
    await whileAdvancing(clock, writer.close());
    const keys = await partKeys(store);
    expect(keys).toEqual(['manifests/run-1/media/i-0abc-42-deadbeef-000000.jsonl.gz']);
    expect(writer.stats()).toMatchObject({ linesWritten: 2, linesLost: 2 });
  });
});
