// Distributed mode end to end against moto: init, a lister and three worker processes, exact ledger, crash recovery.

import { rmSync } from 'node:fs';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createS3Client, createSqsClient } from '../../../worker/src/aws/clients.ts';
import { peekDeadLetters } from '../../../worker/src/distributed/sqs-dead-letters.ts';
import { createSqsWorkQueue } from '../../../worker/src/distributed/sqs-work-queue.ts';
import { runLister } from '../../../worker/src/list/run-lister.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import type { ObjectLister } from '../../../worker/src/ports/object-store.ts';
import { decodeWorkBatch, encodeWorkBatch } from '../../../worker/src/queue/work-message.ts';
import { createS3ObjectStore } from '../../../worker/src/storage/s3-object-store.ts';
import { motoClientOptions, motoEndpoint, testS3, uniqueBucket } from '../../support/aws.ts';
import { distributedRun } from '../../support/distributed-run.ts';
import { mappingYaml, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import { bytesFor, createBucket, fingerprint, listKeys, putObject } from '../../support/objects.ts';
import { pollFor } from '../../support/poll.ts';

const MiB = 1024 * 1024;
const controlUrl = inject('motoSource');
const source = testS3(inject('motoSource'));
const destination = testS3(inject('motoDestination'));
const control = motoEndpoint(controlUrl, 'control');
const controlOptions = motoClientOptions;

describe('distributed mode', () => {
  const dir = tempDir('fleet');
  const sourceBucket = uniqueBucket('fleet-src');
  const destinationBucket = uniqueBucket('fleet-dst');
  const fleet = distributedRun({ controlUrl, name: uniqueBucket('ferry') });
  const { name, ferry, ledger } = fleet;
  let config = '';
  const listRun = (runId: string) => ferry(fleet.listArgs({ config, mapping: 'fleet', runId }));
  const worker = (args: string[] = []) => fleet.startWorker({ config, args });

  beforeAll(async () => {
    const init = await fleet.init({ maxReceiveCount: 3 });
    expect(init.result.stderr).toBe('');
    const again = await fleet.init({ maxReceiveCount: 3 });
    expect(JSON.parse(again.result.stdout)).toEqual(JSON.parse(init.result.stdout));
    await createBucket(source, sourceBucket);
    await createBucket(destination, destinationBucket);
    config = writeConfig({
      dir,
      sourceUrl: inject('motoSource'),
      destinationUrl: inject('motoDestination'),
      transferYaml:
        'transfer: { concurrency: 4, multipartThreshold: 6MiB, partSize: 5MiB, maxPartsInFlight: 2 }',
      mappingsYaml: mappingYaml({
        id: 'fleet',
        sourceBucket,
        sourcePrefix: 'in/',
        destinationBucket,
        destinationPrefix: 'out/',
      }),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a lister and three workers copy everything; the ledger totals are exact', async () => {
    const keys = Array.from({ length: 240 }, (_, i) => `in/small/${String(i).padStart(4, '0')}`);
    const limit = pLimit(16);
    await Promise.all(
      keys.map((key, i) =>
        limit(() => putObject(source, { bucket: sourceBucket, key, body: bytesFor(key, 1000 + i * 37) })),
      ),
    );
    for (const key of ['in/big/a', 'in/big/b']) {
      await putObject(source, { bucket: sourceBucket, key, body: bytesFor(key, 12 * MiB + 3) });
    }
    const workers = [
      worker(['--exit-when-idle', '6']),
      worker(['--exit-when-idle', '6']),
      worker(['--exit-when-idle', '6']),
    ];
    const listed = await listRun('run-1');
    expect(listed.stderr).not.toMatch(/"level":"error"/);
    expect(listed.code).toBe(0);
    const results = await Promise.all(workers.map((w) => w.done));
    for (const result of results) {
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
    }
    const status = await ferry(['status', '--run-id', 'run-1', '--table', name]);
    expect(status.code).toBe(0);
    const run = await ledger().getRun('run-1');
    const allBytes = keys.reduce((a, _, i) => a + 1000 + i * 37, 0) + 2 * (12 * MiB + 3);
    expect(run?.planned).toEqual({ objects: 242, bytes: allBytes });
    expect(run?.copied).toEqual({ objects: 242, bytes: allBytes });
    expect(run?.failed.objects).toBe(0);
    expect(status.stdout).toMatch(/copied +\| 242 /);
    const copied = await listKeys(destination, destinationBucket, 'out/');
    expect(copied.sort()).toEqual([...keys, 'in/big/a', 'in/big/b'].map((k) => `out/${k.slice(3)}`).sort());
    for (const key of ['in/small/0000', 'in/small/0239', 'in/big/a', 'in/big/b']) {
      expect(await fingerprint(destination, destinationBucket, `out/${key.slice(3)}`)).toEqual(
        await fingerprint(source, sourceBucket, key),
      );
    }
    // Every worker took part: the work really fanned out.
    const second = await listRun('run-2');
    expect(second.code).toBe(0);
    const rerun = await ledger().getRun('run-2');
    expect(rerun?.planned.objects).toBe(0);
    expect(rerun?.skipped.objects).toBe(242);
  });

  test('a batch delivered twice is counted once; poison messages reach the dead-letter queue', async () => {
    const key = 'in/dup/one';
    await putObject(source, { bucket: sourceBucket, key, body: bytesFor(key, 500) });
    const listing = await source.send(new ListObjectsV2Command({ Bucket: sourceBucket, Prefix: key }));
    const etag = listing.Contents?.[0]?.ETag?.replaceAll('"', '') ?? '';
    const runLedger = ledger();
    await runLedger.startRun({ runId: 'run-dup', mappingId: 'fleet', mode: 'full', startedAt: new Date() });
    await runLedger.recordPlanned('run-dup', {
      batchId: 'b-dup',
      planned: { objects: 1, bytes: 500 },
      skipped: { objects: 0, bytes: 0 },
    });
    await runLedger.setListerState('run-dup', 'LISTED');
    const body = encodeWorkBatch({
      runId: 'run-dup',
      mappingId: 'fleet',
      batchId: 'b-dup',
      items: [{ key, size: 500, etag }],
    });
    const sqs = createSqsClient(control, controlOptions);
    // Delivered, processed, then delivered again, as SQS may. (Two copies in flight at once race inside moto's
    // DynamoDB, which restores a whole-table snapshot when a transaction is cancelled; real DynamoDB does not.)
    const evil = encodeWorkBatch({
      runId: 'run-dup',
      mappingId: 'fleet',
      batchId: 'evil',
      items: [{ key: 'etc/passwd', size: 1, etag: 'x' }],
    });
    for (const delivery of [
      [body, 'not json'],
      [body, evil],
    ]) {
      for (const message of delivery)
        await sqs.send(new SendMessageCommand({ QueueUrl: fleet.queueUrl, MessageBody: message }));
      const result = await worker(['--exit-when-idle', '3']).done;
      expect(result.code, result.stderr).toBe(0);
    }
    const run = await runLedger.getRun('run-dup');
    expect(run?.copied).toEqual({ objects: 1, bytes: 500 });
    const dead = await peekDeadLetters({ client: sqs, deadLetterQueueUrl: fleet.deadLetterQueueUrl });
    const reasons = dead.map((letter) => letter.reason ?? '').join('\n');
    expect(reasons).toMatch(/not JSON/);
    expect(reasons).toMatch(/outside the source prefix/);
    expect((await ferry(['status', '--run-id', 'run-dup', '--table', name])).code).toBe(0);
  });

  test('a worker killed mid-multipart: another one finishes the object, nothing lost, no upload left open', async () => {
    const key = 'in/huge/object';
    await putObject(source, { bucket: sourceBucket, key, body: bytesFor(key, 48 * MiB) });
    const first = worker(['--visibility-timeout', '4']);
    const listed = await listRun('run-kill');
    expect(listed.code).toBe(0);
    const uploads = await pollFor({
      read: async () =>
        (
          await destination.send(
            new ListMultipartUploadsCommand({ Bucket: destinationBucket, Prefix: 'out/huge/' }),
          )
        ).Uploads ?? [],
      until: (open) => open.length > 0,
      attempts: 400,
      intervalMs: 25,
    });
    expect(uploads?.length).toBeGreaterThan(0);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const rescuer = await worker(['--exit-when-idle', '10']).done;
    expect(rescuer.code).toBe(0);
    const run = await ledger().getRun('run-kill');
    expect(run?.copied.objects).toBe(run?.planned.objects);
    expect(run?.failed.objects).toBe(0);
    expect(await fingerprint(destination, destinationBucket, 'out/huge/object')).toEqual(
      await fingerprint(source, sourceBucket, key),
    );
    const open = await destination.send(new ListMultipartUploadsCommand({ Bucket: destinationBucket }));
    expect(open.Uploads ?? []).toEqual([]);
  });

  test('a lister that dies mid-listing resumes from its checkpoint in DynamoDB: every key planned exactly once', async () => {
    const keys = Array.from({ length: 450 }, (_, i) => `in/resume/${String(i).padStart(4, '0')}`);
    const limit = pLimit(16);
    await Promise.all(
      keys.map((key) =>
        limit(() => putObject(source, { bucket: sourceBucket, key, body: bytesFor(key, 64) })),
      ),
    );
    const runLedger = ledger();
    const queue = createSqsWorkQueue({
      client: createSqsClient(control, controlOptions),
      queueUrl: fleet.queueUrl,
      deadLetterQueueUrl: fleet.deadLetterQueueUrl,
    });
    const store = createS3ObjectStore({
      client: createS3Client({ ...control, url: inject('motoSource') }, controlOptions),
      bucket: sourceBucket,
      serviceId: 'src',
    });
    const dying: ObjectLister = {
      async *list(options) {
        let given = 0;
        for await (const entry of store.list(options)) {
          if (given++ === 230) throw new Error('the lister task was stopped');
          yield entry;
        }
      },
    };
    const mapping = {
      id: 'resume',
      source: { endpoint: 'src', bucket: sourceBucket, prefix: 'in/resume/' },
      destination: { endpoint: 'dst', bucket: destinationBucket, prefix: 'resumed/' },
      include: [],
      exclude: [],
    };
    const lister = {
      runId: 'run-resume',
      mapping,
      mode: 'full' as const,
      destination: store,
      ledger: runLedger,
    };
    const common = { ...lister, memory: runLedger, queue, logger: silentLogger };
    await runLedger.startRun({
      runId: 'run-resume',
      mappingId: 'resume',
      mode: 'full',
      startedAt: new Date(),
    });
    await expect(runLister({ ...common, source: dying })).rejects.toThrow('stopped');
    const failed = await runLedger.getRun('run-resume');
    expect(failed?.listerState).toBe('FAILED');
    expect(failed?.checkpoint).toBe(keys[199]);
    await runLedger.setListerState('run-resume', 'LISTING');
    const resumed = await runLister({ ...common, source: store });
    expect(resumed.listerState).toBe('LISTED');
    expect(resumed.planned.objects).toBe(450);
    const sent: string[] = [];
    for (;;) {
      const messages = await queue.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 1 });
      if (messages.length === 0) break;
      for (const message of messages) {
        const batch = decodeWorkBatch(message.body);
        if (batch.runId === 'run-resume') sent.push(...batch.items.map((item) => item.key));
        await queue.ack(message);
      }
    }
    // At least once: the batch in flight when the lister died may be sent twice, never lost.
    expect([...new Set(sent)].sort()).toEqual(keys);
  });
});
