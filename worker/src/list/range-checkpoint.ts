// The lister's checkpoint: every key range's bounds and how far it was planned and sent, as one compact string.
import { FerryError } from '../domain/errors.ts';
import { utf8Bytes } from '../domain/utf8.ts';
import { compareKeys } from '../plan/key-order.ts';
import {
  coverageProblem,
  type KeyRange,
  keyAfter,
  rangeContains,
  rangesFromBoundaries,
} from './key-ranges.ts';
import { commonPrefix } from './range-key-space.ts';

/** One range of a run's listing and how far the lister got in it. */
export interface RangeProgress {
  readonly range: KeyRange;
  /** The last source key of the range fully planned and sent; absent: none yet. */
  readonly lastKey?: string;
  /** Every key of the range was planned and sent. */
  readonly done: boolean;
}

/** A run's listing: contiguous ranges covering the whole key space in key order, each with its progress. */
export interface ListingProgress {
  readonly ranges: readonly RangeProgress[];
}

/** The most ranges a checkpoint holds: it is rewritten with every batch, and must fit a DynamoDB item. */
export const maxCheckpointRanges = 256;

/** The longest checkpoint written: DynamoDB items hold at most 400 KB, and the run item has other attributes. */
export const maxCheckpointBytes = 350_000;

/** The whole key space as one range nothing was listed of: a new run listed plainly. */
export const wholeKeySpace: ListingProgress = { ranges: [{ range: {}, done: false }] };

/**
 * A key sharing a prefix with a reference key: [shared UTF-16 units, the rest], or the key itself when little is
 * shared. Neighbouring boundaries, and a range's keys and its lower bound, mostly share long prefixes.
 */
type FrontCoded = string | [number, string];

/** Version 1: `b` the boundaries (each range's inclusive last key but the last's), `p` each range's progress. */
interface WireCheckpointV1 {
  v: 1;
  /** Boundary i front-coded against boundary i - 1 (the first against ""). */
  b: FrontCoded[];
  /** 0: not started; 1: done; otherwise the last key planned, front-coded against the range's lower bound. */
  p: (0 | 1 | FrontCoded)[];
}

const minSharedToCode = 4;

function frontCode(key: string, reference: string): FrontCoded {
  const shared = commonPrefix(key, reference).length;
  return shared < minSharedToCode ? key : [shared, key.slice(shared)];
}

function corrupt(reason: string): FerryError {
  return new FerryError('Internal', `The lister checkpoint is corrupt: ${reason}`);
}

function frontDecode(coded: unknown, reference: string, label: string): string {
  if (typeof coded === 'string') return coded;
  if (Array.isArray(coded) && coded.length === 2) {
    const [shared, rest] = coded as unknown[];
    if (Number.isInteger(shared) && typeof rest === 'string' && (shared as number) <= reference.length) {
      return reference.slice(0, shared as number) + rest;
    }
  }
  throw corrupt(`${label} is not a key`);
}

/** The boundaries between the ranges: each range's lower bound but the first's. */
function boundariesOf(ranges: readonly RangeProgress[]): string[] {
  return ranges.slice(1).map((progress, index) => {
    if (progress.range.after === undefined) throw corrupt(`range ${index + 1} has no lower bound`);
    return progress.range.after;
  });
}

/** Why the progress is not a valid listing (undefined: it is). */
function progressProblem(progress: ListingProgress): string | undefined {
  const { ranges } = progress;
  if (ranges.length > maxCheckpointRanges) return `${ranges.length} ranges, more than ${maxCheckpointRanges}`;
  if (ranges[0]?.range.after !== undefined) return 'the first range does not start at the beginning';
  const coverage = coverageProblem({ ranges: ranges.map((entry) => entry.range) });
  if (coverage !== undefined) return coverage;
  const outside = ranges.findIndex(
    (entry) => entry.lastKey !== undefined && !rangeContains(entry.range, entry.lastKey),
  );
  return outside < 0 ? undefined : `the last key of range ${outside} lies outside it`;
}

