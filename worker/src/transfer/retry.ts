// The one place Ferry retries an operation: retryable FerryErrors only, full-jitter exponential backoff, attempts counted.
import { errorMessage, FerryError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';

/** What withRetries throws: the last attempt's error (its class and message kept, itself as cause) and how many attempts were made. */
export class AttemptedError extends FerryError {
  readonly attempts: number;

  constructor(options: { error: FerryError; attempts: number; message?: string }) {
    super(options.error.errorClass, options.message ?? options.error.message, { cause: options.error });
    this.name = 'AttemptedError';
    this.attempts = options.attempts;
  }
}

/** The attempts an error records: an AttemptedError's count, else 1. */
export function attemptsOf(error: unknown): number {
  return error instanceof AttemptedError ? error.attempts : 1;
}

/** Any thrown value as a FerryError: FerryErrors as they are, anything else as Internal. */
export function asFerryError(error: unknown): FerryError {
  return error instanceof FerryError
    ? error
    : new FerryError('Internal', errorMessage(error), { cause: error });
}

export interface BackoffSettings {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Full jitter: uniformly random between 0 and min(maxDelayMs, baseDelayMs · 2^(attempt-1)). */
export function backoffDelayMs(options: BackoffSettings & { attempt: number; random: () => number }): number {
  const ceilingMs = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (options.attempt - 1));
  return Math.floor(options.random() * ceilingMs);
}

export interface RetryOptions extends BackoffSettings {
  readonly clock: Clock;
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Names the operation in log events. */
  readonly label: string;
  readonly logger?: Logger;
  /** Aborting stops the loop at once: the signal's reason is thrown as it is, never wrapped or retried. */
  readonly signal?: AbortSignal;
  /** Uniform in [0, 1); Math.random unless injected. */
  readonly random?: () => number;
  /** Narrows which retryable errors this loop retries; errors whose retryability is not 'retry' never are. */
  readonly retryOn?: (error: FerryError) => boolean;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/**
 * Runs operation(attempt) until it succeeds, retrying FerryErrors whose retryability is 'retry' (and that retryOn
 * accepts) up to maxAttempts in all. The final failure is thrown as an AttemptedError; an AttemptedError from an
 * inner loop that this loop did not retry passes through unchanged, keeping the inner count.
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(options.signal);
    try {
      return await operation(attempt);
    } catch (thrown) {
      throwIfAborted(options.signal);
      const error = asFerryError(thrown);
      const retryable = error.retryability === 'retry' && (options.retryOn?.(error) ?? true);
      if (!retryable || attempt >= options.maxAttempts) {
        if (attempt === 1 && error instanceof AttemptedError) throw error;
        throw new AttemptedError({ error, attempts: attempt });
      }
      const delayMs = backoffDelayMs({ ...options, attempt, random });
      options.logger?.warn('retry', {
        label: options.label,
        attempt,
        errorClass: error.errorClass,
        message: error.message,
        delayMs,
      });
      await options.clock.sleep(delayMs, options.signal);
    }
  }
}
