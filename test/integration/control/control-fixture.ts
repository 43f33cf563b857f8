// The control plane on moto for these tests: clients built the way Ferry builds them, fleet stand-in stacks, runs.
import { readFileSync } from 'node:fs';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { inject } from 'vitest';
import {
  type ControlPlaneClients,
  createControlPlaneClients,
} from '../../../worker/src/control/control-clients.ts';
import { describeFleet, type FleetDescription } from '../../../worker/src/control/fleet-outputs.ts';
import type { Counts, FailureRecord, RunLedger } from '../../../worker/src/ports/ledger.ts';
import { motoClientOptions, motoEndpoint, uniqueBucket } from '../../support/aws.ts';
import type { ManualClock } from '../../support/manual-clock.ts';
import { motoDynamoDb } from '../../unit/distributed/dynamodb-fixture.ts';

const fixtures = new URL('../../fixtures/control/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, fixtures), 'utf8');
}

/** Every control-plane client on the moto source server; DynamoDB requests one at a time (see motoDynamoDb). */
export function motoControlPlane(): ControlPlaneClients {
  const url = inject('motoSource');
  return {
    ...createControlPlaneClients(motoEndpoint(url, 'control'), motoClientOptions),
    dynamodb: motoDynamoDb(url),
  };
}

/** A stack name unique to this process and call (letters, digits and hyphens, starting with a letter). */
export function uniqueStackName(label: string): string {
  return uniqueBucket(`t-${label}`).slice(0, 40);
}

/**
 * A fleet stand-in stack, created with CreateStack: moto gives a stack created through a change set no outputs, so
 * the commands that read outputs are tested on a stack made this way.
 */
export async function createFleetStandIn(
  clients: ControlPlaneClients,
  label: string,
): Promise<FleetDescription> {
  const stackName = uniqueStackName(label);
  await clients.cloudFormation.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: fixtureText('fleet-stand-in.yaml'),
      Parameters: [{ ParameterKey: 'FleetName', ParameterValue: stackName }],
    }),
  );
  return await describeFleet({ cloudFormation: clients.cloudFormation, stackName });
}

/** Lets real I/O (requests to moto) run until the code under test sleeps on the manual clock. */
export async function untilSleeping(clock: ManualClock): Promise<void> {
  for (let tries = 0; clock.sleepers === 0; tries += 1) {
    if (tries > 1000) throw new Error('the code under test never slept on the clock');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The tasks of the fleet's cluster that ECS still wants running. */
export async function runningTasks(clients: ControlPlaneClients, fleet: FleetDescription): Promise<string[]> {
  const output = await clients.ecs.send(
    new ListTasksCommand({ cluster: fleet.outputs.ClusterName, desiredStatus: 'RUNNING' }),
  );
  return output.taskArns ?? [];
}

/** Stops a task as ECS does when its container exits (moto: STOPPED, exit code 0). */
export async function stopTask(
  clients: ControlPlaneClients,
  fleet: FleetDescription,
  taskArn: string,
): Promise<void> {
  await clients.ecs.send(
    new StopTaskCommand({ cluster: fleet.outputs.ClusterName, task: taskArn, reason: 'test' }),
  );
}

/** A run of mapping media recorded as listed (its planned objects) and finished: copied and failed ones. */
export async function recordFinishedRun(
  ledger: RunLedger,
  run: {
    runId: string;
    startedAt: Date;
    planned: Counts;
    copied: Counts;
    failed: Counts;
    failures: readonly FailureRecord[];
  },
): Promise<void> {
  await ledger.startRun({ runId: run.runId, mappingId: 'media', mode: 'full', startedAt: run.startedAt });
  await ledger.recordPlanned(run.runId, {
    batchId: 'p1',
    planned: run.planned,
    skipped: { objects: 0, bytes: 0 },
  });
  await ledger.setListerState(run.runId, 'LISTED');
  await ledger.recordOutcome(run.runId, {
    batchId: 'c1',
    copied: run.copied,
    failed: run.failed,
    failures: run.failures,
  });
}
