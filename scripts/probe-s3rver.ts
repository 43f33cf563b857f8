// Checks which S3 features Ferry relies on s3rver honours, ignores or rejects; prints one line per check.
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { crc32c } from '@node-rs/crc32';
import { errorMessage } from '../worker/src/domain/errors.ts';
import { s3rverClient } from './lib/s3-client.ts';
import { s3rverCredentials, startS3rver } from './lib/s3rver-process.ts';

function crc32cBase64(bytes: Uint8Array): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32c(Buffer.from(bytes)) >>> 0);
  return value.toString('base64');
}

async function outcome(check: () => Promise<string>): Promise<string> {
  try {
    return await check();
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `REJECTED (${status ?? '-'} ${(error as Error).name}: ${errorMessage(error).slice(0, 120)})`;
  }
}

const server = await startS3rver({ label: 'probe' });
const s3 = s3rverClient(server.url);
const bucket = 'probe';
const results: [string, string][] = [];
const record = async (name: string, check: () => Promise<string>): Promise<void> => {
  results.push([name, await outcome(check)]);
};
try {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = Buffer.from('hello ferry, this is a probe body\n'.repeat(100));
  const goodCrc = crc32cBase64(body);

  await record('PutObject + x-amz-checksum-crc32c (correct)', async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'crc-ok', Body: body, ChecksumCRC32C: goodCrc }),
    );
    return `accepted; response ChecksumCRC32C=${put.ChecksumCRC32C ?? 'absent'}, ETag=${put.ETag}`;
  });
  await record('PutObject + x-amz-checksum-crc32c (WRONG value)', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'crc-bad', Body: body, ChecksumCRC32C: 'AAAAAA==' }),
    );
    return 'accepted (checksum NOT validated)';
  });
  await record('HeadObject + x-amz-checksum-mode: ENABLED', async () => {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'crc-ok', ChecksumMode: 'ENABLED' }),
    );
    return `ok; ChecksumCRC32C=${head.ChecksumCRC32C ?? 'absent'}, ChecksumType=${head.ChecksumType ?? 'absent'}`;
  });
  await record('GetObject Range bytes=10-19', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'crc-ok', Range: 'bytes=10-19' }));
    const text = await got.Body?.transformToString();
    const ok = text === body.subarray(10, 20).toString();
    return `${got.$metadata.httpStatusCode}; ContentRange=${got.ContentRange}; ContentLength=${got.ContentLength}; bytes ${ok ? 'correct' : 'WRONG'}`;
  });
  await record('GetObject Range bytes=0-0', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'crc-ok', Range: 'bytes=0-0' }));
    const text = await got.Body?.transformToString();
    return `${got.$metadata.httpStatusCode}; ContentRange=${got.ContentRange}; length ${text?.length} (want 1)`;
  });
  await record('GetObject Range bytes=-10 (suffix)', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'crc-ok', Range: 'bytes=-10' }));
    const text = await got.Body?.transformToString();
    return `${got.$metadata.httpStatusCode}; ContentRange=${got.ContentRange}; length ${text?.length} (want 10)`;
  });
  const etag = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'crc-ok' }))).ETag ?? '';
  await record('GetObject If-Match (matching ETag)', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'crc-ok', IfMatch: etag }));
    await got.Body?.transformToString();
    return `${got.$metadata.httpStatusCode}`;
  });
  await record('GetObject If-Match (other ETag) + Range', async () => {
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'crc-ok',
        IfMatch: '"0123456789abcdef0123456789abcdef"',
        Range: 'bytes=0-9',
      }),
    );
    await got.Body?.transformToString();
    return `${got.$metadata.httpStatusCode} (If-Match IGNORED: no 412)`;
  });

  const partBytes = Buffer.alloc(5 * 1024 * 1024, 7);
  const lastBytes = Buffer.from('tail');
  const whole = Buffer.concat([partBytes, lastBytes]);
  let uploadId = '';
  await record('CreateMultipartUpload ChecksumAlgorithm=CRC32C ChecksumType=FULL_OBJECT', async () => {
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mpu',
        ChecksumAlgorithm: 'CRC32C',
        ChecksumType: 'FULL_OBJECT',
        ContentType: 'text/x-probe',
        Metadata: { origin: 'probe' },
      }),
    );
    uploadId = created.UploadId ?? '';
    return `accepted; response ChecksumAlgorithm=${created.ChecksumAlgorithm ?? 'absent'}, ChecksumType=${created.ChecksumType ?? 'absent'}`;
  });
  const parts: { PartNumber: number; ETag: string; ChecksumCRC32C: string }[] = [];
  await record('UploadPart + x-amz-checksum-crc32c (part 2 WRONG)', async () => {
    const first = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'mpu',
        UploadId: uploadId,
        PartNumber: 1,
        Body: partBytes,
        ChecksumCRC32C: crc32cBase64(partBytes),
      }),
    );
    const second = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'mpu',
        UploadId: uploadId,
        PartNumber: 2,
        Body: lastBytes,
        ChecksumCRC32C: 'AAAAAA==',
      }),
    );
    parts.push({ PartNumber: 1, ETag: first.ETag ?? '', ChecksumCRC32C: crc32cBase64(partBytes) });
    parts.push({ PartNumber: 2, ETag: second.ETag ?? '', ChecksumCRC32C: crc32cBase64(lastBytes) });
    return `both accepted (part checksum NOT validated); response ChecksumCRC32C=${first.ChecksumCRC32C ?? 'absent'}`;
  });
  await record('ListParts', async () => {
    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'mpu', UploadId: uploadId }));
    return `ok; ${listed.Parts?.length ?? 0} parts`;
  });
  await record('CompleteMultipartUpload + FULL_OBJECT x-amz-checksum-crc32c (WRONG)', async () => {
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mpu',
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        ChecksumCRC32C: 'AAAAAA==',
        ChecksumType: 'FULL_OBJECT',
      }),
    );
    return `accepted (NOT validated); ETag=${done.ETag}; ChecksumCRC32C=${done.ChecksumCRC32C ?? 'absent'}`;
  });
  await record('Multipart result: content, ETag form, metadata', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mpu', ChecksumMode: 'ENABLED' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    return `content ${bytes.equals(whole) ? 'correct' : 'WRONG'}; ETag=${got.ETag} (${/-\d+"?$/.test(got.ETag ?? '') ? 'composite' : 'plain MD5, not composite'}); ContentType=${got.ContentType}; Metadata=${JSON.stringify(got.Metadata)}; ChecksumCRC32C=${got.ChecksumCRC32C ?? 'absent'}`;
  });
  await record('AbortMultipartUpload', async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'abort-me' }));
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'abort-me', UploadId: created.UploadId }),
    );
    return 'ok';
  });

  const metadataKey = 'meta';
  await record('PutObject system + user metadata round trip', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: metadataKey,
        Body: body,
        ContentType: 'text/plain; charset=utf-8',
        ContentEncoding: 'gzip',
        ContentDisposition: 'attachment; filename="a b.txt"',
        ContentLanguage: 'de-CH',
        CacheControl: 'max-age=60, public',
        Expires: new Date('2030-01-02T03:04:05Z'),
        Metadata: { Plain: 'v', with_underscore: 'u', 'dash-name': 'd', unicode: 'caf%C3%A9' },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: metadataKey }));
    return `ContentType=${head.ContentType}; ContentEncoding=${head.ContentEncoding}; ContentDisposition=${head.ContentDisposition}; ContentLanguage=${head.ContentLanguage}; CacheControl=${head.CacheControl}; Expires=${head.ExpiresString ?? head.Expires?.toUTCString()}; Metadata=${JSON.stringify(head.Metadata)}`;
  });
  await record('PutObject without Content-Type', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'no-type', Body: body }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'no-type' }));
    return `stored ContentType=${head.ContentType}`;
  });
  await record('0-byte object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'empty', Body: new Uint8Array(0) }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'empty' }));
    return `ok; ContentLength=${head.ContentLength}; ETag=${head.ETag}`;
  });
  await record('SDK default checksums (WHEN_SUPPORTED) + streamed body', async () => {
    const sdkDefault = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3rverCredentials,
    });
    await sdkDefault.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'streamed',
        Body: Readable.from([body]),
        ContentLength: body.length,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'streamed' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    return `stored ${bytes.length} bytes for ${body.length} sent: ${bytes.equals(body) ? 'correct' : 'CORRUPTED (aws-chunked framing stored verbatim)'}; ContentEncoding=${got.ContentEncoding ?? 'absent'}`;
  });

  const keys = [
    'a',
    'a/b',
    'a-c',
    'a0',
    'A',
    'b//double',
    'b/double',
    'dir/',
    'sp ace+plus%percent',
    'ünïcödé/ключ',
    'z\u{1F600}',
    'z\uFF5E',
  ];
  await record('Odd keys round trip (PUT then GET each)', async () => {
    const bad: string[] = [];
    for (const [index, key] of keys.entries()) {
      const put = await outcome(async () => {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k/${key}`, Body: `body ${index}` }));
        return 'ok';
      });
      if (put !== 'ok') bad.push(`PUT ${JSON.stringify(key)} -> ${put}`);
    }
    for (const [index, key] of keys.entries()) {
      const got = await outcome(async () => {
        const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `k/${key}` }));
        return (await response.Body?.transformToString()) ?? '';
      });
      if (got !== `body ${index}`) bad.push(`${JSON.stringify(key)} -> ${got}`);
    }
    return bad.length === 0 ? 'all correct' : `WRONG: ${bad.join('; ')}`;
  });
  await record('ListObjectsV2 order of odd keys (prefix k/)', async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'k/' }));
    const got = (listed.Contents ?? []).map((entry) => entry.Key?.slice(2) ?? '');
    const byteOrder = [...new Set(keys)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const same = JSON.stringify(got) === JSON.stringify(byteOrder);
    return `${same ? 'UTF-8 byte order' : 'NOT UTF-8 byte order'}: got ${JSON.stringify(got)}; S3 order ${JSON.stringify(byteOrder)}`;
  });
  await record('ListObjectsV2 StartAfter=k/a-c + MaxKeys=2 + continuation', async () => {
    const first = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'k/', StartAfter: 'k/a-c', MaxKeys: 2 }),
    );
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: 'k/',
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    return `page 1 ${JSON.stringify(first.Contents?.map((entry) => entry.Key))} truncated=${first.IsTruncated}; page 2 ${JSON.stringify(second.Contents?.map((entry) => entry.Key))}`;
  });
  await record('ListObjectsV2 EncodingType=url', async () => {
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'k/sp ace', EncodingType: 'url' }),
    );
    const key = listed.Contents?.[0]?.Key;
    const encoded = key !== undefined && !key.includes(' ');
    return `response EncodingType=${listed.EncodingType ?? 'absent'}; key ${JSON.stringify(key)} ${encoded ? 'url-encoded' : 'NOT encoded (encoding-type ignored)'}`;
  });
  await record('LastModified resolution', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'crc-ok' }));
    return `${head.LastModified?.toISOString()} (whole seconds: HTTP date)`;
  });
} finally {
  s3.destroy();
  await server.stop();
}
for (const [name, result] of results) process.stdout.write(`- ${name}: ${result}\n`);