function isPlainWholeRange(progress: ListingProgress): boolean {
  const [only] = progress.ranges;
  return progress.ranges.length === 1 && only !== undefined && !only.done;
}

/**
 * The checkpoint string for the progress. One unfinished range over the whole key space is written as its last key
 * alone (undefined before any), exactly as listers before ranges wrote it; anything else as version 1 JSON.
 */
export function encodeListingCheckpoint(progress: ListingProgress): string | undefined {
  const problem = progressProblem(progress);
  if (problem !== undefined) throw new FerryError('Internal', `Cannot checkpoint the listing: ${problem}`);
  if (isPlainWholeRange(progress)) return progress.ranges[0]?.lastKey;
  const boundaries = boundariesOf(progress.ranges);
  const wire: WireCheckpointV1 = {
    v: 1,
    b: boundaries.map((boundary, index) => frontCode(boundary, boundaries[index - 1] ?? '')),
    p: progress.ranges.map(({ range, lastKey, done }) => {
      if (done) return 1;
      return lastKey === undefined ? 0 : frontCode(lastKey, range.after ?? '');
    }),
  };
  const encoded = JSON.stringify(wire);
  const bytes = utf8Bytes(encoded);
  if (bytes > maxCheckpointBytes) {
    throw new FerryError(
      'Internal',
      `The lister checkpoint would be ${bytes} bytes, more than ${maxCheckpointBytes}: too many or too long range bounds`,
    );
  }
  return encoded;
}

/** The wire object when the checkpoint is JSON with a version; undefined when it is a plain key. */
function versionedObject(checkpoint: string): Record<string, unknown> | undefined {
  if (!checkpoint.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(checkpoint);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('v' in parsed)) {
    return undefined;
  }
  return parsed as Record<string, unknown>;
}

function decodeV1(wire: Record<string, unknown>): ListingProgress {
  const { b, p } = wire;
  if (!Array.isArray(b) || !Array.isArray(p)) throw corrupt('it has no boundaries or no progress');
  if (p.length !== b.length + 1) throw corrupt(`${b.length} boundaries but ${p.length} ranges`);
  if (p.length > maxCheckpointRanges) throw corrupt(`${p.length} ranges, more than ${maxCheckpointRanges}`);
  const boundaries: string[] = [];
  for (const [index, coded] of b.entries()) {
    const boundary = frontDecode(coded, boundaries[index - 1] ?? '', `boundary ${index}`);
    const previous = boundaries[index - 1];
    if (previous !== undefined && compareKeys(previous, boundary) >= 0) {
      throw corrupt(`boundary ${index} does not sort after the one before it`);
    }
    boundaries.push(boundary);
  }
  const keyRanges = rangesFromBoundaries({ boundaries });
  const ranges = keyRanges.map((range, index): RangeProgress => {
    const state = p[index];
    if (state === 0) return { range, done: false };
    if (state === 1) return { range, done: true };
    return {
      range,
      lastKey: frontDecode(state, range.after ?? '', `the progress of range ${index}`),
      done: false,
    };
  });
  const progress = { ranges };
  const problem = progressProblem(progress);
  if (problem !== undefined) throw corrupt(problem);
  return progress;
}

/**
 * The progress a checkpoint records: none, one plain key (a lister before ranges, or one whole range: resumes after
 * it as one range), or version 1 JSON. A checkpoint that claims a version and does not hold up is an error, never
 * read as a key: resuming from a wrong place would plan keys twice or never.
 */
export function decodeListingCheckpoint(checkpoint: string | undefined): ListingProgress {
  if (checkpoint === undefined) return wholeKeySpace;
  const wire = versionedObject(checkpoint);
  if (wire === undefined) return { ranges: [{ range: {}, lastKey: checkpoint, done: false }] };
  if (wire.v !== 1) throw corrupt(`version ${JSON.stringify(wire.v)} is not one this lister reads`);
  return decodeV1(wire);
}

