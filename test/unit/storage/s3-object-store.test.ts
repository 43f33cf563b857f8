// What the S3 adapter does beyond the shared contract: raw Expires, stored checksums, REPLACE copies, wire details.
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createS3Client } from '../../../worker/src/aws/clients.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { ChecksumAlgorithm, ObjectMetadata } from '../../../worker/src/domain/object.ts';
import type { ObjectStore } from '../../../worker/src/ports/object-store.ts';
import { createS3ObjectStore } from '../../../worker/src/storage/s3-object-store.ts';
import { checksumOf } from '../../../worker/src/transfer/checksum.ts';
import { motoEndpoint } from '../../contract/object-store-s3-fixture.ts';
import { testCredentials, testS3, uniqueBucket } from '../../support/aws.ts';
import { type LocalServer, startLocalServer } from './local-http-server.ts';

const env = {
  MOTO_CONTRACT_ACCESS_KEY_ID: testCredentials.accessKeyId,
  MOTO_CONTRACT_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
};

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

async function storeOn(url: string, bucket: string): Promise<ObjectStore> {
  const client = createS3Client(motoEndpoint(url), { maxAttempts: 1, env });
  return createS3ObjectStore({ client, bucket, serviceId: 'test-service' });
}

async function newMotoStore(): Promise<ObjectStore> {
  const url = inject('motoSource');
  const bucket = uniqueBucket('s3store');
  await testS3(url).send(new CreateBucketCommand({ Bucket: bucket }));
  return await storeOn(url, bucket);
}

async function put(
  store: ObjectStore,
  key: string,
  bytes: Uint8Array,
  options: { metadata: ObjectMetadata; algorithm?: ChecksumAlgorithm },
) {
  const algorithm = options.algorithm ?? 'CRC32C';
  const checksum = { algorithm, value: await checksumOf(algorithm, bytes), type: 'FULL_OBJECT' as const };
  return await store.put(key, bytes, { metadata: options.metadata, checksum });
}

