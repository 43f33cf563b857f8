// The committed actions against moto, as the runner runs them: scale-workers on a real Auto Scaling group, redrive on
// real SQS queues, await-run on a real DynamoDB ledger (outputs, job summary, exit status).
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { destroyControlPlaneClients } from '../../../worker/src/control/control-clients.ts';
import type { FleetDescription } from '../../../worker/src/control/fleet-outputs.ts';
import { describeWorkerGroup } from '../../../worker/src/control/worker-group.ts';
import { createDynamoDbLedger } from '../../../worker/src/distributed/dynamodb-ledger.ts';
import { createSqsWorkQueue } from '../../../worker/src/distributed/sqs-work-queue.ts';
import type { RunLedger } from '../../../worker/src/ports/ledger.ts';
import { encodeWorkBatch } from '../../../worker/src/queue/work-message.ts';
import { testCredentials } from '../../support/aws.ts';
import { type ActionResult, runAction } from '../../support/run-action.ts';
import { createFleetStandIn, motoControlPlane, recordFinishedRun } from '../control/control-fixture.ts';

const clients = motoControlPlane();
let fleet: FleetDescription;
let ledger: RunLedger;

beforeAll(async () => {
  fleet = await createFleetStandIn(clients, 'actions');
  ledger = createDynamoDbLedger({ client: clients.dynamodb, tableName: fleet.outputs.LedgerTableName });
});
afterAll(() => destroyControlPlaneClients(clients));

async function runOnFleet(action: string, inputs: Record<string, string>): Promise<ActionResult> {
  return await runAction({
    action,
    inputs: {
      'stack-name': fleet.stackName,
      'aws-region': 'us-east-1',
      'aws-endpoint-url': inject('motoSource'),
      ...inputs,
    },
    env: {
      AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
    },
  });
}

function failureOf(result: ActionResult): string {
  return (result.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? '').slice(9);
}

const group = () =>
  describeWorkerGroup({ autoScaling: clients.autoScaling, groupName: fleet.outputs.WorkerGroupName });

describe('scale-workers', () => {
  it('sets the desired capacity and the maximum', async () => {
    const result = await runOnFleet('scale-workers', { desired: '3', max: '6' });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toEqual({ desired: '3', max: '6', 'previous-desired': '0', skipped: 'false' });
    expect(await group()).toMatchObject({ desiredCapacity: 3, maxSize: 6 });
  });

  it('sizes the group from a run: bytes left over the target duration at the per-worker rate', async () => {
    await ledger.startRun({ runId: 'act-size', mappingId: 'media', mode: 'full', startedAt: new Date() });
    // 5 hours of one worker at 1,000,000 B/s: 3 workers for a 2-hour target.
    await ledger.recordPlanned('act-size', {
      batchId: 'p1',
      planned: { objects: 10, bytes: 5 * 3600 * 1_000_000 },
      skipped: { objects: 0, bytes: 0 },
    });
    const result = await runOnFleet('scale-workers', {
      'run-id': 'act-size',
      'target-duration': '2h',
      'bytes-per-second-per-worker': '1000000',
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toEqual({ desired: '3', max: '6', 'previous-desired': '3', skipped: 'false' });
    expect(result.stdout).toContain('act-size: 18000000000 bytes left, listing LISTING: 3 workers');
  });

  it('fails with the engine class when the group refuses, and changes nothing', async () => {
    const result = await runOnFleet('scale-workers', { desired: '9' });
    expect(result.code).toBe(1);
    expect(failureOf(result)).toBe(
      `Config: 9 workers is more than group ${fleet.outputs.WorkerGroupName}'s maximum of 6: raise the maximum (max size) as well`,
    );
    expect(result.outputs).toEqual({});
    expect(await group()).toMatchObject({ desiredCapacity: 3, maxSize: 6 });
  });
});

describe('scale-workers only-when-idle', () => {
  it('leaves the workers running while other runs have work queued, and scales in once the queue is empty', async () => {
    const work = createSqsWorkQueue({ client: clients.sqs, queueUrl: fleet.outputs.QueueUrl });
    await work.send(['work of a run still copying']);
    const busy = await runOnFleet('scale-workers', { desired: '0', 'only-when-idle': 'true' });
    expect(busy.code, busy.stdout).toBe(0);
    expect(busy.outputs).toEqual({ skipped: 'true' });
    expect(busy.stdout).toMatch(/::notice::the work queue still holds about 1 messages of other runs/);
    expect(await group()).toMatchObject({ desiredCapacity: 3 });

    const [message] = await work.receive({ max: 1, visibilityTimeoutSec: 30, waitSec: 1 });
    if (message) await work.ack(message);
    const idle = await runOnFleet('scale-workers', { desired: '0', 'only-when-idle': 'true' });
    expect(idle.code, idle.stdout).toBe(0);
    expect(idle.outputs).toEqual({ desired: '0', max: '6', 'previous-desired': '3', skipped: 'false' });
    expect(await group()).toMatchObject({ desiredCapacity: 0 });
  });

  it('refuses only-when-idle with a desired capacity other than 0, before any AWS call', async () => {
    const result = await runOnFleet('scale-workers', { desired: '2', 'only-when-idle': 'true' });
    expect(result.code).toBe(1);
    expect(failureOf(result)).toMatch(/^input only-when-idle: applies only with desired 0/);
  });
});

describe('redrive', () => {
  const body = (runId: string, key: string): string =>
    encodeWorkBatch({
      runId,
      mappingId: 'media',
      batchId: `b-${key}`,
      items: [{ key, size: 1, etag: '"e"' }],
    });
  const wanted = ['a/1', 'a/2', 'a/3'].map((key) => body('act-redrive', key));

  it('moves one run’s dead letters back to the work queue and leaves the rest', async () => {
    const entries = [...wanted, body('act-other', 'b/1'), 'not a work message'];
    await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: fleet.outputs.DeadLetterQueueUrl,
        Entries: entries.map((MessageBody, index) => ({ Id: String(index), MessageBody })),
      }),
    );
    const result = await runOnFleet('redrive', { 'run-id': 'act-redrive' });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toEqual({ moved: '3', 'kept-other-runs': '1', 'kept-undecodable': '1' });

    const work = createSqsWorkQueue({ client: clients.sqs, queueUrl: fleet.outputs.QueueUrl });
    const received: string[] = [];
    for (let empty = 0; empty < 2; ) {
      const messages = await work.receive({ max: 10, visibilityTimeoutSec: 60, waitSec: 0 });
      empty = messages.length === 0 ? empty + 1 : 0;
      received.push(...messages.map((message) => message.body));
    }
    expect(received.sort()).toEqual([...wanted].sort());
  });
});

