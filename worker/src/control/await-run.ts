// `awaitRun`: follows a run in the ledger until it is reconciled done, with a progress line per poll and a deadline.
import { FerryError } from '../domain/errors.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { FailureRecord, RunLedger, RunRecord } from '../ports/ledger.ts';
import { readFailures } from '../run/read-failures.ts';
import { isRunDone, refusedDeletes } from '../run/run-progress.ts';
import {
  describeThreshold,
  exceedsThreshold,
  type FailureThreshold,
  noFailuresAllowed,
} from './failure-threshold.ts';
import type { FleetProbe } from './fleet-probe.ts';
import type { ListerTaskRef } from './lister-task.ts';
import { readRunWatchingLister } from './lister-watch.ts';
import { deadlineAfterMinutes, pollUntil } from './poll.ts';
import { type ProgressSample, progressLine, sampleOf } from './progress-sample.ts';
import { type ScaleInResult, type ScaleInTarget, scaleInWhenIdle } from './worker-group.ts';

export interface AwaitRunOptions {
  readonly ledger: RunLedger;
  readonly runId: string;
  readonly clock?: Clock;
  /** Default 60 s. */
  readonly pollIntervalMs?: number;
  /** Default 330 minutes, so a 6-hour CI job still has time to write its summary; then the state is still-running. */
  readonly maxWaitMinutes?: number;
  /** A run not in the ledger after this long is an error (its lister never started); default 15 minutes. */
  readonly missingRunGraceMinutes?: number;
  /**
   * The run's lister task (start-lister's task ARN). While the run is missing or listing, the task is described: one
   * that stopped before recording the run is an error at once, with ECS's reason (no waiting out the grace); one that
   * stopped mid-listing with an exit code other than 0 fails the run.
   */
  readonly listerTask?: ListerTaskRef;
  /** Workers in service and dead letters for the progress lines. */
  readonly probe?: FleetProbe;
  /** One line per poll. */
  readonly onProgress?: (line: string, sample?: ProgressSample) => void;
  /** Default: no failed object allowed. */
  readonly failureThreshold?: FailureThreshold;
  /**
   * Scale this worker group to 0 once the run is over (not when the deadline comes first) — unless the work queue,
   * when given, still holds messages: those are other runs' work on the same fleet, which the workers must finish.
   */
  readonly scaleInWhenDone?: ScaleInTarget;
  /** At most this many failures are read for the result; default 1,000. */
  readonly maxFailuresRead?: number;
}

export type AwaitRunResult =
  | {
      readonly state: 'still-running';
      readonly run?: RunRecord;
      readonly samples: readonly ProgressSample[];
    }
  | ({
      readonly state: 'succeeded' | 'failed';
      readonly run: RunRecord;
      /** The first maxFailuresRead failures; run.failed has the full count. */
      readonly failures: readonly FailureRecord[];
      readonly samples: readonly ProgressSample[];
      /** Why the run failed: failures over the threshold, the listing failed, or its lister task died mid-listing. */
      readonly reason?: string;
    } & ScaleInResult);

export const defaultAwaitPollMs = 60_000;
export const defaultAwaitMaxWaitMinutes = 330;
const defaultMissingRunGraceMinutes = 15;

/** What the wait ends with: the run, and why its lister died when that ended it. */
interface Ended {
  readonly run: RunRecord;
  readonly listerDied?: string;
}

/** Over: reconciled done, or the listing failed (nothing more will be planned). */
function isOver(run: RunRecord): boolean {
  return isRunDone(run) || run.listerState === 'FAILED';
}

function verdict(run: RunRecord, threshold: FailureThreshold): string | undefined {
  if (run.listerState === 'FAILED') return `the listing failed: ${run.reason ?? 'no reason recorded'}`;
  if (exceedsThreshold(run, threshold))
    return `${run.failed.objects} objects failed, more than the ${describeThreshold(threshold)} allowed`;
  return refusedDeletes(run);
}

/** While the run is not in the ledger: an error once its lister died or the grace is over, else a progress line. */
function missingRunLine(options: {
  readonly runId: string;
  readonly now: Date;
  readonly waitedMs: number;
  readonly graceMs: number;
  readonly listerDied: string | undefined;
  readonly listerStatus: string | undefined;
}): string {
  const { runId, listerDied, listerStatus } = options;
  if (listerDied !== undefined) throw new FerryError('Internal', listerDied);
  const task = listerStatus === undefined ? undefined : `its lister task is ${listerStatus}`;
  if (options.waitedMs >= options.graceMs) {
    const note = task === undefined ? '' : ` (${task})`;
    throw new FerryError('Config', `run ${runId} is not in the ledger: was its lister started?${note}`);
  }
  return `${options.now.toISOString().slice(11, 19)}Z ${runId}: not in the ledger yet (${task ?? 'its lister is starting'})`;
}

/**
 * Polls the ledger every interval until the run is reconciled done (the lister finished and every planned object was
 * copied or failed) or its listing failed, reporting a progress line each time. The deadline returns still-running
 * with the samples so far: awaiting again later picks the same run up. Once over: failed when the listing failed or
 * failed objects exceed the threshold, else succeeded; workers scaled to 0 if asked. Given the lister task, a lister
 * that died ends the wait at once: an error when it never recorded the run, a failed run when it stopped mid-listing.
 */
export async function awaitRun(options: AwaitRunOptions): Promise<AwaitRunResult> {
  const { ledger, runId } = options;
  const clock = options.clock ?? systemClock;
  const startMs = clock.now().getTime();
  const graceMs = (options.missingRunGraceMinutes ?? defaultMissingRunGraceMinutes) * 60_000;
  const samples: ProgressSample[] = [];
  let latest: RunRecord | undefined;

  const poll = await pollUntil({
    clock,
    intervalMs: options.pollIntervalMs ?? defaultAwaitPollMs,
    deadlineMs: deadlineAfterMinutes(clock, options.maxWaitMinutes ?? defaultAwaitMaxWaitMinutes),
    check: async (): Promise<Ended | undefined> => {
      const now = clock.now();
      const { run, listerDied, listerStatus } = await readRunWatchingLister({
        ledger,
        runId,
        ...(options.listerTask ? { lister: options.listerTask } : {}),
      });
      if (run === undefined) {
        const waitedMs = now.getTime() - startMs;
        // Computed first: it throws when the wait is over, with or without onProgress.
        const line = missingRunLine({ runId, now, waitedMs, graceMs, listerDied, listerStatus });
        options.onProgress?.(line);
        return undefined;
      }
      latest = run;
      const sample = sampleOf(run, now, (await options.probe?.read()) ?? {});
      options.onProgress?.(progressLine(run, sample, samples.at(-1)), sample);
      samples.push(sample);
      if (listerDied !== undefined) return { run, listerDied };
      return isOver(run) ? { run } : undefined;
    },
  });
  if (!poll.done) return { state: 'still-running', ...(latest ? { run: latest } : {}), samples };

  const { run, listerDied } = poll.value;
  const failures =
    run.failed.objects > 0 ? await readFailures(ledger, runId, options.maxFailuresRead ?? 1000) : [];
  const scaleIn = options.scaleInWhenDone ? await scaleInWhenIdle(options.scaleInWhenDone) : {};
  const reason = listerDied ?? verdict(run, options.failureThreshold ?? noFailuresAllowed);
  return {
    state: reason === undefined ? 'succeeded' : 'failed',
    run,
    failures,
    samples,
    ...(reason !== undefined ? { reason } : {}),
    ...scaleIn,
  };
}
