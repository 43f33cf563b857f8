// The work queue on Amazon SQS (standard queue): batched sends, long-poll receives, leases as visibility timeouts.
//
// Receipt handles: an ack or lease change whose handle SQS calls invalid, not in flight or expired does nothing,
// quietly, as the port asks. SQS does not promise more: a handle from an earlier delivery may still delete or move
// the message there (moto always lets it), so "a stale handle changes nothing" holds on SQS only where SQS refuses
// the handle. Every Ferry operation is idempotent, so a stale holder acting costs a repeat, never a loss.
import {
  type BatchResultErrorEntry,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { FerryError } from '../domain/errors.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { QueueDepth, QueueMessage, ReceiveOptions, WorkQueue } from '../ports/work-queue.ts';
import { backoffDelayMs } from '../transfer/retry.ts';
import { attributeBytes, deadLetterAttributes } from './sqs-dead-letters.ts';
import { classifySqsError, classOfBatchEntryFailure, isStaleReceiptHandle } from './sqs-errors.ts';
import {
  type BatchEntry,
  defaultMaxBatchBytes,
  defaultMaxBodyBytes,
  planSendBatches,
  utf8Bytes,
} from './sqs-send-batches.ts';

/** The SQS API calls the adapter makes; the names SQS bills them under. */
export type SqsOperation =
  | 'SendMessageBatch'
  | 'SendMessage'
  | 'ReceiveMessage'
  | 'DeleteMessage'
  | 'ChangeMessageVisibility'
  | 'GetQueueAttributes';

/**
 * Told once per API call the adapter makes, when it settles (failed calls included; the SDK's own retries of one
 * call are not seen). payloadBytes: message bytes sent or received (bodies and attributes), 0 for calls without;
 * SQS bills billedRequests(payloadBytes) requests for the call.
 */
export type SqsRequestHook = (operation: SqsOperation, payloadBytes: number) => void;

export interface SqsWorkQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Where deadLetter moves messages; without it deadLetter throws a Config error. */
  readonly deadLetterQueueUrl?: string;
  /** Waits between resends of batch entries SQS failed; default the system clock. */
  readonly clock?: Clock;
  readonly onRequest?: SqsRequestHook;
  /** Attempts per batch entry SQS reports failed for a transient reason, the first included; default 5. */
  readonly maxSendAttempts?: number;
  /** Default 262,144 (see defaultMaxBatchBytes). */
  readonly maxBatchBytes?: number;
  /** Default 258,048: the queue's 256 KiB less the room deadLetter needs for its attributes. */
  readonly maxBodyBytes?: number;
  /** Uniform in [0, 1) for backoff jitter; Math.random unless injected. */
  readonly random?: () => number;
}

/** The longest long poll SQS allows. */
export const maxWaitSec = 20;
/** The longest visibility timeout SQS allows (12 hours). */
export const maxVisibilityTimeoutSec = 43_200;
/** ReceiveMessage returns at most this many messages. */
export const maxMessagesPerReceive = 10;
/** deadLetter first re-leases the message this long, to be sure it still holds it and to keep it hidden while moving. */
export const deadLetterHoldSec = 60;

const defaultMaxSendAttempts = 5;
const depthAttributes: readonly QueueAttributeName[] = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
];
const sendBackoff = { baseDelayMs: 200, maxDelayMs: 5_000 };
/** How many failed entries an error message names before it says "and N more". */
const failuresNamed = 5;

