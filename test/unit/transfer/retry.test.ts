// withRetries retries only retryable FerryErrors, backs off with full jitter, stops on abort and counts attempts.
import { describe, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { Clock } from '../../../worker/src/ports/clock.ts';
import {
  AttemptedError,
  attemptsOf,
  backoffDelayMs,
  type RetryOptions,
  withRetries,
} from '../../../worker/src/transfer/retry.ts';

/** A clock whose sleeps return at once and are recorded. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(0),
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      if (signal?.aborted) throw signal.reason;
    },
  };
}

function options(clock: Clock, extra: Partial<RetryOptions> = {}): RetryOptions {
  return {
    clock,
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    label: 'test',
    random: () => 0.5,
    ...extra,
  };
}

/** An operation that throws the given errors in turn, then returns 'done'. */
function failing(errors: unknown[]): { run: (attempt: number) => Promise<string>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    run: async (attempt) => {
      attempts.push(attempt);
      const error = errors.shift();
      if (error !== undefined) throw error;
      return 'done';
    },
  };
}

describe('withRetries', () => {
  test('retries retryable errors with growing backoff until success', async () => {
    const clock = recordingClock();
    const operation = failing([new FerryError('Transient', 'a'), new FerryError('Throttled', 'b')]);
    await expect(withRetries(operation.run, options(clock))).resolves.toBe('done');
    expect(operation.attempts).toEqual([1, 2, 3]);
    expect(clock.sleeps).toEqual([50, 100]);
  });

  test('gives up after maxAttempts with the last error, its class and the attempt count', async () => {
    const clock = recordingClock();
    const errors = [1, 2, 3, 4, 5].map((n) => new FerryError('Transient', `failure ${n}`));
    const operation = failing(errors);
    const error = await withRetries(operation.run, options(clock)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AttemptedError);
    expect(error).toMatchObject({ errorClass: 'Transient', message: 'failure 4', attempts: 4 });
    expect(attemptsOf(error)).toBe(4);
    expect(operation.attempts).toEqual([1, 2, 3, 4]);
    expect(clock.sleeps).toHaveLength(3);
  });

  test('does not retry permanent errors', async () => {
    const clock = recordingClock();
    const operation = failing([new FerryError('AccessDenied', 'no')]);
    const error = await withRetries(operation.run, options(clock)).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ errorClass: 'AccessDenied', attempts: 1 });
    expect(clock.sleeps).toEqual([]);
  });

  test('does not retry non-FerryErrors; they come out as Internal with the original as cause', async () => {
    const original = new TypeError('bug');
    const operation = failing([original]);
    const error = await withRetries(operation.run, options(recordingClock())).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({ errorClass: 'Internal', message: 'bug', attempts: 1 });
    expect((error as Error).cause).toMatchObject({ cause: original });
    expect(operation.attempts).toEqual([1]);
  });

  test('retryOn narrows what is retried', async () => {
    const operation = failing([new FerryError('SourceChanged', 'changed')]);
    const error = await withRetries(
      operation.run,
      options(recordingClock(), { retryOn: (e) => e.errorClass !== 'SourceChanged' }),
    ).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ errorClass: 'SourceChanged', attempts: 1 });
  });

  test("an inner loop's AttemptedError passes through an outer loop that did not retry it", async () => {
    const clock = recordingClock();
    const inner = () =>
      withRetries(failing([1, 2, 3].map(() => new FerryError('Transient', 'x'))).run, {
        ...options(clock),
        maxAttempts: 3,
      });
    const error = await withRetries(inner, options(clock, { retryOn: () => false })).catch((e: unknown) => e);
    expect(attemptsOf(error)).toBe(3);
  });

  test('an abort stops the loop with the signal reason, unwrapped', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const operation = async () => {
      controller.abort(reason);
      throw new FerryError('Transient', 'interrupted');
    };
    const error = await withRetries(
      operation,
      options(recordingClock(), { signal: controller.signal }),
    ).catch((thrown: unknown) => thrown);
    expect(error).toBe(reason);
  });

  test('logs each retry', async () => {
    const events: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (event: string, fields?: Record<string, unknown>) => events.push(`${event}:${fields?.attempt}`),
      error() {},
    };
    const operation = failing([new FerryError('Transient', 'a')]);
    await withRetries(operation.run, options(recordingClock(), { logger }));
    expect(events).toEqual(['retry:1']);
  });
});

describe('backoffDelayMs', () => {
  test('full jitter below an exponential ceiling capped at maxDelayMs', () => {
    const settings = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs({ ...settings, attempt: 1, random: () => 0.999 })).toBe(99);
    expect(backoffDelayMs({ ...settings, attempt: 3, random: () => 0.5 })).toBe(200);
    expect(backoffDelayMs({ ...settings, attempt: 10, random: () => 0.5 })).toBe(500);
    expect(backoffDelayMs({ ...settings, attempt: 10, random: () => 0 })).toBe(0);
  });
});
