// The per-range checkpoint: exact round trips, old plain-key checkpoints, refusal of corrupt ones, resume decisions, size.
import { describe, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { keyAfter, rangeContains, rangesFromBoundaries } from '../../../worker/src/list/key-ranges.ts';
import {
  advanceRange,
  decodeListingCheckpoint,
  encodeListingCheckpoint,
  type ListingProgress,
  maxCheckpointBytes,
  maxCheckpointRanges,
  progressOf,
  type RangeProgress,
  rangesToList,
  splitRange,
  wholeKeySpace,
} from '../../../worker/src/list/range-checkpoint.ts';
import {
  checkpointBudgetBytes,
  fitCheckpoint,
  worstCheckpointBytes,
} from '../../../worker/src/list/range-plan.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import { seededRandom } from '../../support/seeded-random.ts';
import { randomKey } from './awkward-keys.ts';

/** Sorted, distinct boundaries of awkward keys, some sharing long prefixes. */
function randomBoundaries(random: () => number, count: number): string[] {
  const keys = Array.from({ length: count }, (_, index) => {
    const shared = index % 3 === 0 ? 'logs/2026/\u00e9t\u00e9/\u{1f600}/' : '';
    return `${shared}${randomKey(random, 6)}`;
  });
  return [...new Set(keys)].sort(compareKeys);
}

/** A key inside the range (found by extending its lower bound, which always lands inside a non-empty range). */
function keyInside(range: RangeProgress['range'], random: () => number): string | undefined {
  const candidate = `${range.after ?? ''}${randomKey(random, 3)}`;
  return rangeContains(range, candidate) ? candidate : undefined;
}

function randomProgress(random: () => number, count: number): ListingProgress {
  const ranges = rangesFromBoundaries({ boundaries: randomBoundaries(random, count) });
  return {
    ranges: ranges.map((range): RangeProgress => {
      const roll = random();
      if (roll < 0.25) return { range, done: true };
      const lastKey = roll < 0.75 ? keyInside(range, random) : undefined;
      return { range, ...(lastKey !== undefined ? { lastKey } : {}), done: false };
    }),
  };
}

describe('listing checkpoint codec', () => {
  test('any listing round-trips exactly: bounds, last keys (astral, surrogate-order, shared prefixes), done', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 300; trial++) {
      const progress = randomProgress(random, 1 + Math.floor(random() * 40));
      const encoded = encodeListingCheckpoint(progress);
      if (progress.ranges.length === 1 && !progress.ranges[0]?.done) {
        expect(encoded).toBe(progress.ranges[0]?.lastKey);
      } else {
        expect(encoded).toBeDefined();
        expect(JSON.parse(encoded ?? '')).toMatchObject({ v: 1 });
      }
      expect(decodeListingCheckpoint(encoded)).toEqual(progress);
    }
  });

  test('one whole range is written as its last key alone, and an old plain-key checkpoint resumes as one range', () => {
    expect(encodeListingCheckpoint(wholeKeySpace)).toBeUndefined();
    expect(decodeListingCheckpoint(undefined)).toEqual(wholeKeySpace);
    const resumed = advanceRange(wholeKeySpace, { start: undefined, lastKey: 'p/097', done: false });
    expect(encodeListingCheckpoint(resumed)).toBe('p/097');
    for (const old of ['p/097', '{not json', '{"x":1}', '[1,2]', '{', '\u{1f600}']) {
      const decoded = decodeListingCheckpoint(old);
      expect(decoded).toEqual({ ranges: [{ range: {}, lastKey: old, done: false }] });
      expect(rangesToList(decoded)).toEqual([{ start: undefined, range: { after: old } }]);
    }
    const finished = advanceRange(resumed, { start: undefined, done: true });
    expect(finished).toEqual({ ranges: [{ range: {}, done: true }] });
    expect(decodeListingCheckpoint(encodeListingCheckpoint(finished))).toEqual(finished);
    expect(rangesToList(finished)).toEqual([]);
  });

  test('shared prefixes are written once: 64 ranges of long dated keys take a fraction of their plain size', () => {
    const boundaries = Array.from(
      { length: 63 },
      (_, index) =>
        `tenant-0042/logs/2026/03/${String(1 + (index % 28)).padStart(2, '0')}/${index}/part-00001.json`,
    ).sort(compareKeys);
    const progress = progressOf(rangesFromBoundaries({ boundaries })).ranges.map((entry, index) => ({
      ...entry,
      lastKey: `${entry.range.after ?? 'tenant-0042/logs/2026/03/00/'}x/part-${String(index).padStart(5, '0')}.json`,
    }));
    const listing = { ranges: progress };
    const encoded = encodeListingCheckpoint(listing) ?? '';
    const plainBytes = JSON.stringify([...boundaries, ...progress.map((entry) => entry.lastKey)]).length;
    expect(decodeListingCheckpoint(encoded)).toEqual(listing);
    expect(encoded.length).toBeLessThan(plainBytes / 2);
  });

  test('a checkpoint that claims a version and does not hold up is refused, never read as a key', () => {
    const two = encodeListingCheckpoint(progressOf(rangesFromBoundaries({ boundaries: ['m'] }))) ?? '';
    expect(JSON.parse(two)).toEqual({ v: 1, b: ['m'], p: [0, 0] });
    const corrupt = [
      '{"v":2,"b":[],"p":[0]}',
      '{"v":1}',
      '{"v":1,"b":["m"],"p":[0]}',
      '{"v":1,"b":["m","a"],"p":[0,0,0]}',
      '{"v":1,"b":["m","m"],"p":[0,0,0]}',
      '{"v":1,"b":["m"],"p":["z",0]}',
      '{"v":1,"b":["m"],"p":[0,"a"]}',
      '{"v":1,"b":["m"],"p":[0,[9,"x"]]}',
      '{"v":1,"b":[7],"p":[0,0]}',
      '{"v":1,"b":["m"],"p":[2,0]}',
      JSON.stringify({ v: 1, b: Array.from({ length: maxCheckpointRanges }, (_, i) => `k${i}`), p: [] }),
    ];
    for (const checkpoint of corrupt) {
      expect(() => decodeListingCheckpoint(checkpoint), checkpoint).toThrow(FerryError);
    }
  });

  test('a listing that does not cover the key space exactly cannot be checkpointed', () => {
    const gap = {
      ranges: [
        { range: { before: 'm' }, done: false },
        { range: { after: 'm' }, done: false },
      ],
    };
    expect(() => encodeListingCheckpoint(gap)).toThrow(/do not meet/);
    const outside = {
      ranges: [
        { range: { before: keyAfter('m') }, lastKey: 'n', done: false },
        { range: { after: 'm' }, done: false },
      ],
    };
    expect(() => encodeListingCheckpoint(outside)).toThrow(/outside/);
  });
});

