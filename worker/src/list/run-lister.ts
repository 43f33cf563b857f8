// The lister: streams the source (and destination) listing through the planner and sends work batches, checkpointed.
import type { MappingConfig } from '../config/types.ts';
import { errorMessage } from '../domain/errors.ts';
import { plan } from '../plan/planner.ts';
import type { Counts, ObjectMemory, RunLedger, RunMode, RunRecord } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectLister } from '../ports/object-store.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import { encodeWorkBatch, type WorkBatch } from '../queue/work-message.ts';
import { mappingListings } from './mapping-listings.ts';
import { type BatchLimits, defaultBatchLimits, WorkBatcher } from './work-batcher.ts';

export interface ListerOptions {
  readonly runId: string;
  readonly mapping: MappingConfig;
  readonly mode: RunMode;
  readonly source: ObjectLister;
  readonly destination: ObjectLister;
  readonly ledger: RunLedger;
  readonly memory: ObjectMemory;
  readonly queue: WorkQueue;
  readonly logger: Logger;
  readonly limits?: BatchLimits;
  /** A stretch of skipped objects is checkpointed every this many, so a restart does not re-list it. */
  readonly skipCheckpointEvery?: number;
  /** 2 or more: list key ranges of both sides concurrently (see mapping-listings.ts). */
  readonly listConcurrency?: number;
  readonly signal?: AbortSignal;
}

const zero: Counts = { objects: 0, bytes: 0 };
const add = (a: Counts, bytes: number): Counts => ({ objects: a.objects + 1, bytes: a.bytes + bytes });

/** Lists, plans and enqueues one run; resumes after the run's checkpoint; marks the run LISTED or FAILED. */
export async function runLister(options: ListerOptions): Promise<RunRecord> {
  const { runId, mapping, ledger, queue, logger } = options;
  const run = await ledger.getRun(runId);
  if (!run) throw new Error(`run ${runId} does not exist in the ledger`);
  if (run.listerState === 'LISTED') return run;
  const startAfter = run.checkpoint;
  if (startAfter !== undefined) logger.info('lister.resume', { runId, after: startAfter });

  const batcher = new WorkBatcher({
    runId,
    mappingId: mapping.id,
    limits: options.limits ?? defaultBatchLimits,
  });
  const skipEvery = options.skipCheckpointEvery ?? 1000;
  let skipped = zero;
  let lastKey: string | undefined;
  let previousKey: string | undefined;

  const record = async (batch: WorkBatch | undefined, checkpoint: string): Promise<void> => {
    let planned = zero;
    if (batch) {
      await queue.send([encodeWorkBatch(batch)]);
      for (const item of batch.items) planned = add(planned, item.size);
    }
    const batchId = batch?.batchId ?? `skip:${runId}:${checkpoint}`;
    await ledger.recordPlanned(runId, { batchId, planned, skipped, checkpoint });
    skipped = zero;
  };

  try {
    const listings = await mappingListings({
      mapping,
      source: options.source,
      destination: options.destination,
      withDestination: options.mode === 'incremental',
      ...(startAfter !== undefined ? { startAfter } : {}),
      ...(options.listConcurrency !== undefined ? { concurrency: options.listConcurrency } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const decisions = plan({
      sourceListing: listings.source,
      ...(listings.destination ? { destinationListing: listings.destination } : {}),
      mapping,
      mode: options.mode,
      recall: (keys) => options.memory.recallCopies(mapping.id, keys),
    });
    for await (const decision of decisions) {
      previousKey = lastKey;
      lastKey = decision.sourceKey;
      if (decision.action === 'skip') {
        skipped = add(skipped, decision.source.size);
        if (batcher.pending === 0 && skipped.objects >= skipEvery) await record(undefined, lastKey);
        continue;
      }
      const item = { key: decision.sourceKey, size: decision.source.size, etag: decision.source.etag };
      for (const batch of batcher.add(item)) {
        // A batch closed by this object's size ends before it: its checkpoint is the previous key.
        const endsHere = batch.items[batch.items.length - 1] === item;
        await record(batch, endsHere ? lastKey : (previousKey ?? lastKey));
      }
    }
    const last = batcher.flush();
    if (lastKey !== undefined && (last || skipped.objects > 0)) await record(last, lastKey);
    await ledger.setListerState(runId, 'LISTED');
  } catch (error) {
    logger.error('lister.failed', { runId, error: errorMessage(error) });
    await ledger.setListerState(runId, 'FAILED', { reason: errorMessage(error) });
    throw error;
  }
  const listed = await ledger.getRun(runId);
  if (!listed) throw new Error(`run ${runId} vanished from the ledger`);
  return listed;
}