describe('S3 object store on moto', () => {
  test('an Expires value that is not a date round-trips unchanged through put, multipart and copy', async () => {
    const store = await newMotoStore();
    const metadata = { expires: '0', contentType: 'text/plain', userMetadata: {} };
    await put(store, 'expires/put', bytesOf('x'), { metadata });
    expect((await store.head('expires/put'))?.metadata).toEqual(metadata);

    const uploadId = await store.startMultipart('expires/multipart', {
      metadata,
      checksumAlgorithm: 'CRC32C',
    });
    const bytes = bytesOf('only part');
    const part = await store.uploadPart({
      key: 'expires/multipart',
      uploadId,
      partNumber: 1,
      bytes,
      checksum: await checksumOf('CRC32C', bytes),
      checksumAlgorithm: 'CRC32C',
    });
    await store.completeMultipart({
      key: 'expires/multipart',
      uploadId,
      parts: [{ partNumber: 1, etag: part.etag, size: bytes.byteLength }],
      checksum: { algorithm: 'CRC32C', value: await checksumOf('CRC32C', bytes), type: 'FULL_OBJECT' },
    });
    expect((await store.read('expires/multipart')).head.metadata).toEqual(metadata);

    const { etag } = (await store.head('expires/put'))!;
    await store.serverSideCopy!.copyObject(
      { bucket: store.location.bucket, key: 'expires/put', etag },
      'expires/copy',
      {
        metadata,
        checksumAlgorithm: 'CRC32C',
      },
    );
    expect((await store.head('expires/copy'))?.metadata).toEqual(metadata);
  });

  test.each(['CRC32C', 'CRC32', 'CRC64NVME'] as const)(
    'the stored %s checksum comes back on head and whole reads',
    async (algorithm) => {
      const store = await newMotoStore();
      const bytes = bytesOf(`checksummed with ${algorithm}`);
      await put(store, 'sum', bytes, { metadata: { userMetadata: {} }, algorithm });
      const expected = { algorithm, value: await checksumOf(algorithm, bytes), type: 'FULL_OBJECT' };
      expect((await store.head('sum'))?.checksum).toEqual(expected);
      expect((await store.read('sum')).head.checksum).toEqual(expected);
    },
  );

  test('storage class and server-side encryption are applied', async () => {
    const store = await newMotoStore();
    const bytes = bytesOf('cold');
    await store.put('cold', bytes, {
      metadata: { userMetadata: {} },
      storageClass: 'STANDARD_IA',
      encryption: { type: 'AES256' },
      checksum: { algorithm: 'CRC32C', value: await checksumOf('CRC32C', bytes), type: 'FULL_OBJECT' },
    });
    const head = await store.head('cold');
    expect(head?.storageClass).toBe('STANDARD_IA');
    expect(head?.serverSideEncryption).toBe('AES256');
  });

  test("copyObject stores the settings' metadata (REPLACE), not whatever the source had", async () => {
    const store = await newMotoStore();
    await put(store, 'copy/from', bytesOf('payload'), {
      metadata: { contentType: 'text/old', userMetadata: { old: 'yes' } },
    });
    const { etag } = (await store.head('copy/from'))!;
    const wanted = { contentType: 'text/new', cacheControl: 'no-store', userMetadata: { fresh: 'value' } };
    await store.serverSideCopy!.copyObject(
      { bucket: store.location.bucket, key: 'copy/from', etag },
      'copy/to',
      {
        metadata: wanted,
        checksumAlgorithm: 'CRC32C',
      },
    );
    const copied = await store.read('copy/to');
    expect(copied.head.metadata).toEqual(wanted);
    expect(copied.bytes).toEqual(bytesOf('payload'));
  });

  test('another store (another process) adds a part to an upload it did not start, in the given algorithm', async () => {
    const store = await newMotoStore();
    const uploadId = await store.startMultipart('resumed', {
      metadata: { userMetadata: {} },
      checksumAlgorithm: 'CRC32',
    });
    const other = await storeOn(inject('motoSource'), store.location.bucket);
    const bytes = bytesOf('part of a resumed upload');
    const checksum = await checksumOf('CRC32', bytes);
    const part = await other.uploadPart({
      key: 'resumed',
      uploadId,
      partNumber: 1,
      bytes,
      checksum,
      checksumAlgorithm: 'CRC32',
    });
    const listed = await other.listParts({ key: 'resumed', uploadId });
    // moto lists no part checksums, so only what it does list is compared.
    expect(listed.map(({ partNumber, etag, size }) => ({ partNumber, etag, size }))).toEqual([
      { partNumber: 1, etag: part.etag, size: bytes.byteLength },
    ]);
    await other.completeMultipart({
      key: 'resumed',
      uploadId,
      parts: [{ partNumber: 1, etag: part.etag, size: bytes.byteLength, checksum }],
      checksum: { algorithm: 'CRC32', value: checksum, type: 'FULL_OBJECT' },
    });
    expect((await store.read('resumed')).bytes).toEqual(bytes);
  });
});

