// Key ranges: exact coverage by construction, and sampling that finds real split points at a bounded cost.

import { describe, expect, test } from 'vitest';
import {
  coverageProblem,
  type KeyRange,
  keyAfter,
  rangeContains,
  rangesFromBoundaries,
  splitKeySpace,
} from '../../../worker/src/list/key-ranges.ts';
import { splitPoints } from '../../../worker/src/list/range-split-points.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import { seededRandom } from '../../support/seeded-random.ts';
import { randomKey } from './awkward-keys.ts';
import {
  FakeLister,
  keysInRange,
  type SortedKeys,
  sortedKeys,
  thirtyMillionKeys,
  withoutLastCharacter,
} from './parallel-fake-lister.ts';

/** Which of the ranges hold key (every key after startAfter must be in exactly one). */
function holders(ranges: readonly KeyRange[], key: string): number[] {
  return ranges.flatMap((range, index) => (rangeContains(range, key) ? [index] : []));
}

function allKeys(keys: SortedKeys): string[] {
  return Array.from({ length: keys.size }, (_, index) => keys.keyAt(index));
}

describe('ranges from boundaries', () => {
  test('keyAfter(key) sorts right after key, with nothing in between', () => {
    const random = seededRandom(1);
    for (let trial = 0; trial < 2000; trial++) {
      const key = randomKey(random, 4);
      const other = random() < 0.5 ? `${key}${randomKey(random, 2)}` : randomKey(random, 4);
      expect(compareKeys(key, keyAfter(key))).toBeLessThan(0);
      if (compareKeys(key, other) < 0) expect(compareKeys(keyAfter(key), other)).toBeLessThanOrEqual(0);
    }
  });

  test('every key after startAfter lies in exactly one range, boundary keys in the range they end', () => {
    const random = seededRandom(2);
    for (let trial = 0; trial < 200; trial++) {
      const startAfter = random() < 0.5 ? undefined : randomKey(random, 3);
      const boundaries = [...new Set(Array.from({ length: 6 }, () => randomKey(random, 3)))]
        .filter((key) => startAfter === undefined || compareKeys(startAfter, key) < 0)
        .sort(compareKeys);
      const ranges = rangesFromBoundaries({
        ...(startAfter !== undefined ? { startAfter } : {}),
        boundaries,
      });
      expect(
        coverageProblem({ ranges, ...(startAfter !== undefined ? { startAfter } : {}) }),
      ).toBeUndefined();
      expect(ranges).toHaveLength(boundaries.length + 1);
      const probes = [
        ...boundaries,
        ...boundaries.map(keyAfter),
        ...boundaries.map(withoutLastCharacter),
        ...Array.from({ length: 40 }, () => randomKey(random, 4)),
      ];
      for (const key of probes) {
        const expected = startAfter !== undefined && compareKeys(key, startAfter) <= 0 ? 0 : 1;
        expect(holders(ranges, key), JSON.stringify({ key, boundaries, startAfter })).toHaveLength(expected);
      }
      boundaries.forEach((boundary, index) => {
        expect(holders(ranges, boundary)).toEqual([index]);
      });
    }
  });

  test('coverageProblem reports gaps, overlaps, a late start and a bounded end', () => {
    expect(coverageProblem({ ranges: [] })).toBe('there are no ranges');
    expect(coverageProblem({ ranges: [{}] })).toBeUndefined();
    expect(coverageProblem({ ranges: [{ before: keyAfter('m') }, { after: 'm' }] })).toBeUndefined();
    expect(coverageProblem({ ranges: [{ before: 'm' }, { after: 'm' }] })).toMatch(/do not meet/);
    expect(coverageProblem({ ranges: [{ before: keyAfter('n') }, { after: 'm' }] })).toMatch(/do not meet/);
    expect(coverageProblem({ ranges: [{ after: 'c' }] })).toMatch(/first range starts after/);
    expect(coverageProblem({ ranges: [{ after: 'c' }], startAfter: 'd' })).toBeUndefined();
    expect(coverageProblem({ ranges: [{ before: keyAfter('m') }] })).toMatch(/last range ends/);
    const empty = [{ before: keyAfter('a') }, { after: 'a', before: keyAfter('a') }, { after: 'a' }];
    expect(coverageProblem({ ranges: empty })).toMatch(/empty/);
  });
});

