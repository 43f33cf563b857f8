// One giant object shared by several `ferry worker` processes against moto, a range of parts each: copied byte-exact
// with its checksum and counted once, a duplicated range changes nothing, a worker killed mid-range is taken over.
import { rmSync } from 'node:fs';
import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createS3Client, createSqsClient } from '../../../worker/src/aws/clients.ts';
import type { TransferSettings } from '../../../worker/src/config/types.ts';
import { createSqsWorkQueue } from '../../../worker/src/distributed/sqs-work-queue.ts';
import { runLister } from '../../../worker/src/list/run-lister.ts';
import { batchIdOf, batchLimitsFor } from '../../../worker/src/list/work-batcher.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import { encodeWorkMessages } from '../../../worker/src/queue/work-message.ts';
import { createS3ObjectStore } from '../../../worker/src/storage/s3-object-store.ts';
import { checksumOf } from '../../../worker/src/transfer/checksum.ts';
import { planSharing } from '../../../worker/src/transfer/shared-ranges.ts';
import { motoClientOptions, motoEndpoint, testS3, uniqueBucket } from '../../support/aws.ts';
import { distributedRun } from '../../support/distributed-run.ts';
import { mappingYaml, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import { bytesFor, createBucket, fingerprint, putObject } from '../../support/objects.ts';
import { pollFor } from '../../support/poll.ts';

const MiB = 1024 * 1024;
const controlUrl = inject('motoSource');
const source = testS3(inject('motoSource'));
const destination = testS3(inject('motoDestination'));
const control = motoEndpoint(controlUrl, 'control');

/** 5 MiB parts, ranges of two parts: a 38 MiB object makes 8 parts in 4 ranges. */
const transfer: TransferSettings = {
  concurrency: 4,
  multipartThresholdBytes: 6 * MiB,
  partSizeBytes: 5 * MiB,
  maxPartsInFlight: 2,
  checksumAlgorithm: 'CRC32C',
  maxAttempts: 3,
  sharedObjectThresholdBytes: 20 * MiB,
  rangeSizeBytes: 10 * MiB,
};
const GIANT_BYTES = 38 * MiB + 3;

describe('a shared object in distributed mode', () => {
  const dir = tempDir('shared');
  const sourceBucket = uniqueBucket('shared-src');
  const destinationBucket = uniqueBucket('shared-dst');
  const fleet = distributedRun({ controlUrl, name: uniqueBucket('ferry-shared') });
  const { name, ferry, ledger } = fleet;
  let config = '';
  const worker = (args: string[]) => fleet.startWorker({ config, args });
  /** Lists and plans a run in this process, with the batch limits the config gives (shared objects included). */
  const listRun = async (runId: string, prefix: string) => {
    const runLedger = ledger();
    await runLedger.startRun({ runId, mappingId: 'shared', mode: 'full', startedAt: new Date() });
    const store = (url: string, bucket: string) =>
      createS3ObjectStore({
        client: createS3Client({ ...control, url }, motoClientOptions),
        bucket,
        serviceId: url,
      });
    return await runLister({
      runId,
      mapping: {
        id: 'shared',
        source: { endpoint: 'src', bucket: sourceBucket, prefix },
        destination: { endpoint: 'dst', bucket: destinationBucket, prefix: `out/${prefix}` },
        include: [],
        exclude: [],
      },
      mode: 'full',
      source: store(inject('motoSource'), sourceBucket),
      destination: store(inject('motoDestination'), destinationBucket),
      ledger: runLedger,
      memory: runLedger,
      queue: createSqsWorkQueue({
        client: createSqsClient(control, motoClientOptions),
        queueUrl: fleet.queueUrl,
      }),
      logger: silentLogger,
      limits: batchLimitsFor(transfer),
    });
  };
  const sharedRef = (runId: string, key: string) => ({
    runId,
    batchId: batchIdOf(runId, [{ key, size: GIANT_BYTES, etag: '' }]),
  });
  const openUploads = async (prefix: string) =>
    (await destination.send(new ListMultipartUploadsCommand({ Bucket: destinationBucket, Prefix: prefix })))
      .Uploads ?? [];
  const etagOf = async (key: string) => {
    const listing = await source.send(new ListObjectsV2Command({ Bucket: sourceBucket, Prefix: key }));
    return listing.Contents?.[0]?.ETag?.replaceAll('"', '') ?? '';
  };
  const expectCopiedExactly = async (key: string) => {
    const copyKey = `out/${key}`;
    expect(await fingerprint(destination, destinationBucket, copyKey)).toEqual(
      await fingerprint(source, sourceBucket, key),
    );
    const head = await destination.send(
      new HeadObjectCommand({ Bucket: destinationBucket, Key: copyKey, ChecksumMode: 'ENABLED' }),
    );
    expect(head.ChecksumCRC32C).toBe(await checksumOf('CRC32C', bytesFor(key, GIANT_BYTES)));
    expect(head.ETag).toMatch(/-8"$/);
  };

  beforeAll(async () => {
    await fleet.init({ maxReceiveCount: 5 });
    await createBucket(source, sourceBucket);
    await createBucket(destination, destinationBucket);
    config = writeConfig({
      dir,
      sourceUrl: inject('motoSource'),
      destinationUrl: inject('motoDestination'),
      transferYaml:
        'transfer: { concurrency: 4, multipartThreshold: 6MiB, partSize: 5MiB, maxPartsInFlight: 2, sharedObjectThreshold: 20MiB, rangeSize: 10MiB }',
      mappingsYaml: mappingYaml({
        id: 'shared',
        sourceBucket,
        sourcePrefix: '',
        destinationBucket,
        destinationPrefix: 'out/',
      }),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('three workers share one giant object; a duplicated range changes nothing; the ledger is exact', async () => {
    const key = 'giant/a.bin';
    await putObject(source, {
      bucket: sourceBucket,
      key,
      body: bytesFor(key, GIANT_BYTES),
      metadata: { ContentType: 'application/x-giant', Metadata: { origin: 'tape' } },
    });
    const smallKeys = ['giant/b-small', 'giant/c-small'];
    for (const small of smallKeys)
      await putObject(source, { bucket: sourceBucket, key: small, body: bytesFor(small, 700) });
    const listed = await listRun('run-shared', 'giant/');
    expect(listed.listerState).toBe('LISTED');
    expect(listed.planned).toEqual({ objects: 3, bytes: GIANT_BYTES + 1400 });
    // The same range sent once more, as a re-sent or redelivered message would be.
    const etag = await etagOf(key);
    const sharing = batchLimitsFor(transfer).sharing;
    expect(sharing && planSharing(GIANT_BYTES, sharing)).toMatchObject({ totalParts: 8, rangeCount: 4 });
    const ranges = encodeWorkMessages({
      runId: 'run-shared',
      mappingId: 'shared',
      batchId: batchIdOf('run-shared', [{ key, size: GIANT_BYTES, etag }]),
      items: [{ key, size: GIANT_BYTES, etag }],
      shared: { partSizeBytes: 5 * MiB, rangeCount: 4 },
    });
    const sqs = createSqsClient(control, motoClientOptions);
    await sqs.send(new SendMessageCommand({ QueueUrl: fleet.queueUrl, MessageBody: ranges[2] ?? '' }));

    const results = await Promise.all([
      worker(['--exit-when-idle', '8']).done,
      worker(['--exit-when-idle', '8']).done,
      worker(['--exit-when-idle', '8']).done,
    ]);
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/"level":"error"/);
    }
    const run = await ledger().getRun('run-shared');
    expect(run?.copied).toEqual({ objects: 3, bytes: GIANT_BYTES + 1400 });
    expect(run?.failed).toEqual({ objects: 0, bytes: 0 });
    await expectCopiedExactly(key);
    const record = await ledger().recallSharedUpload(sharedRef('run-shared', key));
    expect(record?.state).toBe('DONE');
    expect(record?.doneRanges).toEqual([0, 1, 2, 3]);
    expect(await openUploads('out/giant/')).toEqual([]);
    const status = await ferry(['status', '--run-id', 'run-shared', '--table', name]);
    expect(status.code).toBe(0);
  });

  test('a worker killed mid-range: another one takes its ranges over and finishes the object once', async () => {
    const key = 'killed/a.bin';
    await putObject(source, { bucket: sourceBucket, key, body: bytesFor(key, GIANT_BYTES) });
    const first = worker(['--visibility-timeout', '4']);
    const listed = await listRun('run-killed', 'killed/');
    expect(listed.planned).toEqual({ objects: 1, bytes: GIANT_BYTES });
    const runLedger = ledger();
    const ref = sharedRef('run-killed', key);
    const claimed = await pollFor({
      read: async () => {
        const record = await runLedger.recallSharedUpload(ref);
        if (!record) return undefined;
        const range = { uploadId: record.uploadId, firstPart: 1, lastPart: 8 };
        return { record, recordedParts: (await runLedger.recallSharedParts(ref, range)).length };
      },
      until: ({ recordedParts }) => recordedParts > 0,
      attempts: 2000,
      intervalMs: 20,
    });
    expect(claimed?.recordedParts).toBeGreaterThan(0);
    expect(claimed?.record.state).toBe('OPEN');
    const uploadId = claimed?.record.uploadId;
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const killedAt = await runLedger.recallSharedUpload(ref);
    expect(killedAt?.state).toBe('OPEN');
    expect(killedAt?.doneRanges.length).toBeLessThan(4);

    const rescuer = await worker(['--exit-when-idle', '15', '--visibility-timeout', '4']).done;
    expect(rescuer.code, rescuer.stderr).toBe(0);
    const run = await runLedger.getRun('run-killed');
    expect(run?.copied).toEqual({ objects: 1, bytes: GIANT_BYTES });
    expect(run?.failed.objects).toBe(0);
    await expectCopiedExactly(key);
    const done = await runLedger.recallSharedUpload(ref);
    expect(done?.state).toBe('DONE');
    // The upload the killed worker claimed was finished, not started over.
    expect(done?.uploadId).toBe(uploadId);
    expect(await openUploads('out/killed/')).toEqual([]);
  });
});
