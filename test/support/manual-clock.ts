// A clock for tests that moves only when told to: sleepers wake, in due order, as advance() passes their time.
import type { Clock } from '../../worker/src/ports/clock.ts';

export interface ManualClock extends Clock {
  /** Moves time forward by ms, waking each sleeper at its due time and letting it run before moving on. */
  advance(ms: number): Promise<void>;
  /** How many sleeps are waiting. */
  readonly sleepers: number;
}

interface Sleeper {
  readonly dueMs: number;
  readonly wake: () => void;
}

/** Lets every callback that is already queued run, including promise continuations scheduled along the way. */
const letPendingWorkRun = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createManualClock(start = new Date('2025-01-01T00:00:00.000Z')): ManualClock {
  let nowMs = start.getTime();
  const sleepers = new Set<Sleeper>();

  const earliestDueBy = (limitMs: number): Sleeper | undefined => {
    let earliest: Sleeper | undefined;
    for (const sleeper of sleepers) {
      if (sleeper.dueMs <= limitMs && (earliest === undefined || sleeper.dueMs < earliest.dueMs))
        earliest = sleeper;
    }
    return earliest;
  };

  return {
    now: () => new Date(nowMs),
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (ms <= 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          sleepers.delete(sleeper);
          reject(signal?.reason);
        };
        const sleeper: Sleeper = {
          dueMs: nowMs + ms,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        sleepers.add(sleeper);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    async advance(ms) {
      const targetMs = nowMs + ms;
      for (;;) {
        await letPendingWorkRun();
        const next = earliestDueBy(targetMs);
        if (next === undefined) break;
        sleepers.delete(next);
        nowMs = Math.max(nowMs, next.dueMs);
        next.wake();
      }
      nowMs = targetMs;
      await letPendingWorkRun();
    },
    get sleepers() {
      return sleepers.size;
    },
  };
}
