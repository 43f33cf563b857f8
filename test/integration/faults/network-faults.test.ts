// transferObject between two moto servers reached through fault-injecting proxies: throttling, cut connections,
// a source that changes mid-copy and checksum rejections must never leave a wrong object at the destination.
import { createCipheriv, createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  NoSuchKey,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { createS3Client, serviceIdOf } from '../../../worker/src/aws/clients.ts';
import type { EndpointConfig, TransferSettings } from '../../../worker/src/config/types.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { createSqliteObjectMemory } from '../../../worker/src/embedded/sqlite-object-memory.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import type { ObjectMemory } from '../../../worker/src/ports/ledger.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import type { ObjectStore } from '../../../worker/src/ports/object-store.ts';
import { createS3ObjectStore } from '../../../worker/src/storage/s3-object-store.ts';
import {
  createPartSlots,
  type TransferContext,
  type TransferItem,
  type TransferResult,
} from '../../../worker/src/transfer/context.ts';
import { transferObject } from '../../../worker/src/transfer/transfer-object.ts';
import { testCredentials, testS3, uniqueBucket } from '../../support/aws.ts';
import { type FaultProxy, type SeenRequest, startFaultProxy } from '../../support/fault-proxy.ts';
import { createBucket, putObject } from '../../support/objects.ts';

const MiB = 1024 * 1024;
const PART_BYTES = 5 * MiB;
/** Three parts: 5 MiB, 5 MiB and 1 MiB. */
const MULTIPART_BYTES = 11 * MiB;
const SINGLE_BYTES = 1 * MiB;
const KEY = 'dir/object.bin';
const KEY_IN_PATH = /\/dir\/object\.bin(\?|$)/;

/** CRC32: this moto derives CRC32 where CRC32C or CRC64NVME were asked for, so only CRC32 compares. */
const settings: TransferSettings = {
  concurrency: 1,
  multipartThresholdBytes: PART_BYTES,
  partSizeBytes: PART_BYTES,
  maxPartsInFlight: 4,
  checksumAlgorithm: 'CRC32',
  maxAttempts: 4,
};
/** The SDK's own attempts per request: two, so a burst of faults also reaches Ferry's retry loop. */
const SDK_ATTEMPTS = 2;

const SLOW_DOWN_XML =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>' +
  '<Message>Please reduce your request rate.</Message><RequestId>FAULT</RequestId></Error>';
const BAD_DIGEST_XML =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>BadDigest</Code>' +
  '<Message>The CRC32 you specified did not match the calculated checksum.</Message>' +
  '<RequestId>FAULT</RequestId></Error>';

const motoSource = inject('motoSource');
const motoDestination = inject('motoDestination');
/** Direct clients, around the proxies: to seed objects and to look at the outcome. */
const directSource = testS3(motoSource);
const directDestination = testS3(motoDestination);

process.env.FAULTTEST_ACCESS_KEY_ID = testCredentials.accessKeyId;
process.env.FAULTTEST_SECRET_ACCESS_KEY = testCredentials.secretAccessKey;

function endpointAt(name: string, url: string): EndpointConfig {
  return {
    name,
    url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { kind: 'env', prefix: 'FAULTTEST' },
  };
}

let sourceProxy: FaultProxy;
let destinationProxy: FaultProxy;
let sourceClient: S3Client;
let destinationClient: S3Client;

beforeAll(async () => {
  [sourceProxy, destinationProxy] = await Promise.all([
    startFaultProxy(motoSource),
    startFaultProxy(motoDestination),
  ]);
  sourceClient = createS3Client(endpointAt('source', sourceProxy.url), { maxAttempts: SDK_ATTEMPTS });
  destinationClient = createS3Client(endpointAt('destination', destinationProxy.url), {
    maxAttempts: SDK_ATTEMPTS,
  });
});

afterEach(async () => {
  await Promise.all([sourceProxy.reset(), destinationProxy.reset()]);
});

afterAll(async () => {
  sourceClient?.destroy();
  destinationClient?.destroy();
  await Promise.all([sourceProxy?.stop(), destinationProxy?.stop()]);
});

/** Deterministic pseudo-random bytes for a seed: an AES-CTR keystream (objects.ts bytesFor takes ~2 s for 11 MiB). */
function contentFor(seed: string, sizeBytes: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(sizeBytes));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** The Range header of a part of the plan (PART_BYTES parts), as Ferry sends it. */
function rangeOfPart(partNumber: number, sizeBytes: number): string {
  const start = (partNumber - 1) * PART_BYTES;
  return `bytes=${start}-${Math.min(start + PART_BYTES, sizeBytes) - 1}`;
}

function isRange(range: string): (request: SeenRequest) => boolean {
  return (request) => request.headers.range === range;
}

interface Scenario {
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly body: Buffer;
  readonly item: TransferItem;
  readonly memory: ObjectMemory;
  context(extra?: Partial<TransferContext>): TransferContext;
}

/** A source object of this size on the source moto, an empty destination bucket, both reached through the proxies. */
async function scenario(label: string, sizeBytes: number): Promise<Scenario> {
  const sourceBucket = uniqueBucket(`${label}-src`);
  const destinationBucket = uniqueBucket(`${label}-dst`);
  await Promise.all([
    createBucket(directSource, sourceBucket),
    createBucket(directDestination, destinationBucket),
  ]);
  const body = contentFor(`${label}-v1`, sizeBytes);
  await putObject(directSource, { bucket: sourceBucket, key: KEY, body });
  const etag = await etagOf(directSource, sourceBucket);
  const source: ObjectStore = createS3ObjectStore({
    client: sourceClient,
    bucket: sourceBucket,
    serviceId: serviceIdOf(endpointAt('source', sourceProxy.url)),
  });
  const destination: ObjectStore = createS3ObjectStore({
    client: destinationClient,
    bucket: destinationBucket,
    serviceId: serviceIdOf(endpointAt('destination', destinationProxy.url)),
  });
  const memory = createSqliteObjectMemory({ db: openStateDb(':memory:') });
  return {
    sourceBucket,
    destinationBucket,
    body,
    item: { sourceKey: KEY, destinationKey: KEY, size: sizeBytes, etag },
    memory,
    context: (extra = {}) => ({
      source,
      destination,
      settings,
      write: {},
      memory,
      mappingId: 'faults',
      clock: systemClock,
      logger: silentLogger,
      parts: createPartSlots((extra.settings ?? settings).maxPartsInFlight),
      backoff: { baseDelayMs: 10, maxDelayMs: 50 },
      ...extra,
    }),
  };
}

async function etagOf(client: S3Client, bucket: string): Promise<string> {
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: KEY }));
  return (head.ETag ?? '').replaceAll('"', '');
}