describe('await-run', () => {
  it('reports a run over the failure threshold: outputs, job summary, failed step', async () => {
    await recordFinishedRun(ledger, {
      runId: 'act-await',
      startedAt: new Date(),
      planned: { objects: 3, bytes: 30 },
      copied: { objects: 2, bytes: 20 },
      failed: { objects: 1, bytes: 10 },
      failures: [{ key: 'lost/key', errorClass: 'NotFound', message: 'gone since planning', attempts: 1 }],
    });
    const result = await runOnFleet('await-run', { 'run-id': 'act-await', 'max-wait-minutes': '0' });
    expect(result.code).toBe(1);
    expect(failureOf(result)).toBe('run act-await failed: 1 objects failed, more than the 0 objects allowed');
    expect(result.outputs).toEqual({
      state: 'failed',
      'planned-objects': '3',
      'planned-bytes': '30',
      'copied-objects': '2',
      'copied-bytes': '20',
      'failed-objects': '1',
      'failed-bytes': '10',
    });
    expect(result.summary).toContain('## Ferry run <code>act-await</code>');
    expect(result.summary).toContain('<code>lost/key</code>');

    const allowed = await runOnFleet('await-run', {
      'run-id': 'act-await',
      'max-wait-minutes': '0',
      'failure-threshold': '50%',
    });
    expect(allowed.code, allowed.stdout).toBe(0);
    expect(allowed.outputs.state).toBe('succeeded');
  });

  it('a run still going at the deadline is a notice, not a failure, unless asked', async () => {
    await ledger.startRun({ runId: 'act-running', mappingId: 'media', mode: 'full', startedAt: new Date() });
    const notice = await runOnFleet('await-run', { 'run-id': 'act-running', 'max-wait-minutes': '0' });
    expect(notice.code, notice.stdout).toBe(0);
    expect(notice.outputs.state).toBe('still-running');
    expect(notice.stdout).toMatch(/^::notice::run act-running is still running after 0 minutes/m);
    expect(notice.summary).toContain('Still running');

    const strict = await runOnFleet('await-run', {
      'run-id': 'act-running',
      'max-wait-minutes': '0',
      'fail-if-still-running': 'true',
    });
    expect(strict.code).toBe(1);
    expect(strict.outputs.state).toBe('still-running');
    expect(failureOf(strict)).toMatch(/^run act-running is still running after 0 minutes/);
  });
});
