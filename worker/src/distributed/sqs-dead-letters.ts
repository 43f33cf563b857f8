// The dead-letter queue's message format: what deadLetter attaches to a body, and reading dead letters back for status and tests.
import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { truncateUtf8, utf8Bytes, withoutForbiddenCharacters } from './sqs-send-batches.ts';

/** Message attribute names on dead letters Ferry moved itself (SQS's own redrive adds none). */
export const reasonAttribute = 'ferry-reason';
export const receiveCountAttribute = 'ferry-receive-count';
export const sourceMessageIdAttribute = 'ferry-source-message-id';

/** A reason longer than this (in UTF-8 bytes) is cut: the attributes must fit the room kept for them in every message. */
export const maxReasonBytes = 2_048;

/** The attributes deadLetter sends with the body. */
export function deadLetterAttributes(options: {
  reason: string;
  receiveCount: number;
  sourceMessageId: string;
}): Record<string, MessageAttributeValue> {
  const reason = truncateUtf8(withoutForbiddenCharacters(options.reason), maxReasonBytes);
  return {
    // SQS refuses an empty string attribute.
    [reasonAttribute]: { DataType: 'String', StringValue: reason === '' ? '(no reason given)' : reason },
    [receiveCountAttribute]: { DataType: 'Number', StringValue: String(options.receiveCount) },
    [sourceMessageIdAttribute]: { DataType: 'String', StringValue: options.sourceMessageId },
  };
}

/** The bytes SQS counts for message attributes: names, data types and values. */
export function attributeBytes(attributes: Readonly<Record<string, MessageAttributeValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes)) {
    bytes += utf8Bytes(name) + utf8Bytes(value.DataType ?? '') + utf8Bytes(value.StringValue ?? '');
    bytes += value.BinaryValue?.byteLength ?? 0;
  }
  return bytes;
}

/** A message on the dead-letter queue, as status output and tests see it. */
export interface SqsDeadLetter {
  readonly id: string;
  readonly body: string;
  /** Absent when SQS's redrive moved the message (maxReceiveCount exceeded) rather than Ferry's deadLetter. */
  readonly reason?: string;
  /** How often the message had been delivered when Ferry dead-lettered it; absent after SQS's redrive. */
  readonly receiveCount?: number;
}

function deadLetterOf(message: Message): SqsDeadLetter {
  const attributes = message.MessageAttributes ?? {};
  const reason = attributes[reasonAttribute]?.StringValue;
  const receiveCount = Number(attributes[receiveCountAttribute]?.StringValue);
  return {
    id: message.MessageId ?? '',
    body: message.Body ?? '',
    ...(reason !== undefined ? { reason } : {}),
    ...(Number.isInteger(receiveCount) ? { receiveCount } : {}),
  };
}

/** How long a peeked dead letter stays hidden while the others are read, before it is made visible again. */
const peekVisibilitySec = 30;

/**
 * Reads up to max dead letters without consuming them: each is received, then made visible again at once.
 * SQS hands out messages in no fixed order and a standard queue may skip some on one call, so this is a sample
 * for status output and tests; the count comes from depth().
 */
export async function peekDeadLetters(options: {
  client: SQSClient;
  deadLetterQueueUrl: string;
  max?: number;
}): Promise<SqsDeadLetter[]> {
  const { client, deadLetterQueueUrl } = options;
  const max = options.max ?? 100;
  const found = new Map<string, Message>();
  for (let emptyPolls = 0; found.size < max && emptyPolls < 2; ) {
    const { Messages: messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, max - found.size),
        VisibilityTimeout: peekVisibilitySec,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    const fresh = messages.filter((message) => message.MessageId && !found.has(message.MessageId));
    for (const message of fresh) found.set(message.MessageId ?? '', message);
    emptyPolls = fresh.length === 0 ? emptyPolls + 1 : 0;
  }
  const held = [...found.values()];
  for (let start = 0; start < held.length; start += 10) {
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: deadLetterQueueUrl,
        Entries: held.slice(start, start + 10).map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
  return held.map(deadLetterOf);
}
