// The nightly workflow's start step, run from the start-lister action's bundle with the very inputs nightly.yml gives
// it: the next night finds the mapping's run still going on AWS and attaches to it (same run id, no second lister);
// a mapping with `mode: sync` in ferry.yaml starts a sync run.
// The engine-level cases of resume (a dead lister restarted, a finished run not resumed) are in
// test/integration/control/start-lister.test.ts.
import { ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { parseConfig } from '../../../worker/src/config/load-config.ts';
import { destroyControlPlaneClients } from '../../../worker/src/control/control-clients.ts';
import type { FleetDescription } from '../../../worker/src/control/fleet-outputs.ts';
import { createDynamoDbLedger } from '../../../worker/src/distributed/dynamodb-ledger.ts';
import type { RunLedger } from '../../../worker/src/ports/ledger.ts';
import { nightlyRunModes } from '../../../worker/src/review/workflow-inputs.ts';
import { testCredentials } from '../../support/aws.ts';
import { runAction } from '../../support/run-action.ts';
import { createFleetStandIn, motoControlPlane } from '../control/control-fixture.ts';
import { expression, hasExpression, readWorkflow } from './workflow-files.ts';

const clients = motoControlPlane();
let fleet: FleetDescription;
let ledger: RunLedger;

beforeAll(async () => {
  fleet = await createFleetStandIn(clients, 'nightly');
  ledger = createDynamoDbLedger({ client: clients.dynamodb, tableName: fleet.outputs.LedgerTableName });
});
afterAll(() => destroyControlPlaneClients(clients));

/** A ferry.yaml with this one mapping scheduled nightly, in the given mode (none: the default). */
function nightlyConfig(mapping: string, mode?: 'copy' | 'sync') {
  return parseConfig(
    `endpoints:
  src: { region: us-east-1 }
mappings:
  - id: ${mapping}
    source: { endpoint: src, bucket: media-prod }
    destination: { endpoint: src, bucket: media-copy }
    schedule: nightly
${mode ? `    mode: ${mode}\n` : ''}`,
    'ferry.yaml',
  );
}

/**
 * The `with:` of nightly.yml's start step, its expressions evaluated as GitHub would for this matrix entry: the mode
 * is looked up in the mappings job's `modes` output, which the plan action fills from ferry.yaml (nightlyRunModes).
 */
function nightlyStartInputs(values: {
  mapping: string;
  stackName: string;
  mode?: 'copy' | 'sync';
}): Record<string, string> {
  const sync = readWorkflow('nightly.yml').jobs.sync;
  const step = sync?.steps?.find((candidate) => candidate.uses === './actions/start-lister');
  if (!step?.with) throw new Error('nightly.yml has no start-lister step');
  const modes = nightlyRunModes(nightlyConfig(values.mapping, values.mode));
  const expressions: Readonly<Record<string, string | undefined>> = {
    [expression('matrix.mapping')]: values.mapping,
    [expression("vars.FERRY_STACK_NAME || 'ferry'")]: values.stackName,
    [expression('fromJSON(needs.mappings.outputs.modes)[matrix.mapping]')]: modes[values.mapping],
  };
  return Object.fromEntries(
    Object.entries(step.with).map(([name, value]) => {
      const text = String(value);
      if (!hasExpression(text)) return [name, text];
      const evaluated = expressions[text];
      if (evaluated === undefined) throw new Error(`nightly.yml: no value for ${text} in this test`);
      return [name, evaluated];
    }),
  );
}

async function runningTasks(): Promise<string[]> {
  const output = await clients.ecs.send(
    new ListTasksCommand({ cluster: fleet.outputs.ClusterName, desiredStatus: 'RUNNING' }),
  );
  return output.taskArns ?? [];
}

describe('nightly: the start step on a second night', () => {
  test('attaches to the run still going instead of starting another', async () => {
    const mapping = `nightly-${process.pid}`;
    const startNightly = () =>
      runAction({
        action: 'start-lister',
        inputs: {
          ...nightlyStartInputs({ mapping, stackName: fleet.stackName }),
          'aws-region': 'us-east-1',
          'aws-endpoint-url': inject('motoSource'),
        },
        env: {
          AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
        },
      });

    const first = await startNightly();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.outputs.action).toBe('started');
    const runId = first.outputs['run-id'] ?? '';
    expect(runId).toMatch(new RegExp(`^${mapping}-`));
    // The lister task has begun the run in the ledger (here by hand: moto's task runs nothing).
    await ledger.startRun({ runId, mappingId: mapping, mode: 'incremental', startedAt: new Date() });
    const tasks = await runningTasks();

    const second = await startNightly();
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({ 'run-id': runId, action: 'attached' });
    expect(await runningTasks()).toEqual(tasks);

    await stopTask(first.outputs['task-arn']);
  });

  // Needs the start-lister bundle rebuilt with the sync mode (actions/start-lister/dist).
  test('starts a sync run for a mapping whose ferry.yaml entry says mode: sync', async () => {
    const mapping = `nightly-sync-${process.pid}`;
    const started = await runAction({
      action: 'start-lister',
      inputs: {
        ...nightlyStartInputs({ mapping, stackName: fleet.stackName, mode: 'sync' }),
        'aws-region': 'us-east-1',
        'aws-endpoint-url': inject('motoSource'),
      },
      env: {
        AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
      },
    });
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.outputs.action).toBe('started');
    expect(started.stdout).toContain(`of mapping ${mapping} (sync): started`);
    await stopTask(started.outputs['task-arn']);
  });
});

async function stopTask(taskArn: string | undefined): Promise<void> {
  await clients.ecs.send(
    new StopTaskCommand({ cluster: fleet.outputs.ClusterName, task: taskArn ?? '', reason: 'test' }),
  );
}