describe('resume decisions', () => {
  test('finished ranges are skipped, started ones continue after their last key, others from their start', () => {
    const ranges = rangesFromBoundaries({ boundaries: ['d', 'k', 'r'] });
    let progress = progressOf(ranges);
    progress = advanceRange(progress, { start: undefined, lastKey: 'b', done: false });
    progress = advanceRange(progress, { start: undefined, done: true });
    progress = advanceRange(progress, { start: 'k', lastKey: 'm', done: false });
    progress = advanceRange(progress, { start: 'k', lastKey: 'p', done: false });
    const decoded = decodeListingCheckpoint(encodeListingCheckpoint(progress));
    expect(rangesToList(decoded)).toEqual([
      { start: 'd', range: { after: 'd', before: keyAfter('k') } },
      { start: 'k', range: { after: 'p', before: keyAfter('r') } },
      { start: 'r', range: { after: 'r' } },
    ]);
    // Every key after a checkpoint is listed by exactly one of the ranges still to list.
    const remaining = rangesToList(decoded);
    for (const key of [
      'a',
      'b',
      'd',
      'd\u0000',
      'e',
      'k',
      'k\u0000',
      'm',
      'p',
      'p0',
      'r',
      'r\u00e9',
      '\u{1f600}',
    ]) {
      const listedBy = remaining.filter((work) => rangeContains(work.range, key)).length;
      const alreadyPlanned =
        compareKeys(key, 'd') <= 0 || (compareKeys(key, 'k') > 0 && compareKeys(key, 'p') <= 0);
      expect(listedBy, key).toBe(alreadyPlanned ? 0 : 1);
    }
  });

  test('moving a range on keeps its last key until it is done, and never undoes done', () => {
    let progress = progressOf(rangesFromBoundaries({ boundaries: ['m'] }));
    progress = advanceRange(progress, { start: 'm', lastKey: 'x', done: false });
    progress = advanceRange(progress, { start: 'm', done: false });
    expect(progress.ranges[1]).toEqual({ range: { after: 'm' }, lastKey: 'x', done: false });
    progress = advanceRange(progress, { start: 'm', lastKey: 'y', done: true });
    progress = advanceRange(progress, { start: 'm', lastKey: 'z', done: false });
    expect(progress.ranges[1]).toEqual({ range: { after: 'm' }, done: true });
    expect(() => advanceRange(progress, { start: 'n', done: true })).toThrow(/no range starting after "n"/);
  });

  test('finished neighbours become one finished range; unfinished ones keep their bounds', () => {
    let progress = progressOf(rangesFromBoundaries({ boundaries: ['d', 'k', 'r'] }));
    progress = advanceRange(progress, { start: 'd', done: true });
    progress = advanceRange(progress, { start: 'r', lastKey: 's', done: false });
    progress = advanceRange(progress, { start: 'k', done: true });
    expect(progress.ranges).toEqual([
      { range: { before: keyAfter('d') }, done: false },
      { range: { after: 'd', before: keyAfter('r') }, done: true },
      { range: { after: 'r' }, lastKey: 's', done: false },
    ]);
    progress = advanceRange(progress, { start: undefined, done: true });
    expect(progress.ranges).toEqual([
      { range: { before: keyAfter('r') }, done: true },
      { range: { after: 'r' }, lastKey: 's', done: false },
    ]);
    expect(decodeListingCheckpoint(encodeListingCheckpoint(progress))).toEqual(progress);
  });

  test('a range is cut after its last key: it keeps its start and progress, the rest is a new range', () => {
    let progress = progressOf(rangesFromBoundaries({ boundaries: ['d', 'k'] }));
    progress = advanceRange(progress, { start: 'd', lastKey: 'e', done: false });
    progress = splitRange(progress, { start: 'd', at: 'h' });
    progress = splitRange(progress, { start: 'd', at: 'f' });
    progress = splitRange(progress, { start: 'k', at: 'x\u{1f600}' });
    expect(progress.ranges).toEqual([
      { range: { before: keyAfter('d') }, done: false },
      { range: { after: 'd', before: keyAfter('f') }, lastKey: 'e', done: false },
      { range: { after: 'f', before: keyAfter('h') }, done: false },
      { range: { after: 'h', before: keyAfter('k') }, done: false },
      { range: { after: 'k', before: keyAfter('x\u{1f600}') }, done: false },
      { range: { after: 'x\u{1f600}' }, done: false },
    ]);
    expect(decodeListingCheckpoint(encodeListingCheckpoint(progress))).toEqual(progress);
    for (const [start, at] of [
      ['d', 'e'],
      ['d', 'c'],
      ['d', 'g'],
      [undefined, 'z'],
    ] as const) {
      expect(() => splitRange(progress, { start, at }), `${start} ${at}`).toThrow(/Cannot cut/);
    }
    const done = advanceRange(progress, { start: 'h', done: true });
    expect(() => splitRange(done, { start: 'h', at: 'i' })).toThrow(/Cannot cut/);
  });
});

