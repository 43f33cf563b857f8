// The inputs and outputs of one object's transfer, and the shared limiter that bounds parts in flight across objects.
import type { TransferSettings } from '../config/types.ts';
import type { Clock } from '../ports/clock.ts';
import type { ObjectMemory } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore, WriteSettings } from '../ports/object-store.ts';
import type { BufferPool } from './buffer-pool.ts';
import type { BackoffSettings } from './retry.ts';
import type { TransferStrategy } from './strategy.ts';

/** One object to transfer, as the listing saw it. */
export interface TransferItem {
  readonly sourceKey: string;
  readonly destinationKey: string;
  readonly size: number;
  readonly etag: string;
}

/** How the mapping's destination stores objects. */
export type DestinationWrite = Pick<WriteSettings, 'storageClass' | 'encryption' | 'acl'>;

/**
 * Runs a task once the bytes it will buffer fit in the shared budget. A part, or a small object read whole, weighs
 * its size, so memory stays within maxPartsInFlight × part size while many small objects share what one part would
 * take. A task heavier than the whole budget runs alone. Never call it from inside a task it runs.
 */
export type PartSlots = <T>(task: () => Promise<T>, weightBytes?: number) => Promise<T>;

/**
 * Without partSizeBytes every task counts as one slot (weights are ignored); with it, the budget is
 * maxPartsInFlight × partSizeBytes and a task without a weight counts as one part.
 */
export function createPartSlots(maxPartsInFlight: number, options?: { partSizeBytes: number }): PartSlots {
  const unit = options?.partSizeBytes;
  const budget = unit === undefined ? maxPartsInFlight : maxPartsInFlight * unit;
  const waiting: { weight: number; start: () => void }[] = [];
  let used = 0;
  const fits = (weight: number): boolean => used === 0 || used + weight <= budget;
  const wake = (): void => {
    while (waiting.length > 0 && fits(waiting[0]!.weight)) {
      const next = waiting.shift()!;
      used += next.weight;
      next.start();
    }
  };
  return async (task, weightBytes) => {
    const weight = Math.min(budget, unit === undefined ? 1 : Math.max(1, weightBytes ?? unit));
    if (waiting.length === 0 && fits(weight)) used += weight;
    else await new Promise<void>((start) => waiting.push({ weight, start }));
    try {
      return await task();
    } finally {
      used -= weight;
      wake();
    }
  };
}

export interface TransferContext {
  readonly source: ObjectStore;
  readonly destination: ObjectStore;
  readonly settings: TransferSettings;
  readonly write: DestinationWrite;
  readonly memory: ObjectMemory;
  readonly mappingId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Shared by every object of the process. */
  readonly parts: PartSlots;
  /** Reuses part buffers across objects; absent: each read allocates its own. */
  readonly buffers?: BufferPool;
  /** Aborting stops the transfer like a crash: its reason is thrown and an unfinished upload stays recorded. */
  readonly signal?: AbortSignal;
  /** Bytes moved since the last call; negative when an object restarts and its earlier progress no longer counts. */
  readonly onProgress?: (bytes: number) => void;
  /** Backoff between Ferry-level retries; DEFAULT_BACKOFF when absent. */
  readonly backoff?: BackoffSettings;
  /** Largest object copied server-side with one CopyObject (S3: 5 GiB); lower only in tests. */
  readonly maxCopyObjectBytes?: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseDelayMs: 500, maxDelayMs: 20_000 };

export interface TransferResult {
  readonly strategy: TransferStrategy;
  /** The size of the object written. */
  readonly bytes: number;
  /** The ETag of the version copied: the listed one, or the newer one found after the source changed. */
  readonly sourceEtag: string;
  readonly destinationEtag: string;
}
