// What a million small objects cost in queue requests and ledger writes, counted against moto, not estimated.
import pLimit from 'p-limit';
import { expect, inject, test } from 'vitest';
import { createDynamoDbClient, createS3Client, createSqsClient } from '../../../worker/src/aws/clients.ts';
import type { FerryConfig, MappingConfig } from '../../../worker/src/config/types.ts';
import { createWorkQueues } from '../../../worker/src/distributed/create-queue.ts';
import { createLedgerTable } from '../../../worker/src/distributed/create-table.ts';
import { createDynamoDbLedger } from '../../../worker/src/distributed/dynamodb-ledger.ts';
import { billedRequests } from '../../../worker/src/distributed/sqs-send-batches.ts';
import { createSqsWorkQueue } from '../../../worker/src/distributed/sqs-work-queue.ts';
import { runLister } from '../../../worker/src/list/run-lister.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import { isRunDone } from '../../../worker/src/run/run-progress.ts';
import { createS3ObjectStore } from '../../../worker/src/storage/s3-object-store.ts';
import { runWorker } from '../../../worker/src/worker/run-worker.ts';
import { motoClientOptions, motoEndpoint, testS3, uniqueBucket } from '../../support/aws.ts';
import { bytesFor, createBucket, putObject } from '../../support/objects.ts';

const objects = 2000;
test(`queue requests and ledger writes per object, for ${objects} small objects`, async () => {
  const control = motoEndpoint(inject('motoSource'), 'control');
  const sourceBucket = uniqueBucket('cost-src');
  const destinationBucket = uniqueBucket('cost-dst');
  const seed = testS3(inject('motoSource'));
  await createBucket(seed, sourceBucket);
  await createBucket(testS3(inject('motoDestination')), destinationBucket);
  const limit = pLimit(32);
  await Promise.all(
    Array.from({ length: objects }, (_, i) => `k/${String(i).padStart(5, '0')}`).map((key) =>
      limit(() => putObject(seed, { bucket: sourceBucket, key, body: bytesFor(key, 256) })),
    ),
  );
  const name = uniqueBucket('cost');
  const sqs = createSqsClient(control, motoClientOptions);
  const dynamodb = createDynamoDbClient(control, motoClientOptions);
  const { queueUrl, deadLetterQueueUrl } = await createWorkQueues({
    client: sqs,
    queueName: name,
    maxReceiveCount: 5,
    visibilityTimeoutSec: 60,
  });
  await createLedgerTable({ client: dynamodb, tableName: name, deletionProtection: false });

  let sqsRequests = 0;
  let writeUnits = 0;
  const queue = createSqsWorkQueue({
    client: sqs,
    queueUrl,
    deadLetterQueueUrl,
    onRequest: (_operation, payloadBytes) => {
      sqsRequests += billedRequests(payloadBytes);
    },
  });
  const ledger = createDynamoDbLedger({
    client: dynamodb,
    tableName: name,
    onWrite: (write) => {
      writeUnits += write.writeUnits;
    },
  });
  const mapping: MappingConfig = {
    id: 'cost',
    source: { endpoint: 'src', bucket: sourceBucket, prefix: '' },
    destination: { endpoint: 'dst', bucket: destinationBucket, prefix: '' },
    include: [],
    exclude: [],
  };
  const sourceStore = createS3ObjectStore({
    client: createS3Client(motoEndpoint(inject('motoSource'), 'src'), motoClientOptions),
    bucket: sourceBucket,
    serviceId: 'src',
  });
  const destinationStore = createS3ObjectStore({
    client: createS3Client(motoEndpoint(inject('motoDestination'), 'dst'), motoClientOptions),
    bucket: destinationBucket,
    serviceId: 'dst',
  });
  const config: FerryConfig = {
    file: 'cost',
    endpoints: {},
    mappings: [mapping],
    transfer: {
      concurrency: 32,
      multipartThresholdBytes: 16 * 1024 * 1024,
      partSizeBytes: 8 * 1024 * 1024,
      maxPartsInFlight: 32,
      checksumAlgorithm: 'CRC32C',
      maxAttempts: 3,
    },
  };
  await ledger.startRun({ runId: 'cost-run', mappingId: 'cost', mode: 'incremental', startedAt: new Date() });
  const runtime = { mapping, source: sourceStore, destination: destinationStore };
  await Promise.all([
    runLister({
      runId: 'cost-run',
      mapping,
      mode: 'incremental',
      source: sourceStore,
      destination: destinationStore,
      ledger,
      memory: ledger,
      queue,
      logger: silentLogger,
    }),
    runWorker({
      config,
      queue,
      ledger,
      memory: ledger,
      mappingOf: () => runtime,
      clock: systemClock,
      logger: silentLogger,
      visibilityTimeoutSec: 60,
      waitSec: 1,
      shouldStop: async () => {
        const run = await ledger.getRun('cost-run');
        return run !== undefined && isRunDone(run);
      },
    }),
  ]);
  const run = await ledger.getRun('cost-run');
  expect(run?.copied.objects).toBe(objects);
  const sqsPerObject = sqsRequests / objects;
  const writesPerObject = writeUnits / objects;
  console.log(
    `cost for ${objects} objects: ${sqsRequests} SQS requests (${(sqsPerObject * 1e6).toFixed(0)} per million objects), ` +
      `${writeUnits} DynamoDB write units (${(writesPerObject * 1e6).toFixed(0)} per million objects)`,
  );
  // Anchors: ~2 SQS requests and ~2 DynamoDB writes per object (Data Transfer Hub); 1 message per 20 keys (rclone sample).
  expect(sqsPerObject).toBeLessThan(2 / 20);
  expect(writesPerObject).toBeLessThan(2 / 20);
});
