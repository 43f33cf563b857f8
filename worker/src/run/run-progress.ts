// Pure reading of a run record: is it done, how far along, how fast.
import type { Counts, RunRecord } from '../ports/ledger.ts';

/** The work sent to workers: planned copies, and a sync run's deletes once released. */
export function dispatched(run: RunRecord): Counts {
  const deletes = run.deleteState === 'RELEASED' ? run.toDelete : { objects: 0, bytes: 0 };
  return { objects: run.planned.objects + deletes.objects, bytes: run.planned.bytes + deletes.bytes };
}

/** The work workers have finished: copied, deleted, or failed for good. */
function finished(run: RunRecord): Counts {
  return {
    objects: run.copied.objects + run.deleted.objects + run.failed.objects,
    bytes: run.copied.bytes + run.deleted.bytes + run.failed.bytes,
  };
}

/** Why a finished run did not do all it set out to, besides failed objects: a sync whose deletes were refused. */
export function refusedDeletes(run: RunRecord): string | undefined {
  return run.deleteState === 'REFUSED'
    ? `the sync deleted nothing: ${run.deleteReason ?? 'refused'}`
    : undefined;
}

/** Done means reconciled: the lister finished and everything sent to workers reached a terminal state. */
export function isRunDone(run: RunRecord): boolean {
  return run.listerState === 'LISTED' && finished(run).objects >= dispatched(run).objects;
}

export function remaining(run: RunRecord): Counts {
  const [sent, done] = [dispatched(run), finished(run)];
  return {
    objects: Math.max(0, sent.objects - done.objects),
    bytes: Math.max(0, sent.bytes - done.bytes),
  };
}
