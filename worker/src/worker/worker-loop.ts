// The worker: receives work messages, processes them with bounded concurrency, records outcomes, and acks.
import { errorMessage, FerryError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { BatchOutcome, RunLedger } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';
import type { QueueMessage, WorkQueue } from '../ports/work-queue.ts';
import { decodeWorkBatch } from '../queue/work-message.ts';
import { startHeartbeat } from './lease-heartbeat.ts';
import {
  assertBatchFitsMapping,
  type BatchProcessorDeps,
  type MappingRuntime,
  processBatch,
} from './process-batch.ts';

export interface WorkerLoopOptions {
  readonly queue: WorkQueue;
  readonly ledger: RunLedger;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly deps: BatchProcessorDeps;
  /** The runtime of a mapping id, or undefined when this worker does not know it (a poison message). */
  readonly mappingOf: (mappingId: string) => MappingRuntime | undefined;
  readonly visibilityTimeoutSec: number;
  /** Messages held at once; each holds up to a batch of objects. */
  readonly maxMessagesInFlight: number;
  readonly waitSec: number;
  /** Asked whenever the queue comes back empty: true ends the loop. */
  readonly shouldStop: () => Promise<boolean>;
  /** Told the number of messages in hand whenever it changes (scale-in protection while busy). */
  readonly onInFlightChange?: (messages: number) => void;
  /** Told each batch outcome the first time it is recorded (metrics). */
  readonly onOutcome?: (runId: string, mappingId: string, outcome: BatchOutcome) => void;
  /**
   * Deliveries of a batch whose objects failed in a retryable way before those failures are final: until then the
   * message goes back to the queue after a backoff. Keep it below the queue's maxReceiveCount.
   */
  readonly maxDeliveries?: number;
  /** Delay before a message that failed for an unexpected reason is offered again. */
  readonly retryDelaySec?: number;
  readonly signal?: AbortSignal;
}

export const defaultMaxDeliveries = 3;

/** Backoff before a batch with retryable failures is tried again: 30 s, 60 s, 120 s ... up to SQS's 12 h cap. */
export function retryDelaySec(receiveCount: number): number {
  return Math.min(30 * 2 ** Math.max(0, receiveCount - 1), 43_200);
}

/** Runs once found in the ledger stay there: each is looked up once per worker, not once per message. */
type KnownRuns = Set<string>;

async function handle(
  message: QueueMessage,
  options: WorkerLoopOptions,
  knownRuns: KnownRuns,
): Promise<void> {
  const { queue, ledger, logger } = options;
  let batch: ReturnType<typeof decodeWorkBatch>;
  let runtime: MappingRuntime | undefined;
  try {
    batch = decodeWorkBatch(message.body);
    runtime = options.mappingOf(batch.mappingId);
    if (!runtime)
      throw new FerryError('InvalidObject', `malformed work message: unknown mapping ${batch.mappingId}`);
    if (!knownRuns.has(batch.runId)) {
      if (!(await ledger.getRun(batch.runId))) {
        throw new FerryError('InvalidObject', `malformed work message: unknown run ${batch.runId}`);
      }
      knownRuns.add(batch.runId);
    }
    assertBatchFitsMapping(batch, runtime.mapping);
  } catch (error) {
    if (!(error instanceof FerryError && error.errorClass === 'InvalidObject')) throw error;
    logger.error('message.poison', { message: message.id, reason: error.message });
    await queue.deadLetter(message, error.message);
    return;
  }
  const heartbeat = startHeartbeat({
    queue,
    message,
    visibilityTimeoutSec: options.visibilityTimeoutSec,
    clock: options.clock,
    logger,
  });
  try {
    const { outcome, retryable } = await processBatch(batch, runtime, options.deps, {
      redelivered: message.receiveCount > 1,
    });
    if (retryable && message.receiveCount < (options.maxDeliveries ?? defaultMaxDeliveries)) {
      const delaySec = retryDelaySec(message.receiveCount);
      logger.warn('batch.retry-later', { batch: batch.batchId, failed: outcome.failed.objects, delaySec });
      await queue.release(message, delaySec);
      return;
    }
    const first = await ledger.recordOutcome(batch.runId, outcome);
    if (first) {
      for (let i = 0; i < outcome.failures.length; i++) options.deps.onObject?.('failed', 0);
      options.onOutcome?.(batch.runId, batch.mappingId, outcome);
    } else {
      logger.info('batch.duplicate', { runId: batch.runId, batch: batch.batchId });
    }
  } finally {
    await heartbeat.stop();
  }
  await queue.ack(message);
}

/** Runs until shouldStop says so on an empty queue, or the signal aborts; waits for work in hand before returning. */
export async function runWorkerLoop(options: WorkerLoopOptions): Promise<void> {
  const { queue, logger, signal } = options;
  const inFlight = new Set<Promise<void>>();
  const knownRuns: KnownRuns = new Set();
  const track = (message: QueueMessage): void => {
    const work = handle(message, options, knownRuns)
      .catch(async (error: unknown) => {
        logger.error('message.failed', { message: message.id, error: errorMessage(error) });
        // Stopping hands the message straight back; an unexpected failure offers it again after a pause.
        const delaySec = signal?.aborted ? 0 : (options.retryDelaySec ?? 5);
        await queue.release(message, delaySec).catch(() => undefined);
      })
      .finally(() => {
        inFlight.delete(work);
        options.onInFlightChange?.(inFlight.size);
      });
    inFlight.add(work);
    options.onInFlightChange?.(inFlight.size);
  };
  while (!signal?.aborted) {
    const room = options.maxMessagesInFlight - inFlight.size;
    if (room <= 0) {
      await Promise.race(inFlight);
      continue;
    }
    const messages = await queue.receive({
      max: Math.min(10, room),
      visibilityTimeoutSec: options.visibilityTimeoutSec,
      waitSec: options.waitSec,
      ...(signal ? { signal } : {}),
    });
    for (const message of messages) track(message);
    if (messages.length === 0 && inFlight.size === 0 && (await options.shouldStop())) break;
  }
  await Promise.allSettled(inFlight);
}
