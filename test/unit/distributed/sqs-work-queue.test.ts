// The SQS adapter against a mocked client, for what moto cannot produce: partial batch failures, expired handles, faults.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  KmsAccessDenied,
  MessageNotInflight,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  createSqsWorkQueue,
  deadLetterHoldSec,
  type SqsOperation,
} from '../../../worker/src/distributed/sqs-work-queue.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { Clock } from '../../../worker/src/ports/clock.ts';
import type { QueueMessage } from '../../../worker/src/ports/work-queue.ts';

const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/work';
const deadLetterQueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/work-dlq';
const metadata = { $metadata: { httpStatusCode: 400 } };
const held: QueueMessage = { id: 'm-1', receiptHandle: 'handle-1', body: '{"v":1}', receiveCount: 3 };

/** A clock whose sleeps return at once and are recorded. */
function instantClock(): Clock & { sleptMs: number[] } {
  const sleptMs: number[] = [];
  return { sleptMs, now: () => new Date(0), sleep: async (ms) => void sleptMs.push(ms) };
}

const client = new SQSClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const sqs = mockClient(client);
let clock: ReturnType<typeof instantClock>;
let requests: { operation: SqsOperation; payloadBytes: number }[];

function makeQueue(extra: { maxSendAttempts?: number; withDeadLetterQueue?: boolean } = {}) {
  return createSqsWorkQueue({
    client,
    queueUrl,
    ...(extra.withDeadLetterQueue === false ? {} : { deadLetterQueueUrl }),
    clock,
    random: () => 0.5,
    onRequest: (operation, payloadBytes) => requests.push({ operation, payloadBytes }),
    ...(extra.maxSendAttempts ? { maxSendAttempts: extra.maxSendAttempts } : {}),
  });
}

function entriesOfCall(index: number): SendMessageBatchRequestEntry[] {
  return sqs.commandCalls(SendMessageBatchCommand)[index]?.args[0].input.Entries ?? [];
}

function expiredHandleError(): Error {
  return Object.assign(
    new Error(
      'Value handle-1 for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.',
    ),
    { name: 'InvalidParameterValue', Code: 'InvalidParameterValue', ...metadata },
  );
}

beforeEach(() => {
  sqs.reset();
  clock = instantClock();
  requests = [];
});
afterEach(() => sqs.reset());

describe('send', () => {
  test('sends 25 bodies in batches of 10, 10 and 5 with entry ids unique per batch', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const bodies = Array.from({ length: 25 }, (_, index) => `b${index}`);
    await makeQueue().send(bodies);
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 5]);
    expect(calls.flatMap((call) => call.args[0].input.Entries?.map((entry) => entry.MessageBody))).toEqual(
      bodies,
    );
    for (const call of calls) {
      const ids = call.args[0].input.Entries?.map((entry) => entry.Id) ?? [];
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(calls.every((call) => call.args[0].input.QueueUrl === queueUrl)).toBe(true);
  });

  test('resends only the entries SQS failed for a transient reason, after a backoff, until all are sent', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }],
        Failed: [
          { Id: '1', SenderFault: false, Code: 'InternalError', Message: 'try again' },
          { Id: '2', SenderFault: false, Code: 'ServiceUnavailable' },
        ],
      })
      .resolvesOnce({ Successful: [], Failed: [{ Id: '2', SenderFault: false, Code: 'InternalError' }] })
      .resolves({ Successful: [], Failed: [] });
    await makeQueue().send(['zero', 'one', 'two']);
    expect(entriesOfCall(0).map((entry) => entry.MessageBody)).toEqual(['zero', 'one', 'two']);
    expect(entriesOfCall(1)).toEqual([
      { Id: '1', MessageBody: 'one' },
      { Id: '2', MessageBody: 'two' },
    ]);
    expect(entriesOfCall(2)).toEqual([{ Id: '2', MessageBody: 'two' }]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
    // Full jitter at 0.5: half of 200 ms, then half of 400 ms.
    expect(clock.sleptMs).toEqual([100, 200]);
  });

  test('gives up after maxSendAttempts with a Transient error naming the unsent messages', async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => ({
      Successful: [],
      Failed: input.Entries.filter((entry) => entry.MessageBody === 'stuck').map((entry) => ({
        Id: entry.Id,
        SenderFault: false,
        Code: 'InternalError',
        Message: 'we are having a bad day',
      })),
    }));
    const sending = makeQueue({ maxSendAttempts: 3 }).send(['ok', 'stuck']);
    await expect(sending).rejects.toThrow(
      new FerryError(
        'Transient',
        'SQS SendMessageBatch work: 1 of 2 messages not sent after 3 attempts: ' +
          'message 1 (InternalError, server fault: we are having a bad day)',
      ),
    );
    await expect(sending).rejects.toMatchObject({ errorClass: 'Transient', retryability: 'retry' });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  test('a sender fault is not resent: the error is permanent and says which message and why', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }],
      Failed: [{ Id: '1', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad character' }],
    });
    const sending = makeQueue().send(['fine', 'broken']);
    await expect(sending).rejects.toThrow(
      'SQS SendMessageBatch work: 1 of 2 messages not sent after 1 attempt: ' +
        'message 1 (InvalidMessageContents, sender fault: bad character)',
    );
    await expect(sending).rejects.toMatchObject({ errorClass: 'Internal' });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    expect(clock.sleptMs).toEqual([]);
  });

  test('a batch that fails stops the send: later batches are not sent', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [],
        Failed: [{ Id: '3', SenderFault: true, Code: 'InvalidMessageContents' }],
      })
      .resolves({ Successful: [], Failed: [] });
    const bodies = Array.from({ length: 15 }, (_, index) => `b${index}`);
    await expect(makeQueue().send(bodies)).rejects.toThrow(/message 3 \(InvalidMessageContents/);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  test('a whole-call failure is classified and names the queue', async () => {
    sqs.on(SendMessageBatchCommand).rejects(new KmsAccessDenied({ message: 'no key for you', ...metadata }));
    await expect(makeQueue().send(['a'])).rejects.toMatchObject({
      errorClass: 'AccessDenied',
      message: 'SQS SendMessageBatch work: KmsAccessDenied (HTTP 400): no key for you',
    });
  });

  test('reports every call and its payload bytes to onRequest', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }] })
      .resolves({ Successful: [], Failed: [] });
    await makeQueue().send(['héllo', 'wörld!']);
    expect(requests).toEqual([
      { operation: 'SendMessageBatch', payloadBytes: 6 + 7 },
      { operation: 'SendMessageBatch', payloadBytes: 7 },
    ]);
  });
});

