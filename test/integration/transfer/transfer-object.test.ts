// transferObject between two moto servers through the S3 adapter: sizes at the edges, metadata, resume, server-side.
import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectOutput,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, inject, test } from 'vitest';
import type { TransferSettings } from '../../../worker/src/config/types.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import type { ObjectStore } from '../../../worker/src/ports/object-store.ts';
import { createS3ObjectStore } from '../../../worker/src/storage/s3-object-store.ts';
import { createPartSlots, type TransferContext } from '../../../worker/src/transfer/context.ts';
import { transferObject } from '../../../worker/src/transfer/transfer-object.ts';
import { testS3, uniqueBucket } from '../../support/aws.ts';
import { FakeObjectMemory } from '../../unit/transfer/fake-object-memory.ts';
import { InstrumentedStore } from '../../unit/transfer/instrumented-store.ts';

const MiB = 1024 * 1024;
const THRESHOLD = 5 * MiB;

/**
 * CRC32 because this moto, without its optional crc32c/awscrt packages, computes CRC32 in place of CRC32C and
 * CRC64NVME for the checksums it derives itself (completed multipart uploads, copies), so only CRC32 compares.
 */
const settings: TransferSettings = {
  concurrency: 4,
  multipartThresholdBytes: THRESHOLD,
  partSizeBytes: 5 * MiB,
  maxPartsInFlight: 4,
  checksumAlgorithm: 'CRC32',
  maxAttempts: 3,
};

const sourceUrl = inject('motoSource');
const destinationUrl = inject('motoDestination');
const sourceClient = testS3(sourceUrl);
const destinationClient = testS3(destinationUrl);

const metadata = {
  ContentType: 'application/x-ferry-test',
  ContentEncoding: 'identity',
  ContentDisposition: 'attachment; filename="data.bin"',
  ContentLanguage: 'en-GB',
  CacheControl: 'max-age=3600',
  Expires: new Date('2031-01-02T03:04:05Z'),
  Metadata: { owner: 'ferry', 'trace-id': 'abc-123' },
};

interface Pair {
  readonly source: ObjectStore;
  readonly destination: ObjectStore;
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly destinationClient: S3Client;
  readonly memory: FakeObjectMemory;
  readonly progress: number[];
  context(extra?: Partial<TransferContext>): TransferContext;
}

async function bucketIn(client: S3Client, label: string): Promise<string> {
  const bucket = uniqueBucket(label);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** A source bucket on one moto and a destination bucket on the other, or both on the source moto. */
async function pair(label: string, options: { sameService?: boolean } = {}): Promise<Pair> {
  const targetClient = options.sameService ? sourceClient : destinationClient;
  const targetServiceId = options.sameService ? sourceUrl : destinationUrl;
  const sourceBucket = await bucketIn(sourceClient, `${label}-src`);
  const destinationBucket = await bucketIn(targetClient, `${label}-dst`);
  const source = createS3ObjectStore({ client: sourceClient, bucket: sourceBucket, serviceId: sourceUrl });
  const destination = createS3ObjectStore({
    client: targetClient,
    bucket: destinationBucket,
    serviceId: targetServiceId,
  });
  const memory = new FakeObjectMemory();
  const progress: number[] = [];
  return {
    source,
    destination,
    sourceBucket,
    destinationBucket,
    destinationClient: targetClient,
    memory,
    progress,
    context: (extra = {}) => ({
      source,
      destination,
      settings,
      write: {},
      memory,
      mappingId: 'mapping-1',
      clock: systemClock,
      logger: silentLogger,
      parts: createPartSlots((extra.settings ?? settings).maxPartsInFlight),
      backoff: { baseDelayMs: 10, maxDelayMs: 50 },
      onProgress: (bytes) => progress.push(bytes),
      ...extra,
    }),
  };
}

async function put(client: S3Client, bucket: string, key: string, body: Uint8Array): Promise<string> {
  const response = await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...metadata }),
  );
  return (response.ETag ?? '').replaceAll('"', '');
}

