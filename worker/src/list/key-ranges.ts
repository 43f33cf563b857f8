// Key ranges for parallel listing: contiguous pieces of a prefix's key space, discovered by sampling the listing.
import { compareKeys } from '../plan/key-order.ts';
import type { ObjectLister } from '../ports/object-store.ts';
import { coalesce, cutAt, type RangeLimits, rangeToSplit } from './range-refinement.ts';
import { type SampledRange, sampleRange } from './range-sample.ts';
import { splitPoints } from './range-split-points.ts';

/** The keys k with after < k < before in UTF-8 byte order; an absent bound is open. */
export interface KeyRange {
  /** Exclusive lower bound (a StartAfter). */
  readonly after?: string;
  /** Exclusive upper bound. */
  readonly before?: string;
}

/**
 * The smallest string sorting after key: nothing lies between key and key + U+0000. A range ending before
 * keyAfter(b) and the next starting after b meet exactly at b, which belongs to the first.
 */
export function keyAfter(key: string): string {
  return `${key}\u0000`;
}

/** Whether key lies in the range. */
export function rangeContains(range: KeyRange, key: string): boolean {
  return (
    (range.after === undefined || compareKeys(range.after, key) < 0) &&
    (range.before === undefined || compareKeys(key, range.before) < 0)
  );
}

/**
 * The ranges that cut the key space after startAfter at the boundaries (ascending, each after startAfter):
 * ( startAfter, b1 ], ( b1, b2 ], ..., ( bn, end ). Each boundary key belongs to the range it ends.
 */
export function rangesFromBoundaries(options: {
  readonly startAfter?: string;
  readonly boundaries: readonly string[];
}): KeyRange[] {
  const lows = [options.startAfter, ...options.boundaries];
  return lows.map((after, index) => {
    const through = options.boundaries[index];
    return {
      ...(after !== undefined ? { after } : {}),
      ...(through !== undefined ? { before: keyAfter(through) } : {}),
    };
  });
}

/**
 * Why the ranges do not cover the key space after startAfter exactly once, in order (undefined: they do). They
 * must be non-empty, each must start exactly where the previous ends, the first at or before startAfter, and
 * the last must be open-ended.
 */
export function coverageProblem(options: {
  readonly ranges: readonly KeyRange[];
  readonly startAfter?: string;
}): string | undefined {
  const { ranges, startAfter } = options;
  const first = ranges[0];
  if (first === undefined) return 'there are no ranges';
  if (first.after !== undefined && (startAfter === undefined || compareKeys(first.after, startAfter) > 0)) {
    return `the first range starts after ${JSON.stringify(first.after)}, leaving out the keys before it`;
  }
  for (const [index, range] of ranges.entries()) {
    const next = ranges[index + 1];
    if (range.after !== undefined && range.before !== undefined) {
      if (compareKeys(keyAfter(range.after), range.before) >= 0) return `range ${index} is empty`;
    }
    if (next === undefined) {
      if (range.before !== undefined) return `the last range ends before ${JSON.stringify(range.before)}`;
    } else if (
      range.before === undefined ||
      next.after === undefined ||
      range.before !== keyAfter(next.after)
    ) {
      return `ranges ${index} and ${index + 1} do not meet exactly`;
    }
  }
  return undefined;
}

export interface SplitKeySpaceOptions {
  readonly lister: ObjectLister;
  readonly prefix: string;
  /** Split only the keys after this one (a resumed run's checkpoint). */
  readonly startAfter?: string;
  /** List requests discovery may spend. Default 256, and at most about two per page the probes found. */
  readonly maxProbes?: number;
  /** Most ranges returned. Default 64. */
  readonly maxRanges?: number;
  /** Ranges estimated smaller than this are merged into a neighbour. Default 10,000. */
  readonly minRangeKeys?: number;
  /** Keys each probe reads: at most the lister's page, so a probe is one request. Default 1000. */
  readonly sampleKeys?: number;
  /** Most points a range is cut at in one step (each costs one probe). Default 8. */
  readonly pointsPerSplit?: number;
  readonly signal?: AbortSignal;
}

export interface KeySpaceSplit {
  /** Contiguous ranges covering every key after startAfter under the prefix, in key order. */
  readonly ranges: KeyRange[];
  /** The list requests spent discovering them. */
  readonly probes: number;
  /** Each range's estimated key count (exact for ranges sampled to their end; 0 when nothing was probed). */
  readonly estimatedKeys: number[];
}

