// awaitRun against a DynamoDB ledger and a fleet stand-in on moto, on a manual clock: a run from listing to done,
// the deadline, the failure threshold, scaling in, the report built from what it returns, and the lister task watched
// on moto's ECS (through the ECS facade for the exit codes moto does not report).
import { type ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createEcsClient } from '../../../worker/src/aws/clients.ts';
import {
  type AwaitRunOptions,
  type AwaitRunResult,
  awaitRun,
} from '../../../worker/src/control/await-run.ts';
import { destroyControlPlaneClients } from '../../../worker/src/control/control-clients.ts';
import type { FleetDescription } from '../../../worker/src/control/fleet-outputs.ts';
import { createFleetProbe } from '../../../worker/src/control/fleet-probe.ts';
import { runListerTask } from '../../../worker/src/control/lister-task.ts';
import { renderRunReport } from '../../../worker/src/control/run-report.ts';
import { describeWorkerGroup, scaleWorkers } from '../../../worker/src/control/worker-group.ts';
import { createDynamoDbLedger } from '../../../worker/src/distributed/dynamodb-ledger.ts';
import { createSqsWorkQueue } from '../../../worker/src/distributed/sqs-work-queue.ts';
import type { FailureRecord, RunLedger } from '../../../worker/src/ports/ledger.ts';
import { motoClientOptions, motoEndpoint } from '../../support/aws.ts';
import { controlPlaneEnv } from '../../support/distributed-run.ts';
import { type EcsFacade, startEcsFacade } from '../../support/ecs-facade.ts';
import { runFerry } from '../../support/ferry-cli.ts';
import { createManualClock, type ManualClock } from '../../support/manual-clock.ts';
import { createFleetStandIn, motoControlPlane, untilSleeping } from './control-fixture.ts';

const MiB = 1024 * 1024;
const minute = 60_000;
const clients = motoControlPlane();
let fleet: FleetDescription;
let ledger: RunLedger;
beforeAll(async () => {
  fleet = await createFleetStandIn(clients, 'await');
  ledger = createDynamoDbLedger({ client: clients.dynamodb, tableName: fleet.outputs.LedgerTableName });
});
afterAll(() => destroyControlPlaneClients(clients));

let runs = 0;
async function newRun(clock: ManualClock): Promise<string> {
  runs += 1;
  const runId = `await-${process.pid}-${runs}`;
  await ledger.startRun({ runId, mappingId: 'media', mode: 'incremental', startedAt: clock.now() });
  return runId;
}

const plan = (runId: string, batchId: string, objects: number) =>
  ledger.recordPlanned(runId, {
    batchId,
    planned: { objects, bytes: objects * 10 * MiB },
    skipped: { objects: 1, bytes: MiB },
  });

const copy = (runId: string, batchId: string, objects: number, failures: FailureRecord[] = []) =>
  ledger.recordOutcome(runId, {
    batchId,
    copied: { objects, bytes: objects * 10 * MiB },
    failed: { objects: failures.length, bytes: failures.length * 10 * MiB },
    failures,
  });

function failure(key: string): FailureRecord {
  return { key, errorClass: 'NotFound', message: `GET ${key}: NoSuchKey (HTTP 404)`, attempts: 1 };
}

/** Starts awaitRun and returns it with the lines it printed. */
function follow(clock: ManualClock, options: Partial<AwaitRunOptions> & { runId: string }) {
  const lines: string[] = [];
  const result: Promise<AwaitRunResult> = awaitRun({
    ledger,
    clock,
    pollIntervalMs: minute,
    onProgress: (line) => lines.push(line),
    ...options,
  });
  result.catch(() => undefined);
  return { result, lines };
}

/** Makes the change, then lets one poll interval pass. */
async function thenPoll(clock: ManualClock, change: () => Promise<unknown>): Promise<void> {
  await untilSleeping(clock);
  await change();
  await clock.advance(minute);
}