/** Keys of a skewed bucket: a dense dated tree, spread names, and non-ASCII ones. */
function skewedKeys(): string[] {
  const keys: string[] = [];
  for (let index = 0; index < 3000; index++) {
    const day = String(1 + (index % 28)).padStart(2, '0');
    keys.push(`logs/2026/03/${day}/part-${String(index).padStart(5, '0')}.json`);
  }
  const random = seededRandom(3);
  for (let index = 0; index < 1500; index++) keys.push(`${randomKey(random, 6)}-${index}`);
  for (let index = 0; index < 500; index++)
    keys.push(`img/${(index * 7919).toString(16).padStart(6, '0')}.png`);
  return keys;
}

interface SplitCase {
  readonly label: string;
  readonly keys: readonly string[];
  readonly prefix?: string;
  readonly startAfter?: string;
}

const splitCases: SplitCase[] = [
  { label: 'a skewed bucket', keys: skewedKeys() },
  {
    label: 'a skewed bucket after a checkpoint',
    keys: skewedKeys(),
    startAfter: 'logs/2026/03/14/part-01700.json',
  },
  { label: 'one prefix of a skewed bucket', keys: skewedKeys(), prefix: 'logs/2026/' },
  {
    label: 'awkward unicode keys',
    keys: Array.from({ length: 3000 }, (_, i) => `${randomKey(seededRandom(i), 5)}`),
  },
];

describe('split points', () => {
  test('always exist, and are distinct, well-formed, ascending and strictly inside the rest of the range', () => {
    const random = seededRandom(4);
    let checked = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const [pageFirst, lastSampled, through] = [
        randomKey(random, 6),
        randomKey(random, 6),
        randomKey(random, 6),
      ].sort(compareKeys) as [string, string, string];
      if (compareKeys(lastSampled, through) >= 0) continue;
      const openEnded = random() < 0.3;
      const maxPoints = 1 + Math.floor(random() * 8);
      const points = splitPoints({
        prefix: '',
        pageFirst,
        lastSampled,
        through: openEnded ? undefined : through,
        maxPoints,
      });
      const context = JSON.stringify({ pageFirst, lastSampled, through, openEnded, points });
      expect(points.length, context).toBeGreaterThan(0);
      expect(points.length, context).toBeLessThanOrEqual(maxPoints);
      points.forEach((point, index) => {
        expect(point.isWellFormed(), context).toBe(true);
        expect(compareKeys(lastSampled, point), context).toBeLessThan(0);
        if (!openEnded) expect(compareKeys(point, through), context).toBeLessThan(0);
        if (index > 0) expect(compareKeys(points[index - 1]!, point), context).toBeLessThan(0);
      });
      checked += 1;
    }
    expect(checked).toBeGreaterThan(2500);
  });
});

