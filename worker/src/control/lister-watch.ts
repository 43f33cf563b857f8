// While a run is awaited, its lister task: once ECS has stopped it, read the run again and say whether the lister died.
import type { RunLedger, RunRecord } from '../ports/ledger.ts';
import { diedListerReason, mayHaveRunningLister } from './lister-outcome.ts';
import { describeListerTask, type ListerTaskRef } from './lister-task.ts';

export interface RunReading {
  readonly run: RunRecord | undefined;
  /** Why the lister task died (stopped without recording the run, or mid-listing), when it did. */
  readonly listerDied?: string;
  /** The lister task's last status, when it was described (only while the run is missing or listing). */
  readonly listerStatus?: string;
}

/**
 * Reads the run; while it is missing or listing and a lister task is given, describes that task too. A task stopped
 * for good is final, so the run is read again then (it may have recorded LISTED or FAILED just before stopping), and
 * judged by diedListerReason.
 */
export async function readRunWatchingLister(options: {
  readonly ledger: RunLedger;
  readonly runId: string;
  readonly lister?: ListerTaskRef;
}): Promise<RunReading> {
  const { ledger, runId, lister } = options;
  const run = await ledger.getRun(runId);
  if (lister === undefined || !(run === undefined || mayHaveRunningLister(run))) return { run };
  const task = await describeListerTask(lister);
  if (!task.stopped) return { run, listerStatus: task.lastStatus };
  const final = await ledger.getRun(runId);
  const listerDied = diedListerReason({ runId, run: final, task });
  return { run: final, listerStatus: task.lastStatus, ...(listerDied !== undefined ? { listerDied } : {}) };
}
