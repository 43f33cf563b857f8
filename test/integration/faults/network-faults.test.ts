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
/** Two parts: 5 MiB and 1.5 MiB. */
const MULTIPART_BYTES = 6.5 * MiB;
const SINGLE_BYTES = 1 * MiB;
const KEY = 'dir/object.bin';
const KEY_IN_PATH = /\/dir\/object\.bin$/;
const PUT_OBJECT = { 'x-id': 'PutObject' };
const UPLOAD_PART_2 = { partNumber: '2', 'x-id': 'UploadPart' };

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
const INTERNAL_ERROR_XML =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>' +
  '<Message>We encountered an internal error. Please try again.</Message><RequestId>FAULT</RequestId></Error>';
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
      pathMatches: KEY_IN_PATH,
      query: { 'x-id': 'UploadPart' },
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

describe('a connection cut in the middle of a GET body', () => {
  test.each([
    { label: 'after the headers', bytes: 0 },
    { label: 'after 200 KB', bytes: 200_000 },
    { label: 'one byte short', bytes: SINGLE_BYTES - 1 },
  ])('small object, $label: retried, copied exactly', async ({ bytes }) => {
    const s = await scenario('cut-get', SINGLE_BYTES);
    const fault = sourceProxy.cutBodyAfter({ method: 'GET', pathMatches: KEY_IN_PATH, bytes, count: 2 });
    const result = await transferObject(s.item, s.context());
    expect(result.strategy).toBe('single');
    expect(await fault.seen()).toHaveLength(2);
    await expectCopiedExactly(s, result);
  });

  test.each([
    { label: 'part 1 after 1 MiB', partNumber: 1, bytes: MiB },
    { label: 'part 1 one byte short', partNumber: 1, bytes: PART_BYTES - 1 },
    { label: 'part 2 after 1 MiB', partNumber: 2, bytes: MiB },
  ])('one part of a multipart copy, $label: retried, copied exactly', async ({ partNumber, bytes }) => {
    const s = await scenario('cut-range', MULTIPART_BYTES);
    const fault = sourceProxy.cutBodyAfter({
      method: 'GET',
      pathMatches: KEY_IN_PATH,
      where: isRange(rangeOfPart(partNumber, MULTIPART_BYTES)),
      bytes,
      count: 2,
    });
    const result = await transferObject(s.item, s.context());
    expect(result.strategy).toBe('multipart');
    expect(await fault.seen()).toHaveLength(2);
    await expectCopiedExactly(s, result);
  });

  test('small object, cut on every attempt: fails Transient, nothing written', async () => {
    const s = await scenario('cut-get-always', SINGLE_BYTES);
    const fault = sourceProxy.cutBodyAfter({
      method: 'GET',
      pathMatches: KEY_IN_PATH,
      bytes: 300_000,
      count: Number.POSITIVE_INFINITY,
    });
    const failure = await failureOf(transferObject(s.item, s.context()));
    expect(failure.errorClass).toBe('Transient');
    expect(await fault.seen()).toHaveLength(settings.maxAttempts);
    expect(await destinationBytes(s.destinationBucket)).toBeUndefined();
    expect(destinationProxy.requestCounts().PUT ?? 0).toBe(0);
  });

  test('one part cut on every attempt: fails Transient, no object, the open upload holds only exact parts and resumes', async () => {
    const s = await scenario('cut-range-always', MULTIPART_BYTES);
    const single = { settings: { ...settings, maxPartsInFlight: 1 } };
    const fault = sourceProxy.cutBodyAfter({
      method: 'GET',
      pathMatches: KEY_IN_PATH,
      where: isRange(rangeOfPart(2, MULTIPART_BYTES)),
      bytes: MiB,
      count: Number.POSITIVE_INFINITY,
    });
    const failure = await failureOf(transferObject(s.item, s.context(single)));
    expect(failure.errorClass).toBe('Transient');
    expect(await fault.seen()).toHaveLength(settings.maxAttempts);
    expect(await destinationBytes(s.destinationBucket)).toBeUndefined();

    // A Transient failure keeps the upload for the next attempt to resume: it must not hold the cut part.
    const open = await openUploadIds(s.destinationBucket);
    const recorded = await s.memory.recallUpload('faults', KEY);
    expect(open).toEqual(recorded ? [recorded.uploadId] : []);
    for (const uploadId of open) {
      const parts = await storedParts(s, uploadId);
      expect(parts.map((part) => part.partNumber)).not.toContain(2);
      for (const part of parts) expect(part.etag).toBe(part.expectedEtag);
    }

    await sourceProxy.reset();
    const result = await transferObject(s.item, s.context(single));
    await expectCopiedExactly(s, result);
    expect(await s.memory.recallUpload('faults', KEY)).toBeUndefined();
  });
});

