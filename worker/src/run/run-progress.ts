// Pure reading of a run record: is it done, how far along, how fast.
import type { Counts, RunRecord } from '../ports/ledger.ts';

/** Done means reconciled: the lister finished and every planned object reached a terminal state. */
export function isRunDone(run: RunRecord): boolean {
  return run.listerState === 'LISTED' && run.copied.objects + run.failed.objects >= run.planned.objects;
}

export function remaining(run: RunRecord): Counts {
  return {
    objects: Math.max(0, run.planned.objects - run.copied.objects - run.failed.objects),
    bytes: Math.max(0, run.planned.bytes - run.copied.bytes - run.failed.bytes),
  };
}
