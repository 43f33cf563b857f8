// `startLister`: starts (or, resuming, picks up) a mapping's run on the fleet's ECS lister; optionally waits for it.
import type { ECSClient } from '@aws-sdk/client-ecs';
import { FerryError } from '../domain/errors.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { RunLedger, RunMode, RunRecord } from '../ports/ledger.ts';
import { isRunDone } from '../run/run-progress.ts';
import { listerOutcome, mayHaveRunningLister, type ResumePlan, resumePlanFor } from './lister-outcome.ts';
import {
  describeListerTask,
  findRunningListerTask,
  type ListerFleet,
  type ListerTaskState,
  runListerTask,
} from './lister-task.ts';
import { deadlineAfterMinutes, pollUntil } from './poll.ts';
import { assertRunId, newRunId } from './run-id.ts';

export interface StartListerOptions {
  readonly ecs: ECSClient;
  readonly ledger: RunLedger;
  readonly fleet: ListerFleet;
  readonly mappingId: string;
  /** Default: `<mapping>-<UTC timestamp>`. A given run that exists is picked up as with resume. */
  readonly runId?: string;
  /** For a new run; a picked-up run keeps its own. Default incremental. */
  readonly mode?: RunMode;
  /** Pick up the mapping's latest run when it is unfinished, instead of starting a second one. */
  readonly resume?: boolean;
  /** Wait for the lister task to stop and check how it did. */
  readonly wait?: boolean;
  readonly clock?: Clock;
  /** While waiting; default 15 s. */
  readonly pollIntervalMs?: number;
  /** While waiting; default 330 minutes, then the state is still-running. */
  readonly maxWaitMinutes?: number;
}

export interface StartListerResult {
  readonly runId: string;
  readonly mappingId: string;
  readonly mode: RunMode;
  /** started: a new run; restarted: an unfinished run's lister again; attached: an unfinished run, nothing started. */
  readonly action: 'started' | 'restarted' | 'attached';
  /** listing: a lister task runs (not waited for); listed: the listing is complete; still-running: waited, not done. */
  readonly state: 'listing' | 'listed' | 'still-running';
  readonly taskArn?: string;
}

export const defaultListerPollMs = 15_000;
export const defaultMaxWaitMinutes = 330;

async function existingRun(options: StartListerOptions): Promise<RunRecord | undefined> {
  const { ledger, mappingId } = options;
  if (options.runId === undefined) return options.resume ? await ledger.latestRun(mappingId) : undefined;
  const run = await ledger.getRun(assertRunId(options.runId));
  if (run === undefined) return undefined;
  if (run.mappingId !== mappingId)
    throw new FerryError('Config', `run ${run.runId} belongs to mapping ${run.mappingId}, not ${mappingId}`);
  if (isRunDone(run)) throw new FerryError('Config', `run ${run.runId} is done already: start a new run`);
  return run;
}

async function plan(options: StartListerOptions): Promise<ResumePlan> {
  const run = await existingRun(options);
  const taskArn = mayHaveRunningLister(run)
    ? await findRunningListerTask({ ecs: options.ecs, fleet: options.fleet, runId: run.runId })
    : undefined;
  return resumePlanFor(run, taskArn);
}

/** Waits for the task to stop; undefined when the deadline came first. */
async function awaitStopped(
  options: StartListerOptions,
  taskArn: string,
  clock: Clock,
): Promise<ListerTaskState | undefined> {
  const result = await pollUntil({
    clock,
    intervalMs: options.pollIntervalMs ?? defaultListerPollMs,
    deadlineMs: deadlineAfterMinutes(clock, options.maxWaitMinutes ?? defaultMaxWaitMinutes),
    check: async () => {
      const task = await describeListerTask({ ecs: options.ecs, fleet: options.fleet, taskArn });
      return task.stopped ? task : undefined;
    },
  });
  return result.done ? result.value : undefined;
}

/**
 * Starts the lister for a run of the mapping: RunTask on Fargate with the run's FERRY_MAPPING, FERRY_RUN_ID and
 * FERRY_MODE. With resume, an unfinished latest run is returned instead (its lister restarted for the same run id if it
 * died mid-listing or failed, so it continues from its checkpoint). With wait, returns once the lister task stopped
 * and both the ledger (LISTED) and the exit code (0) say it worked; otherwise throws with the reason.
 */
export async function startLister(options: StartListerOptions): Promise<StartListerResult> {
  const clock = options.clock ?? systemClock;
  const resumePlan = await plan(options);
  const base = { mappingId: options.mappingId };
  let result: StartListerResult;
  if (resumePlan.kind === 'attach') {
    const { run, taskArn } = resumePlan;
    result = {
      ...base,
      runId: run.runId,
      mode: run.mode,
      action: 'attached',
      state: taskArn === undefined ? 'listed' : 'listing',
      ...(taskArn !== undefined ? { taskArn } : {}),
    };
  } else {
    const run = resumePlan.kind === 'restart' ? resumePlan.run : undefined;
    const runId = run?.runId ?? options.runId ?? newRunId(options.mappingId, clock.now());
    const mode = run?.mode ?? options.mode ?? 'incremental';
    const taskArn = await runListerTask({
      ecs: options.ecs,
      fleet: options.fleet,
      mappingId: options.mappingId,
      runId,
      mode,
    });
    result = { ...base, runId, mode, action: run ? 'restarted' : 'started', state: 'listing', taskArn };
  }
  if (!options.wait || result.taskArn === undefined) return result;

  const task = await awaitStopped(options, result.taskArn, clock);
  if (task === undefined) return { ...result, state: 'still-running' };
  const outcome = listerOutcome({
    runId: result.runId,
    run: await options.ledger.getRun(result.runId),
    task,
  });
  if (!outcome.ok) throw new FerryError('Internal', outcome.reason);
  return { ...result, state: 'listed' };
}