/** Uploads the source itself in parts, so its ETag is composite ("…-N"). */
async function putMultipart(
  client: S3Client,
  bucket: string,
  key: string,
  parts: Uint8Array[],
): Promise<string> {
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...metadata }),
  );
  const completed = [];
  for (const [index, body] of parts.entries()) {
    const part = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: index + 1, Body: body }),
    );
    completed.push({ PartNumber: index + 1, ETag: part.ETag });
  }
  const done = await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: completed },
    }),
  );
  return (done.ETag ?? '').replaceAll('"', '');
}

async function contentOf(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array(0));
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The metadata fields Ferry must carry over exactly. */
function preserved(head: HeadObjectOutput) {
  return {
    ContentType: head.ContentType,
    ContentEncoding: head.ContentEncoding,
    ContentDisposition: head.ContentDisposition,
    ContentLanguage: head.ContentLanguage,
    CacheControl: head.CacheControl,
    ExpiresString: head.ExpiresString,
    Metadata: head.Metadata,
  };
}

async function expectSameObject(p: Pair, key: string, destinationKey: string): Promise<void> {
  const [sourceBytes, destinationBytes] = await Promise.all([
    contentOf(sourceClient, p.sourceBucket, key),
    contentOf(p.destinationClient, p.destinationBucket, destinationKey),
  ]);
  expect(destinationBytes.length).toBe(sourceBytes.length);
  expect(digest(destinationBytes)).toBe(digest(sourceBytes));
  const [sourceHead, destinationHead] = await Promise.all([
    sourceClient.send(new HeadObjectCommand({ Bucket: p.sourceBucket, Key: key })),
    p.destinationClient.send(new HeadObjectCommand({ Bucket: p.destinationBucket, Key: destinationKey })),
  ]);
  expect(preserved(destinationHead)).toEqual(preserved(sourceHead));
  expect(preserved(destinationHead).Metadata).toEqual(metadata.Metadata);
}

