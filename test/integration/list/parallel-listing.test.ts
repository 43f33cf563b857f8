// Parallel listing against moto through the S3 adapter: discovered ranges, listed concurrently, equal one plain listing.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { createS3Client, serviceIdOf } from '../../../worker/src/aws/clients.ts';
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import { coverageProblem, keyAfter, splitKeySpace } from '../../../worker/src/list/key-ranges.ts';
import { listInParallel } from '../../../worker/src/list/parallel-listing.ts';
import type { ListOptions, ObjectLister, ObjectStore } from '../../../worker/src/ports/object-store.ts';
import { createS3ObjectStore } from '../../../worker/src/storage/s3-object-store.ts';
import { motoClientOptions, motoEndpoint, testS3, uniqueBucket } from '../../support/aws.ts';
import { createBucket } from '../../support/objects.ts';

const url = inject('motoSource');
const admin = testS3(url);
const client = createS3Client(motoEndpoint(url), motoClientOptions);

/** Counts the list calls and entries going through a lister. */
class CountingLister implements ObjectLister {
  listCalls = 0;
  entries = 0;
  readonly #inner: ObjectLister;
  constructor(inner: ObjectLister) {
    this.#inner = inner;
  }
  async *list(options: ListOptions): AsyncGenerator<ObjectEntry> {
    this.listCalls += 1;
    for await (const entry of this.#inner.list(options)) {
      this.entries += 1;
      yield entry;
    }
  }
}

async function entriesOf(listing: AsyncIterable<ObjectEntry>): Promise<ObjectEntry[]> {
  const entries: ObjectEntry[] = [];
  for await (const entry of listing) entries.push(entry);
  return entries;
}

/** 2,000 keys under one dated prefix, the rest spread over names, digits and multibyte characters. */
function skewedKeys(): string[] {
  const keys: string[] = [];
  for (let index = 0; index < 2000; index++) {
    const day = String(1 + (index % 28)).padStart(2, '0');
    keys.push(`logs/2026/03/${day}/part-${String(index).padStart(5, '0')}.json`);
  }
  const spread = [
    'a',
    'b',
    'img',
    'm',
    'q',
    'z',
    '~',
    '\u007f',
    '\u00e9',
    '\u00ff',
    '\u0800',
    '\u4e2d',
    '\u{1f600}',
  ];
  for (let index = 0; index < 900; index++) {
    const lead = spread[index % spread.length]!;
    keys.push(`${lead}${(index * 7919).toString(36)}/${['\u00e9', '\u{1f600}', 'x'][index % 3]}${index}`);
  }
  for (let index = 0; index < 100; index++) keys.push(`logs/${String(index).padStart(3, '0')}`);
  return keys;
}

/** A key moto can store and list back: no control characters or non-characters, which XML cannot carry. */
function storable(key: string): boolean {
  return (
    key.length > 0 &&
    Array.from(key).every((character) => {
      const codePoint = character.codePointAt(0) ?? 0;
      return codePoint >= 0x20 && codePoint !== 0xfffe && codePoint !== 0xffff;
    })
  );
}

/** The key without its last character (never half of a surrogate pair). */
function withoutLastCharacter(key: string): string {
  return Array.from(key).slice(0, -1).join('');
}

/** Keys on, around and just inside each boundary. */
function straddlingKeys(boundaries: readonly string[]): string[] {
  return boundaries
    .flatMap((boundary) => {
      const shorter = withoutLastCharacter(boundary);
      return [boundary, `${boundary}a`, shorter, `${shorter}~`];
    })
    .filter(storable);
}

async function seed(bucket: string, keys: readonly string[]): Promise<void> {
  const limit = pLimit(32);
  await Promise.all(
    keys.map((key) => limit(() => admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key })))),
  );
}

describe('parallel listing on moto', () => {
  const bucket = uniqueBucket('parallel-list');
  let store: ObjectStore;
  let firstRanges: Awaited<ReturnType<typeof splitKeySpace>>;
  const discovery = { sampleKeys: 100, minRangeKeys: 100, maxRanges: 16, maxProbes: 40 };

  beforeAll(async () => {
    await createBucket(admin, bucket);
    store = createS3ObjectStore({ client, bucket, serviceId: serviceIdOf(motoEndpoint(url)) });
    await seed(bucket, skewedKeys());
    firstRanges = await splitKeySpace({ lister: store, prefix: '', ...discovery });
    const boundaries = firstRanges.ranges.flatMap((range) =>
      range.after === undefined ? [] : [range.after],
    );
    await seed(bucket, straddlingKeys(boundaries));
  });

  test('ranges found before keys were added on their boundaries still list every key once, in order', async () => {
    expect(firstRanges.ranges.length).toBeGreaterThanOrEqual(6);
    expect(firstRanges.probes).toBeLessThanOrEqual(discovery.maxProbes);
    const plain = await entriesOf(store.list({ prefix: '' }));
    expect(plain.length).toBeGreaterThan(3000);
    const counting = new CountingLister(store);
    const parallel = await entriesOf(
      listInParallel({
        lister: counting,
        prefix: '',
        ranges: firstRanges.ranges,
        concurrency: 4,
        prefetchPerRange: 200,
      }),
    );
    expect(parallel).toEqual(plain);
    expect(counting.listCalls).toBe(firstRanges.ranges.length);
    // Each range reads one key past its end (where it stops), except the last.
    expect(counting.entries).toBeLessThanOrEqual(plain.length + firstRanges.ranges.length - 1);
  });

  test('a fresh split of the skewed bucket, under a prefix and after a checkpoint, lists as one listing would', async () => {
    for (const scope of [
      { prefix: '' },
      { prefix: 'logs/' },
      { prefix: '', startAfter: 'logs/2026/03/14/part-01000.json' },
      { prefix: '', startAfter: keyAfter('\u00e9') },
    ]) {
      const split = await splitKeySpace({ lister: store, ...scope, ...discovery });
      expect(coverageProblem({ ranges: split.ranges, ...scope })).toBeUndefined();
      expect(split.ranges.length).toBeGreaterThan(1);
      const plain = await entriesOf(store.list(scope));
      const parallel = await entriesOf(
        listInParallel({ lister: store, ...scope, ranges: split.ranges, concurrency: 8 }),
      );
      expect(parallel.map((entry) => entry.key)).toEqual(plain.map((entry) => entry.key));
      expect(parallel).toEqual(plain);
    }
  });
});