describe('awaitRun on moto', () => {
  test('follows a run from listing to reconciled done, one progress line per poll, then scales in', async () => {
    const clock = createManualClock(new Date('2026-03-01T02:00:00Z'));
    const runId = await newRun(clock);
    await scaleWorkers({
      autoScaling: clients.autoScaling,
      groupName: fleet.outputs.WorkerGroupName,
      desiredCapacity: 2,
    });
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: fleet.outputs.DeadLetterQueueUrl, MessageBody: 'poison' }),
    );
    const probe = createFleetProbe({
      autoScaling: clients.autoScaling,
      sqs: clients.sqs,
      workerGroupName: fleet.outputs.WorkerGroupName,
      deadLetterQueueUrl: fleet.outputs.DeadLetterQueueUrl,
    });
    const { result, lines } = follow(clock, {
      runId,
      probe,
      scaleInWhenDone: { autoScaling: clients.autoScaling, groupName: fleet.outputs.WorkerGroupName },
    });
    await thenPoll(clock, () => plan(runId, 'p1', 6));
    await thenPoll(clock, async () => {
      await plan(runId, 'p2', 4);
      await ledger.setListerState(runId, 'LISTED');
      await copy(runId, 'c1', 6);
    });
    await thenPoll(clock, () => copy(runId, 'c2', 4));
    const done = await result;

    expect(done.state).toBe('succeeded');
    if (done.state === 'still-running') throw new Error('unreachable');
    expect(done.run).toMatchObject({
      listerState: 'LISTED',
      planned: { objects: 10 },
      copied: { objects: 10 },
    });
    expect(done.failures).toEqual([]);
    expect(done.samples.map((sample) => sample.copied.objects)).toEqual([0, 0, 6, 10]);
    expect(done.samples.map((sample) => sample.inServiceWorkers)).toEqual([2, 2, 2, 2]);
    expect(done.samples.map((sample) => sample.deadLetters)).toEqual([1, 1, 1, 1]);
    expect(lines).toEqual([
      `02:00:00Z ${runId} listing: 0/0 objects, 0 B/0 B, 0 B/s, ETA ?, 2 workers, 1 dead letters, 0 failed`,
      `02:01:00Z ${runId} listing: 0/6 objects, 0 B/60.0 MiB, 0 B/s, ETA ?, 2 workers, 1 dead letters, 0 failed`,
      `02:02:00Z ${runId} copying: 6/10 objects, 60.0 MiB/100.0 MiB, 1.00 MiB/s, ETA 40s, 2 workers, 1 dead letters, 0 failed`,
      `02:03:00Z ${runId} done: 10/10 objects, 100.0 MiB/100.0 MiB, 682.7 KiB/s, ETA 0.0s, 2 workers, 1 dead letters, 0 failed`,
    ]);
    expect(done.scaledIn).toMatchObject({ desiredCapacity: 0, previous: { desiredCapacity: 2 } });
    expect(
      await describeWorkerGroup({
        autoScaling: clients.autoScaling,
        groupName: fleet.outputs.WorkerGroupName,
      }),
    ).toMatchObject({ desiredCapacity: 0 });

    const report = renderRunReport({ ...done, now: clock.now() });
    expect(report).toContain('✅ **Succeeded**');
    expect(report).toContain('xychart-beta');
    expect(report).toContain('line [0.0, 1.0, 0.7]');
    expect(report).not.toContain('partial');
  });

  test("a fleet still holding other runs' work is not scaled in; once the queue is empty, it is", async () => {
    const clock = createManualClock(new Date('2026-03-01T02:30:00Z'));
    const runId = await newRun(clock);
    await plan(runId, 'p1', 2);
    await ledger.setListerState(runId, 'LISTED');
    await copy(runId, 'c1', 2);
    const group = { autoScaling: clients.autoScaling, groupName: fleet.outputs.WorkerGroupName };
    await scaleWorkers({ ...group, desiredCapacity: 2 });
    const workQueue = createSqsWorkQueue({ client: clients.sqs, queueUrl: fleet.outputs.QueueUrl });
    await workQueue.send(['work of another run']);

    const busy = await follow(clock, { runId, scaleInWhenDone: { ...group, workQueue } }).result;
    expect(busy).toMatchObject({ state: 'succeeded', scaleInSkipped: expect.stringMatching(/other runs/) });
    expect(busy).not.toHaveProperty('scaledIn');
    expect(await describeWorkerGroup(group)).toMatchObject({ desiredCapacity: 2 });

    const [message] = await workQueue.receive({ max: 1, visibilityTimeoutSec: 30, waitSec: 1 });
    if (message) await workQueue.ack(message);
    const idle = await follow(clock, { runId, scaleInWhenDone: { ...group, workQueue } }).result;
    expect(idle).toMatchObject({ state: 'succeeded', scaledIn: { desiredCapacity: 0 } });
    expect(idle).not.toHaveProperty('scaleInSkipped');
    expect(await describeWorkerGroup(group)).toMatchObject({ desiredCapacity: 0 });
  });

  test('the deadline returns still-running with the samples so far; awaiting again picks the run up', async () => {
    const clock = createManualClock(new Date('2026-03-01T03:00:00Z'));
    const runId = await newRun(clock);
    await plan(runId, 'p1', 4);
    await ledger.setListerState(runId, 'LISTED');
    const first = follow(clock, { runId, maxWaitMinutes: 2 });
    await thenPoll(clock, () => copy(runId, 'c1', 1));
    await thenPoll(clock, () => copy(runId, 'c2', 1));
    const stopped = await first.result;
    expect(stopped.state).toBe('still-running');
    expect(stopped.samples.map((sample) => sample.copied.objects)).toEqual([0, 1, 2]);
    expect(stopped.run?.copied.objects).toBe(2);

    const second = follow(clock, { runId });
    await thenPoll(clock, () => copy(runId, 'c3', 2));
    const done = await second.result;
    expect(done.state).toBe('succeeded');
    expect(done.samples[0]?.copied.objects).toBe(2);
    if (done.state === 'still-running') throw new Error('unreachable');
    expect(renderRunReport({ ...done, now: clock.now() })).toContain('The samples are partial');
  });

  test('failed objects over the threshold fail the run, with the failures read from the ledger', async () => {
    const clock = createManualClock();
    const runId = await newRun(clock);
    await plan(runId, 'p1', 10);
    await ledger.setListerState(runId, 'LISTED');
    await copy(runId, 'c1', 8, [failure('gone/1'), failure('gone/2')]);
    const strict = await follow(clock, { runId }).result;
    expect(strict).toMatchObject({
      state: 'failed',
      reason: '2 objects failed, more than the 0 objects allowed',
    });
    if (strict.state === 'still-running') throw new Error('unreachable');
    expect(strict.failures.map((each) => each.key)).toEqual(['gone/1', 'gone/2']);

    expect((await follow(clock, { runId, failureThreshold: { maxFailedObjects: 2 } }).result).state).toBe(
      'succeeded',
    );
    expect((await follow(clock, { runId, failureThreshold: { maxFailedPercent: 10 } }).result).state).toBe(
      'failed',
    );
    expect((await follow(clock, { runId, failureThreshold: { maxFailedPercent: 20 } }).result).state).toBe(
      'succeeded',
    );
  });

  test('a failed listing ends the wait as failed, with its reason', async () => {
    const clock = createManualClock();
    const runId = await newRun(clock);
    await ledger.setListerState(runId, 'FAILED', { reason: 'AccessDenied on ListObjectsV2' });
    const result = await follow(clock, { runId }).result;
    expect(result).toMatchObject({
      state: 'failed',
      reason: 'the listing failed: AccessDenied on ListObjectsV2',
    });
  });

  test('a run that never appears in the ledger is an error after the grace period', async () => {
    const clock = createManualClock();
    const { result, lines } = follow(clock, { runId: `missing-${process.pid}`, missingRunGraceMinutes: 2 });
    await thenPoll(clock, async () => undefined);
    await thenPoll(clock, async () => undefined);
    await expect(result).rejects.toThrow(`run missing-${process.pid} is not in the ledger`);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('not in the ledger yet');
  });
});

