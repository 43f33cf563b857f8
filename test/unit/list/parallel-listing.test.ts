// Parallel listing: one stream in global key order, every key once, bounded read-ahead, real concurrency, clean stops.
import { describe, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import {
  type KeyRange,
  keyAfter,
  rangesFromBoundaries,
  splitKeySpace,
} from '../../../worker/src/list/key-ranges.ts';
import { listInParallel } from '../../../worker/src/list/parallel-listing.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import {
  FakeLister,
  nextMacrotask,
  type SortedKeys,
  sortedKeys,
  withoutLastCharacter,
} from './parallel-fake-lister.ts';

async function keysOf(listing: AsyncIterable<ObjectEntry>): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of listing) keys.push(entry.key);
  return keys;
}

/** What one plain listing returns: the reference every parallel listing must equal. */
function plainListing(keys: SortedKeys, options: { prefix: string; startAfter?: string }): Promise<string[]> {
  return keysOf(new FakeLister(keys).list(options));
}

/** A bucket whose keys sit on, around and inside the boundaries, with multibyte and astral characters. */
function straddlingKeys(boundaries: readonly string[]): string[] {
  const keys: string[] = [];
  for (const boundary of boundaries) {
    keys.push(
      boundary,
      keyAfter(boundary),
      `${boundary}/x`,
      withoutLastCharacter(boundary),
      `${withoutLastCharacter(boundary)}~`,
    );
  }
  for (let index = 0; index < 2500; index++) keys.push(`logs/2026/${String(index).padStart(5, '0')}`);
  for (const character of [
    '\u007f',
    '\u0080',
    '\u00e9',
    '\u00ff',
    '\u07ff',
    '\u0800',
    '\uffff',
    '\u{1f600}',
  ]) {
    for (let index = 0; index < 60; index++) keys.push(`${character}${index}`, `m${character}${index}`);
  }
  return keys;
}

const boundaries = [
  'd',
  'logs/2026/00100',
  'logs/2026/00100/x',
  'logs/2026/02000',
  'm\u00ff',
  'n',
  'zz',
  '\u{1f600}',
];

interface ListingCase {
  readonly label: string;
  readonly prefix: string;
  readonly startAfter?: string;
  readonly concurrency: number;
  readonly prefetchPerRange: number;
}

const listingCases: ListingCase[] = [
  { label: 'whole bucket, one at a time', prefix: '', concurrency: 1, prefetchPerRange: 1 },
  { label: 'whole bucket, 4 at once', prefix: '', concurrency: 4, prefetchPerRange: 7 },
  { label: 'whole bucket, more slots than ranges', prefix: '', concurrency: 32, prefetchPerRange: 5000 },
  {
    label: 'a checkpoint inside a range',
    prefix: '',
    startAfter: 'logs/2026/01234',
    concurrency: 3,
    prefetchPerRange: 50,
  },
  {
    label: 'a checkpoint on a boundary',
    prefix: '',
    startAfter: 'logs/2026/02000',
    concurrency: 3,
    prefetchPerRange: 50,
  },
  {
    label: 'a checkpoint just after a boundary',
    prefix: '',
    startAfter: keyAfter('n'),
    concurrency: 2,
    prefetchPerRange: 9,
  },
  {
    label: 'a checkpoint after every key',
    prefix: '',
    startAfter: '\u{10ffff}',
    concurrency: 2,
    prefetchPerRange: 9,
  },
  { label: 'a prefix', prefix: 'logs/2026/0', concurrency: 3, prefetchPerRange: 100 },
  {
    label: 'a prefix and a checkpoint below it',
    prefix: 'm',
    startAfter: 'a',
    concurrency: 3,
    prefetchPerRange: 5,
  },
];