describe('a source object overwritten in the middle of a multipart copy', () => {
  /** Overwrites the source with the next version (same size, other bytes) and returns that version's bytes. */
  function overwriter(s: Scenario): { versions: Buffer[]; overwrite: () => Promise<void> } {
    const versions = [s.body];
    return {
      versions,
      overwrite: async () => {
        const next = contentFor(`${s.sourceBucket}-v${versions.length + 1}`, s.body.length);
        versions.push(next);
        await putObject(directSource, { bucket: s.sourceBucket, key: KEY, body: next });
      },
    };
  }

  test.each([
    { label: 'parts one at a time', maxPartsInFlight: 1 },
    { label: 'parts in parallel', maxPartsInFlight: 4 },
  ])(
    'once ($label): the change is caught by If-Match and the new version is copied whole',
    async ({ maxPartsInFlight }) => {
      const s = await scenario('changed-once', MULTIPART_BYTES);
      const { versions, overwrite } = overwriter(s);
      const hook = sourceProxy.onRequest(
        {
          method: 'GET',
          pathMatches: KEY_IN_PATH,
          where: isRange(rangeOfPart(2, MULTIPART_BYTES)),
          count: 1,
        },
        overwrite,
      );
      const result = await transferObject(s.item, s.context({ settings: { ...settings, maxPartsInFlight } }));

      const [changingRead] = await hook.seen();
      expect(changingRead?.headers['if-match']).toBe(`"${s.item.etag}"`);
      expect(sourceProxy.statusCounts()[412]).toBeGreaterThanOrEqual(1);
      expect(versions).toHaveLength(2);
      const [first, second] = versions as [Buffer, Buffer];
      expect(result.sourceEtag).toBe(await etagOf(directSource, s.sourceBucket));
      expect(result.sourceEtag).not.toBe(s.item.etag);
      const copied = await destinationBytes(s.destinationBucket);
      expect(sha256(copied ?? Buffer.alloc(0))).toBe(sha256(second));
      expect(sha256(copied ?? Buffer.alloc(0))).not.toBe(sha256(first));
      expect(await openUploadIds(s.destinationBucket)).toEqual([]);
    },
  );

  test('on every attempt: fails SourceChanged, and no object or upload is left', async () => {
    const s = await scenario('changed-always', MULTIPART_BYTES);
    const { versions, overwrite } = overwriter(s);
    sourceProxy.onRequest(
      { method: 'GET', pathMatches: KEY_IN_PATH, where: isRange(rangeOfPart(2, MULTIPART_BYTES)) },
      overwrite,
    );
    const failure = await failureOf(
      transferObject(s.item, s.context({ settings: { ...settings, maxPartsInFlight: 1 } })),
    );
    expect(failure.errorClass).toBe('SourceChanged');
    expect(versions).toHaveLength(1 + settings.maxAttempts);
    expect(await destinationBytes(s.destinationBucket)).toBeUndefined();
    expect(await openUploadIds(s.destinationBucket)).toEqual([]);
    expect(await s.memory.recallUpload('faults', KEY)).toBeUndefined();
  });
});

describe('a connection cut on the way to or from the destination', () => {
  test('reset while the body of a small object’s PUT is being sent: retried, copied exactly', async () => {
    const s = await scenario('reset-put', SINGLE_BYTES);
    const fault = await destinationProxy.resetDuringRequest({
      method: 'PUT',
      pathMatches: KEY_IN_PATH,
      query: PUT_OBJECT,
      count: 3,
    });
    const result = await transferObject(s.item, s.context());
    expect(await fault.seen()).toHaveLength(3);
    await expectCopiedExactly(s, result);
  });

  test('reset while the body of UploadPart 2 is being sent: retried, copied exactly', async () => {
    const s = await scenario('reset-part', MULTIPART_BYTES);
    const fault = await destinationProxy.resetDuringRequest({
      method: 'PUT',
      pathMatches: KEY_IN_PATH,
      query: UPLOAD_PART_2,
      count: 3,
    });
    const result = await transferObject(s.item, s.context());
    expect(await fault.seen()).toHaveLength(3);
    await expectCopiedExactly(s, result);
  });

  test.each([
    { label: 'PUT', query: PUT_OBJECT, sizeBytes: SINGLE_BYTES },
    { label: 'UploadPart 2', query: UPLOAD_PART_2, sizeBytes: MULTIPART_BYTES },
  ])('$label stored, but its response lost: retried, copied exactly', async ({ query, sizeBytes }) => {
    const s = await scenario('lost-put', sizeBytes);
    const fault = destinationProxy.loseResponse({ method: 'PUT', pathMatches: KEY_IN_PATH, query, count: 3 });
    const result = await transferObject(s.item, s.context());
    expect(await fault.seen()).toHaveLength(3);
    await expectCopiedExactly(s, result);
  });
  test('CompleteMultipartUpload done, but its response lost: the retry finds it done, copied exactly', async () => {
    // moto answers a repeated CompleteMultipartUpload of a completed upload with 200 (here the SDK's own retry sends
    // it). A service answering NoSuchUpload instead would fail the object as NotFound although the copy is complete;
    // moto cannot show that case.
    const s = await scenario('lost-complete', MULTIPART_BYTES);
    const fault = destinationProxy.loseResponse({
      method: 'POST',
      pathMatches: KEY_IN_PATH,
      query: { uploadId: true },
      count: 1,
    });
    const result = await transferObject(s.item, s.context());
    expect(await fault.seen()).toHaveLength(1);
    await expectCopiedExactly(s, result);
  });

  test('CreateMultipartUpload done, but its response lost: copied exactly; the unknown upload holds no part', async () => {
    const s = await scenario('lost-create', MULTIPART_BYTES);
    const fault = destinationProxy.loseResponse({
      method: 'POST',
      pathMatches: KEY_IN_PATH,
      query: { uploads: true },
      count: 1,
    });
    const result = await transferObject(s.item, s.context());
    expect(await fault.seen()).toHaveLength(1);
    expect(result.bytes).toBe(s.body.length);
    const copied = await destinationBytes(s.destinationBucket);
    expect(sha256(copied ?? Buffer.alloc(0))).toBe(sha256(s.body));
    // Ferry never learnt that upload's id, so it stays open (a bucket lifecycle rule aborts such uploads); it must
    // hold nothing that could ever be completed into an object.
    const orphans = await openUploadIds(s.destinationBucket);
    expect(orphans).toHaveLength(1);
    expect(await storedParts(s, orphans[0] ?? '')).toEqual([]);
  });

  test('CompleteMultipartUpload answered 200 with an InternalError body: retried, copied exactly', async () => {
    // Real S3 can fail a CompleteMultipartUpload after sending 200 OK, with the error in the body; moto never does.
    const s = await scenario('complete-200-error', MULTIPART_BYTES);
    const fault = destinationProxy.failNext({
      method: 'POST',
      pathMatches: KEY_IN_PATH,
      query: { uploadId: true },
      count: 3,
      status: 200,
      body: INTERNAL_ERROR_XML,
    });
    const result = await transferObject(s.item, s.context());
    expect(await fault.seen()).toHaveLength(3);
    await expectCopiedExactly(s, result);
  });
});