export const defaultSplitSettings: Readonly<
  Required<Omit<SplitKeySpaceOptions, 'lister' | 'prefix' | 'startAfter' | 'signal'>>
> = {
  maxProbes: 256,
  maxRanges: 64,
  minRangeKeys: 10_000,
  sampleKeys: 1000,
  pointsPerSplit: 8,
};

/**
 * Cuts the key space under prefix (after startAfter) into up to maxRanges ranges of similar size, by sampling.
 * Each probe lists one page from a point of the key space. A range whose page is full is cut at points between
 * its last sampled key and its end, and the pieces are probed in turn: first every piece of the first cuts,
 * then the densest, until there are maxRanges ranges; then, while probes remain, the biggest is cut and the
 * smallest neighbours merged. Small neighbours are merged all along. Sizes are estimates, but boundaries are
 * only ever list positions: whatever the samples show, the ranges cover the key space exactly.
 */
export async function splitKeySpace(options: SplitKeySpaceOptions): Promise<KeySpaceSplit> {
  const { lister, prefix, startAfter, signal } = options;
  const settings = {
    maxProbes: options.maxProbes ?? defaultSplitSettings.maxProbes,
    maxRanges: options.maxRanges ?? defaultSplitSettings.maxRanges,
    minRangeKeys: options.minRangeKeys ?? defaultSplitSettings.minRangeKeys,
    sampleKeys: options.sampleKeys ?? defaultSplitSettings.sampleKeys,
    pointsPerSplit: options.pointsPerSplit ?? defaultSplitSettings.pointsPerSplit,
  };
  const limits: RangeLimits = {
    maxRanges: Math.max(1, settings.maxRanges),
    minRangeKeys: settings.minRangeKeys,
  };
  let probes = 0;
  let keysSeen = 0;
  const probe = async (range: Omit<SampledRange, 'complete' | 'estimatedKeys'>): Promise<SampledRange> => {
    probes += 1;
    const sampled = await sampleRange({
      lister,
      prefix,
      range,
      sampleKeys: settings.sampleKeys,
      ...(signal ? { signal } : {}),
    });
    keysSeen += sampled.sampledKeys - range.sampledKeys;
    return sampled;
  };
  /** At most about two probes per page the probes found: a small bucket costs a few requests at most. */
  const allowedProbes = (): number =>
    Math.min(
      settings.maxProbes,
      1 + settings.pointsPerSplit + 2 * Math.floor(keysSeen / settings.sampleKeys),
    );
  const whole = {
    after: startAfter,
    through: undefined,
    sampledKeys: 0,
    pageFirst: undefined,
    pageKeys: 0,
    lastSampled: undefined,
    cuts: 0,
  };
  if (settings.maxProbes < 1) return { ranges: toKeyRanges([], startAfter), probes, estimatedKeys: [0] };

  let ranges = [await probe(whole)];
  const unsplittable = new Set<SampledRange>();
  for (;;) {
    ranges = coalesce(ranges, limits);
    const index = rangeToSplit({ ranges, limits, unsplittable });
    const budget = Math.min(settings.pointsPerSplit, allowedProbes() - probes - 1);
    if (index === undefined || budget < 1) break;
    const range = ranges[index]!;
    const points = splitPoints({
      prefix,
      pageFirst: range.pageFirst ?? prefix,
      lastSampled: range.lastSampled ?? prefix,
      through: range.through,
      maxPoints: budget,
    });
    if (points.length === 0) {
      unsplittable.add(range);
      continue;
    }
    const pieces = await Promise.all(cutAt(range, points).map(probe));
    ranges.splice(index, 1, ...pieces);
  }
  return {
    ranges: toKeyRanges(ranges, startAfter),
    probes,
    estimatedKeys: ranges.map((range) => Math.round(range.estimatedKeys)),
  };
}

function toKeyRanges(ranges: readonly SampledRange[], startAfter: string | undefined): KeyRange[] {
  const boundaries = ranges
    .slice(0, -1)
    .flatMap((range) => (range.through === undefined ? [] : [range.through]));
  return rangesFromBoundaries({ ...(startAfter !== undefined ? { startAfter } : {}), boundaries });
}
