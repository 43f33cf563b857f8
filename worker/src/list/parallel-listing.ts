// Lists key ranges concurrently and yields one stream in global key order, with bounded read-ahead per range.
import { FerryError } from '../domain/errors.ts';
import type { ObjectEntry } from '../domain/object.ts';
import { compareKeys } from '../plan/key-order.ts';
import type { ObjectLister } from '../ports/object-store.ts';
import { coverageProblem, type KeyRange, keyAfter } from './key-ranges.ts';
import { ParallelBuffer } from './parallel-buffer.ts';

export interface ParallelListingOptions {
  readonly lister: ObjectLister;
  readonly prefix: string;
  /** List only keys after this one (a checkpoint); ranges wholly before it are skipped. */
  readonly startAfter?: string;
  /** Contiguous ranges covering every key after startAfter, in key order (as splitKeySpace returns them). */
  readonly ranges: readonly KeyRange[];
  /** Ranges open at once: the one being read and the ones listed ahead of it. */
  readonly concurrency: number;
  /** Entries each open range may hold ahead of the reader. Default 5000. */
  readonly prefetchPerRange?: number;
  readonly signal?: AbortSignal;
}

export const defaultPrefetchPerRange = 5000;

/** The part of range after startAfter, as a list position; undefined when the range lies wholly before it. */
function remainderOf(range: KeyRange, startAfter: string | undefined): KeyRange | undefined {
  if (startAfter === undefined) return range;
  if (range.after !== undefined && compareKeys(range.after, startAfter) >= 0) return range;
  if (range.before !== undefined && compareKeys(range.before, keyAfter(startAfter)) <= 0) return undefined;
  return { ...range, after: startAfter };
}

function checkedOptions(options: ParallelListingOptions): { ranges: KeyRange[]; prefetch: number } {
  const { concurrency, startAfter } = options;
  const prefetch = options.prefetchPerRange ?? defaultPrefetchPerRange;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new FerryError('Internal', `parallel listing needs a concurrency >= 1, not ${concurrency}`);
  }
  if (!Number.isInteger(prefetch) || prefetch < 1) {
    throw new FerryError('Internal', `parallel listing needs a prefetchPerRange >= 1, not ${prefetch}`);
  }
  const problem = coverageProblem({
    ranges: options.ranges,
    ...(startAfter !== undefined ? { startAfter } : {}),
  });
  if (problem !== undefined) throw new FerryError('Internal', `parallel listing ranges: ${problem}`);
  const ranges = options.ranges.flatMap((range) => remainderOf(range, startAfter) ?? []);
  return { ranges, prefetch };
}

interface OpenRange {
  readonly buffer: ParallelBuffer<ObjectEntry>;
  /** Settles when the range's listing has stopped (never rejects: failures go to the buffers). */
  readonly listed: Promise<void>;
}

/**
 * Every entry under prefix after startAfter, in key order: range 1's, then range 2's, ... Up to concurrency
 * ranges are listed at once, each holding at most prefetchPerRange entries ahead of the reader (plus the page
 * the lister holds), each stopping at its upper bound. The first failure of any range is thrown at the
 * reader's next step and stops the others; breaking out of the iteration stops every listing, and returns
 * only once they have stopped.
 */
export async function* listInParallel(
  options: ParallelListingOptions,
): AsyncGenerator<ObjectEntry, void, undefined> {
  const { lister, prefix } = options;
  const { ranges, prefetch } = checkedOptions(options);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal;
  const open: OpenRange[] = [];
  let failure: { readonly error: unknown } | undefined;

  /** The first failure (a range's, or the caller's abort) fails the reader and stops every range. */
  const failAll = (error: unknown): void => {
    if (stop.signal.aborted && failure === undefined) return;
    failure ??= { error };
    for (const range of open) range.buffer.fail(failure.error);
    stop.abort(failure.error);
  };

  const listRange = async (range: KeyRange, buffer: ParallelBuffer<ObjectEntry>): Promise<void> => {
    try {
      const listing = lister.list({
        prefix,
        signal,
        ...(range.after !== undefined ? { startAfter: range.after } : {}),
      });
      for await (const entry of listing) {
        if (range.before !== undefined && compareKeys(entry.key, range.before) >= 0) break;
        if (!(await buffer.put(entry))) break;
      }
      buffer.end();
    } catch (error) {
      failAll(error);
    }
  };

  let nextToOpen = 0;
  const openMore = (): void => {
    while (open.length < options.concurrency && nextToOpen < ranges.length && !signal.aborted) {
      const buffer = new ParallelBuffer<ObjectEntry>(prefetch);
      const range = ranges[nextToOpen]!;
      nextToOpen += 1;
      open.push({ buffer, listed: listRange(range, buffer) });
    }
  };

  const onAbort = (): void => failAll(options.signal?.reason);
  options.signal?.throwIfAborted();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    openMore();
    for (let reading = open[0]; reading !== undefined; reading = open[0]) {
      for (;;) {
        const entry = reading.buffer.take();
        if (entry !== undefined) {
          yield entry;
          continue;
        }
        if (reading.buffer.drained) break;
        await reading.buffer.readable();
      }
      open.shift();
      if (failure) throw failure.error;
      openMore();
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (!stop.signal.aborted) stop.abort();
    for (const range of open) range.buffer.cancel();
    await Promise.all(open.map((range) => range.listed));
  }
}
