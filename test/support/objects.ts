// Seeds and reads test objects through the SDK, and compares a whole bucket against another: bytes and metadata.
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

export type SeedMetadata = Pick<
  PutObjectCommandInput,
  | 'ContentType'
  | 'ContentEncoding'
  | 'ContentDisposition'
  | 'ContentLanguage'
  | 'CacheControl'
  | 'Expires'
  | 'Metadata'
>;

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Deterministic pseudo-random bytes, different for each seed string. */
export function bytesFor(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export async function putObject(
  client: S3Client,
  target: { bucket: string; key: string; body: Uint8Array; metadata?: SeedMetadata },
): Promise<void> {
  await client.send(
    new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: target.body, ...target.metadata }),
  );
}

/** Uploads as multipart (5 MiB parts) so the object carries a composite "md5-N" ETag. */
export async function putMultipartObject(
  client: S3Client,
  target: { bucket: string; key: string; body: Buffer; metadata?: SeedMetadata },
): Promise<void> {
  const partSize = 5 * 1024 * 1024;
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ...target.metadata }),
  );
  const parts = [];
  for (let start = 0, number = 1; start < target.body.length; start += partSize, number++) {
    const { ETag } = await client.send(
      new UploadPartCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId,
        PartNumber: number,
        Body: target.body.subarray(start, start + partSize),
      }),
    );
    parts.push({ ETag, PartNumber: number });
  }
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: target.bucket,
      Key: target.key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

export async function listKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const item of page.Contents ?? []) if (item.Key !== undefined) keys.push(item.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** What must be equal between a source object and its copy. */
export interface ObjectFingerprint {
  readonly sha256: string;
  readonly size: number;
  readonly contentType?: string | undefined;
  readonly contentEncoding?: string | undefined;
  readonly contentDisposition?: string | undefined;
  readonly contentLanguage?: string | undefined;
  readonly cacheControl?: string | undefined;
  readonly expires?: string | undefined;
  readonly metadata: Record<string, string>;
}

export async function fingerprint(client: S3Client, bucket: string, key: string): Promise<ObjectFingerprint> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await response.Body!.transformToByteArray();
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    contentType: response.ContentType,
    contentEncoding: response.ContentEncoding,
    contentDisposition: response.ContentDisposition,
    contentLanguage: response.ContentLanguage,
    cacheControl: response.CacheControl,
    expires: response.ExpiresString ?? response.Expires?.toUTCString(),
    metadata: response.Metadata ?? {},
  };
}

export async function headObject(client: S3Client, bucket: string, key: string) {
  return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}
