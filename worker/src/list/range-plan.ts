// Which key ranges a run lists: those its checkpoint records, or for a new run, ranges found by sampling the source.
import { utf8Bytes } from '../domain/utf8.ts';
import { MAX_KEY_BYTES } from '../plan/key-mapping.ts';
import type { ObjectLister } from '../ports/object-store.ts';
import {
  defaultSplitSettings,
  type KeyRange,
  type KeySpaceSplit,
  rangesFromBoundaries,
  type SplitKeySpaceOptions,
  splitKeySpace,
} from './key-ranges.ts';
import {
  decodeListingCheckpoint,
  type ListingProgress,
  maxCheckpointRanges,
  progressOf,
  wholeKeySpace,
} from './range-checkpoint.ts';

export type ListerSplitSettings = Omit<SplitKeySpaceOptions, 'lister' | 'prefix' | 'startAfter' | 'signal'>;

/**
 * Discovery for ranges that are each listed and planned alone: a quick first cut (16 probes, about three rounds
 * of requests), ranges down to about one list page. Balance comes while listing: a free slot cuts the running range
 * with most left (see range-scheduler.ts), which measured faster than sampling longer (scripts/bench-listing.ts).
 */
export const listerSplitSettings: Readonly<Required<ListerSplitSettings>> = {
  ...defaultSplitSettings,
  maxProbes: 16,
  minRangeKeys: 1000,
};

/** What the boundaries of a new listing may take of the checkpoint, leaving room for every range's progress. */
export const checkpointBudgetBytes = 256 * 1024;

/** The most a range's progress can take in a checkpoint: the longest key, every byte escaped to two. */
const worstProgressBytes = 2 * MAX_KEY_BYTES + 16;

/** An upper bound on the checkpoint of a listing cut at these boundaries, whatever its progress. */
export function worstCheckpointBytes(boundaries: readonly string[]): number {
  const boundaryBytes = boundaries.reduce(
    (total, boundary) => total + utf8Bytes(JSON.stringify(boundary)) + 1,
    0,
  );
  return 32 + boundaryBytes + (boundaries.length + 1) * worstProgressBytes;
}

/**
 * The split's ranges, merged pairwise (the two neighbours with the fewest estimated keys first) until there are
 * at most maxCheckpointRanges and their worst-case checkpoint fits budgetBytes.
 */
export function fitCheckpoint(
  split: Pick<KeySpaceSplit, 'ranges' | 'estimatedKeys'>,
  budgetBytes = checkpointBudgetBytes,
): KeyRange[] {
  const boundaries = split.ranges
    .slice(1)
    .flatMap((range) => (range.after === undefined ? [] : [range.after]));
  const estimates = [...split.estimatedKeys];
  while (
    boundaries.length > 0 &&
    (boundaries.length + 1 > maxCheckpointRanges || worstCheckpointBytes(boundaries) > budgetBytes)
  ) {
    let merge = 0;
    for (let index = 1; index < boundaries.length; index++) {
      const pair = (estimates[index] ?? 0) + (estimates[index + 1] ?? 0);
      if (pair < (estimates[merge] ?? 0) + (estimates[merge + 1] ?? 0)) merge = index;
    }
    boundaries.splice(merge, 1);
    estimates.splice(merge, 2, (estimates[merge] ?? 0) + (estimates[merge + 1] ?? 0));
  }
  return rangesFromBoundaries({ boundaries });
}

export interface ListingPlan {
  readonly progress: ListingProgress;
  /** The ranges are new and more than one: they must be recorded before anything is sent. */
  readonly discovered: boolean;
  /** List requests spent discovering them. */
  readonly probes: number;
}

/**
 * The listing a run continues (its checkpoint's ranges, or one range after an old plain-key checkpoint), or for
 * a new run: one range when listing one at a time, otherwise the ranges sampling the source finds.
 */
export async function listingPlan(options: {
  readonly checkpoint: string | undefined;
  readonly concurrency: number;
  readonly lister: ObjectLister;
  readonly prefix: string;
  readonly split?: ListerSplitSettings;
  readonly signal?: AbortSignal;
}): Promise<ListingPlan> {
  if (options.checkpoint !== undefined) {
    return { progress: decodeListingCheckpoint(options.checkpoint), discovered: false, probes: 0 };
  }
  if (options.concurrency < 2) return { progress: wholeKeySpace, discovered: false, probes: 0 };
  // Ranges cut finer than a page need samples smaller than a page to be seen (and cost as many probes as they save).
  const minRangeKeys = options.split?.minRangeKeys ?? listerSplitSettings.minRangeKeys;
  const sampleKeys = Math.min(listerSplitSettings.sampleKeys, Math.max(1, minRangeKeys));
  const settings = { ...listerSplitSettings, sampleKeys, ...options.split };
  const split = await splitKeySpace({
    lister: options.lister,
    prefix: options.prefix,
    ...settings,
    maxRanges: Math.min(settings.maxRanges, maxCheckpointRanges),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const ranges = fitCheckpoint(split);
  return { progress: progressOf(ranges), discovered: ranges.length > 1, probes: split.probes };
}