describe('listInParallel', () => {
  test.each(listingCases)('equals the plain listing: $label', async (given) => {
    const keys = sortedKeys(straddlingKeys(boundaries));
    const startAfter = given.startAfter;
    const lister = new FakeLister(keys);
    const ranges = rangesFromBoundaries({
      ...(startAfter !== undefined ? { startAfter } : {}),
      boundaries: boundaries.filter(
        (boundary) => startAfter === undefined || compareKeys(startAfter, boundary) < 0,
      ),
    });
    const listed = await keysOf(
      listInParallel({
        lister,
        prefix: given.prefix,
        ...(startAfter !== undefined ? { startAfter } : {}),
        ranges,
        concurrency: given.concurrency,
        prefetchPerRange: given.prefetchPerRange,
      }),
    );
    const expected = await plainListing(keys, {
      prefix: given.prefix,
      ...(startAfter !== undefined ? { startAfter } : {}),
    });
    expect(listed).toEqual(expected);
    expect(lister.openListings).toBe(0);
  });

  test('resumes with ranges discovered before the checkpoint: ranges wholly before it are never listed', async () => {
    const keys = sortedKeys(straddlingKeys(boundaries));
    const lister = new FakeLister(keys);
    const ranges = rangesFromBoundaries({ boundaries });
    const startAfter = 'm\u00e959';
    const listed = await keysOf(listInParallel({ lister, prefix: '', startAfter, ranges, concurrency: 2 }));
    expect(listed).toEqual(await plainListing(keys, { prefix: '', startAfter }));
    expect(lister.listCalls).toBe(ranges.length - 4);
  });

  test('lists what splitKeySpace found, for skewed and unicode buckets, exactly as one listing would', async () => {
    const random = (seed: number): string =>
      Array.from({ length: 1 + (seed % 4) }, (_, index) =>
        String.fromCodePoint(
          [0x61, 0x7f, 0xe9, 0x800, 0xffff, 0x1f600][(seed * 7 + index * 13) % 6]! + (seed % 3),
        ),
      ).join('');
    const keys = sortedKeys([
      ...Array.from({ length: 4000 }, (_, index) => `logs/2026/${String(index * 37).padStart(7, '0')}.gz`),
      ...Array.from({ length: 2000 }, (_, index) => `${random(index)}${index}`),
    ]);
    for (const startAfter of [undefined, 'logs/2026/0050000.gz', '\u00e9']) {
      const optional = startAfter !== undefined ? { startAfter } : {};
      const split = await splitKeySpace({
        lister: new FakeLister(keys),
        prefix: '',
        ...optional,
        sampleKeys: 100,
        minRangeKeys: 100,
        maxRanges: 20,
      });
      expect(split.ranges.length).toBeGreaterThan(5);
      const lister = new FakeLister(keys);
      const listed = await keysOf(
        listInParallel({
          lister,
          prefix: '',
          ...optional,
          ranges: split.ranges,
          concurrency: 4,
          prefetchPerRange: 64,
        }),
      );
      expect(listed).toEqual(await plainListing(keys, { prefix: '', ...optional }));
    }
  });

  test('holds at most prefetchPerRange entries per open range ahead of a slow reader, and does read ahead', async () => {
    const keys = sortedKeys(Array.from({ length: 6000 }, (_, index) => `k${String(index).padStart(5, '0')}`));
    const ranges = rangesFromBoundaries({
      boundaries: Array.from({ length: 11 }, (_, index) => `k${String((index + 1) * 500).padStart(5, '0')}`),
    });
    const concurrency = 4;
    const prefetchPerRange = 40;
    const lister = new FakeLister(keys);
    let read = 0;
    let maxAhead = 0;
    for await (const _entry of listInParallel({
      lister,
      prefix: '',
      ranges,
      concurrency,
      prefetchPerRange,
    })) {
      read += 1;
      // Entries handed over by the lister and not yet read; a range's stop key is handed over but never read.
      maxAhead = Math.max(maxAhead, lister.entriesGiven - read);
      if (read % 10 === 0) await nextMacrotask();
    }
    expect(read).toBe(6000);
    expect(maxAhead).toBeLessThanOrEqual(concurrency * (prefetchPerRange + 1) + ranges.length);
    expect(maxAhead).toBeGreaterThanOrEqual((concurrency - 1) * prefetchPerRange);
  });

  test('keeps exactly concurrency page requests in flight', async () => {
    const keys = sortedKeys(
      Array.from({ length: 20_000 }, (_, index) => `k${String(index).padStart(5, '0')}`),
    );
    const ranges = rangesFromBoundaries({
      boundaries: Array.from({ length: 9 }, (_, index) => `k${String((index + 1) * 2000).padStart(5, '0')}`),
    });
    for (const concurrency of [1, 3, 8]) {
      const lister = new FakeLister(keys, { beforePage: nextMacrotask });
      const listed = await keysOf(
        listInParallel({ lister, prefix: '', ranges, concurrency, prefetchPerRange: 5000 }),
      );
      expect(listed).toHaveLength(20_000);
      expect(lister.maxInFlightPages).toBe(concurrency);
    }
  });

  test('stopping early stops every range listing and sends no more requests', async () => {
    const keys = sortedKeys(
      Array.from({ length: 50_000 }, (_, index) => `k${String(index).padStart(5, '0')}`),
    );
    const ranges = rangesFromBoundaries({
      boundaries: Array.from({ length: 9 }, (_, index) => `k${String((index + 1) * 5000).padStart(5, '0')}`),
    });
    const lister = new FakeLister(keys, { beforePage: nextMacrotask });
    const read: string[] = [];
    for await (const entry of listInParallel({
      lister,
      prefix: '',
      ranges,
      concurrency: 4,
      prefetchPerRange: 300,
    })) {
      read.push(entry.key);
      if (read.length === 1500) break;
    }
    expect(read).toEqual(Array.from({ length: 1500 }, (_, index) => keys.keyAt(index)));
    expect(lister.openListings).toBe(0);
    const pagesAtStop = lister.pages;
    for (let tick = 0; tick < 20; tick++) await nextMacrotask();
    expect(lister.pages).toBe(pagesAtStop);
    expect(lister.listCalls).toBe(4);
    expect(pagesAtStop).toBeLessThan(10);
  });

  test('a failing range fails the listing at once and stops the others', async () => {
    const keys = sortedKeys(
      Array.from({ length: 30_000 }, (_, index) => `k${String(index).padStart(5, '0')}`),
    );
    const ranges = rangesFromBoundaries({
      boundaries: Array.from({ length: 5 }, (_, index) => `k${String((index + 1) * 5000).padStart(5, '0')}`),
    });
    const lister = new FakeLister(keys, { beforePage: nextMacrotask, failPage: (key) => key === 'k10001' });
    const read: string[] = [];
    const listing = listInParallel({ lister, prefix: '', ranges, concurrency: 3, prefetchPerRange: 100 });
    await expect(
      (async () => {
        for await (const entry of listing) {
          read.push(entry.key);
          await nextMacrotask();
        }
      })(),
    ).rejects.toThrow('page at k10001 failed');
    expect(read.length).toBeLessThan(5000);
    expect(read).toEqual(Array.from({ length: read.length }, (_, index) => keys.keyAt(index)));
    expect(lister.openListings).toBe(0);
  });

  test('an aborted signal fails the listing, even when everything left is already read ahead', async () => {
    const keys = sortedKeys(Array.from({ length: 3000 }, (_, index) => `k${String(index).padStart(5, '0')}`));
    const ranges = rangesFromBoundaries({
      boundaries: Array.from({ length: 5 }, (_, index) => `k${String((index + 1) * 500).padStart(5, '0')}`),
    });
    const lister = new FakeLister(keys, { beforePage: nextMacrotask });
    const controller = new AbortController();
    let read = 0;
    const consume = async (): Promise<void> => {
      const listing = listInParallel({
        lister,
        prefix: '',
        ranges,
        concurrency: 6,
        signal: controller.signal,
      });
      for await (const _entry of listing) {
        read += 1;
        if (read === 100) {
          for (let tick = 0; tick < 5; tick++) await nextMacrotask();
          controller.abort(new Error('run cancelled'));
        }
      }
    };
    await expect(consume()).rejects.toThrow('run cancelled');
    expect(read).toBe(100);
    expect(lister.openListings).toBe(0);
    await expect(
      keysOf(listInParallel({ lister, prefix: '', ranges, concurrency: 1, signal: controller.signal })),
    ).rejects.toThrow('run cancelled');
  });

  test('refuses ranges that leave a gap, overlap or do not reach the checkpoint', async () => {
    const lister = new FakeLister(sortedKeys(['a', 'b']));
    const broken: KeyRange[][] = [
      [{ before: 'm' }, { after: 'm' }],
      [{ before: keyAfter('n') }, { after: 'm' }],
      [{ after: 'c' }],
      [],
    ];
    for (const ranges of broken) {
      await expect(keysOf(listInParallel({ lister, prefix: '', ranges, concurrency: 2 }))).rejects.toThrow(
        FerryError,
      );
    }
    await expect(
      keysOf(listInParallel({ lister, prefix: '', ranges: [{}], concurrency: 0 })),
    ).rejects.toThrow(/concurrency/);
    expect(lister.listCalls).toBe(0);
  });
});
