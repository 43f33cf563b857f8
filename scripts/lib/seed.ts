// Fills a bucket with generated objects (random bytes, chosen metadata) with bounded parallelism.
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { ObjectMetadata } from '../../worker/src/domain/object.ts';

export interface SeedObject {
  readonly key: string;
  readonly sizeBytes: number;
  readonly metadata?: ObjectMetadata;
  /** Upload with multipart, in parts of this size; absent: one PutObject. */
  readonly multipartPartSizeBytes?: number;
}

export interface SeedOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly objects: Iterable<SeedObject>;
  /** Objects uploaded at once. */
  readonly concurrency: number;
  readonly onObjectStored?: (object: SeedObject) => void;
}

/** The SDK's request fields for Ferry's metadata shape. */
export function metadataFields(metadata: ObjectMetadata | undefined): {
  ContentType?: string;
  ContentEncoding?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  CacheControl?: string;
  Expires?: Date;
  Metadata?: Record<string, string>;
} {
  if (!metadata) return {};
  return {
    ...(metadata.contentType !== undefined ? { ContentType: metadata.contentType } : {}),
    ...(metadata.contentEncoding !== undefined ? { ContentEncoding: metadata.contentEncoding } : {}),
    ...(metadata.contentDisposition !== undefined ? { ContentDisposition: metadata.contentDisposition } : {}),
    ...(metadata.contentLanguage !== undefined ? { ContentLanguage: metadata.contentLanguage } : {}),
    ...(metadata.cacheControl !== undefined ? { CacheControl: metadata.cacheControl } : {}),
    ...(metadata.expires !== undefined ? { Expires: new Date(metadata.expires) } : {}),
    ...(Object.keys(metadata.userMetadata).length > 0 ? { Metadata: { ...metadata.userMetadata } } : {}),
  };
}

async function putMultipart(client: S3Client, bucket: string, object: SeedObject, partSizeBytes: number) {
  const created = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: object.key, ...metadataFields(object.metadata) }),
  );
  const uploadId = created.UploadId;
  const parts: { PartNumber: number; ETag: string }[] = [];
  for (let offset = 0, partNumber = 1; offset < object.sizeBytes; offset += partSizeBytes, partNumber++) {
    const body = randomBytes(Math.min(partSizeBytes, object.sizeBytes - offset));
    const uploaded = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: object.key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
      }),
    );
    parts.push({ PartNumber: partNumber, ETag: uploaded.ETag ?? '' });
  }
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: object.key,
      UploadId: uploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

async function seedOne(client: S3Client, bucket: string, object: SeedObject): Promise<void> {
  const partSizeBytes = object.multipartPartSizeBytes;
  if (partSizeBytes !== undefined && object.sizeBytes > 0) {
    await putMultipart(client, bucket, object, partSizeBytes);
    return;
  }
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: object.key,
      Body: randomBytes(object.sizeBytes),
      ...metadataFields(object.metadata),
    }),
  );
}

/** Uploads every object; resolves with how many objects and bytes were stored. */
export async function seedBucket(options: SeedOptions): Promise<{ objects: number; bytes: number }> {
  const limit = pLimit(options.concurrency);
  let objects = 0;
  let bytes = 0;
  const uploads: Promise<void>[] = [];
  for (const object of options.objects) {
    uploads.push(
      limit(async () => {
        await seedOne(options.client, options.bucket, object);
        objects += 1;
        bytes += object.sizeBytes;
        options.onObjectStored?.(object);
      }),
    );
  }
  await Promise.all(uploads);
  return { objects, bytes };
}
