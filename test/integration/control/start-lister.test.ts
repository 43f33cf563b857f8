// startLister against moto's ECS and a DynamoDB ledger: the Fargate task and its overrides, waiting for the lister's
// outcome, and resuming a mapping's unfinished run instead of starting a second.
import { DescribeTasksCommand, type RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createEcsClient } from '../../../worker/src/aws/clients.ts';
import { destroyControlPlaneClients } from '../../../worker/src/control/control-clients.ts';
import type { FleetDescription } from '../../../worker/src/control/fleet-outputs.ts';
import { type StartListerOptions, startLister } from '../../../worker/src/control/start-lister.ts';
import { createDynamoDbLedger } from '../../../worker/src/distributed/dynamodb-ledger.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { RunLedger } from '../../../worker/src/ports/ledger.ts';
import { motoClientOptions, motoEndpoint } from '../../support/aws.ts';
import { createManualClock, type ManualClock } from '../../support/manual-clock.ts';
import {
  createFleetStandIn,
  motoControlPlane,
  runningTasks as runningFleetTasks,
  stopTask as stopFleetTask,
  untilSleeping,
} from './control-fixture.ts';

const clients = motoControlPlane();
let fleet: FleetDescription;
let ledger: RunLedger;
beforeAll(async () => {
  fleet = await createFleetStandIn(clients, 'lister');
  ledger = createDynamoDbLedger({ client: clients.dynamodb, tableName: fleet.outputs.LedgerTableName });
});
afterAll(() => destroyControlPlaneClients(clients));

let mappings = 0;
function uniqueMapping(): string {
  mappings += 1;
  return `m${mappings}-${process.pid}`;
}

const pollIntervalMs = 15_000;

function options(
  clock: ManualClock,
  extra: Partial<StartListerOptions> & { mappingId: string },
): StartListerOptions {
  return { ecs: clients.ecs, ledger, fleet: fleet.outputs, clock, pollIntervalMs, ...extra };
}

async function describeTask(taskArn: string) {
  const output = await clients.ecs.send(
    new DescribeTasksCommand({ cluster: fleet.outputs.ClusterName, tasks: [taskArn] }),
  );
  const task = output.tasks?.[0];
  if (!task) throw new Error(`no task ${taskArn}`);
  return task;
}

const stopTask = (taskArn: string): Promise<void> => stopFleetTask(clients, fleet, taskArn);
const runningTasks = (): Promise<string[]> => runningFleetTasks(clients, fleet);

/** The running lister task of the mapping, and the run id it was started with. */
async function listerTaskOf(mappingId: string): Promise<{ taskArn: string; runId: string }> {
  for (const taskArn of await runningTasks()) {
    const environment = (await describeTask(taskArn)).overrides?.containerOverrides?.[0]?.environment ?? [];
    const value = (name: string) => environment.find((variable) => variable.name === name)?.value;
    if (value('FERRY_MAPPING') === mappingId) return { taskArn, runId: value('FERRY_RUN_ID') ?? '' };
  }
  throw new Error(`no lister task runs for mapping ${mappingId}`);
}

/** Starts a run and plays its lister: records the run in the ledger, then whatever else it is given, then stops. */
async function startAndPlay(
  mappingId: string,
  lister: (runId: string) => Promise<void>,
): Promise<{ result: Promise<unknown>; clock: ManualClock }> {
  const clock = createManualClock(new Date('2026-03-01T02:00:00Z'));
  const result = startLister(options(clock, { mappingId, wait: true }));
  result.catch(() => undefined);
  await untilSleeping(clock);
  const { taskArn, runId } = await listerTaskOf(mappingId);
  await ledger.startRun({ runId, mappingId, mode: 'incremental', startedAt: clock.now() });
  await lister(runId);
  await stopTask(taskArn);
  await clock.advance(pollIntervalMs);
  return { result, clock };
}

