// Starts a worker from the config: the shared object and part limits, progress hooks, then the receive loop.
import pLimit from 'p-limit';
import type { FerryConfig } from '../config/types.ts';
import type { ObjectOutcome } from '../domain/object.ts';
import type { Clock } from '../ports/clock.ts';
import type { ObjectMemory, RunLedger } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import { createBufferPool } from '../transfer/buffer-pool.ts';
import { createPartSlots } from '../transfer/context.ts';
import type { MappingRuntime } from './process-batch.ts';
import { runWorkerLoop, type WorkerLoopOptions } from './worker-loop.ts';

export interface RunWorkerOptions {
  readonly config: FerryConfig;
  readonly queue: WorkQueue;
  readonly ledger: RunLedger;
  readonly memory: ObjectMemory;
  readonly mappingOf: (mappingId: string) => MappingRuntime | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly visibilityTimeoutSec: number;
  readonly waitSec: number;
  readonly shouldStop: () => Promise<boolean>;
  readonly onBytes?: (bytes: number) => void;
  readonly onObject?: (outcome: ObjectOutcome, bytes: number) => void;
  readonly onInFlightChange?: WorkerLoopOptions['onInFlightChange'];
  readonly onOutcome?: WorkerLoopOptions['onOutcome'];
  readonly signal?: AbortSignal;
}

/** Messages held at once: enough batches to keep `concurrency` objects busy, never fewer than two. */
export function messagesInFlightFor(concurrency: number): number {
  return Math.max(2, Math.ceil(concurrency / 10));
}

export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const { config, clock, logger, signal } = options;
  await runWorkerLoop({
    queue: options.queue,
    ledger: options.ledger,
    clock,
    logger,
    mappingOf: options.mappingOf,
    visibilityTimeoutSec: options.visibilityTimeoutSec,
    maxMessagesInFlight: messagesInFlightFor(config.transfer.concurrency),
    waitSec: options.waitSec,
    shouldStop: options.shouldStop,
    ...(options.onInFlightChange ? { onInFlightChange: options.onInFlightChange } : {}),
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    deps: {
      settings: config.transfer,
      memory: options.memory,
      clock,
      logger,
      objectLimit: pLimit(config.transfer.concurrency),
      parts: createPartSlots(config.transfer.maxPartsInFlight, {
        partSizeBytes: config.transfer.partSizeBytes,
      }),
      buffers: createBufferPool({
        maxPooledBytes: config.transfer.maxPartsInFlight * config.transfer.partSizeBytes,
      }),
      ...(options.onBytes ? { onBytes: options.onBytes } : {}),
      ...(options.onObject ? { onObject: options.onObject } : {}),
      ...(signal ? { signal } : {}),
    },
    ...(signal ? { signal } : {}),
  });
}
