// The worker: receives work messages (batches to copy, ranges of shared objects, batches to delete), processes them
// with bounded concurrency, records outcomes, and acks.
import { errorMessage, FerryError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { RunLedger } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';
import type { QueueMessage, WorkQueue } from '../ports/work-queue.ts';
import { decodeWorkMessage, type WorkMessage } from '../queue/work-message.ts';
import { startHeartbeat } from './lease-heartbeat.ts';
import {
  assertBatchFitsMapping,
  type BatchProcessorDeps,
  type BatchResult,
  type DetailedBatchOutcome,
  type MappingRuntime,
  processBatch,
} from './process-batch.ts';
import { processDeletes } from './process-deletes.ts';
import { processRange } from './process-range.ts';

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
  /** Told each batch outcome, with every object's result, the first time it is recorded (metrics, manifest). */
  readonly onOutcome?: (runId: string, mappingId: string, outcome: DetailedBatchOutcome) => void;
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

/** What becomes of a message once processed: acked, handed back for later, or dead-lettered. */
type Disposition = 'ack' | 'released' | { readonly deadLetter: string };

/** Records an outcome once; the first time, tells the hooks. */
async function recordOutcome(
  options: WorkerLoopOptions,
  ids: { runId: string; mappingId: string },
  outcome: DetailedBatchOutcome,
): Promise<boolean> {
  const first = await options.ledger.recordOutcome(ids.runId, outcome);
  if (first) {
    for (let i = 0; i < outcome.failures.length; i++) options.deps.onObject?.('failed', 0);
    if (outcome.deleted && outcome.deleted.objects > 0)
      options.deps.onObject?.('deleted', outcome.deleted.bytes);
    options.onOutcome?.(ids.runId, ids.mappingId, outcome);
  } else {
    options.logger.info('batch.duplicate', { runId: ids.runId, batch: outcome.batchId });
  }
  return first;
}

/**
 * A batch's result (copies or deletes): handed back for a later delivery while its retryable failures may still pass,
 * else recorded and acked.
 */
async function settleBatch(
  message: QueueMessage,
  options: WorkerLoopOptions,
  work: { batch: { runId: string; mappingId: string; batchId: string }; result: BatchResult },
): Promise<Disposition> {
  const { batch } = work;
  const { outcome, retryable } = work.result;
  if (retryable && message.receiveCount < (options.maxDeliveries ?? defaultMaxDeliveries)) {
    const delaySec = retryDelaySec(message.receiveCount);
    options.logger.warn('batch.retry-later', {
      batch: batch.batchId,
      failed: outcome.failed.objects,
      delaySec,
    });
    await options.queue.release(message, delaySec);
    return 'released';
  }
  await recordOutcome(options, batch, outcome);
  return 'ack';
}

async function handleRange(
  message: QueueMessage,
  options: WorkerLoopOptions,
  work: { range: Parameters<typeof processRange>[0]; runtime: MappingRuntime },
): Promise<Disposition> {
  const { range } = work;
  const { deps, queue } = options;
  const result = await deps.objectLimit(() =>
    processRange(range, work.runtime, deps, {
      redelivered: message.receiveCount > 1,
      mayRetry: message.receiveCount < (options.maxDeliveries ?? defaultMaxDeliveries),
      send: (bodies) => queue.send(bodies),
    }),
  );
  switch (result.kind) {
    case 'done':
      return 'ack';
    case 'poison':
      return { deadLetter: result.reason };
    case 'retry-later': {
      const delaySec = retryDelaySec(message.receiveCount);
      options.logger.warn('range.retry-later', {
        batch: range.batchId,
        firstPart: range.firstPart,
        delaySec,
      });
      await queue.release(message, delaySec);
      return 'released';
    }
    case 'outcome': {
      const first = await recordOutcome(options, range, result.outcome);
      if (first && result.outcome.copied.objects > 0) deps.onObject?.('copied', result.outcome.copied.bytes);
      await result.settle();
      return 'ack';
    }
  }
}

/** Processes the message's work and says what becomes of the message. */
async function handleWork(
  message: QueueMessage,
  options: WorkerLoopOptions,
  work: { message: WorkMessage; runtime: MappingRuntime },
): Promise<Disposition> {
  const { runtime } = work;
  switch (work.message.kind) {
    case 'batch': {
      const { batch } = work.message;
      const redelivered = message.receiveCount > 1;
      const result = await processBatch(batch, runtime, options.deps, { redelivered });
      return await settleBatch(message, options, { batch, result });
    }
    case 'delete': {
      const { batch } = work.message;
      const result = await processDeletes(batch, runtime, options.deps);
      return await settleBatch(message, options, { batch, result });
    }
    case 'range':
      return await handleRange(message, options, { range: work.message.range, runtime });
  }
}

/** The message's run and mapping, its object keys (a batch's, or a range's one), and the side they are keys of. */
function describe(work: WorkMessage): {
  runId: string;
  mappingId: string;
  items: readonly { key: string }[];
  side: 'source' | 'destination';
} {
  switch (work.kind) {
    case 'batch':
      return { ...work.batch, side: 'source' };
    case 'delete':
      return { ...work.batch, side: 'destination' };
    case 'range':
      return { ...work.range, items: [work.range.item], side: 'source' };
  }
}

/**
 * Deletes belong to a sync run whose deletes are held (being released) or released; for any other run (not a sync
 * run, or one whose deletes a guardrail refused) the message is one no run asked for.
 */
async function assertDeletesAllowed(ledger: RunLedger, runId: string): Promise<void> {
  const state = (await ledger.getRun(runId))?.deleteState;
  if (state === 'HELD' || state === 'RELEASED') return;
  const why = state === undefined ? 'it is not a sync run' : `its deletes are ${state}`;
  throw new FerryError('InvalidObject', `malformed work message: deletes for run ${runId}, but ${why}`);
}

async function handle(
  message: QueueMessage,
  options: WorkerLoopOptions,
  knownRuns: KnownRuns,
): Promise<void> {
  const { queue, ledger, logger } = options;
  let work: WorkMessage;
  let runtime: MappingRuntime | undefined;
  try {
    work = decodeWorkMessage(message.body);
    const { runId, mappingId, items, side } = describe(work);
    runtime = options.mappingOf(mappingId);
    if (!runtime)
      throw new FerryError('InvalidObject', `malformed work message: unknown mapping ${mappingId}`);
    if (!knownRuns.has(runId)) {
      if (!(await ledger.getRun(runId))) {
        throw new FerryError('InvalidObject', `malformed work message: unknown run ${runId}`);
      }
      knownRuns.add(runId);
    }
    assertBatchFitsMapping({ items }, runtime.mapping, side);
    if (work.kind === 'delete') await assertDeletesAllowed(ledger, runId);
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
  let disposition: Disposition;
  try {
    disposition = await handleWork(message, options, { message: work, runtime });
  } finally {
    await heartbeat.stop();
  }
  if (disposition === 'ack') {
    await queue.ack(message);
  } else if (disposition !== 'released') {
    logger.error('message.poison', { message: message.id, reason: disposition.deadLetter });
    await queue.deadLetter(message, disposition.deadLetter);
  }
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
    // The long poll is not aborted on stop: a message the queue hands to an abandoned poll would stay invisible for
    // a whole lease. The poll ends within waitSec; what it brings after the stop goes straight back.
    const messages = await queue.receive({
      max: Math.min(10, room),
      visibilityTimeoutSec: options.visibilityTimeoutSec,
      waitSec: options.waitSec,
    });
    if (signal?.aborted) {
      await Promise.allSettled(messages.map((message) => queue.release(message, 0)));
      break;
    }
    for (const message of messages) track(message);
    if (messages.length === 0 && inFlight.size === 0 && (await options.shouldStop())) break;
  }
  await Promise.allSettled(inFlight);
}
