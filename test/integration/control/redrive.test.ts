// redriveDeadLetters against moto's SQS: filtered by run and by mapping, undecodable messages left unless asked,
// bodies moved byte for byte, and a second pass moving nothing twice.
import { DeleteQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { destroyControlPlaneClients } from '../../../worker/src/control/control-clients.ts';
import { redriveDeadLetters, redriveDecision } from '../../../worker/src/control/redrive.ts';
import { createWorkQueues, type WorkQueueUrls } from '../../../worker/src/distributed/create-queue.ts';
import { createSqsWorkQueue } from '../../../worker/src/distributed/sqs-work-queue.ts';
import type { WorkQueue } from '../../../worker/src/ports/work-queue.ts';
import { encodeWorkBatch } from '../../../worker/src/queue/work-message.ts';
import { uniqueQueueName } from '../../unit/distributed/sqs-moto-client.ts';
import { motoControlPlane } from './control-fixture.ts';

const clients = motoControlPlane();
let urls: WorkQueueUrls;
let work: WorkQueue;
let deadLetters: WorkQueue;

function batchBody(runId: string, mappingId: string, key: string): string {
  return encodeWorkBatch({ runId, mappingId, batchId: `b-${key}`, items: [{ key, size: 3, etag: '"e"' }] });
}

const runA = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => batchBody('run-a', 'media', `a/${n}`));
const runB = [batchBody('run-b', 'logs', 'b/1'), batchBody('run-b', 'logs', 'key with | and ` and \u202e')];
const undecodable = ['not json at all', '{"v":2,"r":"x"}'];

/** Receives until the queue looks empty and deletes what came: the bodies, in no particular order, sorted. */
async function drain(queue: WorkQueue): Promise<string[]> {
  const bodies: string[] = [];
  for (let empty = 0; empty < 2; ) {
    const messages = await queue.receive({ max: 10, visibilityTimeoutSec: 60, waitSec: 0 });
    empty = messages.length === 0 ? empty + 1 : 0;
    for (const message of messages) {
      bodies.push(message.body);
      await queue.ack(message);
    }
  }
  return bodies.sort();
}

beforeAll(async () => {
  urls = await createWorkQueues({
    client: clients.sqs,
    queueName: uniqueQueueName('ferry-redrive'),
    maxReceiveCount: 5,
    visibilityTimeoutSec: 30,
  });
  work = createSqsWorkQueue({ client: clients.sqs, queueUrl: urls.queueUrl });
  deadLetters = createSqsWorkQueue({ client: clients.sqs, queueUrl: urls.deadLetterQueueUrl });
  const all = [...runA, ...runB, ...undecodable];
  for (let start = 0; start < all.length; start += 10) {
    await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: urls.deadLetterQueueUrl,
        Entries: all
          .slice(start, start + 10)
          .map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
  }
});

afterAll(async () => {
  for (const queueUrl of [urls.queueUrl, urls.deadLetterQueueUrl])
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  destroyControlPlaneClients(clients);
});

const redrive = (filter: { runId?: string; mappingId?: string; all?: boolean }) =>
  redriveDeadLetters({ deadLetters, work, holdSec: 60, waitSec: 0, ...filter });

describe('redriveDeadLetters on moto', () => {
  test('by run id: the messages of that run go back to the work queue unchanged, the rest stay', async () => {
    expect(await redrive({ runId: 'run-a' })).toEqual({ moved: 12, keptOtherRuns: 2, keptUndecodable: 2 });
    expect(await drain(work)).toEqual([...runA].sort());
  });

  test('a second pass moves nothing again', async () => {
    expect(await redrive({ runId: 'run-a' })).toEqual({ moved: 0, keptOtherRuns: 2, keptUndecodable: 2 });
    expect(await drain(work)).toEqual([]);
  });

  test('by mapping, hostile keys and all', async () => {
    expect(await redrive({ mappingId: 'logs' })).toEqual({ moved: 2, keptOtherRuns: 0, keptUndecodable: 2 });
    expect(await drain(work)).toEqual([...runB].sort());
  });

  test('messages that are not work messages stay unless all is asked for', async () => {
    expect(await redrive({})).toEqual({ moved: 0, keptOtherRuns: 0, keptUndecodable: 2 });
    expect(await redrive({ all: true })).toEqual({ moved: 2, keptOtherRuns: 0, keptUndecodable: 0 });
    expect(await drain(work)).toEqual([...undecodable].sort());
    expect(await drain(deadLetters)).toEqual([]);
  });
});

describe('redriveDecision', () => {
  test('filters by run and mapping; undecodable bodies move only with all', () => {
    const body = batchBody('r1', 'm1', 'k');
    expect(redriveDecision(body, {})).toBe('move');
    expect(redriveDecision(body, { runId: 'r1', mappingId: 'm1' })).toBe('move');
    expect(redriveDecision(body, { runId: 'r2' })).toBe('other-run');
    expect(redriveDecision(body, { mappingId: 'm2' })).toBe('other-run');
    expect(redriveDecision('{', { runId: 'r1' })).toBe('undecodable');
    expect(redriveDecision('{', { all: true })).toBe('move');
  });
});
