// Manifest lines and names: built from batch results, JSON round trip, strict parsing, the dedupe rule, part keys.
import { describe, expect, test } from 'vitest';
import {
  encodeManifestLine,
  type ManifestLine,
  manifestLinesOf,
  maxErrorChars,
  parseManifestLine,
  preferredLine,
} from '../../../worker/src/manifest/manifest-line.ts';
import {
  folderPrefix,
  manifestPartKey,
  manifestRunPrefix,
  manifestUrl,
  manifestWorkerId,
  parseManifestUrl,
} from '../../../worker/src/manifest/manifest-location.ts';
import { copiedLine, deletedLine } from './manifest-support.ts';

describe('lines', () => {
  const time = new Date('2025-03-04T05:06:07.089Z');

  test('a copied object and a failed one, from the batch results the worker loop reports', () => {
    const lines = manifestLinesOf({
      runId: 'run-7',
      mappingId: 'media',
      time,
      results: [
        {
          ok: true,
          item: { key: 'in/a.bin', size: 10, etag: 'listed' },
          copy: { key: 'out/a.bin', sourceEtag: 'newer', sourceSize: 12, destinationEtag: 'abc-2' },
        },
        {
          ok: false,
          item: { key: 'in/gone.bin', size: 5, etag: 'e5' },
          failure: { key: 'in/gone.bin', errorClass: 'NotFound', message: 'x'.repeat(5000), attempts: 1 },
        },
      ],
    });
    expect(lines).toEqual([
      {
        runId: 'run-7',
        mappingId: 'media',
        key: 'in/a.bin',
        destinationKey: 'out/a.bin',
        size: 12,
        sourceEtag: 'newer',
        destinationEtag: 'abc-2',
        outcome: 'copied',
        time: '2025-03-04T05:06:07.089Z',
      },
      {
        runId: 'run-7',
        mappingId: 'media',
        key: 'in/gone.bin',
        size: 5,
        sourceEtag: 'e5',
        outcome: 'failed',
        errorClass: 'NotFound',
        error: 'x'.repeat(maxErrorChars),
        attempts: 1,
        time: '2025-03-04T05:06:07.089Z',
      },
    ]);
  });

  test('a delete batch: each deleted object under the source key it mirrored, a refused one as failed', () => {
    const refused = {
      key: 'out/kept.bin',
      errorClass: 'SourceChanged',
      message: 'changed',
      attempts: 2,
    } as const;
    const lines = manifestLinesOf({
      runId: 'run-7',
      mappingId: 'media',
      time,
      results: [
        { ok: true, item: { key: 'out/gone.bin', size: 7, etag: 'listed-1' }, sourceKey: 'in/gone.bin' },
        {
          ok: false,
          item: { key: 'out/kept.bin', size: 9, etag: 'listed-2' },
          sourceKey: 'in/kept.bin',
          failure: refused,
        },
      ],
    });
    expect(lines).toEqual([
      {
        runId: 'run-7',
        mappingId: 'media',
        key: 'in/gone.bin',
        destinationKey: 'out/gone.bin',
        size: 7,
        destinationEtag: 'listed-1',
        outcome: 'deleted',
        time: '2025-03-04T05:06:07.089Z',
      },
      {
        runId: 'run-7',
        mappingId: 'media',
        key: 'in/kept.bin',
        destinationKey: 'out/kept.bin',
        size: 9,
        destinationEtag: 'listed-2',
        outcome: 'failed',
        errorClass: 'SourceChanged',
        error: 'changed',
        attempts: 2,
        time: '2025-03-04T05:06:07.089Z',
      },
    ]);
    // No source ETag on a delete's line: there is no source object.
    expect(encodeManifestLine(lines[0] as ManifestLine)).not.toContain('sourceEtag');
  });

  test('a deleted line parses without a source ETag; a line written before deletes existed still parses', () => {
    const deleted = deletedLine('gone');
    expect(parseManifestLine(encodeManifestLine(deleted).slice(0, -1))).toEqual(deleted);
    const older =
      '{"runId":"r","mappingId":"m","key":"data/a.jpg","destinationKey":"copy/a.jpg","size":48213,' +
      '"sourceEtag":"9b2c","destinationEtag":"9b2c","outcome":"copied","time":"2026-11-21T10:15:02.118Z"}';
    expect(parseManifestLine(older)).toMatchObject({
      key: 'data/a.jpg',
      sourceEtag: '9b2c',
      outcome: 'copied',
    });
  });

  test('every line survives encoding and parsing, awkward keys included', () => {
    const lines: ManifestLine[] = [
      copiedLine('a\nb\u2028c"\\d/ä/😀', { destinationKey: 'x' }),
      copiedLine('f', { outcome: 'failed', errorClass: 'Throttled', error: 'SlowDown', attempts: 3 }),
      copiedLine('s', { outcome: 'skipped' }),
      deletedLine('d\u0001ü'),
    ];
    for (const line of lines) {
      const encoded = encodeManifestLine(line);
      expect(encoded.endsWith('\n')).toBe(true);
      expect(encoded.slice(0, -1)).not.toContain('\n');
      expect(parseManifestLine(encoded.slice(0, -1))).toEqual(line);
    }
  });

  test('anything else is refused', () => {
    const good = JSON.parse(encodeManifestLine(copiedLine('k'))) as Record<string, unknown>;
    for (const bad of [
      'not json',
      '[1,2]',
      JSON.stringify({ ...good, outcome: 'maybe' }),
      JSON.stringify({ ...good, size: -1 }),
      JSON.stringify({ ...good, size: '12' }),
      JSON.stringify({ ...good, key: undefined }),
      JSON.stringify({ ...good, errorClass: 'Oops' }),
      JSON.stringify({ ...good, sourceEtag: 42 }),
    ]) {
      expect(() => parseManifestLine(bad), bad).toThrow(/malformed manifest line/);
    }
  });

  test('the dedupe rule: copied over skipped over failed, then the later time', () => {
    const failed = copiedLine('k', { outcome: 'failed', time: '2025-01-01T00:00:09.000Z' });
    const skipped = copiedLine('k', { outcome: 'skipped', time: '2025-01-01T00:00:05.000Z' });
    const copied = copiedLine('k', { time: '2025-01-01T00:00:01.000Z' });
    const recopied = copiedLine('k', { destinationEtag: 'new', time: '2025-01-01T00:00:02.000Z' });
    expect(preferredLine(failed, copied)).toBe(copied);
    expect(preferredLine(copied, failed)).toBe(copied);
    expect(preferredLine(skipped, failed)).toBe(skipped);
    expect(preferredLine(copied, skipped)).toBe(copied);
    expect(preferredLine(recopied, copied)).toBe(recopied);
    expect(preferredLine(copied, recopied)).toBe(recopied);
  });

  test('the dedupe rule for deletes: deleted over failed (a retried delete), over skipped; against copied, the later', () => {
    const refused = deletedLine('k', {
      outcome: 'failed',
      errorClass: 'Throttled',
      time: '2025-01-01T00:00:09.000Z',
    });
    const deleted = deletedLine('k', { time: '2025-01-01T00:00:01.000Z' });
    const skipped = copiedLine('k', { outcome: 'skipped', time: '2025-01-01T00:00:05.000Z' });
    expect(preferredLine(refused, deleted)).toBe(deleted);
    expect(preferredLine(deleted, refused)).toBe(deleted);
    expect(preferredLine(skipped, deleted)).toBe(deleted);
    expect(preferredLine(deleted, skipped)).toBe(deleted);
    const copiedBefore = copiedLine('k', { time: '2025-01-01T00:00:00.500Z' });
    const copiedAfter = copiedLine('k', { time: '2025-01-01T00:00:02.000Z' });
    expect(preferredLine(copiedBefore, deleted)).toBe(deleted);
    expect(preferredLine(deleted, copiedBefore)).toBe(deleted);
    expect(preferredLine(deleted, copiedAfter)).toBe(copiedAfter);
    expect(preferredLine(copiedAfter, deleted)).toBe(copiedAfter);
  });
});

