// The end-to-end dataset: 30 source objects, small and multipart, hostile keys, rich metadata; seeded and compared.
import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import {
  bytesFor,
  fingerprint,
  type ObjectFingerprint,
  putMultipartObject,
  putObject,
  type SeedMetadata,
} from '../support/objects.ts';

const MiB = 1024 * 1024;

export interface DatasetObject {
  readonly key: string;
  readonly size: number;
  /** Uploaded through multipart, so its source ETag is composite ("md5-N"). */
  readonly multipart: boolean;
  readonly metadata?: SeedMetadata;
}

const richMetadata: SeedMetadata = {
  ContentType: 'text/csv; charset=utf-8',
  ContentEncoding: 'identity',
  ContentDisposition: 'inline; filename="report.csv"',
  ContentLanguage: 'de-CH',
  CacheControl: 'no-cache',
  Expires: new Date('2030-06-07T08:09:10Z'),
  Metadata: { origin: 'e2e', 'with-dash': 'Mixed Case Value' },
};

/** Keys a naive copier mangles: unicode, URL-special characters, empty segments, dot segments, a folder marker. */
const awkwardNames = [
  'ołówek/żółw/🦀.txt',
  'spaces and+plus/100% sure?/a#b&c;d=e',
  'quotes/\'single\'/"double"/back\\slash',
  'slashes//empty//segments',
  'dots/../and/./dots',
  'folder-marker/',
];

/**
 * The objects under `prefix` (which ends in "/"): 21 plain, 7 awkward (one key of S3's full 1,024 bytes: map it to a
 * destination prefix no longer than the source's), one above the multipart threshold, one with a composite ETag.
 */
export function datasetObjects(prefix: string): DatasetObject[] {
  const plain = Array.from({ length: 21 }, (_, i) => ({
    key: `${prefix}plain/${String(i).padStart(2, '0')}.bin`,
    size: i === 0 ? 0 : 997 * i * i,
    multipart: false,
    ...(i % 3 === 0 ? { metadata: richMetadata } : {}),
  }));
  const awkward = [...awkwardNames, 'k'.repeat(1024 - Buffer.byteLength(prefix))].map((name, i) => ({
    key: `${prefix}${name}`,
    size: name.endsWith('/') ? 0 : 100 + i,
    multipart: false,
    metadata: richMetadata,
  }));
  return [
    ...plain,
    ...awkward,
    {
      key: `${prefix}large/above-threshold.bin`,
      size: 7 * MiB + 3,
      multipart: false,
      metadata: richMetadata,
    },
    { key: `${prefix}large/composite.bin`, size: 11 * MiB, multipart: true, metadata: richMetadata },
  ];
}

export async function seedDataset(
  client: S3Client,
  bucket: string,
  objects: readonly DatasetObject[],
): Promise<void> {
  const limit = pLimit(6);
  await Promise.all(
    objects.map((object) =>
      limit(async () => {
        const target = {
          bucket,
          key: object.key,
          body: bytesFor(object.key, object.size),
          ...(object.metadata ? { metadata: object.metadata } : {}),
        };
        await (object.multipart ? putMultipartObject(client, target) : putObject(client, target));
      }),
    ),
  );
}

/** Source and destination fingerprints of each object, for a byte- and metadata-exact comparison. */
export async function fingerprintPairs(options: {
  source: S3Client;
  sourceBucket: string;
  destination: S3Client;
  destinationBucket: string;
  keys: readonly { sourceKey: string; destinationKey: string }[];
}): Promise<{ key: string; source: ObjectFingerprint; destination: ObjectFingerprint }[]> {
  const limit = pLimit(4);
  return await Promise.all(
    options.keys.map(({ sourceKey, destinationKey }) =>
      limit(async () => ({
        key: sourceKey,
        source: await fingerprint(options.source, options.sourceBucket, sourceKey),
        destination: await fingerprint(options.destination, options.destinationBucket, destinationKey),
      })),
    ),
  );
}
