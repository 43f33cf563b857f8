// One probe of a candidate range: read the first page of its keys (one list request) and estimate its size.
import { compareKeys } from '../plan/key-order.ts';
import type { ObjectLister } from '../ports/object-store.ts';
import { restToSampleRatio } from './range-split-points.ts';

/** A candidate range (after, through] and what sampling it showed. */
export interface SampledRange {
  /** Exclusive lower boundary; undefined: the beginning of the key space. */
  readonly after: string | undefined;
  /** Inclusive upper boundary; undefined: the end of the key space. */
  readonly through: string | undefined;
  /** How many keys are known to lie in (after, lastSampled]. */
  readonly sampledKeys: number;
  /** The first key of the latest sample page (undefined when no key was seen). */
  readonly pageFirst: string | undefined;
  /** How many keys the latest sample page held (from pageFirst to lastSampled). */
  readonly pageKeys: number;
  /** The last key sampled (undefined when no key was seen). */
  readonly lastSampled: string | undefined;
  /** The sample reached the range's end: sampledKeys is exactly the keys in the range. */
  readonly complete: boolean;
  /** Keys the range probably holds: exact when complete, extrapolated from the sample's reach otherwise. */
  readonly estimatedKeys: number;
  /** How many times the range, or the range it was cut from, was cut: the less explored go first. */
  readonly cuts: number;
}

/**
 * A range's estimated size: exact when it was sampled to its end; otherwise its sampled keys plus the rest of
 * the range at the density of the latest sample page.
 */
function estimateKeys(range: Omit<SampledRange, 'estimatedKeys'>, prefix: string): number {
  const { complete, pageFirst, lastSampled } = range;
  if (complete || pageFirst === undefined || lastSampled === undefined) return range.sampledKeys;
  const ratio = restToSampleRatio({ prefix, pageFirst, lastSampled, through: range.through });
  return range.sampledKeys + range.pageKeys * ratio;
}

interface SampleRequest {
  readonly lister: ObjectLister;
  readonly prefix: string;
  /** The range, with what is already known of its start (sampling continues after lastSampled). */
  readonly range: Omit<SampledRange, 'complete' | 'estimatedKeys'>;
  /** Keys one sample reads: at most one list page, so that it costs one request. */
  readonly sampleKeys: number;
  readonly signal?: AbortSignal;
}

/** Reads up to sampleKeys keys of the range after what is already known: one list request. */
export async function sampleRange(request: SampleRequest): Promise<SampledRange> {
  const { lister, prefix, range, sampleKeys } = request;
  const startAfter = range.lastSampled ?? range.after;
  let sampledKeys = range.sampledKeys;
  let pageFirst: string | undefined;
  let lastSampled = range.lastSampled;
  let seen = 0;
  let complete = true;
  for await (const entry of lister.list({
    prefix,
    ...(startAfter !== undefined ? { startAfter } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  })) {
    if (range.through !== undefined && compareKeys(entry.key, range.through) > 0) break;
    pageFirst ??= entry.key;
    lastSampled = entry.key;
    sampledKeys += 1;
    seen += 1;
    if (seen >= sampleKeys) {
      complete = false;
      break;
    }
  }
  const sampled = {
    ...range,
    sampledKeys,
    pageFirst: pageFirst ?? range.pageFirst,
    pageKeys: pageFirst === undefined ? range.pageKeys : seen,
    lastSampled,
    complete,
  };
  return { ...sampled, estimatedKeys: estimateKeys(sampled, prefix) };
}
