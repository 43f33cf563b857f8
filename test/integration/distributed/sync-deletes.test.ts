// Delete messages in distributed mode against moto (SQS, DynamoDB, S3): a `ferry worker` deletes a released batch's
// destination objects, keys XML cannot carry included; the batch sent twice deletes once and counts once.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createS3Client, createSqsClient } from '../../../worker/src/aws/clients.ts';
import { createSqsWorkQueue } from '../../../worker/src/distributed/sqs-work-queue.ts';
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import { encodeDeleteBatch } from '../../../worker/src/queue/work-message.ts';
import { createS3ObjectStore } from '../../../worker/src/storage/s3-object-store.ts';
import { motoClientOptions, motoEndpoint, testS3, uniqueBucket } from '../../support/aws.ts';
import { distributedRun } from '../../support/distributed-run.ts';
import { mappingYaml, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import { bytesFor, createBucket, listKeys, putObject } from '../../support/objects.ts';

const controlUrl = inject('motoSource');
const destinationUrl = inject('motoDestination');
const control = motoEndpoint(controlUrl, 'control');
const destination = testS3(destinationUrl);

describe('delete messages in distributed mode', () => {
  const dir = tempDir('sync-deletes');
  const sourceBucket = uniqueBucket('sync-del-src');
  const destinationBucket = uniqueBucket('sync-del-dst');
  const fleet = distributedRun({ controlUrl, name: uniqueBucket('ferry-sync-del') });
  let config = '';

  /** The destination objects under a prefix as a lister sees them (keys decoded, ETags unquoted). */
  const listed = async (prefix: string): Promise<ObjectEntry[]> => {
    const store = createS3ObjectStore({
      client: createS3Client(motoEndpoint(destinationUrl), motoClientOptions),
      bucket: destinationBucket,
      serviceId: destinationUrl,
    });
    const entries: ObjectEntry[] = [];
    for await (const entry of store.list({ prefix })) entries.push(entry);
    return entries;
  };

  beforeAll(async () => {
    await fleet.init({ maxReceiveCount: 5 });
    await createBucket(testS3(inject('motoSource')), sourceBucket);
    await createBucket(destination, destinationBucket);
    config = writeConfig({
      dir,
      sourceUrl: inject('motoSource'),
      destinationUrl,
      mappingsYaml: mappingYaml({
        id: 'mirror',
        sourceBucket,
        sourcePrefix: 'data/',
        destinationBucket,
        destinationPrefix: 'out/',
      }),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a delete batch sent twice deletes its objects and counts them once', async () => {
    // The control character cannot travel in DeleteObjects' XML: that key goes through DeleteObject.
    const gone = ['out/gone/a.txt', 'out/gone/ünï cödé+1.bin', 'out/gone/control\u0001char'];
    for (const [index, key] of [...gone, 'out/kept.txt'].entries()) {
      await putObject(destination, { bucket: destinationBucket, key, body: bytesFor(key, 100 + index) });
    }
    const items = (await listed('out/gone/')).map(({ key, size, etag }) => ({ key, size, etag }));
    expect(items.map((item) => item.key).sort()).toEqual([...gone].sort());
    const runId = 'run-sync-deletes';
    const ledger = fleet.ledger();
    await ledger.startRun({ runId, mappingId: 'mirror', mode: 'sync', startedAt: new Date() });
    await ledger.settleDeletes(runId, { state: 'RELEASED' });
    const queue = createSqsWorkQueue({
      client: createSqsClient(control, motoClientOptions),
      queueUrl: fleet.queueUrl,
      deadLetterQueueUrl: fleet.deadLetterQueueUrl,
    });
    const body = encodeDeleteBatch({ runId, mappingId: 'mirror', batchId: 'delete-1', items });
    await queue.send([body, body]);

    const worker = await fleet.startWorker({ config, args: ['--exit-when-idle', '6'] }).done;
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.stderr).not.toMatch(/"level":"error"/);

    expect(await listKeys(destination, destinationBucket, 'out/')).toEqual(['out/kept.txt']);
    const run = await ledger.getRun(runId);
    expect(run?.deleted).toEqual({
      objects: 3,
      bytes: items.reduce((sum, item) => sum + item.size, 0),
    });
    expect(run?.copied).toEqual({ objects: 0, bytes: 0 });
    expect(run?.failed).toEqual({ objects: 0, bytes: 0 });
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });
});
