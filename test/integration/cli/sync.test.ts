// Sync mode end to end against moto: `ferry run --mode sync` (embedded) and `ferry list`/`ferry worker` (distributed)
// delete exactly the destination objects gone from the source, and a guardrail stops every delete with its reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { isRunDone } from '../../../worker/src/run/run-progress.ts';
import { testS3, uniqueBucket } from '../../support/aws.ts';
import { distributedRun, waitForRun } from '../../support/distributed-run.ts';
import { runFerry, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import { bytesFor, createBucket, fingerprint, listKeys, putObject } from '../../support/objects.ts';

const source = testS3(inject('motoSource'));
const destination = testS3(inject('motoDestination'));

/** The keys (relative to the prefixes) on each side before a sync. */
const kept = ['a.txt', 'nested/b.txt', 'ünï/😀.bin'];
const gone = ['gone-1.txt', 'nested/gone-2.txt', 'ünï/gone-😀.bin'];
const excluded = ['tmp/scratch-gone.txt'];

function syncMappingYaml(options: {
  sourceBucket: string;
  destinationBucket: string;
  guardrails?: string;
}): string {
  return [
    '  - id: mirror',
    `    source: { endpoint: src, bucket: ${options.sourceBucket}, prefix: "data/" }`,
    `    destination: { endpoint: dst, bucket: ${options.destinationBucket}, prefix: "copy/" }`,
    '    exclude: ["tmp/**"]',
    '    mode: sync',
    ...(options.guardrails ? [`    ${options.guardrails}`] : []),
  ].join('\n');
}

/** Source: the kept keys; destination: stale copies of every key, and objects outside the mapping. */
async function seed(sourceBucket: string, destinationBucket: string): Promise<void> {
  await createBucket(source, sourceBucket);
  await createBucket(destination, destinationBucket);
  for (const key of kept)
    await putObject(source, { bucket: sourceBucket, key: `data/${key}`, body: bytesFor(key, 300) });
  for (const key of [...kept, ...gone, ...excluded]) {
    await putObject(destination, {
      bucket: destinationBucket,
      key: `copy/${key}`,
      body: bytesFor(`old ${key}`, 200),
    });
  }
  await putObject(destination, { bucket: destinationBucket, key: 'elsewhere/x', body: bytesFor('x', 10) });
  await putObject(destination, { bucket: destinationBucket, key: 'copy', body: bytesFor('y', 10) });
}

const afterSync = [...kept, ...excluded].map((key) => `copy/${key}`).concat(['elsewhere/x', 'copy']);

describe('ferry run --mode sync (embedded)', () => {
  const dir = tempDir('sync');
  const sourceBucket = uniqueBucket('sync-src');
  const destinationBucket = uniqueBucket('sync-dst');
  const state = join(dir, 'state.sqlite');
  let config = '';
  /** Each config in a directory of its own (writeConfig names the file ferry.yaml). */
  const configWith = (guardrails?: string) =>
    writeConfig({
      dir: mkdtempSync(join(dir, 'config-')),
      sourceUrl: inject('motoSource'),
      destinationUrl: inject('motoDestination'),
      mappingsYaml: syncMappingYaml({
        sourceBucket,
        destinationBucket,
        ...(guardrails ? { guardrails } : {}),
      }),
    });

  const syncRun = (configFile: string) =>
    runFerry(['run', '--config', configFile, '--state', state, '--mode', 'sync', '--no-progress']);

  beforeAll(async () => {
    await seed(sourceBucket, destinationBucket);
    config = configWith();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a guardrail refuses every delete: nothing deleted, the copies made, exit 1 with the reason', async () => {
    const limited = configWith('maxDeleteObjects: 2');
    const result = await syncRun(limited);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /Deletes refused for mirror: the sync would delete 3 objects \(600 B\), over maxDeleteObjects 2/,
    );
    expect((await listKeys(destination, destinationBucket)).sort()).toEqual(
      [...kept, ...gone, ...excluded]
        .map((key) => `copy/${key}`)
        .concat(['elsewhere/x', 'copy'])
        .sort(),
    );
    for (const key of kept) {
      expect(await fingerprint(destination, destinationBucket, `copy/${key}`)).toEqual(
        await fingerprint(source, sourceBucket, `data/${key}`),
      );
    }
  });

  test('--dry-run shows what a sync would delete, and deletes nothing', async () => {
    const dry = await runFerry(['run', '--config', config, '--state', state, '--mode', 'sync', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/\| delete +\| 3 +\| 600 B +\|/);
    expect(dry.stdout).toMatch(/\| not-in-source +\| 3 +\|/);
    expect(await listKeys(destination, destinationBucket)).toHaveLength(afterSync.length + gone.length);
  });

  test('deletes exactly the objects gone from the source; excluded keys and other prefixes stay', async () => {
    const result = await syncRun(config);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/\| mirror +\| .+ \| 0 +\| 3 +\| 3 +\| 0 +\|/);
    expect((await listKeys(destination, destinationBucket)).sort()).toEqual([...afterSync].sort());
    const again = await syncRun(config);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\| mirror +\| .+ \| 0 +\| 3 +\| 0 +\| 0 +\|/);
  });
});

describe('sync in distributed mode (ferry list + ferry worker)', () => {
  const dir = tempDir('sync-fleet');
  const sourceBucket = uniqueBucket('syncd-src');
  const destinationBucket = uniqueBucket('syncd-dst');
  const fleet = distributedRun({ controlUrl: inject('motoSource'), name: uniqueBucket('ferry-sync') });
  let config = '';

  beforeAll(async () => {
    await seed(sourceBucket, destinationBucket);
    await fleet.init();
    config = writeConfig({
      dir,
      sourceUrl: inject('motoSource'),
      destinationUrl: inject('motoDestination'),
      mappingsYaml: syncMappingYaml({ sourceBucket, destinationBucket, guardrails: 'maxDeleteBytes: 1KiB' }),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the lister holds the deletes, releases them once listed, and workers delete each once', async () => {
    const listed = await fleet.ferry([
      ...fleet.listArgs({ config, mapping: 'mirror', runId: 'sync-1' }),
      '--mode',
      'sync',
    ]);
    expect(listed.stderr).not.toMatch(/error|warn/i);
    expect(listed.code).toBe(0);
    const ledger = fleet.ledger();
    expect(await ledger.getRun('sync-1')).toMatchObject({
      mode: 'sync',
      listerState: 'LISTED',
      deleteState: 'RELEASED',
      toDelete: { objects: 3, bytes: 600 },
    });
    const workers = [1, 2].map(() => fleet.startWorker({ config, args: ['--exit-when-idle', '4'] }));
    const run = await waitForRun({
      ledger,
      runId: 'sync-1',
      until: isRunDone,
      attempts: 120,
      intervalMs: 500,
    });
    expect(run).toMatchObject({
      copied: { objects: 3, bytes: 900 },
      deleted: { objects: 3, bytes: 600 },
      failed: { objects: 0 },
    });
    for (const worker of workers) expect((await worker.done).code).toBe(0);
    expect((await listKeys(destination, destinationBucket)).sort()).toEqual([...afterSync].sort());
    const status = await fleet.ferry(['status', '--table', fleet.name, '--run-id', 'sync-1']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/to delete \(released\) +\| 3 +\| 600 B/);
    expect(status.stdout).toMatch(/deleted +\| 3 +\| 600 B/);
  });
});
