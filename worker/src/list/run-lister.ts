// The lister: lists and plans the key ranges of one run concurrently, sending their work and checkpointing each range.
import type { MappingConfig } from '../config/types.ts';
import { errorMessage } from '../domain/errors.ts';
import type { ObjectMemory, RunLedger, RunMode, RunRecord } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectLister } from '../ports/object-store.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import { ListingRecorder } from './listing-recorder.ts';
import { rangesToList } from './range-checkpoint.ts';
import { listAndPlanRange } from './range-lister.ts';
import { type ListerSplitSettings, listerSplitSettings, listingPlan } from './range-plan.ts';
import { runRanges } from './range-scheduler.ts';
import { releaseDeletes } from './release-deletes.ts';
import { type BatchLimits, defaultBatchLimits } from './work-batcher.ts';

export interface ListerOptions {
  readonly runId: string;
  readonly mapping: MappingConfig;
  readonly mode: RunMode;
  readonly source: ObjectLister;
  readonly destination: ObjectLister;
  readonly ledger: RunLedger;
  /** Ferry's copy records, for objects whose ETags alone cannot tell they are unchanged. */
  readonly memory: Pick<ObjectMemory, 'recallCopies'>;
  readonly queue: WorkQueue;
  readonly logger: Logger;
  readonly limits?: BatchLimits;
  /** A stretch of skipped objects is checkpointed every this many, so a restart does not re-list it. */
  readonly skipCheckpointEvery?: number;
  /**
   * Key ranges listed and planned at once (default 1). From 2, a new run's key space is first cut into ranges
   * by sampling the source (see key-ranges.ts), and a range found to hold much more than guessed is cut again
   * while it is listed (see range-scheduler.ts); a resumed run continues the ranges its checkpoint records.
   */
  readonly listConcurrency?: number;
  /** How a new run's key space is sampled and cut (see range-plan.ts for the defaults). */
  readonly split?: ListerSplitSettings;
  readonly signal?: AbortSignal;
}

/**
 * Lists, plans and enqueues one run: every unfinished range after its own checkpoint, listConcurrency at a time,
 * each sending its batches as they close, big ones cut to keep every slot busy. The first failure stops the other
 * ranges; the run is then FAILED, and a restart continues every range from what was recorded. When every range is
 * done, a sync run's deletes are released or refused (see release-deletes.ts), and the run is marked LISTED.
 */
export async function runLister(options: ListerOptions): Promise<RunRecord> {
  const { runId, mapping, ledger, logger } = options;
  const run = await ledger.getRun(runId);
  if (!run) throw new Error(`run ${runId} does not exist in the ledger`);
  if (run.listerState === 'LISTED') return run;
  const concurrency = Math.max(1, options.listConcurrency ?? 1);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal;

  try {
    const plan = await listingPlan({
      checkpoint: run.checkpoint,
      concurrency,
      lister: options.source,
      prefix: mapping.source.prefix,
      ...(options.split ? { split: options.split } : {}),
      signal,
    });
    const recorder = new ListingRecorder({ runId, ledger, queue: options.queue, progress: plan.progress });
    if (plan.discovered) await recorder.recordRanges();
    const ranges = rangesToList(plan.progress);
    const event = run.checkpoint === undefined ? 'lister.ranges' : 'lister.resume';
    logger.info(event, {
      runId,
      ranges: plan.progress.ranges.length,
      unfinished: ranges.length,
      probes: plan.probes,
    });
    const rangeOptions = {
      runId,
      mapping,
      mode: options.mode,
      source: options.source,
      destination: options.destination,
      memory: options.memory,
      recorder,
      limits: options.limits ?? defaultBatchLimits,
      skipCheckpointEvery: options.skipCheckpointEvery ?? 1000,
      signal,
    };
    const { cuts } = await runRanges({
      concurrency,
      ranges,
      mapping,
      recorder,
      minCutKeys: 2 * (options.split?.minRangeKeys ?? listerSplitSettings.minRangeKeys),
      signal,
      stop: (reason) => stop.abort(reason),
      listRange: (cursor) => listAndPlanRange(rangeOptions, cursor),
    });
    if (cuts > 0) logger.info('lister.cuts', { runId, cuts });
    await releaseDeletes({ runId, mapping, ledger, queue: options.queue, logger });
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
