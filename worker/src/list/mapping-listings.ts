// The source and destination listings of a mapping from a checkpoint: plain, or split into key ranges listed concurrently.
import type { MappingConfig } from '../config/types.ts';
import type { ObjectEntry } from '../domain/object.ts';
import { toDestinationKey } from '../plan/key-mapping.ts';
import type { ObjectLister } from '../ports/object-store.ts';
import { type KeyRange, splitKeySpace } from './key-ranges.ts';
import { listInParallel } from './parallel-listing.ts';

export interface MappingListings {
  readonly source: AsyncIterable<ObjectEntry>;
  /** Absent in full mode, which never reads the destination. */
  readonly destination?: AsyncIterable<ObjectEntry>;
}

/** A source-key range as the same range of destination keys (prefix replacement keeps the order). */
function toDestinationRange(range: KeyRange, mapping: MappingConfig): KeyRange {
  return {
    ...(range.after !== undefined ? { after: toDestinationKey(range.after, mapping) } : {}),
    ...(range.before !== undefined ? { before: toDestinationKey(range.before, mapping) } : {}),
  };
}

export async function mappingListings(options: {
  mapping: MappingConfig;
  source: ObjectLister;
  destination: ObjectLister;
  withDestination: boolean;
  /** The checkpoint: list strictly after this source key. */
  startAfter?: string;
  /** 2 or more: discover key ranges by sampling and list that many at once on each side, still in key order. */
  concurrency?: number;
  signal?: AbortSignal;
}): Promise<MappingListings> {
  const { mapping, startAfter, signal } = options;
  const sourcePrefix = mapping.source.prefix;
  const destinationPrefix = mapping.destination.prefix;
  const destinationStart = startAfter === undefined ? undefined : toDestinationKey(startAfter, mapping);
  const common = {
    ...(signal ? { signal } : {}),
  };
  if ((options.concurrency ?? 1) < 2) {
    return {
      source: options.source.list({
        prefix: sourcePrefix,
        ...(startAfter !== undefined ? { startAfter } : {}),
        ...common,
      }),
      ...(options.withDestination
        ? {
            destination: options.destination.list({
              prefix: destinationPrefix,
              ...(destinationStart !== undefined ? { startAfter: destinationStart } : {}),
              ...common,
            }),
          }
        : {}),
    };
  }
  const concurrency = options.concurrency ?? 1;
  const { ranges } = await splitKeySpace({
    lister: options.source,
    prefix: sourcePrefix,
    ...(startAfter !== undefined ? { startAfter } : {}),
    ...common,
  });
  return {
    source: listInParallel({
      lister: options.source,
      prefix: sourcePrefix,
      ...(startAfter !== undefined ? { startAfter } : {}),
      ranges,
      concurrency,
      ...common,
    }),
    ...(options.withDestination
      ? {
          destination: listInParallel({
            lister: options.destination,
            prefix: destinationPrefix,
            ...(destinationStart !== undefined ? { startAfter: destinationStart } : {}),
            ranges: ranges.map((range) => toDestinationRange(range, mapping)),
            concurrency,
            ...common,
          }),
        }
      : {}),
  };
}
