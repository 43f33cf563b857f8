// Pure decisions of range discovery: which sampled range to split next, how to cut it, which neighbours to merge.
import type { SampledRange } from './range-sample.ts';

/** The unsampled pieces a range is cut into at points (sorted, strictly inside it); the first keeps its sample. */
export function cutAt(
  range: SampledRange,
  points: readonly string[],
): Omit<SampledRange, 'complete' | 'estimatedKeys'>[] {
  const bounds = [range.after, ...points, range.through];
  return points.length === 0
    ? [range]
    : bounds.slice(0, -1).map((after, index) => {
        const through = bounds[index + 1];
        const cuts = range.cuts + 1;
        if (index === 0) return { ...range, through, cuts };
        return {
          after,
          through,
          sampledKeys: 0,
          pageFirst: undefined,
          pageKeys: 0,
          lastSampled: undefined,
          cuts,
        };
      });
}

/** Two adjacent ranges as one; what is known of the left one's start stays known. */
function mergeAdjacent(left: SampledRange, right: SampledRange): SampledRange {
  const merged = {
    after: left.after,
    through: right.through,
    estimatedKeys: left.estimatedKeys + right.estimatedKeys,
    cuts: Math.min(left.cuts, right.cuts),
  };
  if (!left.complete) return { ...left, ...merged };
  return {
    ...merged,
    sampledKeys: left.sampledKeys + right.sampledKeys,
    pageFirst: right.pageFirst ?? left.pageFirst,
    pageKeys: right.pageFirst === undefined ? left.pageKeys : right.pageKeys,
    lastSampled: right.lastSampled ?? left.lastSampled,
    complete: right.complete,
  };
}

export interface RangeLimits {
  readonly maxRanges: number;
  /** Neighbours estimated together below this are merged; ranges cut twice are cut again only from twice this. */
  readonly minRangeKeys: number;
}

/** The fewest estimated keys of two adjacent ranges together. */
function smallestPairKeys(ranges: readonly SampledRange[]): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (let index = 0; index + 1 < ranges.length; index++) {
    smallest = Math.min(smallest, ranges[index]!.estimatedKeys + ranges[index + 1]!.estimatedKeys);
  }
  return smallest;
}

/** Merges the adjacent pair with the fewest estimated keys while there are too many ranges or a pair is small. */
export function coalesce(ranges: readonly SampledRange[], limits: RangeLimits): SampledRange[] {
  const result = [...ranges];
  while (result.length > 1) {
    let best = 0;
    let bestKeys = Number.POSITIVE_INFINITY;
    for (let index = 0; index + 1 < result.length; index++) {
      const keys = result[index]!.estimatedKeys + result[index + 1]!.estimatedKeys;
      if (keys < bestKeys) {
        best = index;
        bestKeys = keys;
      }
    }
    if (result.length <= limits.maxRanges && bestKeys >= limits.minRangeKeys) break;
    result.splice(best, 2, mergeAdjacent(result[best]!, result[best + 1]!));
  }
  return result;
}

/**
 * Whether a is a better range to cut next than b: the least cut first (estimates can be far off, so every
 * dense range gets looked into), then the one with the most estimated keys.
 */
function cutsFirst(a: SampledRange, b: SampledRange): boolean {
  return a.cuts !== b.cuts ? a.cuts < b.cuts : a.estimatedKeys > b.estimatedKeys;
}

/**
 * The index of the range to cut next, among those not fully sampled and either estimated at twice
 * minRangeKeys or more, or cut less than twice (estimates can be far too low: the root's pieces are each
 * looked into). Below maxRanges: the one cut the fewest times, then with the most estimated keys. At maxRanges:
 * the one with the most estimated keys, when it holds more than twice the smallest pair of neighbours (cutting
 * it and merging them evens the ranges out). Undefined: done.
 */
export function rangeToSplit(options: {
  ranges: readonly SampledRange[];
  limits: RangeLimits;
  unsplittable: ReadonlySet<SampledRange>;
}): number | undefined {
  const { ranges, limits, unsplittable } = options;
  const exploring = ranges.length < limits.maxRanges;
  let chosen: number | undefined;
  ranges.forEach((range, index) => {
    if (range.complete || unsplittable.has(range)) return;
    if (range.cuts >= 2 && range.estimatedKeys < 2 * limits.minRangeKeys) return;
    const best = chosen === undefined ? undefined : ranges[chosen]!;
    const better = exploring
      ? cutsFirst
      : (a: SampledRange, b: SampledRange) => a.estimatedKeys > b.estimatedKeys;
    if (best === undefined || better(range, best)) chosen = index;
  });
  if (chosen === undefined || exploring) return chosen;
  return ranges[chosen]!.estimatedKeys > 2 * smallestPairKeys(ranges) ? chosen : undefined;
}
