// End to end, as the runner runs it: deploy → start-lister → scale-workers → await-run, ECS and EC2 played locally.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, inject, onTestFailed, test } from 'vitest';
import {
  createAutoScalingClient,
  createDynamoDbClient,
  createSsmClient,
} from '../../worker/src/aws/clients.ts';
import { createDynamoDbLedger } from '../../worker/src/distributed/dynamodb-ledger.ts';
import type { RunRecord } from '../../worker/src/ports/ledger.ts';
import { formatBytes } from '../../worker/src/report/units.ts';
import { motoClientOptions, motoEndpoint, testS3, uniqueBucket } from '../support/aws.ts';
import { mappingYaml, tempDir } from '../support/ferry-cli.ts';
import { type RunningServer, startMoto } from '../support/moto.ts';
import { bytesFor, createBucket, listKeys, putObject } from '../support/objects.ts';
import { datasetObjects, fingerprintPairs, seedDataset } from './dataset.ts';
import { shippedBundleIdentity } from './deploy-stand-ins.ts';
import { cellText, parseCount, tableByHeader } from './summary-tables.ts';
import {
  awaitMaxWaitMinutes,
  committedActions,
  deployE2eFleet,
  type E2eFleet,
  type MigrationSteps,
  uncleanWorkerExits,
} from './workflow.ts';

/** FERRY_E2E_ACTIONS_ROOT: run other builds of the actions (see scripts/e2e.ts --fresh); default the committed ones. */
const actionsRoot = process.env.FERRY_E2E_ACTIONS_ROOT;
const source = testS3(inject('motoSource'));
const dataset = datasetObjects('data/');
/** Longer than a run's steps can take (await-run gives up first), so a stuck run fails with its own message. */
const runTimeoutMs = (awaitMaxWaitMinutes + 2) * 60_000;
const brokenKeys = ['broken/kept-1.bin', 'broken/vanishes.bin', 'broken/kept-2.bin'];

/** The totals table of the job summary and the await-run outputs, both as planned/copied/skipped/failed counts. */
function reportedTotals(steps: MigrationSteps) {
  const table = tableByHeader(steps.awaitRun.summary, ['', 'objects', 'bytes']);
  const row = (name: string) => ({
    objects: parseCount(table.get(name)?.[0]),
    bytes: table.get(name)?.[1],
  });
  const outputs = steps.awaitRun.outputs;
  const counts = (name: string) => ({
    objects: Number(outputs[`${name}-objects`]),
    bytes: Number(outputs[`${name}-bytes`]),
  });
  return {
    summary: {
      planned: row('planned'),
      copied: row('copied'),
      skipped: row('skipped'),
      failed: row('failed'),
    },
    outputs: { planned: counts('planned'), copied: counts('copied'), failed: counts('failed') },
  };
}

/** The same totals as the ledger holds them, in the report's form. */
function ledgerTotals(run: RunRecord) {
  const summaryRow = (counts: { objects: number; bytes: number }) => ({
    objects: counts.objects,
    bytes: formatBytes(counts.bytes),
  });
  return {
    summary: {
      planned: summaryRow(run.planned),
      copied: summaryRow(run.copied),
      skipped: summaryRow(run.skipped),
      failed: summaryRow(run.failed),
    },
    outputs: { planned: run.planned, copied: run.copied, failed: run.failed },
  };
}

