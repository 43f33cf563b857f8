// Reading a run's manifest back: parts of several workers unioned, duplicates folded, totals, filters, bad lines.
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { encodeManifestLine, type ManifestLine } from '../../../worker/src/manifest/manifest-line.ts';
import { readManifest, totalManifest } from '../../../worker/src/manifest/manifest-reader.ts';
import {
  manifestReport,
  renderManifestReport,
  sortedManifestLines,
} from '../../../worker/src/manifest/manifest-report.ts';
import { createManifestWriter } from '../../../worker/src/manifest/manifest-writer.ts';
import { MemoryObjectStore } from '../../../worker/src/storage/memory-object-store.ts';
import { createManualClock } from '../../support/manual-clock.ts';
import { copiedLine, deletedLine, recordingLogger, whileAdvancing } from './manifest-support.ts';

async function writeAs(store: MemoryObjectStore, workerId: string, lines: readonly ManifestLine[]) {
  const clock = createManualClock();
  const writer = createManifestWriter({
    store,
    prefix: 'manifests/',
    workerId,
    clock,
    logger: recordingLogger(),
    bounds: { maxLines: 2 },
  });
  writer.record(lines);
  await whileAdvancing(clock, writer.close());
}

describe('readManifest', () => {
  test("two workers' parts, deduped: one line per object, the better outcome kept", async () => {
    const store = new MemoryObjectStore({ bucket: 'artifacts' });
    const later = '2025-01-01T00:01:00.000Z';
    await writeAs(store, 'w1', [
      copiedLine('a'),
      copiedLine('b', { outcome: 'failed', errorClass: 'Transient', error: 'reset', size: 20 }),
      copiedLine('c'),
      copiedLine('x', { mappingId: 'logs' }),
    ]);
    await writeAs(store, 'w2', [
      copiedLine('b', { time: later }),
      copiedLine('c', { time: later }),
      copiedLine('gone', { outcome: 'failed', errorClass: 'NotFound', error: 'NoSuchKey', size: 40 }),
    ]);
    // Another run, and a run whose id begins with this one's, are not read.
    await writeAs(store, 'w3', [copiedLine('a', { runId: 'run-10' }), copiedLine('z', { runId: 'run-2' })]);
    const read = await readManifest({ store, prefix: 'manifests/', runId: 'run-1' });
    expect(read.parts).toBe(5);
    expect(read.linesRead).toBe(7);
    expect(read.malformedLines).toBe(0);
    const lines = sortedManifestLines(read);
    expect(lines.map((line) => `${line.mappingId}:${line.key}:${line.outcome}`)).toEqual([
      'logs:x:copied',
      'media:a:copied',
      'media:b:copied',
      'media:c:copied',
      'media:gone:failed',
    ]);
    expect(lines.find((line) => line.key === 'c')?.time).toBe(later);
    const totals = totalManifest(read.objects.values());
    expect(totals).toEqual({
      byOutcome: {
        copied: { objects: 4, bytes: 10 + 10 + 10 + 10 },
        skipped: { objects: 0, bytes: 0 },
        deleted: { objects: 0, bytes: 0 },
        failed: { objects: 1, bytes: 40 },
      },
      failuresByClass: { NotFound: 1 },
    });
    const report = manifestReport({ runId: 'run-1', location: 's3://artifacts/manifests/', read, totals });
    expect(report).toMatchObject({ objects: 5, duplicateLines: 2, parts: 5 });
    expect(renderManifestReport(report)).toMatch(/failed +1 +40 B\nfailed by class: NotFound 1$/);

    const media = await readManifest({ store, prefix: 'manifests/', runId: 'run-1', mappingId: 'media' });
    expect([...media.objects.values()].every((line) => line.mappingId === 'media')).toBe(true);
    expect(media.objects.size).toBe(4);
  });

  test('a sync run: deletes counted with their listed bytes; a delete that failed, then passed, counts as deleted', async () => {
    const store = new MemoryObjectStore({ bucket: 'artifacts' });
    const later = '2025-01-01T00:01:00.000Z';
    await writeAs(store, 'w1', [
      copiedLine('new'),
      deletedLine('gone-1'),
      deletedLine('gone-2', { outcome: 'failed', errorClass: 'Throttled', error: 'SlowDown', attempts: 3 }),
      deletedLine('changed', { outcome: 'failed', errorClass: 'SourceChanged', error: 'PreconditionFailed' }),
    ]);
    await writeAs(store, 'w2', [
      deletedLine('gone-2', { time: later }),
      deletedLine('gone-1', { time: later }),
    ]);
    const read = await readManifest({ store, prefix: 'manifests/', runId: 'run-1' });
    expect(read).toMatchObject({ linesRead: 6, malformedLines: 0 });
    const lines = sortedManifestLines(read);
    expect(lines.map((line) => `${line.key}:${line.outcome}`)).toEqual([
      'changed:failed',
      'gone-1:deleted',
      'gone-2:deleted',
      'new:copied',
    ]);
    expect(lines.find((line) => line.key === 'gone-2')).toEqual(deletedLine('gone-2', { time: later }));
    const totals = totalManifest(read.objects.values());
    expect(totals).toEqual({
      byOutcome: {
        copied: { objects: 1, bytes: 30 },
        skipped: { objects: 0, bytes: 0 },
        deleted: { objects: 2, bytes: 600 + 600 },
        failed: { objects: 1, bytes: 700 },
      },
      failuresByClass: { SourceChanged: 1 },
    });
    const report = manifestReport({ runId: 'run-1', location: 's3://artifacts/manifests/', read, totals });
    expect(report).toMatchObject({ objects: 4, duplicateLines: 2 });
    expect(renderManifestReport(report)).toMatch(
      /\nskipped +0 +0 B\ndeleted +2 +1\.17 KiB\nfailed +1 +700 B\n/,
    );
  });

  test('a line that is not a manifest line is counted, not fatal; other files are ignored', async () => {
    const store = new MemoryObjectStore({ bucket: 'artifacts' });
    const body = `${encodeManifestLine(copiedLine('a'))}{"truncated\n${encodeManifestLine(copiedLine('b'))}`;
    store.seed('manifests/run-1/media/w-000000.jsonl.gz', gzipSync(body));
    store.seed('manifests/run-1/media/README.txt', Buffer.from('not a part'));
    const read = await readManifest({ store, prefix: 'manifests/', runId: 'run-1' });
    expect(read).toMatchObject({ parts: 1, linesRead: 2, malformedLines: 1 });
    expect(read.objects.size).toBe(2);
  });
});