describe('locations and names', () => {
  test('s3:// URLs', () => {
    expect(parseManifestUrl('s3://artifacts/manifests/')).toEqual({
      bucket: 'artifacts',
      prefix: 'manifests/',
    });
    expect(parseManifestUrl('s3://artifacts/manifests')).toEqual({
      bucket: 'artifacts',
      prefix: 'manifests/',
    });
    expect(parseManifestUrl('s3://artifacts')).toEqual({ bucket: 'artifacts', prefix: '' });
    expect(parseManifestUrl('s3://artifacts/')).toEqual({ bucket: 'artifacts', prefix: '' });
    expect(manifestUrl(parseManifestUrl('s3://a-b/x/y'))).toBe('s3://a-b/x/y/');
    for (const bad of ['artifacts/manifests', 'https://artifacts/x', 's3://', 's3:///x']) {
      expect(() => parseManifestUrl(bad), bad).toThrow(/expected s3:\/\/bucket\/prefix/);
    }
    expect(folderPrefix('/m')).toBe('m/');
  });

  test('part keys: one folder per run and mapping, ids escaped, sequence padded so names sort', () => {
    const key = (sequence: number) =>
      manifestPartKey({ prefix: 'm', runId: 'a/b', mappingId: 'media', workerId: 'w-1', sequence });
    expect(key(7)).toBe('m/a%2Fb/media/w-1-000007.jsonl.gz');
    expect([key(10), key(9), key(100)].sort()).toEqual([key(9), key(10), key(100)]);
    expect(manifestRunPrefix({ prefix: '', runId: 'run-1' })).toBe('run-1/');
    expect(manifestRunPrefix({ prefix: 'm/', runId: 'run-1', mappingId: 'x' })).toBe('m/run-1/x/');
  });

  test('worker ids: host (or instance id), pid and random hex; unsafe characters replaced', () => {
    expect(manifestWorkerId({ host: 'i-0123456789abcdef0', pid: 7, randomHex: 'cafe0001' })).toBe(
      'i-0123456789abcdef0-7-cafe0001',
    );
    expect(manifestWorkerId({ host: 'ip 10/0:0.1', pid: 1, randomHex: 'ff' })).toBe('ip-10-0-0.1-1-ff');
    expect(manifestWorkerId({ host: '', pid: 1, randomHex: 'ff' })).toBe('host-1-ff');
  });
});
