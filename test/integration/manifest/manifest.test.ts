// The per-object manifest against moto: two fleet workers, a sync run's deletes, a worker stopped by SIGTERM, and
// `ferry run`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createS3Client } from '../../../worker/src/aws/clients.ts';
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import type { ManifestLine } from '../../../worker/src/manifest/manifest-line.ts';
import { readManifest } from '../../../worker/src/manifest/manifest-reader.ts';
import { createS3ObjectStore } from '../../../worker/src/storage/s3-object-store.ts';
import { motoClientOptions, motoEndpoint, testS3, uniqueBucket } from '../../support/aws.ts';
import { distributedRun, waitForRun } from '../../support/distributed-run.ts';
import { startFaultProxy } from '../../support/fault-proxy.ts';
import { mappingYaml, runFerry, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import { bytesFor, createBucket, listKeys, putObject } from '../../support/objects.ts';

const MiB = 1024 * 1024;
const ACCESS_DENIED_XML =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
const controlUrl = inject('motoSource');
const destinationUrl = inject('motoDestination');
const source = testS3(controlUrl);
const destination = testS3(destinationUrl);

/** An engine store on one of the moto servers, to list buckets with ETags and read manifests back. */
const storeOn = (url: string, bucket: string) =>
  createS3ObjectStore({
    client: createS3Client(motoEndpoint(url), motoClientOptions),
    bucket,
    serviceId: url,
  });

async function entries(url: string, bucket: string, prefix: string): Promise<Map<string, ObjectEntry>> {
  const found = new Map<string, ObjectEntry>();
  for await (const entry of storeOn(url, bucket).list({ prefix })) found.set(entry.key, entry);
  return found;
}

async function seed(bucket: string, keys: readonly string[], sizeOf: (i: number) => number): Promise<void> {
  const limit = pLimit(16);
  await Promise.all(
    keys.map((key, i) => limit(() => putObject(source, { bucket, key, body: bytesFor(key, sizeOf(i)) }))),
  );
}

/** The deduped manifest lines of a run, by source key. */
async function manifestOf(options: {
  url: string;
  bucket: string;
  prefix: string;
  runId: string;
}): Promise<{ byKey: Map<string, ManifestLine>; parts: number; linesRead: number }> {
  const read = await readManifest({
    store: storeOn(options.url, options.bucket),
    prefix: options.prefix,
    runId: options.runId,
  });
  const byKey = new Map([...read.objects.values()].map((line) => [line.key, line]));
  return { byKey, parts: read.parts, linesRead: read.linesRead };
}

/** `ferry manifest --format json`: the deduped totals. */
interface ManifestTotalsJson {
  objects: number;
  byOutcome: Record<string, { objects: number; bytes: number }>;
  failuresByClass: Record<string, number>;
}

describe('the manifest', () => {
  const dir = tempDir('manifest');
  const sourceBucket = uniqueBucket('mf-src');
  const destinationBucket = uniqueBucket('mf-dst');
  const artifacts = uniqueBucket('mf-artifacts');
  const fleet = distributedRun({ controlUrl, name: uniqueBucket('ferry-mf') });
  const { ferry, ledger } = fleet;
  let config = '';
  const listRun = (mapping: string, runId: string, configPath = config) =>
    ferry(fleet.listArgs({ config: configPath, mapping, runId }));
  const worker = (args: string[], configPath = config, env: Record<string, string> = {}) =>
    fleet.startWorker({ config: configPath, args, env });
  const mapping = (id: string, sourcePrefix: string, destinationPrefix: string) =>
    mappingYaml({ id, sourceBucket, sourcePrefix, destinationBucket, destinationPrefix });

  beforeAll(async () => {
    await fleet.init({ maxReceiveCount: 3 });
    await createBucket(source, sourceBucket);
    await createBucket(source, artifacts);
    await createBucket(destination, destinationBucket);
    config = writeConfig({
      dir,
      sourceUrl: controlUrl,
      destinationUrl,
      transferYaml:
        'transfer: { concurrency: 4, multipartThreshold: 6MiB, partSize: 5MiB, maxPartsInFlight: 2 }',
      mappingsYaml: [
        mapping('fleet', 'in/', 'out/'),
        mapping('term', 'term/', 'term-out/'),
        mapping('emb', 'emb/', 'emb-out/'),
      ].join('\n'),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('two workers with --manifest: the deduped parts list every object exactly, and the unreadable one as failed', async () => {
    const keys = Array.from({ length: 150 }, (_, i) => `in/small/${String(i).padStart(4, '0')}`);
    await seed(sourceBucket, keys, (i) => 700 + i * 13);
    await putObject(source, { bucket: sourceBucket, key: 'in/big', body: bytesFor('in/big', 12 * MiB + 5) });
    const listed = await listRun('fleet', 'run-mf');
    expect(listed.code, listed.stderr).toBe(0);
    const sourceEntries = await entries(controlUrl, sourceBucket, 'in/');
    expect(sourceEntries.size).toBe(151);
    // Listed and queued, then gone before any worker reads it.
    await source.send(new DeleteObjectCommand({ Bucket: sourceBucket, Key: 'in/small/0077' }));

    const url = `s3://${artifacts}/manifests/`;
    const workers = [
      worker(['--exit-when-idle', '6', '--manifest', url]),
      // The second takes the setting from the environment, as a fleet's launch template would set it.
      worker(['--exit-when-idle', '6'], config, { FERRY_MANIFEST: url }),
    ];
    for (const result of await Promise.all(workers.map((each) => each.done))) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/manifest\.part-(failed|dropped)/);
    }

    const partKeys = await listKeys(source, artifacts, 'manifests/');
    expect(partKeys.length).toBeGreaterThan(0);
    for (const key of partKeys)
      expect(key).toMatch(/^manifests\/run-mf\/fleet\/[A-Za-z0-9._-]+-\d+-[0-9a-f]{8}-\d{6}\.jsonl\.gz$/);

    const { byKey } = await manifestOf({
      url: controlUrl,
      bucket: artifacts,
      prefix: 'manifests/',
      runId: 'run-mf',
    });
    expect([...byKey.keys()].sort()).toEqual([...sourceEntries.keys()].sort());
    const destinationEntries = await entries(destinationUrl, destinationBucket, 'out/');
    for (const [key, listedEntry] of sourceEntries) {
      const line = byKey.get(key);
      if (key === 'in/small/0077') {
        expect(line).toMatchObject({
          outcome: 'failed',
          errorClass: 'NotFound',
          size: listedEntry.size,
          sourceEtag: listedEntry.etag,
          runId: 'run-mf',
          mappingId: 'fleet',
        });
        expect(line?.destinationKey).toBeUndefined();
        continue;
      }
      const destinationKey = `out/${key.slice('in/'.length)}`;
      const copy = destinationEntries.get(destinationKey);
      expect(line, key).toMatchObject({
        outcome: 'copied',
        destinationKey,
        size: listedEntry.size,
        sourceEtag: listedEntry.etag,
        destinationEtag: copy?.etag,
      });
    }
    // The big object went multipart: its destination ETag is not the source's, and the line says which it is.
    expect(byKey.get('in/big')?.destinationEtag).toMatch(/-\d+$/);
    expect(byKey.get('in/big')?.destinationEtag).not.toBe(byKey.get('in/big')?.sourceEtag);

    // The manifest and the ledger agree.
    const run = await ledger().getRun('run-mf');
    const report = await ferry(['manifest', '--run-id', 'run-mf', '--manifest', url, '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const totals = JSON.parse(report.stdout) as ManifestTotalsJson;
    expect(totals.objects).toBe(151);
    expect(totals.byOutcome.copied).toEqual(run?.copied);
    expect(totals.byOutcome.failed).toEqual(run?.failed);
    expect(totals.byOutcome.failed?.objects).toBe(1);
    expect(totals.failuresByClass).toEqual({ NotFound: 1 });

    const text = await ferry(['manifest', '--run-id', 'run-mf', '--manifest', url]);
    expect(text.stdout).toMatch(/^copied +150 /m);
    const lines = await ferry(['manifest', '--run-id', 'run-mf', '--manifest', url, '--lines']);
    expect(lines.stdout.trimEnd().split('\n')).toHaveLength(151);
    const missing = await ferry(['manifest', '--run-id', 'run-nope', '--manifest', url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no manifest parts for run run-nope/);
  });

  test("a sync run: every delete in the manifest under its source key, a refused batch as failed; totals equal the ledger's", async () => {
    // More copies than one copy batch (100) between two groups of deletes: the lister holds them in separate batches.
    const keep = Array.from({ length: 110 }, (_, i) => `sync/keep/${String(i).padStart(3, '0')}`);
    await seed(sourceBucket, keep, (i) => 200 + i);
    const gone = [
      ...Array.from({ length: 12 }, (_, i) => `sync-out/a-gone/${String(i).padStart(2, '0')}`),
      ...Array.from({ length: 12 }, (_, i) => `sync-out/z-gone/${String(i).padStart(2, '0')}`),
      'sync-out/z-gone/ünï cödé 😀+1.bin',
    ];
    for (const [i, key] of gone.entries()) {
      await putObject(destination, { bucket: destinationBucket, key, body: bytesFor(key, 50 + i * 7) });
    }
    const listedGone = await entries(destinationUrl, destinationBucket, 'sync-out/');
    expect(listedGone.size).toBe(gone.length);
    const sourceKeyOf = (destinationKey: string) => `sync/${destinationKey.slice('sync-out/'.length)}`;

    // The destination through a proxy that refuses the first DeleteObjects request: that batch fails for good.
    const proxy = await startFaultProxy(destinationUrl);
    const url = `s3://${artifacts}/sync-manifests/`;
    try {
      const syncConfig = writeConfig({
        dir: mkdtempSync(join(dir, 'sync-')),
        sourceUrl: controlUrl,
        destinationUrl: proxy.url,
        mappingsYaml: mapping('sync', 'sync/', 'sync-out/'),
      });
      const refused = proxy.failNext({
        method: 'POST',
        query: { delete: true },
        count: 1,
        status: 403,
        body: ACCESS_DENIED_XML,
      });
      const listed = await ferry([
        ...fleet.listArgs({ config: syncConfig, mapping: 'sync', runId: 'run-sync' }),
        '--mode',
        'sync',
      ]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(await ledger().getRun('run-sync')).toMatchObject({
        deleteState: 'RELEASED',
        toDelete: { objects: gone.length },
      });
      const workers = [1, 2].map(() => worker(['--exit-when-idle', '6', '--manifest', url], syncConfig));
      for (const result of await Promise.all(workers.map((each) => each.done))) {
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).not.toMatch(/manifest\.part-(failed|dropped)/);
      }
      expect(await refused.seen()).toHaveLength(1);
    } finally {
      await proxy.stop();
    }

    const run = await ledger().getRun('run-sync');
    const { failures } = await ledger().listFailures('run-sync', { limit: 1000 });
    const refusedKeys = new Set(failures.map((failure) => failure.key));
    // Both kinds happened: one batch refused, the other deleted.
    expect(run?.deleted.objects).toBeGreaterThan(0);
    expect(run?.failed.objects).toBeGreaterThan(0);
    expect(run?.failed.objects).toBe(refusedKeys.size);
    expect(run?.copied.objects).toBe(keep.length);
    expect((await listKeys(destination, destinationBucket, 'sync-out/')).sort()).toEqual(
      [...keep.map((key) => `sync-out/${key.slice('sync/'.length)}`), ...refusedKeys].sort(),
    );

    const { byKey } = await manifestOf({
      url: controlUrl,
      bucket: artifacts,
      prefix: 'sync-manifests/',
      runId: 'run-sync',
    });
    expect([...byKey.keys()].sort()).toEqual([...keep, ...gone.map(sourceKeyOf)].sort());
    for (const key of keep)
      expect(byKey.get(key), key).toMatchObject({ outcome: 'copied', mappingId: 'sync' });
    for (const [destinationKey, listedEntry] of listedGone) {
      const line = byKey.get(sourceKeyOf(destinationKey));
      const asListed = { destinationKey, size: listedEntry.size, destinationEtag: listedEntry.etag };
      if (refusedKeys.has(destinationKey)) {
        expect(line, destinationKey).toMatchObject({
          ...asListed,
          outcome: 'failed',
          errorClass: 'AccessDenied',
          attempts: 1,
          error: expect.stringMatching(/delete refused: .*Access Denied/),
        });
      } else {
        expect(line, destinationKey).toMatchObject({ ...asListed, outcome: 'deleted' });
        expect(line?.errorClass).toBeUndefined();
      }
      // A delete has no source object, so no source ETag.
      expect(line && 'sourceEtag' in line, destinationKey).toBe(false);
    }

    const report = await ferry(['manifest', '--run-id', 'run-sync', '--manifest', url, '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const totals = JSON.parse(report.stdout) as ManifestTotalsJson;
    expect(totals.objects).toBe(keep.length + gone.length);
    expect(totals.byOutcome.copied).toEqual(run?.copied);
    expect(totals.byOutcome.deleted).toEqual(run?.deleted);
    expect(totals.byOutcome.failed).toEqual(run?.failed);
    expect(totals.failuresByClass).toEqual({ AccessDenied: refusedKeys.size });
    const text = await ferry(['manifest', '--run-id', 'run-sync', '--manifest', url]);
    expect(text.stdout).toMatch(new RegExp(`^deleted +${run?.deleted.objects} `, 'm'));
  });

  test('a worker stopped by SIGTERM writes the lines it was holding before it exits', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `term/${String(i).padStart(3, '0')}`);
    await seed(sourceBucket, keys, (i) => 300 + i);
    // The manifest from the config this time, with an age bound no test waits for.
    const withManifest = join(dir, 'with-manifest.yaml');
    writeFileSync(
      withManifest,
      `${readFileSync(config, 'utf8')}manifest: { bucket: ${artifacts}, prefix: cfg/, flushAfterSec: 3600 }\n`,
    );
    const running = worker([], withManifest);
    const listed = await listRun('term', 'run-term', withManifest);
    expect(listed.code, listed.stderr).toBe(0);
    const run = await waitForRun({
      ledger: ledger(),
      runId: 'run-term',
      until: (recorded) => recorded.copied.objects >= 40,
      attempts: 600,
      intervalMs: 100,
    });
    expect(run?.copied.objects).toBe(40);
    // Everything is copied and recorded, and the manifest is still in the worker's memory.
    expect(await listKeys(source, artifacts, 'cfg/')).toEqual([]);
    running.child.kill('SIGTERM');
    const result = await running.done;
    // It stops by itself (not killed by the signal), cleanly: the aborted long poll is the way out, not an error.
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/received SIGTERM/);
    const parts = await listKeys(source, artifacts, 'cfg/');
    expect(parts.length).toBeGreaterThan(0);
    const { byKey } = await manifestOf({
      url: controlUrl,
      bucket: artifacts,
      prefix: 'cfg/',
      runId: 'run-term',
    });
    expect([...byKey.keys()].sort()).toEqual(keys);
    expect([...byKey.values()].every((line) => line.outcome === 'copied')).toBe(true);
  });

  test('ferry run --manifest writes the same manifest in the embedded mode, with the destination endpoint', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `emb/${String(i).padStart(3, '0')}`);
    await seed(sourceBucket, keys, (i) => 100 + i);
    const embeddedArtifacts = uniqueBucket('mf-emb');
    await createBucket(destination, embeddedArtifacts);
    const result = await runFerry([
      'run',
      '--config',
      config,
      '--mapping',
      'emb',
      '--state',
      join(dir, 'state.sqlite'),
      '--no-progress',
      '--manifest',
      `s3://${embeddedArtifacts}/runs`,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const parts = await listKeys(destination, embeddedArtifacts, 'runs/');
    expect(parts.length).toBeGreaterThan(0);
    const runId = parts[0]?.split('/')[1] ?? '';
    expect(runId).toMatch(/^emb-/);
    const { byKey } = await manifestOf({
      url: destinationUrl,
      bucket: embeddedArtifacts,
      prefix: 'runs/',
      runId,
    });
    expect([...byKey.keys()].sort()).toEqual(keys);
    const sourceEntries = await entries(controlUrl, sourceBucket, 'emb/');
    for (const [key, line] of byKey) {
      expect(line).toMatchObject({ outcome: 'copied', size: sourceEntries.get(key)?.size, mappingId: 'emb' });
    }
  });
});