describe('startLister on moto', () => {
  test('runs the Fargate lister task with the run in its container overrides, and returns at once', async () => {
    const mappingId = uniqueMapping();
    const clock = createManualClock(new Date('2026-03-01T02:03:04.567Z'));
    // moto's DescribeTasks leaves out the network configuration: see what was asked for on the way out.
    const ecs = createEcsClient(motoEndpoint(inject('motoSource')), motoClientOptions);
    const sent: RunTaskCommandInput[] = [];
    ecs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'RunTaskCommand') sent.push(args.input as RunTaskCommandInput);
        return await next(args);
      },
      { step: 'initialize' },
    );
    const started = await startLister({ ...options(clock, { mappingId, mode: 'full' }), ecs });
    ecs.destroy();
    expect(sent.map((input) => [input.launchType, input.networkConfiguration])).toEqual([
      [
        'FARGATE',
        {
          awsvpcConfiguration: {
            subnets: fleet.outputs.ListerSubnetIds,
            securityGroups: [fleet.outputs.ListerSecurityGroupId],
            assignPublicIp: 'ENABLED',
          },
        },
      ],
    ]);
    expect(started).toMatchObject({
      runId: `${mappingId}-20260301T020304Z`,
      mappingId,
      mode: 'full',
      action: 'started',
      state: 'listing',
    });
    const task = await describeTask(started.taskArn ?? '');
    expect(task.launchType).toBe('FARGATE');
    expect(task.taskDefinitionArn).toBe(fleet.outputs.ListerTaskDefinitionArn);
    expect(task.overrides?.containerOverrides).toEqual([
      {
        name: 'ferry-lister',
        environment: [
          { name: 'FERRY_MAPPING', value: mappingId },
          { name: 'FERRY_RUN_ID', value: started.runId },
          { name: 'FERRY_MODE', value: 'full' },
        ],
      },
    ]);
    await stopTask(started.taskArn ?? '');
  });

  test('waiting: a lister that recorded LISTED and stopped is a listed run', async () => {
    const mappingId = uniqueMapping();
    const { result } = await startAndPlay(mappingId, async (runId) => {
      await ledger.setListerState(runId, 'LISTED');
    });
    await expect(result).resolves.toMatchObject({ action: 'started', state: 'listed' });
  });

  test('waiting: a lister that recorded FAILED is an error with its reason', async () => {
    const mappingId = uniqueMapping();
    const { result } = await startAndPlay(mappingId, async (runId) => {
      await ledger.setListerState(runId, 'FAILED', { reason: 'AccessDenied listing s3://media-prod' });
    });
    const error = await result.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as Error).message).toMatch(
      /listing of run .* failed: AccessDenied listing s3:\/\/media-prod \(exit code 0, test\)/,
    );
  });

  test('waiting: a lister that stopped while still LISTING is an error that says to resume', async () => {
    const mappingId = uniqueMapping();
    const { result } = await startAndPlay(mappingId, async () => undefined);
    await expect(result).rejects.toThrow(/stopped mid-listing .*start it again with resume/);
  });

  test('waiting past the deadline is still-running', async () => {
    const mappingId = uniqueMapping();
    const clock = createManualClock();
    const result = startLister(options(clock, { mappingId, wait: true, maxWaitMinutes: 1 }));
    await untilSleeping(clock);
    for (let waited = 0; waited < 60_000; waited += pollIntervalMs) {
      await clock.advance(pollIntervalMs);
      if (waited + pollIntervalMs < 60_000) await untilSleeping(clock);
    }
    const outcome = await result;
    expect(outcome.state).toBe('still-running');
    await stopTask(outcome.taskArn ?? '');
  });

  describe('resume', () => {
    test('an unfinished run whose lister still runs is returned, and no second lister starts', async () => {
      const mappingId = uniqueMapping();
      const clock = createManualClock();
      const first = await startLister(options(clock, { mappingId }));
      await ledger.startRun({ runId: first.runId, mappingId, mode: 'incremental', startedAt: clock.now() });
      const before = await runningTasks();
      const again = await startLister(options(clock, { mappingId, resume: true }));
      expect(again).toMatchObject({
        runId: first.runId,
        taskArn: first.taskArn,
        action: 'attached',
        state: 'listing',
      });
      expect(await runningTasks()).toEqual(before);
      await stopTask(first.taskArn ?? '');
    });

    test('an unfinished run whose lister died mid-listing gets its lister again, for the same run id', async () => {
      const mappingId = uniqueMapping();
      const clock = createManualClock();
      const first = await startLister(options(clock, { mappingId, mode: 'full' }));
      await ledger.startRun({ runId: first.runId, mappingId, mode: 'full', startedAt: clock.now() });
      await stopTask(first.taskArn ?? '');
      await clock.advance(3_600_000);
      const again = await startLister(options(clock, { mappingId, resume: true, mode: 'incremental' }));
      expect(again).toMatchObject({
        runId: first.runId,
        mode: 'full',
        action: 'restarted',
        state: 'listing',
      });
      expect(again.taskArn).not.toBe(first.taskArn);
      const task = await describeTask(again.taskArn ?? '');
      expect(task.overrides?.containerOverrides?.[0]?.environment).toContainEqual({
        name: 'FERRY_RUN_ID',
        value: first.runId,
      });
      await stopTask(again.taskArn ?? '');
    });

    test('a listed run still copying is returned as it is', async () => {
      const mappingId = uniqueMapping();
      const runId = `${mappingId}-copying`;
      await ledger.startRun({ runId, mappingId, mode: 'incremental', startedAt: new Date() });
      await ledger.recordPlanned(runId, {
        batchId: 'b1',
        planned: { objects: 3, bytes: 30 },
        skipped: { objects: 0, bytes: 0 },
      });
      await ledger.setListerState(runId, 'LISTED');
      const before = await runningTasks();
      const again = await startLister(options(createManualClock(), { mappingId, resume: true, wait: true }));
      expect(again).toEqual({ runId, mappingId, mode: 'incremental', action: 'attached', state: 'listed' });
      expect(await runningTasks()).toEqual(before);
    });

    test('a finished run is not resumed: a new run starts', async () => {
      const mappingId = uniqueMapping();
      const runId = `${mappingId}-done`;
      await ledger.startRun({
        runId,
        mappingId,
        mode: 'incremental',
        startedAt: new Date('2026-01-01T00:00:00Z'),
      });
      await ledger.setListerState(runId, 'LISTED');
      const clock = createManualClock(new Date('2026-03-02T00:00:00Z'));
      const started = await startLister(options(clock, { mappingId, resume: true }));
      expect(started).toMatchObject({ runId: `${mappingId}-20260302T000000Z`, action: 'started' });
      await stopTask(started.taskArn ?? '');
    });

    test('a run id of another mapping is refused', async () => {
      const mappingId = uniqueMapping();
      const runId = `${mappingId}-mine`;
      await ledger.startRun({ runId, mappingId, mode: 'incremental', startedAt: new Date() });
      await expect(startLister(options(createManualClock(), { mappingId: 'other', runId }))).rejects.toThrow(
        `run ${runId} belongs to mapping ${mappingId}, not other`,
      );
    });
  });
});