/**
 * moto does not validate the full-object checksum at CompleteMultipartUpload (real S3 answers 400 BadDigest when it
 * does not match the parts), and a fault on the wire cannot make the checksum Ferry sends disagree with bytes that
 * arrived intact. So the proxy answers BadDigest in the service's place: the request never reaches moto, as S3 would
 * store nothing. The object must fail as ChecksumMismatch with nothing visible and no upload left.
 */
describe('a checksum the destination rejects (400 BadDigest)', () => {
  test.each([
    { label: 'PutObject', method: 'PUT', query: PUT_OBJECT, sizeBytes: SINGLE_BYTES },
    { label: 'UploadPart', method: 'PUT', query: UPLOAD_PART_2, sizeBytes: MULTIPART_BYTES },
    {
      label: 'CompleteMultipartUpload',
      method: 'POST',
      query: { uploadId: true },
      sizeBytes: MULTIPART_BYTES,
    },
  ] as const)(
    'at $label: fails ChecksumMismatch, no object, no upload left',
    async ({ method, query, sizeBytes }) => {
      const s = await scenario('bad-digest', sizeBytes);
      const fault = destinationProxy.failNext({
        method,
        pathMatches: KEY_IN_PATH,
        query,
        count: 1,
        status: 400,
        body: BAD_DIGEST_XML,
      });
      const failure = await failureOf(transferObject(s.item, s.context()));
      expect(failure.errorClass).toBe('ChecksumMismatch');
      expect(await fault.seen()).toHaveLength(1);
      expect(await destinationBytes(s.destinationBucket)).toBeUndefined();
      expect(await openUploadIds(s.destinationBucket)).toEqual([]);
      expect(await s.memory.recallUpload('faults', KEY)).toBeUndefined();
    },
  );

  // Two 503s on the abort (one past the SDK's attempts): Ferry's own retries must still abort the upload.
  test('the abort after a rejected CompleteMultipartUpload is throttled: retried, no upload left', async () => {
    const s = await scenario('abort-throttled', MULTIPART_BYTES);
    destinationProxy.failNext({
      method: 'POST',
      pathMatches: KEY_IN_PATH,
      query: { uploadId: true },
      count: 1,
      status: 400,
      body: BAD_DIGEST_XML,
    });
    const abortFault = destinationProxy.failNext({
      method: 'DELETE',
      pathMatches: KEY_IN_PATH,
      query: { uploadId: true },
      count: SDK_ATTEMPTS,
      status: 503,
      body: SLOW_DOWN_XML,
    });
    const failure = await failureOf(transferObject(s.item, s.context()));
    expect(failure.errorClass).toBe('ChecksumMismatch');
    expect(await abortFault.seen()).toHaveLength(SDK_ATTEMPTS);
    expect(await destinationBytes(s.destinationBucket)).toBeUndefined();
    expect(await openUploadIds(s.destinationBucket)).toEqual([]);
  });
});