/** The destination object's bytes, read around the proxy; undefined when there is none. */
async function destinationBytes(bucket: string): Promise<Buffer | undefined> {
  try {
    const response = await directDestination.send(new GetObjectCommand({ Bucket: bucket, Key: KEY }));
    return Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array(0));
  } catch (error) {
    if (error instanceof NoSuchKey) return undefined;
    throw error;
  }
}

async function expectCopiedExactly(s: Scenario, result: TransferResult): Promise<void> {
  expect(result.bytes).toBe(s.body.length);
  const copied = await destinationBytes(s.destinationBucket);
  expect(copied?.length).toBe(s.body.length);
  expect(sha256(copied ?? Buffer.alloc(0))).toBe(sha256(s.body));
  expect(await openUploadIds(s.destinationBucket)).toEqual([]);
}

async function openUploadIds(bucket: string): Promise<string[]> {
  const listed = await directDestination.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (listed.Uploads ?? []).flatMap((upload) => (upload.UploadId ? [upload.UploadId] : []));
}

/** Every part an open upload holds, with the MD5 of the source slice it must contain. */
async function storedParts(
  s: Scenario,
  uploadId: string,
): Promise<{ partNumber: number; etag: string; expectedEtag: string }[]> {
  const listed = await directDestination.send(
    new ListPartsCommand({ Bucket: s.destinationBucket, Key: KEY, UploadId: uploadId }),
  );
  return (listed.Parts ?? []).map((part) => {
    const partNumber = part.PartNumber ?? 0;
    const start = (partNumber - 1) * PART_BYTES;
    return {
      partNumber,
      etag: (part.ETag ?? '').replaceAll('"', ''),
      expectedEtag: md5(s.body.subarray(start, start + PART_BYTES)),
    };
  });
}