describe('awaitRun with the lister task', () => {
  const essentialExited = 'Essential container in task exited';
  /** The exit code each stopped lister container had, as the facade reports it (moto says 0 whatever happened). */
  const exitCodes = new Map<string, number>();
  let facade: EcsFacade;
  let ecs: ECSClient;
  beforeAll(async () => {
    facade = await startEcsFacade({
      upstreamUrl: inject('motoSource'),
      lookup: (taskArn) => {
        const exitCode = exitCodes.get(taskArn);
        return exitCode === undefined
          ? undefined
          : { name: fleet.outputs.ListerContainerName, lastStatus: 'STOPPED', exitCode };
      },
    });
    ecs = createEcsClient(motoEndpoint(facade.url, 'ecs-facade'), motoClientOptions);
  });
  afterAll(async () => {
    ecs.destroy();
    await facade.stop();
  });

  let listers = 0;
  /** A run id, and its lister task started on moto (which runs nothing: the test plays the lister). */
  async function startLister(): Promise<{ runId: string; taskArn: string }> {
    listers += 1;
    const runId = `await-lister-${process.pid}-${listers}`;
    const taskArn = await runListerTask({
      ecs: clients.ecs,
      fleet: fleet.outputs,
      mappingId: 'media',
      runId,
      mode: 'incremental',
    });
    return { runId, taskArn };
  }

  /** Stops the task as ECS does when its container exits with that code. */
  async function exitTask(taskArn: string, exitCode: number): Promise<void> {
    await clients.ecs.send(
      new StopTaskCommand({ cluster: fleet.outputs.ClusterName, task: taskArn, reason: essentialExited }),
    );
    exitCodes.set(taskArn, exitCode);
  }

  const watching = (taskArn: string) => ({ listerTask: { ecs, fleet: fleet.outputs, taskArn } });

  test('a task that stopped before recording the run fails at once with its reason and exit code', async () => {
    const start = new Date('2026-03-01T02:00:00Z');
    const clock = createManualClock(start);
    const { runId, taskArn } = await startLister();
    await exitTask(taskArn, 2);

    const { result, lines } = follow(clock, { runId, ...watching(taskArn) });
    await expect(result).rejects.toThrow(
      `the lister task ${taskArn} stopped before recording run ${runId}: ${essentialExited} (exit code 2)`,
    );
    expect(clock.now()).toEqual(start);
    expect(clock.sleepers).toBe(0);
    expect(lines).toEqual([]);
  });

  test('while the task runs the wait goes on; once it stops, the next poll fails, well before the grace', async () => {
    const clock = createManualClock(new Date('2026-03-01T03:00:00Z'));
    const { runId, taskArn } = await startLister();

    const { result, lines } = follow(clock, { runId, ...watching(taskArn) });
    await thenPoll(clock, async () => undefined);
    await thenPoll(clock, () => exitTask(taskArn, 1));
    await expect(result).rejects.toThrow(`the lister task ${taskArn} stopped before recording run ${runId}`);
    expect(clock.now()).toEqual(new Date('2026-03-01T03:02:00Z'));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/: not in the ledger yet \(its lister task is [A-Z]+\)$/);
    expect(lines.join('\n')).not.toContain('STOPPED');
  });

  test('a task still running when the grace is over: the grace error, naming its status', async () => {
    const clock = createManualClock(new Date('2026-03-01T04:00:00Z'));
    const { runId, taskArn } = await startLister();

    const { result, lines } = follow(clock, { runId, ...watching(taskArn), missingRunGraceMinutes: 3 });
    for (let polls = 0; polls < 3; polls += 1) await thenPoll(clock, async () => undefined);
    await expect(result).rejects.toThrow(
      new RegExp(
        `^run ${runId} is not in the ledger: was its lister started\\? \\(its lister task is [A-Z]+\\)$`,
      ),
    );
    expect(clock.now()).toEqual(new Date('2026-03-01T04:03:00Z'));
    expect(lines).toHaveLength(3);
    await exitTask(taskArn, 0);
  });

  test('a task that stopped mid-listing with a non-zero exit fails the run, saying a re-run resumes it', async () => {
    const clock = createManualClock(new Date('2026-03-01T05:00:00Z'));
    const { runId, taskArn } = await startLister();
    await ledger.startRun({ runId, mappingId: 'media', mode: 'incremental', startedAt: clock.now() });
    await ledger.recordPlanned(runId, {
      batchId: 'p1',
      planned: { objects: 5, bytes: 50 },
      skipped: { objects: 0, bytes: 0 },
    });

    const { result, lines } = follow(clock, { runId, ...watching(taskArn) });
    await thenPoll(clock, () => exitTask(taskArn, 137));
    const outcome = await result;
    expect(outcome).toMatchObject({
      state: 'failed',
      run: { listerState: 'LISTING', planned: { objects: 5 } },
      reason:
        `the lister task ${taskArn} of run ${runId} stopped mid-listing: ${essentialExited} (exit code 137); ` +
        'the next nightly run (or start-lister / ferry start with resume) picks it up from its checkpoint',
    });
    expect(outcome.samples).toHaveLength(2);
    expect(lines).toHaveLength(2);
    expect(clock.now()).toEqual(new Date('2026-03-01T05:01:00Z'));
  });

  test('a lister that recorded LISTED and exited 0 is no failure: the wait goes on until the run is done', async () => {
    const clock = createManualClock(new Date('2026-03-01T06:00:00Z'));
    const { runId, taskArn } = await startLister();
    await ledger.startRun({ runId, mappingId: 'media', mode: 'incremental', startedAt: clock.now() });

    const { result } = follow(clock, { runId, ...watching(taskArn) });
    await thenPoll(clock, async () => {
      await ledger.recordPlanned(runId, {
        batchId: 'p1',
        planned: { objects: 2, bytes: 20 },
        skipped: { objects: 0, bytes: 0 },
      });
      await ledger.setListerState(runId, 'LISTED');
      await exitTask(taskArn, 0);
    });
    await thenPoll(clock, () =>
      ledger.recordOutcome(runId, {
        batchId: 'c1',
        copied: { objects: 2, bytes: 20 },
        failed: { objects: 0, bytes: 0 },
        failures: [],
      }),
    );
    const outcome = await result;
    expect(outcome.state).toBe('succeeded');
    expect(outcome.samples.map((sample) => sample.copied.objects)).toEqual([0, 0, 2]);
  });

  test('without the task ARN nothing changes: a stopped lister is waited for until the grace is over', async () => {
    const clock = createManualClock(new Date('2026-03-01T07:00:00Z'));
    const { runId, taskArn } = await startLister();
    await exitTask(taskArn, 2);

    const { result, lines } = follow(clock, { runId, missingRunGraceMinutes: 2 });
    await thenPoll(clock, async () => undefined);
    await thenPoll(clock, async () => undefined);
    await expect(result).rejects.toThrow(`run ${runId} is not in the ledger: was its lister started?`);
    expect(clock.now()).toEqual(new Date('2026-03-01T07:02:00Z'));
    expect(lines).toEqual([
      `07:00:00Z ${runId}: not in the ledger yet (its lister is starting)`,
      `07:01:00Z ${runId}: not in the ledger yet (its lister is starting)`,
    ]);
  });

  test('ferry await with FERRY_LISTER_TASK of a stopped lister: exit 1 at once, with the reason', async () => {
    const { runId, taskArn } = await startLister();
    await exitTask(taskArn, 0);
    const result = await runFerry(['await', '--run-id', runId], {
      env: {
        ...controlPlaneEnv(inject('motoSource')),
        FERRY_STACK: fleet.stackName,
        FERRY_LISTER_TASK: taskArn,
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `ferry: the lister task ${taskArn} stopped before recording run ${runId}: ${essentialExited} (exit code 0)`,
    );
  });
});
