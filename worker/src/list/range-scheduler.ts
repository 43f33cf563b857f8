// Runs a listing's ranges, listConcurrency at a time; a slot with no range left to start cuts the one with most left.
import type { MappedPrefixes } from '../plan/key-mapping.ts';
import type { ListingRecorder } from './listing-recorder.ts';
import { maxCheckpointRanges, type RangeToList } from './range-checkpoint.ts';
import { RangeCursor } from './range-cursor.ts';
import { checkpointBudgetBytes, worstCheckpointBytes } from './range-plan.ts';

export interface RangeSchedulerOptions {
  /** Ranges listed at once. */
  readonly concurrency: number;
  /** The unfinished ranges of the listing, in key order. */
  readonly ranges: readonly RangeToList[];
  readonly mapping: MappedPrefixes;
  readonly recorder: ListingRecorder;
  /** A range is cut only when about this many keys or more are probably left in it. */
  readonly minCutKeys: number;
  /** Aborted when the listing fails or is interrupted: every slot stops. */
  readonly signal: AbortSignal;
  /** Aborts signal with the first failure of a slot. */
  readonly stop: (reason: unknown) => void;
  /** Lists and plans one range to its (current) end. */
  readonly listRange: (cursor: RangeCursor) => Promise<void>;
}

/** A range to start once the cut that made it is recorded (at once for the listing's own ranges). */
interface RangeTask {
  readonly cursor: RangeCursor;
  readonly ready: Promise<void>;
}

/** Wakes the slots waiting for something to change: a range recorded a step, ended, or the listing stops. */
class Changes {
  #wake: (() => void)[] = [];

  next(): Promise<void> {
    return new Promise((resolve) => this.#wake.push(resolve));
  }

  notify(): void {
    const waiting = this.#wake;
    this.#wake = [];
    for (const wake of waiting) wake();
  }
}

/**
 * Lists every range, concurrency at a time. When no range is left to start, a free slot cuts the running range with
 * the most keys probably left (once it has recorded a step here, so anything an earlier lister sent of it is sent
 * again the same) about halfway through what is left, records the cut, and lists the rest itself. The ranges'
 * sizes need not have been guessed right: the listing ends about when the last pages are listed. Resolves with the
 * number of cuts; rejects with the first failure, once every slot has stopped.
 */
export async function runRanges(options: RangeSchedulerOptions): Promise<{ cuts: number }> {
  const { mapping, recorder, signal } = options;
  const prefix = mapping.source.prefix;
  const changes = new Changes();
  const onChange = () => changes.notify();
  const pending: RangeTask[] = options.ranges.map((work) => ({
    cursor: new RangeCursor(work, { mapping, onChange }),
    ready: Promise.resolve(),
  }));
  const active = new Set<RangeCursor>();
  const boundaries = recorder.progress.ranges.flatMap((entry) => entry.range.after ?? []);
  let cuts = 0;

  const cutBiggest = (): RangeTask | undefined => {
    let biggest: { cursor: RangeCursor; keys: number } | undefined;
    for (const cursor of active) {
      const keys = cursor.estimatedRemainingKeys(prefix);
      if (keys >= options.minCutKeys && (biggest === undefined || keys > biggest.keys))
        biggest = { cursor, keys };
    }
    const at = biggest?.cursor.cutPoint(prefix);
    if (biggest === undefined || at === undefined) return undefined;
    if (boundaries.length + 2 > maxCheckpointRanges) return undefined;
    if (worstCheckpointBytes([...boundaries, at]) > checkpointBudgetBytes) return undefined;
    boundaries.push(at);
    cuts += 1;
    const ready = recorder.split({ start: biggest.cursor.start, at });
    const rest = biggest.cursor.cut(at, ready);
    return { cursor: new RangeCursor({ start: at, range: rest }, { mapping, onChange }), ready };
  };

  const work = async (): Promise<void> => {
    for (;;) {
      signal.throwIfAborted();
      const task = pending.shift() ?? cutBiggest();
      if (task === undefined) {
        if (active.size === 0) return;
        await changes.next();
        continue;
      }
      active.add(task.cursor);
      try {
        await task.ready;
        await options.listRange(task.cursor);
      } finally {
        active.delete(task.cursor);
        changes.notify();
      }
    }
  };

  const slot = async (): Promise<void> => {
    try {
      await work();
    } catch (error) {
      options.stop(error);
      throw error;
    }
  };
  signal.addEventListener('abort', onChange, { once: true });
  try {
    const slots = await Promise.allSettled(Array.from({ length: Math.max(1, options.concurrency) }, slot));
    const failed = slots.find((result) => result.status === 'rejected');
    if (failed) throw signal.aborted ? signal.reason : failed.reason;
    return { cuts };
  } finally {
    signal.removeEventListener('abort', onChange);
  }
}
