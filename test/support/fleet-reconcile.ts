// Pure decisions of the local ECS/EC2 stand-in: which lister tasks to run or stop, how many workers to start or stop.
import { constants } from 'node:os';

/** A lister process the runtime started for one ECS task. */
export interface ListerView {
  readonly taskArn: string;
  /** running: the process is alive; exited: it ended, StopTask not yet done; reported: the task is STOPPED. */
  readonly state: 'running' | 'exited' | 'reported';
  /** Set once the process has ended. */
  readonly exitCode?: number;
}

/** A worker process the runtime keeps for the worker group. */
export interface WorkerView {
  readonly id: string;
  readonly startedAtMs: number;
  /** SIGTERM sent, draining: no longer counts toward the desired capacity. */
  readonly stopping: boolean;
}

export interface FleetObservation {
  /** ECS tasks that are RUNNING (desired and last status) and run the lister container; undefined: unknown now. */
  readonly runningListerTasks: readonly string[] | undefined;
  readonly listers: readonly ListerView[];
  /** The worker group's DesiredCapacity; undefined when it could not be read this time (change nothing then). */
  readonly desiredWorkers: number | undefined;
  readonly workers: readonly WorkerView[];
  readonly nowMs: number;
  /** When a worker last exited without being asked to; restarts wait restartDelayMs after it. */
  readonly lastWorkerCrashAtMs?: number;
  readonly restartDelayMs: number;
}

export type FleetAction =
  | { readonly kind: 'run-lister'; readonly taskArn: string }
  /** The task was stopped from outside while its process runs: SIGTERM it, as ECS does. */
  | { readonly kind: 'terminate-lister'; readonly taskArn: string }
  /** The process ended: StopTask with its exit code in the reason. */
  | { readonly kind: 'report-lister-exit'; readonly taskArn: string; readonly exitCode: number }
  | { readonly kind: 'start-worker' }
  | { readonly kind: 'stop-worker'; readonly workerId: string };

function listerActions(observation: FleetObservation): FleetAction[] {
  const actions: FleetAction[] = [];
  const known = new Set(observation.listers.map((lister) => lister.taskArn));
  const tasks = observation.runningListerTasks;
  for (const taskArn of tasks ?? []) {
    if (!known.has(taskArn)) actions.push({ kind: 'run-lister', taskArn });
  }
  for (const lister of observation.listers) {
    if (tasks && lister.state === 'running' && !tasks.includes(lister.taskArn)) {
      actions.push({ kind: 'terminate-lister', taskArn: lister.taskArn });
    }
    if (lister.state === 'exited' && lister.exitCode !== undefined) {
      actions.push({ kind: 'report-lister-exit', taskArn: lister.taskArn, exitCode: lister.exitCode });
    }
  }
  return actions;
}

function workerActions(observation: FleetObservation): FleetAction[] {
  const desired = observation.desiredWorkers;
  if (desired === undefined) return [];
  const serving = observation.workers.filter((worker) => !worker.stopping);
  if (serving.length > desired) {
    // Newest first: they have done the least work; the drain hands their messages back either way.
    const newestFirst = [...serving].sort((a, b) => b.startedAtMs - a.startedAtMs || (a.id < b.id ? 1 : -1));
    return newestFirst
      .slice(0, serving.length - desired)
      .map((worker) => ({ kind: 'stop-worker', workerId: worker.id }));
  }
  const crashedRecently =
    observation.lastWorkerCrashAtMs !== undefined &&
    observation.nowMs - observation.lastWorkerCrashAtMs < observation.restartDelayMs;
  if (serving.length < desired && !crashedRecently) {
    return Array.from({ length: desired - serving.length }, () => ({ kind: 'start-worker' }) as const);
  }
  return [];
}

/** What to do now so the processes match what ECS and the Auto Scaling group ask for. */
export function reconcileFleet(observation: FleetObservation): FleetAction[] {
  return [...listerActions(observation), ...workerActions(observation)];
}

/** The exit code ECS reports for a process: its code, or 128 + the signal number when a signal ended it. */
export function containerExitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? constants.signals[signal] : 0);
}
