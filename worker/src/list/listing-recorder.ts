// Sends each range's batches and records them in the ledger one write at a time, each with every range's progress.
import type { Counts, HeldDeletes, RunLedger } from '../ports/ledger.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import { encodeWorkMessages, type WorkBatch } from '../queue/work-message.ts';
import {
  advanceRange,
  encodeListingCheckpoint,
  type ListingProgress,
  type RangeStart,
  splitRange,
} from './range-checkpoint.ts';

/** What one range has planned since its previous step. */
export interface RangeStep {
  /** The range (its lower bound). */
  readonly start: RangeStart;
  /** The batch that closes the step, sent to the queue before it is recorded. */
  readonly batch?: WorkBatch;
  /** A sync run's deletes found since the range's previous step, held in the ledger by the same write. */
  readonly deletes?: HeldDeletes;
  /** Objects skipped since the range's previous step. */
  readonly skipped: Counts;
  /** The range's last key planned by this step: everything up to it is sent. */
  readonly lastKey?: string;
  /** The step ends the range. */
  readonly done: boolean;
}

const none: Counts = { objects: 0, bytes: 0 };

function plannedCounts(batch: WorkBatch | undefined): Counts {
  if (batch === undefined) return none;
  return batch.items.reduce(
    (total, item) => ({ objects: total.objects + 1, bytes: total.bytes + item.size }),
    none,
  );
}

/**
 * The ledger's view of the listing. Each write carries the checkpoint of every range as last recorded, plus the
 * writing range's new progress: counters and progress move together in one write, so a restarted lister neither
 * misses work that was counted nor counts work again. Writes go one at a time, so the checkpoint never moves back.
 */
export class ListingRecorder {
  readonly #runId: string;
  readonly #ledger: RunLedger;
  readonly #queue: WorkQueue;
  #recorded: ListingProgress;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(options: { runId: string; ledger: RunLedger; queue: WorkQueue; progress: ListingProgress }) {
    this.#runId = options.runId;
    this.#ledger = options.ledger;
    this.#queue = options.queue;
    this.#recorded = options.progress;
  }

  /** The progress of every range as last recorded. */
  get progress(): ListingProgress {
    return this.#recorded;
  }

  /** Records the listing's ranges before anything is sent, so a restarted lister lists the same ranges. */
  async recordRanges(): Promise<void> {
    await this.#write(`ranges:${this.#runId}`, { planned: none, skipped: none }, this.#recorded);
  }

  /** Sends the step's batch, if any, then records its counts with the range's new progress. */
  async record(step: RangeStep): Promise<void> {
    if (step.batch) await this.#queue.send(encodeWorkMessages(step.batch));
    const batchId =
      step.batch?.batchId ??
      step.deletes?.batchId ??
      (step.skipped.objects > 0 && step.lastKey !== undefined
        ? `skip:${this.#runId}:${step.lastKey}`
        : `done:${this.#runId}:${step.start ?? ''}`);
    const counts = {
      planned: plannedCounts(step.batch),
      skipped: step.skipped,
      ...(step.deletes ? { deletes: step.deletes } : {}),
    };
    await this.#write(batchId, counts, (recorded) =>
      advanceRange(recorded, {
        start: step.start,
        ...(step.lastKey !== undefined ? { lastKey: step.lastKey } : {}),
        done: step.done,
      }),
    );
  }

  /**
   * Cuts an unfinished range after key at, recording the new range before anything of it is sent. The range must
   * not send anything cut short by the new end until this has resolved (its batches up to there are the same
   * whether or not it is cut, except the last one).
   */
  split(cut: { readonly start: RangeStart; readonly at: string }): Promise<void> {
    return this.#write(`split:${this.#runId}:${cut.at}`, { planned: none, skipped: none }, (recorded) =>
      splitRange(recorded, cut),
    );
  }

  /** One ledger write after the previous one settles; the progress is computed from what was recorded by then. */
  #write(
    batchId: string,
    counts: { planned: Counts; skipped: Counts; deletes?: HeldDeletes },
    progress: ListingProgress | ((recorded: ListingProgress) => ListingProgress),
  ): Promise<void> {
    const written = this.#writes.then(async () => {
      const next = typeof progress === 'function' ? progress(this.#recorded) : progress;
      const checkpoint = encodeListingCheckpoint(next);
      await this.#ledger.recordPlanned(this.#runId, {
        batchId,
        ...counts,
        ...(checkpoint !== undefined ? { checkpoint } : {}),
      });
      this.#recorded = next;
    });
    this.#writes = written.catch(() => undefined);
    return written;
  }
}