describe('checkpoint size', () => {
  test('the most ranges of the longest keys are merged until any progress fits a DynamoDB item', () => {
    const long = (index: number) => `${String(index).padStart(4, '0')}${'\u00e9'.repeat(510)}`;
    const boundaries = Array.from({ length: maxCheckpointRanges + 40 }, (_, index) => long(index));
    const ranges = rangesFromBoundaries({ boundaries });
    const fitted = fitCheckpoint({ ranges, estimatedKeys: ranges.map((_, index) => index) });
    expect(fitted.length).toBeLessThan(ranges.length);
    const fittedBoundaries = fitted.slice(1).map((range) => range.after ?? '');
    expect(worstCheckpointBytes(fittedBoundaries)).toBeLessThanOrEqual(checkpointBudgetBytes);
    // The smallest ranges (the first, by estimate) were merged; the last boundaries are all kept.
    expect(fittedBoundaries.at(-1)).toBe(boundaries.at(-1));
    // Every range at its end: a last key of 1,024 bytes sharing little with the range's lower bound.
    const worst = {
      ranges: fitted.map((range, index) => ({
        range,
        lastKey: fittedBoundaries[index] ?? `${range.after ?? ''}x`,
        done: false,
      })),
    };
    const encoded = encodeListingCheckpoint(worst) ?? '';
    expect(Buffer.byteLength(encoded)).toBeLessThan(maxCheckpointBytes);
    expect(worstCheckpointBytes(fittedBoundaries)).toBeGreaterThan(Buffer.byteLength(encoded));
  });

  test('a split that already fits is kept as it is', () => {
    const ranges = rangesFromBoundaries({ boundaries: ['a', 'b', 'c'] });
    expect(fitCheckpoint({ ranges, estimatedKeys: [1, 2, 3, 4] })).toEqual(ranges);
  });
});
