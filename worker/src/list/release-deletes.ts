// Once a sync run's listing is complete: its held deletes checked against the guardrails, then sent or refused.
import type { MappingConfig } from '../config/types.ts';
import { deleteVerdict } from '../plan/delete-guardrail.ts';
import type { RunLedger } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import { encodeDeleteBatch } from '../queue/work-message.ts';

export interface ReleaseDeletesOptions {
  readonly runId: string;
  readonly mapping: MappingConfig;
  readonly ledger: RunLedger;
  readonly queue: WorkQueue;
  readonly logger: Logger;
  /** Held batches read and sent at a time. Default 25. */
  readonly pageSize?: number;
}

/**
 * Sends every held delete batch to the workers, then marks the deletes RELEASED; or, when a guardrail says no,
 * marks them REFUSED with the reason and sends nothing. Safe to repeat: a lister restarted part-way sends the
 * batches again (same batch ids, so each is counted once), and a settled run is left as it is.
 */
export async function releaseDeletes(options: ReleaseDeletesOptions): Promise<void> {
  const { runId, mapping, ledger, logger } = options;
  const run = await ledger.getRun(runId);
  if (run?.deleteState !== 'HELD') return;
  const verdict = deleteVerdict({
    toDelete: run.toDelete,
    sourceObjects: run.planned.objects + run.skipped.objects,
    limits: mapping,
  });
  if (!verdict.allowed) {
    logger.warn('sync.deletes-refused', { runId, reason: verdict.reason });
    await ledger.settleDeletes(runId, { state: 'REFUSED', reason: verdict.reason });
    return;
  }
  let after: string | undefined;
  let batches = 0;
  do {
    const page = await ledger.listHeldDeletes(runId, {
      limit: options.pageSize ?? 25,
      ...(after === undefined ? {} : { after }),
    });
    const bodies = page.batches.map((held) =>
      encodeDeleteBatch({ runId, mappingId: mapping.id, batchId: held.batchId, items: held.items }),
    );
    if (bodies.length > 0) await options.queue.send(bodies);
    batches += bodies.length;
    after = page.next;
  } while (after !== undefined);
  await ledger.settleDeletes(runId, { state: 'RELEASED' });
  logger.info('sync.deletes-released', { runId, ...run.toDelete, batches });
}
