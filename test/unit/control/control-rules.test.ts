// Pure control-plane rules: run ids, worker sizing, the failure threshold, resume plans and lister outcomes.
import { describe, expect, test } from 'vitest';
import { exceedsThreshold, parseFailureThreshold } from '../../../worker/src/control/failure-threshold.ts';
import { listerOutcome, resumePlanFor } from '../../../worker/src/control/lister-outcome.ts';
import type { ListerTaskState } from '../../../worker/src/control/lister-task.ts';
import { assertRunId, newRunId } from '../../../worker/src/control/run-id.ts';
import { defaultWorkerBytesPerSec, workersForDuration } from '../../../worker/src/control/worker-capacity.ts';
import type { RunRecord } from '../../../worker/src/ports/ledger.ts';

function run(overrides: Partial<RunRecord> = {}): RunRecord {
  const none = { objects: 0, bytes: 0 };
  return {
    runId: 'r',
    mappingId: 'm',
    mode: 'incremental',
    listerState: 'LISTING',
    startedAt: new Date(0),
    planned: { objects: 100, bytes: 1000 },
    skipped: none,
    copied: none,
    failed: none,
    toDelete: none,
    deleted: none,
    ...overrides,
  };
}

describe('run ids', () => {
  test('are the mapping and the UTC second, so they sort by start', () => {
    expect(newRunId('media', new Date('2026-11-21T02:03:04.999Z'))).toBe('media-20261121T020304Z');
    expect(
      newRunId('media', new Date('2026-11-21T02:03:05Z')) >
        newRunId('media', new Date('2026-11-21T02:03:04Z')),
    ).toBe(true);
  });
  test('given ones are checked', () => {
    expect(assertRunId('nightly.2026-11-21_a')).toBe('nightly.2026-11-21_a');
    for (const bad of ['', '-x', 'a b', 'a#b', 'a/b', 'x'.repeat(129), 'é'])
      expect(() => assertRunId(bad)).toThrow('run id');
  });
});

describe('workersForDuration', () => {
  test('enough workers at the per-worker rate to copy the bytes in time, within [1, max]', () => {
    const hour = 3600;
    const bytes = 10 * defaultWorkerBytesPerSec * hour;
    expect(workersForDuration({ bytes, targetDurationSec: hour, maxWorkers: 20 })).toBe(10);
    expect(workersForDuration({ bytes: bytes + 1, targetDurationSec: hour, maxWorkers: 20 })).toBe(11);
    expect(workersForDuration({ bytes, targetDurationSec: hour, maxWorkers: 4 })).toBe(4);
    expect(workersForDuration({ bytes: 0, targetDurationSec: hour, maxWorkers: 4 })).toBe(1);
    expect(
      workersForDuration({
        bytes,
        targetDurationSec: hour,
        maxWorkers: 20,
        bytesPerSecPerWorker: defaultWorkerBytesPerSec * 5,
      }),
    ).toBe(2);
    expect(() => workersForDuration({ bytes, targetDurationSec: 0, maxWorkers: 4 })).toThrow(
      'target duration',
    );
    expect(() => workersForDuration({ bytes, targetDurationSec: hour, maxWorkers: 0 })).toThrow('maximum');
  });
});

describe('failure threshold', () => {
  test('parses a count or a percent', () => {
    expect(parseFailureThreshold('0')).toEqual({ maxFailedObjects: 0 });
    expect(parseFailureThreshold(' 25 ')).toEqual({ maxFailedObjects: 25 });
    expect(parseFailureThreshold('0.5%')).toEqual({ maxFailedPercent: 0.5 });
    for (const bad of ['-1', '1.5', '101%', 'x', '%', ''])
      expect(() => parseFailureThreshold(bad)).toThrow('failure threshold');
  });
  test('a run fails when its failed objects are more than allowed', () => {
    const failed = run({ failed: { objects: 2, bytes: 0 } });
    expect(exceedsThreshold(failed, { maxFailedObjects: 1 })).toBe(true);
    expect(exceedsThreshold(failed, { maxFailedObjects: 2 })).toBe(false);
    expect(exceedsThreshold(failed, { maxFailedPercent: 1.9 })).toBe(true);
    expect(exceedsThreshold(failed, { maxFailedPercent: 2 })).toBe(false);
    expect(exceedsThreshold(run(), { maxFailedPercent: 0 })).toBe(false);
  });
});

describe('resume plans', () => {
  test('new without an unfinished run; attach to a listed one or a running lister; restart a dead or failed lister', () => {
    expect(resumePlanFor(undefined, undefined)).toEqual({ kind: 'new' });
    const done = run({ listerState: 'LISTED', copied: { objects: 100, bytes: 1000 } });
    expect(resumePlanFor(done, undefined)).toEqual({ kind: 'new' });
    const copying = run({ listerState: 'LISTED' });
    expect(resumePlanFor(copying, undefined)).toEqual({ kind: 'attach', run: copying });
    const listing = run();
    expect(resumePlanFor(listing, 'arn:task/1')).toEqual({
      kind: 'attach',
      run: listing,
      taskArn: 'arn:task/1',
    });
    expect(resumePlanFor(listing, undefined)).toEqual({ kind: 'restart', run: listing });
    const failed = run({ listerState: 'FAILED', reason: 'boom' });
    expect(resumePlanFor(failed, undefined)).toEqual({ kind: 'restart', run: failed });
  });
});

describe('listerOutcome', () => {
  const stopped = (exitCode: number | undefined, extra: Partial<ListerTaskState> = {}): ListerTaskState => ({
    taskArn: 'arn:task/1',
    lastStatus: 'STOPPED',
    stopped: true,
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...extra,
  });

  test('LISTED in the ledger and exit code 0: it worked', () => {
    expect(listerOutcome({ runId: 'r', run: run({ listerState: 'LISTED' }), task: stopped(0) })).toEqual({
      ok: true,
    });
  });
  test('LISTED but a non-zero exit is a failure: both signals must agree', () => {
    expect(
      listerOutcome({
        runId: 'r',
        run: run({ listerState: 'LISTED' }),
        task: stopped(137, { containerReason: 'OutOfMemoryError' }),
      }),
    ).toEqual({
      ok: false,
      reason: 'run r is LISTED but its lister task ended badly (exit code 137, OutOfMemoryError)',
    });
  });
  test('no run recorded: the task never got going', () => {
    const outcome = listerOutcome({
      runId: 'r',
      run: undefined,
      task: stopped(undefined, { stoppedReason: 'CannotPullContainerError: pull access denied' }),
    });
    expect(outcome).toEqual({
      ok: false,
      reason:
        'the lister of run r stopped (no exit code, CannotPullContainerError: pull access denied) before recording the run',
    });
  });
});
