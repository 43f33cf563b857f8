// The control-plane commands as a user runs them against moto: deploy, start, scale, await, redrive; their output
// and exit codes (0 success, 1 failed run, 2 usage or configuration, 3 still running).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { destroyControlPlaneClients } from '../../../worker/src/control/control-clients.ts';
import { describeFleet, type FleetDescription } from '../../../worker/src/control/fleet-outputs.ts';
import { describeWorkerGroup } from '../../../worker/src/control/worker-group.ts';
import { createDynamoDbLedger } from '../../../worker/src/distributed/dynamodb-ledger.ts';
import type { RunLedger } from '../../../worker/src/ports/ledger.ts';
import { encodeWorkBatch } from '../../../worker/src/queue/work-message.ts';
import { controlPlaneEnv } from '../../support/distributed-run.ts';
import { type CliResult, runFerry, tempDir } from '../../support/ferry-cli.ts';
import {
  createFleetStandIn,
  motoControlPlane,
  recordFinishedRun,
  uniqueStackName,
} from './control-fixture.ts';

const fixtures = new URL('../../fixtures/control/', import.meta.url).pathname;
const clients = motoControlPlane();
const env = controlPlaneEnv(inject('motoSource'));
let fleet: FleetDescription;
let ledger: RunLedger;
const ferry = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
  runFerry(args, { env: { ...env, FERRY_STACK: fleet?.stackName ?? '', ...extra } });

beforeAll(async () => {
  fleet = await createFleetStandIn(clients, 'cli');
  ledger = createDynamoDbLedger({ client: clients.dynamodb, tableName: fleet.outputs.LedgerTableName });
});
afterAll(() => destroyControlPlaneClients(clients));

function json(result: CliResult): Record<string, unknown> {
  expect(result.stderr).not.toMatch(/^ferry: /m);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('ferry deploy', () => {
  test('creates a stack and says what it did; an unknown parameter is a usage error', async () => {
    const stackName = uniqueStackName('cli-deploy');
    const template = join(fixtures, 'deploy-stack.yaml');
    const deploy = (parameter: string) =>
      ferry(['deploy', '--stack', stackName, '--template', template, '--parameter', parameter]);
    const created = await deploy(`Name=${stackName}`);
    expect(created.code).toBe(0);
    expect(json(created)).toMatchObject({
      stackName,
      stackStatus: 'CREATE_COMPLETE',
      changeSets: ['executed'],
    });
    expect(created.stderr).toContain('change set 1 (CREATE) executed');

    const again = await ferry(['deploy', '--stack', stackName, '--template', template], {
      FERRY_STACK_PARAMETERS: `Name=${stackName}\nNote=hello`,
    });
    expect(again.code).toBe(0);
    expect(json(again)).toMatchObject({ changeSets: ['executed'] });

    const unknown = await deploy('Nmae=x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no parameter Nmae');
  });

  test('an invalid ferry.yaml is refused, located, before the stack is touched', async () => {
    const stackName = uniqueStackName('cli-badcfg');
    const config = join(tempDir('cli-config'), 'ferry.yaml');
    writeFileSync(config, 'endpoints: {}\nmappings: []\nsurprise: 1\n');
    const template = join(fixtures, 'deploy-stack.yaml');
    const result = await ferry(['deploy', '--stack', stackName, '--template', template, '--config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${config}:`);
    await expect(describeFleet({ cloudFormation: clients.cloudFormation, stackName })).rejects.toThrow(
      `no CloudFormation stack ${stackName}`,
    );
  });
});

describe('the fleet commands', () => {
  test('start runs the lister for a new run and prints it', async () => {
    const result = await ferry(['start', '--mapping', 'media', '--run-id', 'cli-start-1', '--mode', 'full']);
    expect(result.code).toBe(0);
    expect(json(result)).toMatchObject({
      runId: 'cli-start-1',
      mappingId: 'media',
      mode: 'full',
      action: 'started',
      state: 'listing',
    });
  });

  test('a stack that does not exist is a configuration error', async () => {
    const result = await ferry(['start', '--mapping', 'media', '--stack', 'no-such-fleet']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no CloudFormation stack no-such-fleet');
  });

  test('scale sets the capacity, sizes it from a run, and refuses ambiguous flags', async () => {
    const set = await ferry(['scale', '--desired', '3']);
    expect(set.code).toBe(0);
    expect(json(set)).toMatchObject({ desiredCapacity: 3, previous: { desiredCapacity: 0 } });

    await ledger.startRun({ runId: 'cli-size', mappingId: 'media', mode: 'full', startedAt: new Date() });
    await ledger.recordPlanned('cli-size', {
      batchId: 'p1',
      planned: { objects: 10, bytes: 2 * 100_000_000 * 3600 },
      skipped: { objects: 0, bytes: 0 },
    });
    const sized = await ferry(['scale', '--run-id', 'cli-size', '--target-hours', '1']);
    expect(sized.code).toBe(0);
    expect(json(sized)).toMatchObject({
      desiredCapacity: 2,
      sizing: { bytesLeft: 720_000_000_000, listing: 'LISTING' },
    });
    const group = await describeWorkerGroup({
      autoScaling: clients.autoScaling,
      groupName: fleet.outputs.WorkerGroupName,
    });
    expect(group.desiredCapacity).toBe(2);

    const neither = await ferry(['scale']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('give either --desired');
    const both = await ferry(['scale', '--desired', '1', '--target-hours', '2', '--run-id', 'cli-size']);
    expect(both.code).toBe(2);
  });

  test('await: 0 for a succeeded run with the report on stdout, 1 over the threshold, 3 while it runs', async () => {
    const started = new Date();
    await recordFinishedRun(ledger, {
      runId: 'cli-done',
      startedAt: started,
      planned: { objects: 2, bytes: 20 },
      copied: { objects: 1, bytes: 10 },
      failed: { objects: 1, bytes: 10 },
      failures: [{ key: 'bad|key`', errorClass: 'NotFound', message: 'gone', attempts: 1 }],
    });
    const failed = await ferry(['await', '--run-id', 'cli-done', '--max-wait-minutes', '0']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('## Ferry run <code>cli-done</code>');
    expect(failed.stdout).toContain('<code>bad&#124;key&#96;</code>');
    expect(failed.stderr).toContain('run cli-done failed: 1 objects failed, more than the 0 objects allowed');

    const allowed = await ferry([
      'await',
      '--run-id',
      'cli-done',
      '--max-failures',
      '50%',
      '--max-wait-minutes',
      '0',
    ]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('✅ **Succeeded**');

    await ledger.startRun({ runId: 'cli-running', mappingId: 'media', mode: 'full', startedAt: started });
    const running = await ferry(['await', '--run-id', 'cli-running', '--max-wait-minutes', '0']);
    expect(running.code).toBe(3);
    expect(running.stderr).toContain('cli-running listing: 0/0 objects');
    expect(running.stdout).toContain('⏳ **Still running**');
  });

  test('redrive moves the dead letters of a run back and reports the counts', async () => {
    const body = encodeWorkBatch({
      runId: 'cli-redrive',
      mappingId: 'media',
      batchId: 'b1',
      items: [{ key: 'k', size: 1, etag: 'e' }],
    });
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: fleet.outputs.DeadLetterQueueUrl, MessageBody: body }),
    );
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: fleet.outputs.DeadLetterQueueUrl, MessageBody: 'junk' }),
    );
    const result = await ferry(['redrive', '--run-id', 'cli-redrive']);
    expect(result.code).toBe(0);
    expect(json(result)).toEqual({ moved: 1, keptOtherRuns: 0, keptUndecodable: 1 });
  });
});
