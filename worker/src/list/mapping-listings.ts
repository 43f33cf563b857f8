// The source and destination listings of one key range of a mapping: each side listed from the range's start to its end.
import type { MappingConfig } from '../config/types.ts';
import type { ObjectEntry } from '../domain/object.ts';
import { compareKeys } from '../plan/key-order.ts';
import type { ObjectLister } from '../ports/object-store.ts';
import { destinationRange } from './destination-range.ts';
import type { KeyRange } from './key-ranges.ts';

export interface MappingListings {
  readonly source: AsyncIterable<ObjectEntry>;
  /** Absent in full mode, which never reads the destination. */
  readonly destination?: AsyncIterable<ObjectEntry>;
}

/** The keys under prefix inside the range, in key order: one listing from the range's start, stopped at its end. */
export async function* listRange(options: {
  readonly lister: ObjectLister;
  readonly prefix: string;
  readonly range: KeyRange;
  /** Where the range ends now, asked at every key: a range may be cut shorter while it is listed. */
  readonly before?: () => string | undefined;
  readonly signal?: AbortSignal;
}): AsyncGenerator<ObjectEntry, void, undefined> {
  const { range } = options;
  const beforeNow = options.before ?? (() => range.before);
  const listing = options.lister.list({
    prefix: options.prefix,
    ...(range.after !== undefined ? { startAfter: range.after } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const entry of listing) {
    const before = beforeNow();
    if (before !== undefined && compareKeys(entry.key, before) >= 0) return;
    yield entry;
  }
}

/** Where a range being listed ends now on each side (see range-cursor.ts). */
export interface RangeEnds {
  readonly sourceBefore: string | undefined;
  readonly destinationBefore: string | undefined;
}

async function* nothing(): AsyncGenerator<ObjectEntry, void, undefined> {}

/** Both sides of one range of source keys; the destination's range is the same keys mapped to its prefix. */
export function mappingListings(options: {
  readonly mapping: MappingConfig;
  readonly source: ObjectLister;
  readonly destination: ObjectLister;
  readonly withDestination: boolean;
  /** The source keys to list (a whole key space, or one range of it after its checkpoint). */
  readonly range: KeyRange;
  /** Where each side ends now, when the range may be cut while it is listed; absent: the range's own end. */
  readonly ends?: RangeEnds;
  readonly signal?: AbortSignal;
}): MappingListings {
  const { mapping, range, ends } = options;
  const signal = options.signal ? { signal: options.signal } : {};
  const source = listRange({
    lister: options.source,
    prefix: mapping.source.prefix,
    range,
    ...(ends ? { before: () => ends.sourceBefore } : {}),
    ...signal,
  });
  if (!options.withDestination) return { source };
  const mapped = destinationRange(range, mapping);
  return {
    source,
    destination:
      mapped === undefined
        ? nothing()
        : listRange({
            lister: options.destination,
            prefix: mapping.destination.prefix,
            range: mapped,
            ...(ends ? { before: () => ends.destinationBefore } : {}),
            ...signal,
          }),
  };
}
