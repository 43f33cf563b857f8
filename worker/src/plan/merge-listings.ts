// Streaming merge-join of the source and destination listings by key, in S3 key order, in constant memory.
import { FerryError } from '../domain/errors.ts';
import type { ObjectEntry } from '../domain/object.ts';
import { compareKeys, ordered } from './key-order.ts';

/** One key present on either side or both; key is in source-key space. */
export interface MergedEntry {
  readonly key: string;
  readonly source?: ObjectEntry;
  /** The destination's own entry, with its own (destination) key. */
  readonly destination?: ObjectEntry;
}

export interface MergeListingsOptions {
  /** Sorted by key, as S3 lists. */
  readonly source: AsyncIterable<ObjectEntry>;
  /** Sorted by key, as S3 lists. */
  readonly destination: AsyncIterable<ObjectEntry>;
  /**
   * Maps a destination key to source-key space; undefined means the key should not have been listed.
   * It must preserve order (replacing a common prefix does). Absent: keys are compared as they are.
   */
  readonly destinationKeyToSource?: (destinationKey: string) => string | undefined;
}

/** The entry a listing is at, with its key in source-key space; undefined when the listing is done. */
interface Head {
  readonly entry: ObjectEntry;
  readonly key: string;
}

async function advance(
  iterator: AsyncIterator<ObjectEntry>,
  keyOf: (entry: ObjectEntry) => string,
): Promise<Head | undefined> {
  const next = await iterator.next();
  return next.done ? undefined : { entry: next.value, key: keyOf(next.value) };
}

/** Yields every key of either listing once, ascending, with the entries found for it on each side. */
export async function* mergeListings(
  options: MergeListingsOptions,
): AsyncGenerator<MergedEntry, void, undefined> {
  const toSource = options.destinationKeyToSource ?? ((key: string) => key);
  const sourceKeyOf = (entry: ObjectEntry): string => entry.key;
  const destinationKeyOf = (entry: ObjectEntry): string => {
    const key = toSource(entry.key);
    if (key === undefined) {
      throw new FerryError(
        'Internal',
        `The destination listing returned ${JSON.stringify(entry.key)}, which is outside the mapped prefix`,
      );
    }
    return key;
  };
  const sources = ordered(options.source, 'source');
  const destinations = ordered(options.destination, 'destination');
  try {
    let [source, destination] = await Promise.all([
      advance(sources, sourceKeyOf),
      advance(destinations, destinationKeyOf),
    ]);
    while (source !== undefined || destination !== undefined) {
      const order =
        source === undefined ? 1 : destination === undefined ? -1 : compareKeys(source.key, destination.key);
      if (source !== undefined && order < 0) {
        yield { key: source.key, source: source.entry };
        source = await advance(sources, sourceKeyOf);
      } else if (destination !== undefined && order > 0) {
        yield { key: destination.key, destination: destination.entry };
        destination = await advance(destinations, destinationKeyOf);
      } else if (source !== undefined && destination !== undefined) {
        yield { key: source.key, source: source.entry, destination: destination.entry };
        [source, destination] = await Promise.all([
          advance(sources, sourceKeyOf),
          advance(destinations, destinationKeyOf),
        ]);
      }
    }
  } finally {
    await Promise.all([sources.return(undefined), destinations.return(undefined)]);
  }
}