describe('splitKeySpace', () => {
  test.each(splitCases)(
    'covers $label exactly, with real split points, within its probe budget',
    async (given) => {
      const keys = sortedKeys(given.keys);
      const lister = new FakeLister(keys);
      const prefix = given.prefix ?? '';
      const split = await splitKeySpace({
        lister,
        prefix,
        ...(given.startAfter !== undefined ? { startAfter: given.startAfter } : {}),
        sampleKeys: 50,
        minRangeKeys: 50,
        maxRanges: 24,
        maxProbes: 80,
      });
      const { ranges } = split;
      expect(
        coverageProblem({
          ranges,
          ...(given.startAfter !== undefined ? { startAfter: given.startAfter } : {}),
        }),
      ).toBeUndefined();
      expect(ranges.length).toBeGreaterThan(4);
      expect(ranges.length).toBeLessThanOrEqual(24);
      expect(split.probes).toBeLessThanOrEqual(80);
      expect(lister.pages).toBe(split.probes);
      for (const range of ranges) {
        if (range.after !== undefined) expect(range.after.isWellFormed()).toBe(true);
        if (range.after !== undefined && range.after !== given.startAfter)
          expect(range.after.startsWith(prefix)).toBe(true);
      }
      const listed = allKeys(keys).filter(
        (key) =>
          key.startsWith(prefix) &&
          (given.startAfter === undefined || compareKeys(key, given.startAfter) > 0),
      );
      const counts = ranges.map((range) => keysInRange(keys, range, prefix));
      expect(counts.reduce((total, count) => total + count, 0)).toBe(listed.length);
      for (const key of listed) expect(holders(ranges, key)).toHaveLength(1);
      expect(Math.max(...counts)).toBeLessThan(listed.length / 2);
    },
  );

  test('an empty listing, or one that fits a sample, stays one range after one probe', async () => {
    for (const keys of [[], ['a', 'b', 'c'], Array.from({ length: 40 }, (_, i) => `k${i}`)]) {
      const lister = new FakeLister(sortedKeys(keys));
      const split = await splitKeySpace({ lister, prefix: '', sampleKeys: 50, minRangeKeys: 1 });
      expect(split).toEqual({ ranges: [{}], probes: 1, estimatedKeys: [keys.length] });
    }
  });

  test('a start after every key gives one range starting there', async () => {
    const lister = new FakeLister(sortedKeys(skewedKeys()));
    const split = await splitKeySpace({ lister, prefix: 'logs/', startAfter: 'logs/9', sampleKeys: 50 });
    expect(split.ranges).toEqual([{ after: 'logs/9' }]);
  });

  test('no probes allowed: the whole key space as one range', async () => {
    const lister = new FakeLister(sortedKeys(skewedKeys()));
    const split = await splitKeySpace({ lister, prefix: '', startAfter: 'b', maxProbes: 0 });
    expect(split.ranges).toEqual([{ after: 'b' }]);
    expect(lister.pages).toBe(0);
  });

  test('keys that sit on, just after and just before the boundaries still land in exactly one range', async () => {
    const base = skewedKeys();
    const first = await splitKeySpace({
      lister: new FakeLister(sortedKeys(base)),
      prefix: '',
      sampleKeys: 50,
      minRangeKeys: 50,
      maxRanges: 24,
    });
    const boundaries = first.ranges.flatMap((range) => (range.after === undefined ? [] : [range.after]));
    expect(boundaries.length).toBeGreaterThan(4);
    const straddling = boundaries.flatMap((boundary) => [
      boundary,
      keyAfter(boundary),
      `${boundary}a`,
      withoutLastCharacter(boundary),
    ]);
    const keys = sortedKeys([...base, ...straddling]);
    for (const key of allKeys(keys)) expect(holders(first.ranges, key), key).toHaveLength(1);
    const counts = first.ranges.map((range) => keysInRange(keys, range));
    expect(counts.reduce((total, count) => total + count, 0)).toBe(keys.size);
  });

  test('a 30-million-key bucket: about 64 ranges from a few hundred probes, none holding much of it', async () => {
    const keys = thirtyMillionKeys();
    const lister = new FakeLister(keys);
    const split = await splitKeySpace({ lister, prefix: '' });
    expect(split.ranges.length).toBeGreaterThanOrEqual(48);
    expect(split.ranges.length).toBeLessThanOrEqual(64);
    expect(split.probes).toBeLessThanOrEqual(256);
    expect(lister.pages).toBe(split.probes);
    const counts = split.ranges.map((range) => keysInRange(keys, range));
    expect(counts.reduce((total, count) => total + count, 0)).toBe(keys.size);
    expect(Math.max(...counts)).toBeLessThan(keys.size / 4);

    const logs = await splitKeySpace({ lister: new FakeLister(keys), prefix: 'logs/' });
    const logCounts = logs.ranges.map((range) => keysInRange(keys, range, 'logs/'));
    const logKeys = logCounts.reduce((total, count) => total + count, 0);
    expect(logKeys).toBe(20_006_784);
    expect(Math.max(...logCounts)).toBeLessThan(logKeys / 10);
  });
});