async function openUploads(p: Pair): Promise<number> {
  const listed = await p.destinationClient.send(
    new ListMultipartUploadsCommand({ Bucket: p.destinationBucket }),
  );
  return listed.Uploads?.length ?? 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

describe('between two services', () => {
  test.each([
    { label: '0 B', size: 0, strategy: 'single' },
    { label: '1 B', size: 1, strategy: 'single' },
    { label: 'threshold - 1', size: THRESHOLD - 1, strategy: 'single' },
    { label: 'threshold', size: THRESHOLD, strategy: 'multipart' },
    { label: 'threshold + 1', size: THRESHOLD + 1, strategy: 'multipart' },
    { label: '3 parts', size: 11 * MiB, strategy: 'multipart' },
  ])('$label: copied exactly with its metadata ($strategy)', async ({ size, strategy }) => {
    const p = await pair('edges');
    const etag = await put(sourceClient, p.sourceBucket, 'dir/object', randomBytes(size));
    const result = await transferObject(
      { sourceKey: 'dir/object', destinationKey: 'copy/dir/object', size, etag },
      p.context(),
    );
    expect(result).toMatchObject({ strategy, bytes: size, sourceEtag: etag });
    if (strategy === 'single') expect(result.destinationEtag).toBe(etag);
    if (size === 11 * MiB) expect(result.destinationEtag).toMatch(/-3$/);
    await expectSameObject(p, 'dir/object', 'copy/dir/object');
    expect(sum(p.progress)).toBe(size);
    expect(await openUploads(p)).toBe(0);
    expect(p.memory.uploads.size).toBe(0);
  });

  test('a composite-ETag source is copied in parts and verified by size and checksum', async () => {
    const p = await pair('composite');
    const etag = await putMultipart(sourceClient, p.sourceBucket, 'multi', [
      randomBytes(5 * MiB),
      randomBytes(5 * MiB),
      randomBytes(MiB),
    ]);
    expect(etag).toMatch(/-3$/);
    const result = await transferObject(
      { sourceKey: 'multi', destinationKey: 'multi', size: 11 * MiB, etag },
      p.context(),
    );
    expect(result.strategy).toBe('multipart');
    await expectSameObject(p, 'multi', 'multi');
  });

  test('a composite-ETag source below the threshold goes in one PUT', async () => {
    const p = await pair('composite-small');
    const etag = await putMultipart(sourceClient, p.sourceBucket, 'multi', [
      randomBytes(5 * MiB),
      randomBytes(10),
    ]);
    const result = await transferObject(
      { sourceKey: 'multi', destinationKey: 'multi', size: 5 * MiB + 10, etag },
      p.context({ settings: { ...settings, multipartThresholdBytes: 8 * MiB } }),
    );
    expect(result.strategy).toBe('single');
    expect(result.destinationEtag).not.toBe(etag);
    await expectSameObject(p, 'multi', 'multi');
  });

  test('an object rewritten since listing is copied in its new version', async () => {
    const p = await pair('changed');
    const listedEtag = await put(sourceClient, p.sourceBucket, 'k', randomBytes(100));
    const newEtag = await put(sourceClient, p.sourceBucket, 'k', randomBytes(300));
    const result = await transferObject(
      { sourceKey: 'k', destinationKey: 'k', size: 100, etag: listedEtag },
      p.context(),
    );
    expect(result).toMatchObject({ strategy: 'single', bytes: 300, sourceEtag: newEtag });
    await expectSameObject(p, 'k', 'k');
    expect(sum(p.progress)).toBe(300);
  });

  test('after a crash mid-upload, the next attempt resumes the recorded upload', async () => {
    const p = await pair('resume');
    const size = 11 * MiB;
    const etag = await put(sourceClient, p.sourceBucket, 'big', randomBytes(size));
    const crash = new AbortController();
    const crashing = new InstrumentedStore(p.destination);
    crashing.hooks = {
      after: (call) => {
        if (call === 'uploadPart' && crashing.count('uploadPart') === 2)
          crash.abort(new Error('process killed'));
      },
    };
    const single = { settings: { ...settings, maxPartsInFlight: 1 } };
    const item = { sourceKey: 'big', destinationKey: 'big', size, etag };
    await expect(
      transferObject(item, p.context({ ...single, destination: crashing, signal: crash.signal })),
    ).rejects.toThrow('process killed');
    const recorded = await p.memory.recallUpload('mapping-1', 'big');
    expect(recorded).toBeDefined();
    expect(await openUploads(p)).toBe(1);

    // Parts stored with a checksum are kept; this moto lists parts without one, so those are uploaded again.
    const stored = await p.destination.listParts({ key: 'big', uploadId: recorded!.uploadId });
    expect(stored).toHaveLength(2);
    const reusable = stored.filter((part) => part.checksum).length;
    const counting = new InstrumentedStore(p.destination);
    const result = await transferObject(item, p.context({ ...single, destination: counting }));
    expect(result.strategy).toBe('multipart');
    expect(counting.count('listParts')).toBe(1);
    expect(counting.count('startMultipart')).toBe(0);
    expect(counting.count('uploadPart')).toBe(3 - reusable);
    await expectSameObject(p, 'big', 'big');
    expect(await openUploads(p)).toBe(0);
    expect(p.memory.uploads.size).toBe(0);
  });
});

describe('within one service', () => {
  test.each([
    { label: 'small', size: 1000 },
    { label: 'multipart-sized', size: 11 * MiB },
  ])('$label: copied server-side with its metadata', async ({ size }) => {
    const p = await pair('same', { sameService: true });
    const etag = await put(sourceClient, p.sourceBucket, 'obj', randomBytes(size));
    const counting = new InstrumentedStore(p.source);
    const result = await transferObject(
      { sourceKey: 'obj', destinationKey: 'copied/obj', size, etag },
      p.context({ source: counting }),
    );
    expect(result).toMatchObject({
      strategy: 'server-side',
      bytes: size,
      sourceEtag: etag,
      destinationEtag: etag,
    });
    expect(counting.count('read')).toBe(0);
    expect(counting.count('head')).toBe(1);
    await expectSameObject(p, 'obj', 'copied/obj');
    expect(sum(p.progress)).toBe(size);
  });
});
