// The planner: streams the listings through filters, key mapping, the merge-join and decide, in source key order.
import type { MappingConfig } from '../config/types.ts';
import { FerryError } from '../domain/errors.ts';
import type { ObjectEntry } from '../domain/object.ts';
import type { CopyRecord, RunMode } from '../ports/ledger.ts';
import { decide, needsRecall } from './decide.ts';
import { createKeyFilter } from './filters.ts';
import { destinationKeyProblem, relativeSourceKey, toDestinationKey, toSourceKey } from './key-mapping.ts';
import { ordered } from './key-order.ts';
import { type MergedEntry, mergeListings } from './merge-listings.ts';
import type { CopyReason, DeleteReason, FailReason, SkipReason } from './reasons.ts';

interface DecisionKeys {
  readonly sourceKey: string;
  readonly destinationKey: string;
  readonly source: ObjectEntry;
  readonly destination?: ObjectEntry;
}

/** What to do with one source object. */
export type SourceDecision = DecisionKeys &
  (
    | { readonly action: 'copy'; readonly reason: CopyReason }
    | { readonly action: 'skip'; readonly reason: SkipReason }
    /** Reported as a failure of the run, never sent to a worker; detail says what is wrong. */
    | { readonly action: 'fail'; readonly reason: FailReason; readonly detail: string }
  );

/** A sync run's destination object whose source is gone: sourceKey is where its source would be. */
export interface DeleteDecision {
  readonly action: 'delete';
  readonly reason: DeleteReason;
  readonly sourceKey: string;
  readonly destinationKey: string;
  readonly destination: ObjectEntry;
  readonly source?: undefined;
}

export type PlanDecision = SourceDecision | DeleteDecision;

/** The bytes a decision is about: the source object's, or for a delete the destination object's. */
export function decisionBytes(decision: PlanDecision): number {
  return decision.action === 'delete' ? decision.destination.size : decision.source.size;
}

export interface PlanOptions {
  /** Every object under the source prefix, in S3 key order. */
  readonly sourceListing: AsyncIterable<ObjectEntry>;
  /** Every object under the destination prefix, in S3 key order; required in incremental and sync mode, unused in full. */
  readonly destinationListing?: AsyncIterable<ObjectEntry>;
  readonly mapping: MappingConfig;
  readonly mode: RunMode;
  /** Ferry's copy records for those destination keys that have one. */
  readonly recall: (destinationKeys: string[]) => Promise<Map<string, CopyRecord>>;
  /** Most destination keys per recall call. Default 500. */
  readonly recallBatchSize?: number;
  /** Most decisions held back while waiting to fill a recall batch. Default 10 × recallBatchSize. */
  readonly maxPendingDecisions?: number;
}

export const defaultRecallBatchSize = 500;

/** A source object whose decision may wait for its copy record. */
interface Pending {
  readonly keys: DecisionKeys;
  /** Absent: no decision needs the record. */
  readonly recallKey?: string;
}

function withDestination(
  keys: Omit<DecisionKeys, 'destination'>,
  destination: ObjectEntry | undefined,
): DecisionKeys {
  return destination === undefined ? keys : { ...keys, destination };
}

/**
 * Yields one decision per source object that passes the mapping's filters, in source key order, holding
 * at most maxPendingDecisions entries and asking `recall` only about keys whose decision depends on it. In sync mode
 * it also yields a delete, in the same order, for every destination object that passes the filters and has no source.
 */
export async function* plan(options: PlanOptions): AsyncGenerator<PlanDecision, void, undefined> {
  const { mapping, mode } = options;
  const recallBatchSize = options.recallBatchSize ?? defaultRecallBatchSize;
  const maxPendingDecisions = options.maxPendingDecisions ?? recallBatchSize * 10;
  if (!(recallBatchSize >= 1 && maxPendingDecisions >= 1)) {
    throw new FerryError('Internal', 'recallBatchSize and maxPendingDecisions must be at least 1');
  }
  const passes = createKeyFilter(mapping);
  let pending: Pending[] = [];
  let recallCount = 0;

  async function* settle(): AsyncGenerator<PlanDecision, void, undefined> {
    const batch = pending;
    const recallKeys = batch.flatMap((item) => (item.recallKey === undefined ? [] : [item.recallKey]));
    pending = [];
    recallCount = 0;
    const remembered = recallKeys.length > 0 ? await options.recall(recallKeys) : undefined;
    for (const { keys, recallKey } of batch) {
      const record = recallKey === undefined ? undefined : remembered?.get(recallKey);
      yield {
        ...keys,
        ...decide({ source: keys.source, destination: keys.destination, remembered: record, mode }),
      };
    }
  }

  for await (const entry of pairs(options)) {
    if (!passes(relativeSourceKey(entry.key, mapping))) continue;
    if (entry.source === undefined) {
      if (mode !== 'sync' || entry.destination === undefined) continue;
      yield* settle(); // what precedes it, so decisions stay in key order
      yield {
        action: 'delete',
        reason: 'not-in-source',
        sourceKey: entry.key,
        destinationKey: entry.destination.key,
        destination: entry.destination,
      };
      continue;
    }
    const destinationKey = toDestinationKey(entry.key, mapping);
    const keys = withDestination(
      { sourceKey: entry.key, destinationKey, source: entry.source },
      entry.destination,
    );
    const problem = destinationKeyProblem(destinationKey);
    if (problem !== undefined) {
      yield* settle(); // what precedes it, so decisions stay in key order
      yield { ...keys, action: 'fail', reason: 'invalid-key', detail: problem };
      continue;
    }
    const recall = needsRecall({ source: entry.source, destination: entry.destination, mode });
    if (!recall && pending.length === 0) {
      // Nothing waits for a copy record: decide at once, so the stream never stalls behind a batch.
      yield {
        ...keys,
        ...decide({ source: keys.source, destination: keys.destination, remembered: undefined, mode }),
      };
      continue;
    }
    pending.push(recall ? { keys, recallKey: destinationKey } : { keys });
    if (recall) recallCount++;
    if (recallCount >= recallBatchSize || pending.length >= maxPendingDecisions) yield* settle();
  }
  yield* settle();
}

/** The source listing merged with the destination's (incremental, sync) or alone (full). */
function pairs(options: PlanOptions): AsyncIterable<MergedEntry> {
  if (options.mode === 'full') return sourceOnly(options.sourceListing);
  if (options.destinationListing === undefined) {
    throw new FerryError('Internal', `A plan in ${options.mode} mode needs the destination listing`);
  }
  return mergeListings({
    source: options.sourceListing,
    destination: options.destinationListing,
    destinationKeyToSource: (key) => toSourceKey(key, options.mapping),
  });
}

async function* sourceOnly(
  listing: AsyncIterable<ObjectEntry>,
): AsyncGenerator<MergedEntry, void, undefined> {
  for await (const source of ordered(listing, 'source')) yield { key: source.key, source };
}