function requireSeconds(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be 0 or more seconds, got ${value}`);
}

/** A lease length as SQS takes it: whole seconds, rounded up, at most 12 hours. */
export function visibilitySecFor(seconds: number): number {
  return Math.min(maxVisibilityTimeoutSec, Math.ceil(seconds));
}

/** The ReceiveMessage parameters for the port's options: at most 10 messages, a wait of at most 20 whole seconds. */
export function receiveParameters(options: ReceiveOptions): {
  maxNumberOfMessages: number;
  waitTimeSeconds: number;
  visibilityTimeout: number;
} {
  if (!Number.isInteger(options.max) || options.max < 1)
    throw new RangeError(`max must be an integer of at least 1, got ${options.max}`);
  requireSeconds('visibilityTimeoutSec', options.visibilityTimeoutSec);
  requireSeconds('waitSec', options.waitSec);
  return {
    maxNumberOfMessages: Math.min(maxMessagesPerReceive, options.max),
    waitTimeSeconds: Math.min(maxWaitSec, Math.floor(options.waitSec)),
    visibilityTimeout: visibilitySecFor(options.visibilityTimeoutSec),
  };
}

function queueNameOf(queueUrl: string): string {
  return queueUrl.split('/').filter(Boolean).at(-1) ?? queueUrl;
}

function queueMessageOf(message: Message, queueName: string): QueueMessage {
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
  if (!message.MessageId || !message.ReceiptHandle || message.Body === undefined) {
    throw new FerryError(
      'Internal',
      `SQS ReceiveMessage ${queueName}: a message came without id, handle or body`,
    );
  }
  if (!Number.isInteger(receiveCount) || receiveCount < 1) {
    throw new FerryError(
      'Internal',
      `SQS ReceiveMessage ${queueName}: message ${message.MessageId} came without an ApproximateReceiveCount`,
    );
  }
  return { id: message.MessageId, receiptHandle: message.ReceiptHandle, body: message.Body, receiveCount };
}

function countAttribute(attributes: Readonly<Record<string, string>> | undefined, name: string): number {
  const value = Number(attributes?.[name] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

interface EntryFailure {
  readonly entry: BatchEntry;
  readonly code: string;
  readonly senderFault: boolean;
  readonly message: string;
}

function entryFailures(
  failed: readonly BatchResultErrorEntry[],
  entries: readonly BatchEntry[],
): EntryFailure[] {
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  return failed.map((failure) => {
    const entry = byId.get(failure.Id ?? '');
    if (entry === undefined)
      throw new FerryError(
        'Internal',
        `SQS SendMessageBatch reported a failure for unknown entry ${failure.Id}`,
      );
    return {
      entry,
      code: failure.Code ?? 'UnknownError',
      senderFault: failure.SenderFault ?? false,
      message: failure.Message ?? '',
    };
  });
}

function isRetryableEntryFailure(failure: EntryFailure): boolean {
  const errorClass = classOfBatchEntryFailure({ code: failure.code, senderFault: failure.senderFault });
  return errorClass === 'Transient' || errorClass === 'Throttled';
}

/** The error for entries that stayed unsent: transient when every failure was, else the class of a permanent one. */
function unsentError(options: {
  queueName: string;
  failures: readonly EntryFailure[];
  batchSize: number;
  attempts: number;
}): FerryError {
  const { failures } = options;
  const named = failures.slice(0, failuresNamed).map((failure) => {
    const fault = failure.senderFault ? 'sender fault' : 'server fault';
    const detail = failure.message ? `: ${failure.message}` : '';
    return `message ${failure.entry.index} (${failure.code}, ${fault}${detail})`;
  });
  const more = failures.length > failuresNamed ? `, and ${failures.length - failuresNamed} more` : '';
  const permanent = failures.find((failure) => !isRetryableEntryFailure(failure));
  const errorClass = permanent
    ? classOfBatchEntryFailure({ code: permanent.code, senderFault: permanent.senderFault })
    : 'Transient';
  const attempts = options.attempts === 1 ? '1 attempt' : `${options.attempts} attempts`;
  return new FerryError(
    errorClass,
    `SQS SendMessageBatch ${options.queueName}: ${failures.length} of ${options.batchSize} messages not sent ` +
      `after ${attempts}: ${named.join('; ')}${more}`,
  );
}

export function createSqsWorkQueue(options: SqsWorkQueueOptions): WorkQueue {
  const { client, queueUrl, deadLetterQueueUrl } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const maxSendAttempts = options.maxSendAttempts ?? defaultMaxSendAttempts;
  const limits = {
    maxBatchBytes: options.maxBatchBytes ?? defaultMaxBatchBytes,
    maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes,
  };
  if (!Number.isInteger(maxSendAttempts) || maxSendAttempts < 1)
    throw new RangeError(`maxSendAttempts must be an integer of at least 1, got ${maxSendAttempts}`);
  const queueName = queueNameOf(queueUrl);

  /** Runs one API call on a queue: reports it to onRequest when it settles, and classifies what it throws. */
  const call = async <T>(
    request: {
      operation: SqsOperation;
      url: string;
      sentBytes?: number;
      receivedBytes?: (output: T) => number;
    },
    run: () => Promise<T>,
  ): Promise<T> => {
    const sentBytes = request.sentBytes ?? 0;
    try {
      const output = await run();
      options.onRequest?.(request.operation, sentBytes + (request.receivedBytes?.(output) ?? 0));
      return output;
    } catch (error) {
      options.onRequest?.(request.operation, sentBytes);
      throw classifySqsError(error, `SQS ${request.operation} ${queueNameOf(request.url)}`);
    }
  };

  /** A call on a receipt handle: a stale handle makes it a no-op (false), anything else failing throws. */
  const onHeldMessage = async (
    operation: 'DeleteMessage' | 'ChangeMessageVisibility',
    run: () => Promise<unknown>,
  ): Promise<boolean> => {
    try {
      await call({ operation, url: queueUrl }, run);
      return true;
    } catch (error) {
      if (error instanceof FerryError && isStaleReceiptHandle(error.cause)) return false;
      throw error;
    }
  };

  const changeVisibility = (message: QueueMessage, seconds: number): Promise<boolean> =>
    onHeldMessage('ChangeMessageVisibility', () =>
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout: visibilitySecFor(seconds),
        }),
      ),
    );

  const deleteHeld = (message: QueueMessage): Promise<boolean> =>
    onHeldMessage('DeleteMessage', () =>
      client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.receiptHandle })),
    );

  /** Sends one batch, resending the entries SQS failed for transient reasons, with backoff, a bounded number of times. */
  const sendBatch = async (batch: readonly BatchEntry[]): Promise<void> => {
    let pending = batch;
    for (let attempt = 1; ; attempt += 1) {
      const sentBytes = pending.reduce((sum, entry) => sum + entry.bytes, 0);
      const result = await call({ operation: 'SendMessageBatch', url: queueUrl, sentBytes }, () =>
        client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: pending.map((entry) => ({ Id: entry.id, MessageBody: entry.body })),
          }),
        ),
      );
      const failures = entryFailures(result.Failed ?? [], pending);
      if (failures.length === 0) return;
      const retryable = failures.every(isRetryableEntryFailure);
      if (!retryable || attempt >= maxSendAttempts) {
        throw unsentError({ queueName, failures, batchSize: batch.length, attempts: attempt });
      }
      pending = failures.map((failure) => failure.entry);
      await clock.sleep(backoffDelayMs({ ...sendBackoff, attempt, random }));
    }
  };

  const depthOf = async (url: string): Promise<Record<string, string>> => {
    const output = await call({ operation: 'GetQueueAttributes', url }, () =>
      client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...depthAttributes] })),
    );
    return output.Attributes ?? {};
  };

  return {
    async send(bodies) {
      for (const batch of planSendBatches(bodies, limits)) await sendBatch(batch);
    },

    async receive(receiveOptions) {
      const parameters = receiveParameters(receiveOptions);
      const { signal } = receiveOptions;
      signal?.throwIfAborted();
      try {
        const output = await call(
          {
            operation: 'ReceiveMessage',
            url: queueUrl,
            receivedBytes: (received) =>
              (received.Messages ?? []).reduce((sum, message) => sum + utf8Bytes(message.Body ?? ''), 0),
          },
          () =>
            client.send(
              new ReceiveMessageCommand({
                QueueUrl: queueUrl,
                MaxNumberOfMessages: parameters.maxNumberOfMessages,
                WaitTimeSeconds: parameters.waitTimeSeconds,
                VisibilityTimeout: parameters.visibilityTimeout,
                MessageSystemAttributeNames: ['ApproximateReceiveCount'],
              }),
              signal ? { abortSignal: signal } : {},
            ),
        );
        return (output.Messages ?? []).map((message) => queueMessageOf(message, queueName));
      } catch (error) {
        // An aborted long poll rejects with the signal's reason, as the clock's sleep does.
        signal?.throwIfAborted();
        throw error;
      }
    },

    async ack(message) {
      await deleteHeld(message);
    },

    async extendLease(message, visibilityTimeoutSec) {
      requireSeconds('visibilityTimeoutSec', visibilityTimeoutSec);
      await changeVisibility(message, visibilityTimeoutSec);
    },

    async release(message, delaySec) {
      requireSeconds('delaySec', delaySec);
      await changeVisibility(message, delaySec);
    },

    async deadLetter(message, reason) {
      if (deadLetterQueueUrl === undefined) {
        throw new FerryError(
          'Config',
          `SQS queue ${queueName} has no dead-letter queue configured: cannot dead-letter message ${message.id}`,
        );
      }
      // Re-leasing first proves the handle still holds the message (a stale one is refused: nothing to do)
      // and keeps it hidden while it moves. Send before delete: a crash in between leaves a duplicate, not a loss.
      if (!(await changeVisibility(message, deadLetterHoldSec))) return;
      const attributes = deadLetterAttributes({
        reason,
        receiveCount: message.receiveCount,
        sourceMessageId: message.id,
      });
      const sentBytes = utf8Bytes(message.body) + attributeBytes(attributes);
      await call({ operation: 'SendMessage', url: deadLetterQueueUrl, sentBytes }, () =>
        client.send(
          new SendMessageCommand({
            QueueUrl: deadLetterQueueUrl,
            MessageBody: message.body,
            MessageAttributes: attributes,
          }),
        ),
      );
      await deleteHeld(message);
    },

    async depth(): Promise<QueueDepth> {
      const [work, dead] = await Promise.all([
        depthOf(queueUrl),
        deadLetterQueueUrl === undefined ? Promise.resolve(undefined) : depthOf(deadLetterQueueUrl),
      ]);
      return {
        visible: countAttribute(work, 'ApproximateNumberOfMessages'),
        inFlight: countAttribute(work, 'ApproximateNumberOfMessagesNotVisible'),
        deadLettered:
          countAttribute(dead, 'ApproximateNumberOfMessages') +
          countAttribute(dead, 'ApproximateNumberOfMessagesNotVisible'),
      };
    },
  };
}

/** The parts of an SQS queue ARN (arn:partition:sqs:region:account:name). */
export function parseQueueArn(arn: string): { accountId: string; queueName: string } | undefined {
  const parts = arn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sqs') return undefined;
  const [, , , , accountId, queueName] = parts;
  return accountId && queueName ? { accountId, queueName } : undefined;
}

/** The dead-letter queue's URL from the queue's redrive policy; undefined when the queue has none. */
export async function deadLetterQueueUrlOf(options: {
  readonly client: SQSClient;
  readonly queueUrl: string;
}): Promise<string | undefined> {
  const { client, queueUrl } = options;
  const context = `SQS queue ${queueNameOf(queueUrl)}`;
  let policy: string | undefined;
  try {
    const output = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    policy = output.Attributes?.RedrivePolicy;
  } catch (error) {
    throw classifySqsError(error, `SQS GetQueueAttributes ${queueNameOf(queueUrl)}`);
  }
  if (policy === undefined || policy === '') return undefined;
  let target: unknown;
  try {
    const parsed: unknown = JSON.parse(policy);
    target =
      typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'deadLetterTargetArn') : undefined;
  } catch {
    target = undefined;
  }
  const arn = typeof target === 'string' ? parseQueueArn(target) : undefined;
  if (arn === undefined) {
    throw new FerryError('Config', `${context}: its RedrivePolicy names no dead-letter queue ARN: ${policy}`);
  }
  try {
    const output = await client.send(
      new GetQueueUrlCommand({ QueueName: arn.queueName, QueueOwnerAWSAccountId: arn.accountId }),
    );
    if (!output.QueueUrl)
      throw new FerryError('Internal', `SQS GetQueueUrl ${arn.queueName}: no URL in the answer`);
    return output.QueueUrl;
  } catch (error) {
    throw classifySqsError(
      error,
      `SQS GetQueueUrl ${arn.queueName} (dead-letter queue of ${queueNameOf(queueUrl)})`,
    );
  }
}
