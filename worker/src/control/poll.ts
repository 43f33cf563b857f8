// Waits for something to happen by asking at a fixed interval on the injected clock, until a deadline.
import type { Clock } from '../ports/clock.ts';

export interface PollOptions<T> {
  readonly clock: Clock;
  readonly intervalMs: number;
  /** The time (ms since the epoch) after which no more checks are made. */
  readonly deadlineMs: number;
  /** The value once it is there; undefined while it is not yet. */
  readonly check: () => Promise<T | undefined>;
}

export type PollResult<T> = { readonly done: true; readonly value: T } | { readonly done: false };

/**
 * Checks at once, then after every interval, until check returns a value or the deadline passes. The last check is
 * made at the deadline itself (a sleep is cut short to end there), so a deadline of now checks exactly once.
 */
export async function pollUntil<T>(options: PollOptions<T>): Promise<PollResult<T>> {
  const { clock, intervalMs, deadlineMs, check } = options;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0)
    throw new RangeError(`poll interval must be more than 0 ms, got ${intervalMs}`);
  for (;;) {
    const value = await check();
    if (value !== undefined) return { done: true, value };
    const leftMs = deadlineMs - clock.now().getTime();
    if (leftMs <= 0) return { done: false };
    await clock.sleep(Math.min(intervalMs, leftMs));
  }
}

/** The deadline that many minutes from now on the clock. */
export function deadlineAfterMinutes(clock: Clock, minutes: number): number {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`expected minutes >= 0, got ${minutes}`);
  return clock.now().getTime() + minutes * 60_000;
}
