// The ledger's own retries, on top of the SDK's: cancelled transactions that may pass later, and batch calls'
// unprocessed rest. Delays come from a capped exponential bound with full jitter, slept on the injected clock.
import { FerryError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 25, maxDelayMs: 2000 };

/** What retrying needs from outside: where to sleep, and the jitter source (Math.random unless a test fixes it). */
export interface RetryContext {
  readonly clock: Clock;
  readonly policy: RetryPolicy;
  readonly random: () => number;
}

/** The pause before retry number `retry` (1 for the first retry): random within min(max, base·2^(retry-1)). */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * bound);
}

export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * Sends the items in requests of at most chunkSize (all requests at once), each request again with what it left
 * unprocessed until nothing is left; throws Throttled when a request still leaves some after maxAttempts.
 */
export async function sendAllInChunks<T>(options: {
  readonly items: readonly T[];
  readonly chunkSize: number;
  /** Sends one request; returns the items it left unprocessed. */
  readonly send: (chunk: readonly T[]) => Promise<readonly T[]>;
  readonly retry: RetryContext;
  /** Names the call in the error, e.g. `DynamoDB BatchWriteItem ferry-ledger`. */
  readonly context: string;
}): Promise<void> {
  const { send, retry } = options;
  const drain = async (chunk: readonly T[]): Promise<void> => {
    let pending = await send(chunk);
    for (let attempt = 2; pending.length > 0; attempt += 1) {
      if (attempt > retry.policy.maxAttempts) {
        throw new FerryError(
          'Throttled',
          `${options.context}: ${pending.length} items still unprocessed after ${retry.policy.maxAttempts} attempts`,
        );
      }
      await retry.clock.sleep(backoffDelayMs(attempt - 1, retry.policy, retry.random));
      pending = await send(pending);
    }
  };
  await Promise.all(chunksOf(options.items, options.chunkSize).map(drain));
}