/** The error a transfer fails with; the test fails if it succeeds. */
async function failureOf(transfer: Promise<TransferResult>): Promise<FerryError> {
  const outcome = await transfer.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  expect(outcome.error).toBeInstanceOf(FerryError);
  return outcome.error as FerryError;
}

describe("baseline", () => {
  test("no faults", async () => {
    let t0 = Date.now();
    const s0 = await scenario("base0", MULTIPART_BYTES);
    console.log("setup0 ms", Date.now() - t0);
    t0 = Date.now();
    const s = await scenario("base", MULTIPART_BYTES);
    console.log("setup ms", Date.now() - t0);
    t0 = Date.now();
    const result = await transferObject(s.item, s.context());
    console.log("transfer ms", Date.now() - t0, sourceProxy.requestCounts(), destinationProxy.requestCounts());
    await expectCopiedExactly(s, result);
  });
});

describe('503 SlowDown bursts are retried', () => {
  test('on the GET of a small object', async () => {
    const s = await scenario('slow-get', SINGLE_BYTES);
    const fault = sourceProxy.failNext({
      method: 'GET',
      pathMatches: KEY_IN_PATH,
      count: 3,
      status: 503,
      body: SLOW_DOWN_XML,
    });
    const result = await transferObject(s.item, s.context());
    expect(result.strategy).toBe('single');
    expect(await fault.seen()).toHaveLength(3);
    await expectCopiedExactly(s, result);
  });

  test('on the ranged GETs of one part, beyond the SDK’s own attempts', async () => {
    const s = await scenario('slow-range', MULTIPART_BYTES);
    const fault = sourceProxy.failNext({
      method: 'GET',
      pathMatches: KEY_IN_PATH,
      where: isRange(rangeOfPart(2, MULTIPART_BYTES)),
      count: 3,
      status: 503,
      body: SLOW_DOWN_XML,
    });
    const result = await transferObject(s.item, s.context());
    expect(result.strategy).toBe('multipart');
    expect(await fault.seen()).toHaveLength(3);
    await expectCopiedExactly(s, result);
  });

  test('on the PUT of a small object', async () => {
    const s = await scenario('slow-put', SINGLE_BYTES);
    const fault = destinationProxy.failNext({
      method: 'PUT',
      pathMatches: KEY_IN_PATH,
      count: 3,
      status: 503,
      body: SLOW_DOWN_XML,
    });
    const result = await transferObject(s.item, s.context());
    expect(await fault.seen()).toHaveLength(3);
    await expectCopiedExactly(s, result);
  });

  test('on UploadPart, for every part', async () => {
    const s = await scenario('slow-part', MULTIPART_BYTES);
    const fault = destinationProxy.failNext({
      method: 'PUT',
      pathMatches: /[?&]partNumber=\d+&/,
      count: 5,
      status: 503,
      body: SLOW_DOWN_XML,
    });
    const result = await transferObject(s.item, s.context());
    expect(result.strategy).toBe('multipart');
    expect(await fault.seen()).toHaveLength(5);
    await expectCopiedExactly(s, result);
  });
});
