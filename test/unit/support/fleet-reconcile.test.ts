// The local fleet runtime's decisions: lister tasks run once and are reported, workers follow the desired capacity.
import { describe, expect, test } from 'vitest';
import {
  containerExitCode,
  type FleetObservation,
  reconcileFleet,
  type WorkerView,
} from '../../support/fleet-reconcile.ts';

const base: FleetObservation = {
  runningListerTasks: [],
  listers: [],
  desiredWorkers: 0,
  workers: [],
  nowMs: 100_000,
  restartDelayMs: 2_000,
};

const worker = (id: string, startedAtMs: number, stopping = false): WorkerView => ({
  id,
  startedAtMs,
  stopping,
});

describe('lister tasks', () => {
  test('a new RUNNING lister task gets a lister process; one already started does not get another', () => {
    const actions = reconcileFleet({
      ...base,
      runningListerTasks: ['task/a', 'task/b'],
      listers: [{ taskArn: 'task/a', state: 'running' }],
    });
    expect(actions).toEqual([{ kind: 'run-lister', taskArn: 'task/b' }]);
  });

  test('an ended process is reported with its exit code; a reported one is left alone', () => {
    const actions = reconcileFleet({
      ...base,
      runningListerTasks: ['task/a'],
      listers: [
        { taskArn: 'task/a', state: 'exited', exitCode: 2 },
        { taskArn: 'task/b', state: 'reported', exitCode: 0 },
      ],
    });
    expect(actions).toEqual([{ kind: 'report-lister-exit', taskArn: 'task/a', exitCode: 2 }]);
  });

  test('a task stopped from outside has its running process terminated', () => {
    const actions = reconcileFleet({
      ...base,
      runningListerTasks: [],
      listers: [{ taskArn: 'task/a', state: 'running' }],
    });
    expect(actions).toEqual([{ kind: 'terminate-lister', taskArn: 'task/a' }]);
  });

  test('when the tasks could not be read, nothing is started or terminated', () => {
    const actions = reconcileFleet({
      ...base,
      runningListerTasks: undefined,
      listers: [{ taskArn: 'task/a', state: 'running' }],
    });
    expect(actions).toEqual([]);
  });
});

describe('workers', () => {
  test('below the desired capacity: start the difference', () => {
    expect(reconcileFleet({ ...base, desiredWorkers: 3, workers: [worker('w1', 1)] })).toEqual([
      { kind: 'start-worker' },
      { kind: 'start-worker' },
    ]);
  });

  test('above it: stop the newest, and draining workers do not count', () => {
    const actions = reconcileFleet({
      ...base,
      desiredWorkers: 1,
      workers: [worker('w1', 1), worker('w3', 3), worker('w2', 2), worker('w0', 0, true)],
    });
    expect(actions).toEqual([
      { kind: 'stop-worker', workerId: 'w3' },
      { kind: 'stop-worker', workerId: 'w2' },
    ]);
  });

  test('scaled back up while some drain: new workers start beside the draining ones', () => {
    const actions = reconcileFleet({ ...base, desiredWorkers: 2, workers: [worker('w1', 1, true)] });
    expect(actions).toEqual([{ kind: 'start-worker' }, { kind: 'start-worker' }]);
  });

  test('at capacity, or capacity unknown: nothing to do', () => {
    expect(reconcileFleet({ ...base, desiredWorkers: 1, workers: [worker('w1', 1)] })).toEqual([]);
    expect(reconcileFleet({ ...base, desiredWorkers: undefined, workers: [worker('w1', 1)] })).toEqual([]);
  });

  test('a worker that died is replaced, but not sooner than the restart delay after the crash', () => {
    const crashed = { ...base, desiredWorkers: 2, workers: [worker('w2', 2)], lastWorkerCrashAtMs: 99_000 };
    expect(reconcileFleet(crashed)).toEqual([]);
    expect(reconcileFleet({ ...crashed, nowMs: 101_000 })).toEqual([{ kind: 'start-worker' }]);
  });
});

test('exit codes as ECS reports them: the process code, or 128 + the signal number', () => {
  expect(containerExitCode(0, null)).toBe(0);
  expect(containerExitCode(2, null)).toBe(2);
  expect(containerExitCode(null, 'SIGTERM')).toBe(143);
  expect(containerExitCode(null, 'SIGKILL')).toBe(137);
});
