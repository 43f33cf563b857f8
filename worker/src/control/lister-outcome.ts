// Pure decisions about a run's lister: whether to start, restart or join a run, and how a stopped lister did.
import type { RunRecord } from '../ports/ledger.ts';
import { isRunDone } from '../run/run-progress.ts';
import type { ListerTaskState } from './lister-task.ts';

/** What to do about an existing run of the mapping. */
export type ResumePlan =
  | { readonly kind: 'new' }
  /** The run is unfinished and needs no lister started: it is listed (workers copy), or its lister still runs. */
  | { readonly kind: 'attach'; readonly run: RunRecord; readonly taskArn?: string }
  /** The run is unfinished but its lister is gone mid-listing, or failed: start it again (it resumes its checkpoint). */
  | { readonly kind: 'restart'; readonly run: RunRecord };

export function resumePlanFor(run: RunRecord | undefined, runningTaskArn: string | undefined): ResumePlan {
  if (run === undefined || isRunDone(run)) return { kind: 'new' };
  if (run.listerState === 'LISTED') return { kind: 'attach', run };
  if (run.listerState === 'LISTING' && runningTaskArn !== undefined)
    return { kind: 'attach', run, taskArn: runningTaskArn };
  return { kind: 'restart', run };
}

/** Whether a run's lister state means a task should be looked for (only a listing lister can be running). */
export function mayHaveRunningLister(run: RunRecord | undefined): run is RunRecord {
  return run !== undefined && !isRunDone(run) && run.listerState === 'LISTING';
}

export type ListerOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function describeStop(task: ListerTaskState): string {
  const parts = [task.exitCode !== undefined ? `exit code ${task.exitCode}` : 'no exit code'];
  if (task.stoppedReason) parts.push(task.stoppedReason);
  if (task.containerReason) parts.push(task.containerReason);
  return parts.join(', ');
}

/**
 * How a stopped lister did. The ledger's lister state is the first signal (the lister records LISTED only after its
 * last batch is sent, FAILED with the reason), the container's exit code the second: both must say it worked.
 */
export function listerOutcome(options: {
  readonly runId: string;
  readonly run: RunRecord | undefined;
  readonly task: ListerTaskState;
}): ListerOutcome {
  const { runId, run, task } = options;
  const stop = describeStop(task);
  if (run === undefined)
    return { ok: false, reason: `the lister of run ${runId} stopped (${stop}) before recording the run` };
  if (run.listerState === 'FAILED')
    return {
      ok: false,
      reason: `the listing of run ${runId} failed: ${run.reason ?? 'no reason recorded'} (${stop})`,
    };
  if (run.listerState === 'LISTING') {
    return {
      ok: false,
      reason: `the lister of run ${runId} stopped mid-listing (${stop}); start it again with resume to continue from its checkpoint`,
    };
  }
  if (task.exitCode !== 0)
    return { ok: false, reason: `run ${runId} is LISTED but its lister task ended badly (${stop})` };
  return { ok: true };
}

/** How ECS says a task stopped: `Essential container in task exited (exit code 2: reason)`. */
function stoppedInWords(task: ListerTaskState): string {
  const exit = task.exitCode !== undefined ? `exit code ${task.exitCode}` : 'no exit code';
  return `${task.stoppedReason ?? 'no reason given'} (${task.containerReason ? `${exit}: ${task.containerReason}` : exit})`;
}

/**
 * While a run is awaited: whether its lister task died, and why. Only a task stopped for good counts, and the run is
 * the one read after it stopped (the lister writes nothing more). Not in the ledger: it died before recording the run.
 * Still LISTING with an exit code other than 0: it died mid-listing (a lister that exits 0 recorded LISTED first).
 * LISTED and FAILED are the ledger's own verdicts: undefined, as for a task that still runs.
 */
export function diedListerReason(options: {
  readonly runId: string;
  readonly run: RunRecord | undefined;
  readonly task: ListerTaskState;
}): string | undefined {
  const { runId, run, task } = options;
  if (!task.stopped) return undefined;
  if (run === undefined)
    return `the lister task ${task.taskArn} stopped before recording run ${runId}: ${stoppedInWords(task)}`;
  if (run.listerState === 'LISTING' && task.exitCode !== 0)
    return (
      `the lister task ${task.taskArn} of run ${runId} stopped mid-listing: ${stoppedInWords(task)}; ` +
      'the next nightly run (or start-lister / ferry start with resume) picks it up from its checkpoint'
    );
  return undefined;
}
