// The SQS adapter on moto, beyond the shared contract: batches cut by bytes, request counting, dead-letter attributes.
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, test } from 'vitest';
import { createWorkQueues, type WorkQueueUrls } from '../../../worker/src/distributed/create-queue.ts';
import { peekDeadLetters } from '../../../worker/src/distributed/sqs-dead-letters.ts';
import { billedRequests } from '../../../worker/src/distributed/sqs-send-batches.ts';
import { createSqsWorkQueue, type SqsOperation } from '../../../worker/src/distributed/sqs-work-queue.ts';
import type { QueueMessage, WorkQueue } from '../../../worker/src/ports/work-queue.ts';
import { motoSqsClient, uniqueQueueName } from './sqs-moto-client.ts';

const client = motoSqsClient();
const made: string[] = [];
afterAll(async () => {
  for (const queueUrl of made)
    await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => {});
  client.destroy();
});

interface Subject {
  readonly queue: WorkQueue;
  readonly urls: WorkQueueUrls;
  readonly requests: { operation: SqsOperation; payloadBytes: number }[];
}

async function freshQueue(label: string): Promise<Subject> {
  const urls = await createWorkQueues({
    client,
    queueName: uniqueQueueName(label),
    maxReceiveCount: 5,
    visibilityTimeoutSec: 30,
  });
  made.push(urls.queueUrl, urls.deadLetterQueueUrl);
  const requests: Subject['requests'] = [];
  const queue = createSqsWorkQueue({
    client,
    ...urls,
    onRequest: (operation, payloadBytes) => requests.push({ operation, payloadBytes }),
  });
  return { queue, urls, requests };
}

async function receiveEverything(queue: WorkQueue, expected: number): Promise<QueueMessage[]> {
  const received: QueueMessage[] = [];
  for (let emptyPolls = 0; received.length < expected && emptyPolls < 3; ) {
    const batch = await queue.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 0 });
    received.push(...batch);
    emptyPolls = batch.length === 0 ? emptyPolls + 1 : 0;
  }
  return received;
}

describe('SQS work queue on moto', () => {
  test('bodies too large together are sent in several batches by UTF-8 bytes, and all arrive intact', async () => {
    const { queue, requests } = await freshQueue('ferry-bytes');
    // Each body: 50,000 characters, 100,000 bytes. Two fit a 262,144-byte batch, three do not.
    const bodies = ['a', 'b', 'c', 'd', 'e'].map((letter) => `${letter}${'é'.repeat(49_999)}${letter}`);
    await queue.send(bodies);
    const sends = requests.filter((request) => request.operation === 'SendMessageBatch');
    expect(sends.map((request) => request.payloadBytes)).toEqual([200_000, 200_000, 100_000]);
    expect(sends.map((request) => billedRequests(request.payloadBytes))).toEqual([4, 4, 2]);
    const received = await receiveEverything(queue, 5);
    expect(received.map((message) => message.body).sort()).toEqual(bodies);
  });

  test('a body over the limit is refused before anything is sent', async () => {
    const { queue, requests } = await freshQueue('ferry-oversize');
    await expect(queue.send(['small', 'x'.repeat(258_049)])).rejects.toMatchObject({
      errorClass: 'Internal',
    });
    expect(requests).toEqual([]);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  test('counts one request per API call: send, receive, ack of a message is 3 requests', async () => {
    const { queue, requests } = await freshQueue('ferry-count');
    await queue.send(['{"v":1}']);
    const [message] = await receiveEverything(queue, 1);
    if (message === undefined) throw new Error('no message');
    await queue.ack(message);
    expect(requests).toEqual([
      { operation: 'SendMessageBatch', payloadBytes: 7 },
      { operation: 'ReceiveMessage', payloadBytes: 7 },
      { operation: 'DeleteMessage', payloadBytes: 0 },
    ]);
  });

  test('deadLetter keeps the body and records reason and receive count; peeking leaves dead letters in place', async () => {
    const { queue, urls } = await freshQueue('ferry-dead');
    await queue.send(['poison ☠']);
    const [first] = await receiveEverything(queue, 1);
    if (first === undefined) throw new Error('no message');
    await queue.release(first, 0);
    const [second] = await receiveEverything(queue, 1);
    if (second === undefined) throw new Error('no message');
    await queue.deadLetter(second, 'unknown mapping m-9');

    const peek = () => peekDeadLetters({ client, deadLetterQueueUrl: urls.deadLetterQueueUrl });
    const expected = [
      { id: expect.any(String), body: 'poison ☠', reason: 'unknown mapping m-9', receiveCount: 2 },
    ];
    expect(await peek()).toEqual(expected);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 1 });
    expect(await peek()).toEqual(expected);
  });
});