/**
 * Which range of a listing: its lower bound (undefined for the first range). Bounds are distinct, and a range keeps
 * its lower bound when it is split, so this names a range however many ranges are inserted before it.
 */
export type RangeStart = string | undefined;

/** A range still to list: which range it is, and the part of it after its last planned key. */
export interface RangeToList {
  readonly start: RangeStart;
  readonly range: KeyRange;
}

/** The unfinished ranges, each from after its last planned key: what a (re)started lister lists. */
export function rangesToList(progress: ListingProgress): RangeToList[] {
  return progress.ranges.flatMap(({ range, lastKey, done }) => {
    if (done) return [];
    const after = lastKey ?? range.after;
    const rest: KeyRange = {
      ...(after !== undefined ? { after } : {}),
      ...(range.before !== undefined ? { before: range.before } : {}),
    };
    return [{ start: range.after, range: rest }];
  });
}

function indexOf(progress: ListingProgress, start: RangeStart): number {
  const index = progress.ranges.findIndex((entry) => entry.range.after === start);
  if (index < 0)
    throw new FerryError('Internal', `There is no range starting after ${JSON.stringify(start)}`);
  return index;
}

/** Neighbouring finished ranges as one: they are never listed again, and the checkpoint stays small. */
function mergeFinished(ranges: readonly RangeProgress[]): RangeProgress[] {
  const merged: RangeProgress[] = [];
  for (const entry of ranges) {
    const previous = merged.at(-1);
    if (previous?.done && entry.done) {
      const { after } = previous.range;
      const { before } = entry.range;
      merged[merged.length - 1] = {
        range: { ...(after !== undefined ? { after } : {}), ...(before !== undefined ? { before } : {}) },
        done: true,
      };
    } else merged.push(entry);
  }
  return merged;
}

/** The listing with one range moved on: to lastKey, or done (which forgets its last key, and joins done neighbours). */
export function advanceRange(
  progress: ListingProgress,
  update: { readonly start: RangeStart; readonly lastKey?: string; readonly done: boolean },
): ListingProgress {
  const index = indexOf(progress, update.start);
  const current = progress.ranges[index] as RangeProgress;
  const lastKey = update.lastKey ?? current.lastKey;
  const done = current.done || update.done;
  const next: RangeProgress = {
    range: current.range,
    ...(lastKey !== undefined && !done ? { lastKey } : {}),
    done,
  };
  const ranges = progress.ranges.map((entry, at) => (at === index ? next : entry));
  return { ranges: done ? mergeFinished(ranges) : ranges };
}

/**
 * The listing with an unfinished range cut after key at: the range keeps its start and progress and ends at at;
 * a new range, nothing listed yet, takes the rest. at must lie in the range, after the range's last planned key.
 */
export function splitRange(
  progress: ListingProgress,
  cut: { readonly start: RangeStart; readonly at: string },
): ListingProgress {
  const index = indexOf(progress, cut.start);
  const current = progress.ranges[index] as RangeProgress;
  const { range, lastKey } = current;
  if (
    current.done ||
    !rangeContains(range, cut.at) ||
    (lastKey !== undefined && compareKeys(lastKey, cut.at) >= 0)
  ) {
    throw new FerryError(
      'Internal',
      `Cannot cut range ${JSON.stringify(cut.start)} after ${JSON.stringify(cut.at)}`,
    );
  }
  const first: RangeProgress = { ...current, range: { ...range, before: keyAfter(cut.at) } };
  const rest: RangeProgress = {
    range: { after: cut.at, ...(range.before !== undefined ? { before: range.before } : {}) },
    done: false,
  };
  return { ranges: [...progress.ranges.slice(0, index), first, rest, ...progress.ranges.slice(index + 1)] };
}

/** A new listing of the ranges (contiguous, covering the key space), nothing listed yet. */
export function progressOf(ranges: readonly KeyRange[]): ListingProgress {
  return { ranges: ranges.map((range) => ({ range, done: false })) };
}
