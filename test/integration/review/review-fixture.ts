// Seeds a source and a destination bucket on the two moto servers and writes the base and head ferry.yaml of a change.
import type { S3Client } from '@aws-sdk/client-s3';
import { testS3, uniqueBucket } from '../../support/aws.ts';
import { bytesFor, createBucket, putObject } from '../../support/objects.ts';

/** Keys whose text tries to become markup or to hide characters (moto refuses line breaks; tab stands in). */
export const hostileKeys = ['data/!tab\there', 'data/"\u202Egnp.exe', 'data/<img src=x onerror=alert(1)>'];

/** Source objects of the `media` mapping and what becomes of each against the destination. */
const mediaObjects: readonly { key: string; size: number; destination?: 'same' | 'resized' }[] = [
  ...hostileKeys.map((key, index) => ({ key, size: 10 + index })),
  { key: 'data/@octo-org/admins', size: 13 },
  { key: 'data/a|b`c`', size: 14 },
  { key: 'data/new-1', size: 1000 },
  { key: 'data/new-2', size: 2500 },
  { key: 'data/resized', size: 800, destination: 'resized' },
  { key: 'data/same', size: 700, destination: 'same' },
];

export const expectedMedia = {
  copy: { objects: 8, bytes: 10 + 11 + 12 + 13 + 14 + 1000 + 2500 + 800 },
  skip: { objects: 1, bytes: 700 },
};
export const expectedLogs = { copy: { objects: 3, bytes: 100 + 200 + 300 } };
/** The sync mapping `mirror` (data/ → mirror/): what its plan copies, skips and deletes. */
export const expectedMirror = {
  copy: { objects: expectedMedia.copy.objects, bytes: expectedMedia.copy.bytes },
  skip: expectedMedia.skip,
  delete: { objects: 2, bytes: 40 + 60 },
};
export const bulkKeys = 60;
export const bulkObjectBytes = 10;

export interface ReviewFixture {
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly baseYaml: string;
  readonly headYaml: string;
  /** The head with a sync mapping `mirror` added (maxDeleteObjects 1: its two deletes are refused). */
  readonly syncYaml: string;
}

function endpointsYaml(sourceUrl: string, destinationUrl: string): string {
  return `endpoints:
  src:
    url: "${sourceUrl}"
    region: us-east-1
    forcePathStyle: true
    credentials: { env: SRC }
  dst:
    url: "${destinationUrl}"
    region: us-east-1
    forcePathStyle: true
    credentials: { env: DST }
`;
}

async function seed(
  client: S3Client,
  bucket: string,
  key: string,
  size: number,
  seedText = key,
): Promise<void> {
  await putObject(client, { bucket, key, body: bytesFor(seedText, size) });
}

/** Buckets for mappings media (changed), logs (added), bulk (added, 60 keys), retired (removed) and mirror (sync). */
export async function seedReviewFixture(urls: {
  source: string;
  destination: string;
}): Promise<ReviewFixture> {
  const source = testS3(urls.source);
  const destination = testS3(urls.destination);
  const sourceBucket = uniqueBucket('review-src');
  const destinationBucket = uniqueBucket('review-dst');
  await createBucket(source, sourceBucket);
  await createBucket(destination, destinationBucket);
  for (const object of mediaObjects) {
    await seed(source, sourceBucket, object.key, object.size);
    const copyKey = `copy/${object.key.slice('data/'.length)}`;
    if (object.destination === 'same')
      await seed(destination, destinationBucket, copyKey, object.size, object.key);
    if (object.destination === 'resized')
      await seed(destination, destinationBucket, copyKey, object.size + 1);
  }
  await seed(destination, destinationBucket, 'copy/only-at-destination', 5);
  // mirror/: the same object as data/same, and two whose source is gone.
  await seed(destination, destinationBucket, 'mirror/same', 700, 'data/same');
  await seed(destination, destinationBucket, 'mirror/gone-1', 40);
  await seed(destination, destinationBucket, 'mirror/gone-2', 60);
  for (const [index, size] of [100, 200, 300].entries())
    await seed(source, sourceBucket, `logs/2024/${index}.log`, size);
  for (let index = 0; index < bulkKeys; index++) {
    await seed(source, sourceBucket, `big/${String(index).padStart(4, '0')}`, bulkObjectBytes);
  }
  const endpoints = endpointsYaml(urls.source, urls.destination);
  const media = (storageClass: string, extra = '') => `  - id: media
    source: { endpoint: src, bucket: ${sourceBucket}, prefix: data/ }
    destination: { endpoint: dst, bucket: ${destinationBucket}, prefix: copy/, storageClass: ${storageClass} }
${extra}`;
  const baseYaml = `${endpoints}mappings:
${media('STANDARD')}  - id: retired
    source: { endpoint: src, bucket: ${sourceBucket}, prefix: retired/ }
    destination: { endpoint: dst, bucket: ${destinationBucket}, prefix: retired/ }
`;
  const headYaml = `${endpoints}mappings:
${media('STANDARD_IA', '    maxBytesPerRun: 1KiB\n')}  - id: logs
    source: { endpoint: src, bucket: ${sourceBucket}, prefix: logs/ }
    destination: { endpoint: dst, bucket: ${destinationBucket}, prefix: logs/ }
    schedule: nightly
  - id: bulk
    source: { endpoint: src, bucket: ${sourceBucket}, prefix: big/ }
    destination: { endpoint: dst, bucket: ${destinationBucket}, prefix: big/ }
`;
  const syncYaml = `${headYaml}  - id: mirror
    source: { endpoint: src, bucket: ${sourceBucket}, prefix: data/ }
    destination: { endpoint: dst, bucket: ${destinationBucket}, prefix: mirror/ }
    mode: sync
    maxDeleteObjects: 1
`;
  return { sourceBucket, destinationBucket, baseYaml, headYaml, syncYaml };
}
