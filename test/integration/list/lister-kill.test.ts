// `ferry list` killed with SIGKILL mid-listing resumes every range from its own checkpoint: exact totals, no work twice.
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createSqsClient } from '../../../worker/src/aws/clients.ts';
import { createSqsWorkQueue } from '../../../worker/src/distributed/sqs-work-queue.ts';
import { decodeListingCheckpoint, rangesToList } from '../../../worker/src/list/range-checkpoint.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import { decodeWorkBatch, type WorkBatch } from '../../../worker/src/queue/work-message.ts';
import { motoClientOptions, motoEndpoint, testS3, uniqueBucket } from '../../support/aws.ts';
import { controlPlaneEnv, distributedRun, waitForRun } from '../../support/distributed-run.ts';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.ts';
import { mappingYaml, startFerry, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import { createBucket } from '../../support/objects.ts';
import { putKeys } from './list-fixtures.ts';

const controlUrl = inject('motoSource');
const control = motoEndpoint(controlUrl, 'control');
const source = testS3(inject('motoSource'));
const destination = testS3(inject('motoDestination'));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a killed `ferry list`', () => {
  const dir = tempDir('lister-kill');
  const sourceBucket = uniqueBucket('lkill-src');
  const destinationBucket = uniqueBucket('lkill-dst');
  const fleet = distributedRun({ controlUrl, name: uniqueBucket('lkill') });
  const runId = 'run-killed';
  let config = '';
  let proxy: FaultProxy | undefined;
  /** 2,400 keys: hashed names, dated parts, names with multi-byte characters; a third already at the destination. */
  const keys = Array.from({ length: 2400 }, (_, i) => {
    const hash = createHash('sha1').update(String(i)).digest('hex').slice(0, 10);
    if (i % 4 === 0) return `in/\u00e9t\u00e9/${hash}-\u{1f600}`;
    if (i % 4 === 1)
      return `in/logs/2026/${String(1 + (i % 12)).padStart(2, '0')}/part-${String(i).padStart(5, '0')}`;
    return `in/objects/${hash}`;
  }).sort(compareKeys);
  const atDestination = keys.filter((_, i) => i % 3 === 0);
  const toCopy = keys.filter((_, i) => i % 3 !== 0);

  const listArgs = () => [
    ...fleet.listArgs({ config, mapping: 'killed', runId }),
    '--list-concurrency',
    '8',
    '--list-range-keys',
    '150',
  ];

  beforeAll(async () => {
    await fleet.init();
    await createBucket(source, sourceBucket);
    await createBucket(destination, destinationBucket);
    await putKeys(source, { bucket: sourceBucket, keys, bodyOf: (key) => key });
    await putKeys(destination, {
      bucket: destinationBucket,
      keys: atDestination.map((key) => `out/${key.slice(3)}`),
      bodyOf: (key) => `in/${key.slice(4)}`,
    });
    config = writeConfig({
      dir,
      sourceUrl: inject('motoSource'),
      destinationUrl: inject('motoDestination'),
      mappingsYaml: mappingYaml({
        id: 'killed',
        sourceBucket,
        sourcePrefix: 'in/',
        destinationBucket,
        destinationPrefix: 'out/',
      }),
    });
    // Every ledger write of the first lister takes a while, so it is surely killed in the middle of its listing.
    proxy = await startFaultProxy(controlUrl);
    proxy.onRequest(
      { where: (request) => request.headers['x-amz-target'] === 'DynamoDB_20120810.TransactWriteItems' },
      () => sleep(120),
    );
  }, 180_000);
  afterAll(async () => {
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('resumes every unfinished range after its own checkpoint: exact totals, every key sent in one batch only', async () => {
    const runLedger = fleet.ledger();
    const first = startFerry(listArgs(), { env: controlPlaneEnv(proxy?.url ?? '') });
    // Killed once it has recorded some batches (the ledger's own view, read straight from moto).
    const atKill = await waitForRun({
      ledger: runLedger,
      runId,
      until: (run) => run.listerState === 'LISTED' || run.planned.objects + run.skipped.objects >= 300,
      attempts: 1200,
      intervalMs: 25,
    });
    if (atKill !== undefined && atKill.listerState !== 'LISTED') first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(atKill?.listerState).toBe('LISTING');
    const recorded = (await runLedger.getRun(runId)) ?? atKill;
    const progress = decodeListingCheckpoint(recorded?.checkpoint);
    expect(progress.ranges.length).toBeGreaterThan(3);
    const unfinished = rangesToList(progress);
    expect(unfinished.length).toBeGreaterThan(0);
    expect(progress.ranges.some((range) => range.done || range.lastKey !== undefined)).toBe(true);
    expect(recorded?.planned.objects).toBeLessThan(toCopy.length);

    const second = await fleet.ferry([...listArgs(), '--log-format', 'json']);
    expect(second.code, second.stderr).toBe(0);
    const resumeLine = second.stderr.split('\n').find((line) => line.includes('"lister.resume"'));
    expect(resumeLine, second.stderr).toBeDefined();
    expect(JSON.parse(resumeLine ?? '{}')).toMatchObject({
      ranges: progress.ranges.length,
      unfinished: unfinished.length,
    });

    const run = await runLedger.getRun(runId);
    expect(run?.listerState).toBe('LISTED');
    expect(run?.planned).toEqual({
      objects: toCopy.length,
      bytes: toCopy.reduce((total, key) => total + Buffer.byteLength(key), 0),
    });
    expect(run?.skipped.objects).toBe(atDestination.length);

    const queue = createSqsWorkQueue({
      client: createSqsClient(control, motoClientOptions),
      queueUrl: fleet.queueUrl,
      deadLetterQueueUrl: fleet.deadLetterQueueUrl,
    });
    const batches: WorkBatch[] = [];
    for (;;) {
      const messages = await queue.receive({ max: 10, visibilityTimeoutSec: 60, waitSec: 1 });
      if (messages.length === 0) break;
      for (const message of messages) {
        batches.push(decodeWorkBatch(message.body));
        await queue.ack(message);
      }
    }
    // A batch the killed lister sent but had not recorded is sent again, identical (same id): workers count it
    // once. No key is in two different batches, and none is missing.
    const byId = new Map<string, WorkBatch>();
    for (const batch of batches) {
      const seen = byId.get(batch.batchId);
      if (seen) expect(batch.items).toEqual(seen.items);
      else byId.set(batch.batchId, batch);
    }
    expect(batches.length - byId.size).toBeLessThanOrEqual(8);
    const sent = [...byId.values()].flatMap((batch) => batch.items.map((item) => item.key));
    expect(sent).toHaveLength(new Set(sent).size);
    expect(sent.sort(compareKeys)).toEqual(toCopy);
  });
});