describe('a migration through the GitHub Actions, on a fleet played by the local runtime', () => {
  const dir = tempDir('e2e');
  const fleetName = `e2e${Date.now().toString(36)}`;
  const sourceBucket = uniqueBucket('e2e-src');
  const destinationBucket = uniqueBucket('e2e-dst');
  let moto: RunningServer;
  let fleet: E2eFleet;
  const destination = () => testS3(moto.url);
  const ledger = () =>
    createDynamoDbLedger({
      client: createDynamoDbClient(motoEndpoint(moto.url), motoClientOptions),
      tableName: fleet.outputs['ledger-table-name'] ?? '',
    });
  const printLogsOnFailure = () =>
    onTestFailed(() => {
      console.log(fleet?.runtime.logs());
    });
  /** Mapping main migrated as migrate.yml does it; the run succeeds (await-run exits 0). */
  const migrateMain = async (run: {
    runId: string;
    mode: 'full' | 'incremental' | 'sync';
    workers: number;
  }) => {
    const steps = await fleet.runMigration({ mapping: 'main', ...run });
    expect(steps.awaitRun.code, steps.awaitRun.stdout).toBe(0);
    return steps;
  };
  /** After await-run scaled the group to 0: the group says 0, and the runtime drained and stopped every worker. */
  const expectWorkersStopped = async () => {
    const groups = await createAutoScalingClient(motoEndpoint(moto.url), motoClientOptions).send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: [fleet.outputs['worker-group-name'] ?? ''],
      }),
    );
    expect(groups.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(0);
    await fleet.runtime.waitFor((state) => state.desiredWorkers === 0 && state.workers.length === 0, {
      timeoutMs: 60_000,
    });
    expect(fleet.runtime.snapshot().exitedWorkers.length).toBeGreaterThan(0);
    const unclean = uncleanWorkerExits(fleet.runtime.snapshot());
    expect(unclean, JSON.stringify(unclean)).toEqual([]);
  };

  beforeAll(async () => {
    moto = await startMoto();
    await createBucket(source, sourceBucket);
    await createBucket(destination(), destinationBucket);
    await seedDataset(source, sourceBucket, dataset);
    for (const key of brokenKeys)
      await putObject(source, { bucket: sourceBucket, key, body: bytesFor(key, 321) });
    fleet = await deployE2eFleet({
      controlUrl: moto.url,
      sourceUrl: inject('motoSource'),
      fleetName,
      sourceBuckets: [sourceBucket],
      destinationBuckets: [destinationBucket],
      mappingsYaml: [
        mappingYaml({
          id: 'main',
          sourceBucket,
          sourcePrefix: 'data/',
          destinationBucket,
          destinationPrefix: 'data/',
        }),
        mappingYaml({
          id: 'broken',
          sourceBucket,
          sourcePrefix: 'broken/',
          destinationBucket,
          destinationPrefix: 'broken/',
        }),
      ].join('\n'),
      workDir: dir,
      ...(actionsRoot ? { actionsRoot } : {}),
    });
  });

  afterAll(async () => {
    await fleet?.stop();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('deploy publishes the committed engine bundle and ferry.yaml, and names the fleet in its outputs', async () => {
    const bundle = shippedBundleIdentity(actionsRoot ?? committedActions);
    expect(fleet.outputs).toMatchObject({
      'engine-bundle-key': bundle.key,
      'engine-bundle-sha256': bundle.sha256,
      'config-version': '1',
      'lister-container-name': 'ferry-lister',
    });
    expect(fleet.deploy.stdout).toMatch(/engine bundle s3:\/\/\S+: uploaded/);
    const parameter = await createSsmClient(motoEndpoint(moto.url), motoClientOptions).send(
      new GetParameterCommand({ Name: fleet.outputs['config-parameter-name'] }),
    );
    expect(parameter.Parameter?.Value).toBe(readFileSync(join(dir, 'workspace', 'ferry.yaml'), 'utf8'));
  });

  test(
    'a full run copies every object byte- and metadata-exact; the summary equals the ledger',
    async () => {
      printLogsOnFailure();
      const steps = await migrateMain({ runId: 'main-full', mode: 'full', workers: 2 });
      expect(steps.awaitRun.outputs.state).toBe('succeeded');
      // Not waited for, as in migrate.yml: the lister ran while the workers copied, and its task ended with exit 0.
      expect(steps.startLister.outputs).toMatchObject({
        'run-id': 'main-full',
        'lister-state': 'listing',
        action: 'started',
      });
      const taskArn = steps.startLister.outputs['task-arn'] ?? '';
      await fleet.runtime.waitFor(
        (state) => state.listers.some((lister) => lister.taskArn === taskArn && lister.state === 'reported'),
        { timeoutMs: 30_000 },
      );
      expect(fleet.runtime.listerExitCode(taskArn)).toBe(0);
      expect(steps.scaleWorkers.outputs.desired).toBe('2');

      const copied = await listKeys(destination(), destinationBucket, 'data/');
      expect(copied.sort()).toEqual(dataset.map((object) => object.key).sort());
      const pairs = await fingerprintPairs({
        source,
        sourceBucket,
        destination: destination(),
        destinationBucket,
        keys: dataset.map(({ key }) => ({ sourceKey: key, destinationKey: key })),
      });
      for (const pair of pairs) expect(pair.destination, pair.key).toEqual(pair.source);

      const run = await ledger().getRun('main-full');
      expect(run?.planned.objects).toBe(dataset.length);
      expect(run?.copied).toEqual(run?.planned);
      expect(reportedTotals(steps)).toEqual(ledgerTotals(run as RunRecord));
      await expectWorkersStopped();
    },
    runTimeoutMs,
  );

  test(
    'an incremental run of the same mapping copies nothing and skips everything',
    async () => {
      printLogsOnFailure();
      const steps = await migrateMain({ runId: 'main-incremental', mode: 'incremental', workers: 1 });
      const run = await ledger().getRun('main-incremental');
      expect(run?.mode).toBe('incremental');
      expect(run?.copied.objects).toBe(0);
      expect(run?.skipped.objects).toBe(dataset.length);
      const reported = reportedTotals(steps);
      expect(reported.summary.skipped.objects).toBe(dataset.length);
      expect(reported.outputs.copied.objects).toBe(0);
      expect(reported).toEqual(ledgerTotals(run as RunRecord));
      await expectWorkersStopped();
    },
    runTimeoutMs,
  );

  test(
    'a sync run deletes the copy of an object deleted at the source, and nothing else; the summary says so',
    async () => {
      printLogsOnFailure();
      const [gone] = dataset;
      if (gone === undefined) throw new Error('the dataset is empty');
      await source.send(new DeleteObjectCommand({ Bucket: sourceBucket, Key: gone.key }));
      const steps = await migrateMain({ runId: 'main-sync', mode: 'sync', workers: 1 });
      const run = await ledger().getRun('main-sync');
      expect(run).toMatchObject({
        mode: 'sync',
        deleteState: 'RELEASED',
        toDelete: { objects: 1, bytes: gone.size },
        deleted: { objects: 1, bytes: gone.size },
        copied: { objects: 0 },
        failed: { objects: 0 },
      });
      expect(run?.skipped.objects).toBe(dataset.length - 1);
      expect((await listKeys(destination(), destinationBucket, 'data/')).sort()).toEqual(
        dataset
          .map((object) => object.key)
          .filter((key) => key !== gone.key)
          .sort(),
      );
      const totals = tableByHeader(steps.awaitRun.summary, ['', 'objects', 'bytes']);
      expect(parseCount(totals.get('to delete (released)')?.[0])).toBe(1);
      expect(parseCount(totals.get('deleted')?.[0])).toBe(1);
      await expectWorkersStopped();
    },
    runTimeoutMs,
  );

  test(
    'an object deleted between listing and copying fails the run: await-run fails and reports it',
    async () => {
      printLogsOnFailure();
      const vanished = 'broken/vanishes.bin';
      const steps = await fleet.runMigration({
        mapping: 'broken',
        runId: 'broken-1',
        mode: 'full',
        workers: 1,
        afterListing: async () => {
          await source.send(new DeleteObjectCommand({ Bucket: sourceBucket, Key: vanished }));
        },
      });
      expect(steps.startLister.outputs['lister-state']).toBe('listed');
      expect(steps.awaitRun.code).not.toBe(0);
      expect(steps.awaitRun.outputs.state).toBe('failed');
      expect(steps.awaitRun.stdout).toMatch(/::error::.*1 objects? failed/);

      const run = await ledger().getRun('broken-1');
      expect(run?.planned.objects).toBe(brokenKeys.length);
      expect(run?.copied.objects).toBe(brokenKeys.length - 1);
      expect(run?.failed.objects).toBe(1);
      expect(reportedTotals(steps)).toEqual(ledgerTotals(run as RunRecord));
      const failures = tableByHeader(steps.awaitRun.summary, [
        'class',
        'objects',
        'sample keys',
        'first message',
      ]);
      expect([...failures.keys()]).toEqual(['NotFound']);
      expect(failures.get('NotFound')?.[0]).toBe('1');
      expect(cellText(failures.get('NotFound')?.[1])).toBe(vanished);
      expect((await listKeys(destination(), destinationBucket, 'broken/')).sort()).toEqual(
        brokenKeys.filter((key) => key !== vanished).sort(),
      );
      await expectWorkersStopped();
    },
    runTimeoutMs,
  );
});