describe('receive', () => {
  test('asks for at most 10 messages, at most a 20 s wait, whole-second leases and the receive count', async () => {
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        {
          MessageId: 'm-1',
          ReceiptHandle: 'h-1',
          Body: 'ü',
          Attributes: { ApproximateReceiveCount: '4' },
        },
      ],
    });
    const messages = await makeQueue().receive({ max: 25, visibilityTimeoutSec: 1.2, waitSec: 45 });
    expect(messages).toEqual([{ id: 'm-1', receiptHandle: 'h-1', body: 'ü', receiveCount: 4 }]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 20,
      VisibilityTimeout: 2,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    expect(requests).toEqual([{ operation: 'ReceiveMessage', payloadBytes: 2 }]);
  });

  test('a message without a receive count is an internal error, not a guess', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [{ MessageId: 'm', ReceiptHandle: 'h', Body: 'b' }] });
    await expect(makeQueue().receive({ max: 1, visibilityTimeoutSec: 30, waitSec: 0 })).rejects.toMatchObject(
      {
        errorClass: 'Internal',
      },
    );
  });

  test('an already aborted signal rejects with its reason before any call', async () => {
    const reason = new Error('stopping');
    await expect(
      makeQueue().receive({
        max: 1,
        visibilityTimeoutSec: 30,
        waitSec: 20,
        signal: AbortSignal.abort(reason),
      }),
    ).rejects.toBe(reason);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  test('a missing queue is a Config error', async () => {
    sqs.on(ReceiveMessageCommand).rejects(new QueueDoesNotExist({ message: 'gone', ...metadata }));
    await expect(makeQueue().receive({ max: 1, visibilityTimeoutSec: 30, waitSec: 0 })).rejects.toMatchObject(
      {
        errorClass: 'Config',
      },
    );
  });

  test('invalid options are refused', async () => {
    await expect(makeQueue().receive({ max: 0, visibilityTimeoutSec: 30, waitSec: 0 })).rejects.toThrow(
      RangeError,
    );
    await expect(makeQueue().receive({ max: 1, visibilityTimeoutSec: -1, waitSec: 0 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('ack, extendLease and release', () => {
  const staleErrors: [string, () => Error][] = [
    ['ReceiptHandleIsInvalid', () => new ReceiptHandleIsInvalid({ message: 'invalid', ...metadata })],
    ['MessageNotInflight', () => new MessageNotInflight({ message: 'not in flight', ...metadata })],
    ['an expired handle', expiredHandleError],
  ];

  test.each(staleErrors)('%s is a quiet no-op', async (_, error) => {
    sqs.on(DeleteMessageCommand).rejects(error());
    sqs.on(ChangeMessageVisibilityCommand).rejects(error());
    const queue = makeQueue();
    await expect(queue.ack(held)).resolves.toBeUndefined();
    await expect(queue.extendLease(held, 30)).resolves.toBeUndefined();
    await expect(queue.release(held, 0)).resolves.toBeUndefined();
  });

  test('use the message handle and whole seconds', async () => {
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const queue = makeQueue();
    await queue.extendLease(held, 90.5);
    await queue.release(held, 0);
    await queue.ack(held);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: queueUrl, ReceiptHandle: 'handle-1', VisibilityTimeout: 91 },
      { QueueUrl: queueUrl, ReceiptHandle: 'handle-1', VisibilityTimeout: 0 },
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: queueUrl,
      ReceiptHandle: 'handle-1',
    });
    expect(requests.map((request) => request.operation)).toEqual([
      'ChangeMessageVisibility',
      'ChangeMessageVisibility',
      'DeleteMessage',
    ]);
  });

  test('other failures are thrown, classified', async () => {
    const beyondLimit = Object.assign(
      new Error(
        'Value 50000 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout ...',
      ),
      { name: 'InvalidParameterValue', Code: 'InvalidParameterValue', ...metadata },
    );
    sqs.on(ChangeMessageVisibilityCommand).rejects(beyondLimit);
    sqs.on(DeleteMessageCommand).rejects(new QueueDoesNotExist({ message: 'gone', ...metadata }));
    const queue = makeQueue();
    await expect(queue.extendLease(held, 50_000)).rejects.toMatchObject({ errorClass: 'Internal' });
    await expect(queue.ack(held)).rejects.toMatchObject({ errorClass: 'Config' });
  });
});

describe('deadLetter', () => {
  test('re-leases, sends the body with reason, receive count and source id to the DLQ, then deletes', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    sqs.on(DeleteMessageCommand).resolves({});
    await makeQueue().deadLetter(held, 'unparseable body');
    expect(sqs.calls().map((call) => call.args[0].constructor.name)).toEqual([
      'ChangeMessageVisibilityCommand',
      'SendMessageCommand',
      'DeleteMessageCommand',
    ]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(
      deadLetterHoldSec,
    );
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: deadLetterQueueUrl,
      MessageBody: '{"v":1}',
      MessageAttributes: {
        'ferry-reason': { DataType: 'String', StringValue: 'unparseable body' },
        'ferry-receive-count': { DataType: 'Number', StringValue: '3' },
        'ferry-source-message-id': { DataType: 'String', StringValue: 'm-1' },
      },
    });
    expect(sqs.commandCalls(DeleteMessageCommand)[0]?.args[0].input.ReceiptHandle).toBe('handle-1');
  });

  test('a reason with forbidden characters or too long is cleaned and cut to fit', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    sqs.on(DeleteMessageCommand).resolves({});
    await makeQueue().deadLetter(held, `bad\u0000${'x'.repeat(5000)}`);
    const reason = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes?.['ferry-reason'];
    expect(reason?.StringValue?.startsWith('bad\uFFFDxxx')).toBe(true);
    expect(Buffer.byteLength(reason?.StringValue ?? '')).toBe(2048);
  });

  test('with a stale handle nothing is moved: the new holder keeps the message', async () => {
    sqs.on(ChangeMessageVisibilityCommand).rejects(expiredHandleError());
    await makeQueue().deadLetter(held, 'late');
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  test('a failed send to the DLQ keeps the original: nothing is deleted', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(SendMessageCommand).rejects(new QueueDoesNotExist({ message: 'gone', ...metadata }));
    await expect(makeQueue().deadLetter(held, 'why')).rejects.toThrow(
      /SQS SendMessage work-dlq: QueueDoesNotExist/,
    );
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  test('without a dead-letter queue it is a Config error and nothing is called', async () => {
    await expect(makeQueue({ withDeadLetterQueue: false }).deadLetter(held, 'why')).rejects.toMatchObject({
      errorClass: 'Config',
    });
    expect(sqs.calls()).toHaveLength(0);
  });
});

describe('depth', () => {
  test('counts the DLQ in flight too, and reads 0 for a queue without one', async () => {
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: queueUrl })
      .resolves({
        Attributes: { ApproximateNumberOfMessages: '7', ApproximateNumberOfMessagesNotVisible: '3' },
      })
      .on(GetQueueAttributesCommand, { QueueUrl: deadLetterQueueUrl })
      .resolves({
        Attributes: { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1' },
      });
    expect(await makeQueue().depth()).toEqual({ visible: 7, inFlight: 3, deadLettered: 3 });
    expect(await makeQueue({ withDeadLetterQueue: false }).depth()).toEqual({
      visible: 7,
      inFlight: 3,
      deadLettered: 0,
    });
  });
});
