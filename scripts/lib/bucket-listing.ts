// Lists a whole bucket (every page) into memory: the scripts' buckets are small enough.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface ListedObject {
  readonly key: string;
  readonly sizeBytes: number;
  /** Without quotes. */
  readonly etag: string;
  readonly lastModified: Date;
}

export interface BucketRef {
  readonly client: S3Client;
  readonly bucket: string;
}

/** Every object in the bucket, in the order the server listed them. */
export async function listAllObjects(where: BucketRef): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await where.client.send(
      new ListObjectsV2Command({
        Bucket: where.bucket,
        ...(continuationToken ? { ContinuationToken: continuationToken } : {}),
      }),
    );
    for (const entry of page.Contents ?? []) {
      objects.push({
        key: entry.Key ?? '',
        sizeBytes: entry.Size ?? 0,
        etag: (entry.ETag ?? '').replaceAll('"', ''),
        lastModified: entry.LastModified ?? new Date(0),
      });
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
  return objects;
}

/** Compares keys by their UTF-8 bytes, S3's listing order. */
export function compareKeyBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The first place where listed keys break S3's order, or undefined when they are in order. */
export function firstOrderBreak(keys: readonly string[]): { before: string; after: string } | undefined {
  for (let index = 1; index < keys.length; index++) {
    const before = keys[index - 1] ?? '';
    const after = keys[index] ?? '';
    if (compareKeyBytes(before, after) >= 0) return { before, after };
  }
  return undefined;
}