describe('S3 object store on the wire', () => {
  let server: LocalServer;
  let store: ObjectStore;
  beforeAll(async () => {
    server = await startLocalServer();
    store = await storeOn(server.url, 'bucket');
  });
  afterAll(async () => {
    await server.close();
  });

  test('GET asks for the stored checksum and pins the ETag, but leaves verifying the bytes to Ferry', async () => {
    server.handle((_request, response) => {
      response
        .writeHead(200, {
          'content-length': '5',
          etag: '"abc"',
          'x-amz-checksum-crc32c': 'AAAAAA==', // not the bytes' CRC32C: the SDK must not re-hash and throw
          'x-amz-checksum-type': 'FULL_OBJECT',
          expires: 'not a date',
        })
        .end('hello');
    });
    const read = await store.read('some key', { ifMatch: 'abc' });
    const request = server.requests.at(-1)!;
    expect(request.headers['x-amz-checksum-mode']).toBe('ENABLED');
    expect(request.headers['if-match']).toBe('"abc"');
    expect(request.url).toMatch(/^\/bucket\/some%20key(\?|$)/);
    expect(Buffer.from(read.bytes).toString()).toBe('hello');
    expect(read.head.checksum).toEqual({ algorithm: 'CRC32C', value: 'AAAAAA==', type: 'FULL_OBJECT' });
    expect(read.head.metadata.expires).toBe('not a date');
  });

  test('a server that ignores Range: the range is cut from the whole body, size is the whole size', async () => {
    server.handle((_request, response) => {
      response.writeHead(200, { 'content-length': '10', etag: '"e"' }).end('0123456789');
    });
    const read = await store.read('k', { range: { start: 2, end: 4 } });
    expect(server.requests.at(-1)!.headers.range).toBe('bytes=2-4');
    expect(Buffer.from(read.bytes).toString()).toBe('234');
    expect(read.head.size).toBe(10);
  });

  test('PUT sends the checksum, its algorithm and the raw Expires header', async () => {
    server.handle((_request, response) =>
      response.writeHead(200, { etag: '"put-etag"', 'content-length': '0' }).end(),
    );
    const bytes = bytesOf('body');
    const value = await checksumOf('CRC64NVME', bytes);
    const result = await store.put('k', bytes, {
      metadata: { expires: 'Sun, 06 Nov 1994 08:49:37 GMT', userMetadata: { owner: 'me' } },
      checksum: { algorithm: 'CRC64NVME', value, type: 'FULL_OBJECT' },
    });
    const { headers } = server.requests.at(-1)!;
    expect(result.etag).toBe('put-etag');
    expect(headers['x-amz-checksum-crc64nvme']).toBe(value);
    expect(headers['x-amz-sdk-checksum-algorithm']).toBe('CRC64NVME');
    expect(headers.expires).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(headers['x-amz-meta-owner']).toBe('me');
    expect(headers['x-amz-meta-ferry']).toBeUndefined();
  });

  test.each(['CRC32C', 'CRC32', 'CRC64NVME'] as const)(
    'UploadPart sends the checksum in the header of the given algorithm (%s), in one request',
    async (algorithm) => {
      server.handle((_request, response) =>
        response.writeHead(200, { etag: '"part-etag"', 'content-length': '0' }).end(),
      );
      const requestsBefore = server.requests.length;
      const bytes = bytesOf('part bytes');
      const checksum = await checksumOf(algorithm, bytes);
      const result = await store.uploadPart({
        key: 'k',
        uploadId: 'u1',
        partNumber: 3,
        bytes,
        checksum,
        checksumAlgorithm: algorithm,
      });
      expect(result.etag).toBe('part-etag');
      expect(server.requests.length - requestsBefore).toBe(1);
      const { method, url, headers } = server.requests.at(-1)!;
      expect(method).toBe('PUT');
      expect(new URL(url, server.url).searchParams.get('uploadId')).toBe('u1');
      expect(new URL(url, server.url).searchParams.get('partNumber')).toBe('3');
      expect(headers['x-amz-sdk-checksum-algorithm']).toBe(algorithm);
      const checksumHeaders = Object.keys(headers).filter(
        (name) => name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-type',
      );
      expect(checksumHeaders).toEqual([`x-amz-checksum-${algorithm.toLowerCase()}`]);
      expect(headers[`x-amz-checksum-${algorithm.toLowerCase()}`]).toBe(checksum);
      // The CRC travels and is checked; the body is not hashed again for the signature.
      expect(headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    },
  );

  test('a truncated listing page without a continuation token is an error, not a short listing', async () => {
    server.handle((_request, response) => {
      response
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bucket</Name><IsTruncated>true</IsTruncated>' +
            '<EncodingType>url</EncodingType><Contents><Key>a%2Bb+c</Key><Size>1</Size><ETag>"e"</ETag></Contents></ListBucketResult>',
        );
    });
    const keys: string[] = [];
    const failure = await (async () => {
      for await (const entry of store.list({ prefix: '' })) keys.push(entry.key);
    })().catch((error: unknown) => error);
    expect(keys).toEqual(['a+b c']);
    expect(failure).toBeInstanceOf(FerryError);
    expect((failure as FerryError).errorClass).toBe('Internal');
  });

  test('a server that ignores encoding-type (no EncodingType in the answer) gets its keys taken as they are', async () => {
    server.handle((_request, response) => {
      response
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bucket</Name><IsTruncated>false</IsTruncated>' +
            '<Contents><Key>50% off+more.txt</Key><Size>1</Size><ETag>"e"</ETag></Contents></ListBucketResult>',
        );
    });
    const keys: string[] = [];
    for await (const entry of store.list({ prefix: '' })) keys.push(entry.key);
    expect(keys).toEqual(['50% off+more.txt']);
  });
});
