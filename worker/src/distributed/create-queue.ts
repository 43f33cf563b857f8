// The queue half of `ferry init`: makes (or finds, unchanged) the SQS work queue and its dead-letter queue.
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { FerryError } from '../domain/errors.ts';
import { classifySqsError, sqsErrorCodes } from './sqs-errors.ts';
import { queueMaximumMessageBytes } from './sqs-send-batches.ts';

export interface WorkQueueSettings {
  /** The work queue's name; the dead-letter queue is named `<queueName>-dlq`. */
  readonly queueName: string;
  /** Deliveries after which SQS moves a message to the dead-letter queue by itself. */
  readonly maxReceiveCount: number;
  /** The queue's default lease, for receives that name none. */
  readonly visibilityTimeoutSec: number;
  /** How long an undelivered message is kept; default 4 days (SQS's default). */
  readonly messageRetentionSec?: number;
  /** Encrypt with this KMS key instead of SQS-managed keys (SSE-SQS). */
  readonly kmsMasterKeyId?: string;
}

export interface WorkQueueUrls {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

export const deadLetterQueueSuffix = '-dlq';
/** Dead letters wait 14 days, the most SQS allows: longer than any work queue keeps messages by default. */
export const deadLetterRetentionSec = 14 * 24 * 60 * 60;
export const defaultMessageRetentionSec = 4 * 24 * 60 * 60;
const minMessageRetentionSec = 60;
const maxVisibilityTimeoutSec = 43_200;
const maxMaxReceiveCount = 1_000;
/** SQS queue names are at most 80 characters; the dead-letter suffix takes 4. */
const queueNamePattern = /^[A-Za-z0-9_-]{1,76}$/;

type QueueAttributes = Partial<Record<QueueAttributeName, string>>;

export function deadLetterQueueName(queueName: string): string {
  return `${queueName}${deadLetterQueueSuffix}`;
}

function requireIntegerIn(name: string, value: number, range: { min: number; max: number }): void {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new FerryError(
      'Config',
      `SQS queue setting ${name} must be a whole number from ${range.min} to ${range.max}, got ${value}`,
    );
  }
}

/** Throws a Config FerryError for settings SQS would refuse. */
export function validateWorkQueueSettings(settings: WorkQueueSettings): void {
  if (!queueNamePattern.test(settings.queueName)) {
    throw new FerryError(
      'Config',
      `SQS queue name "${settings.queueName}" must be 1 to 76 letters, digits, hyphens or underscores ` +
        `(the dead-letter queue adds "${deadLetterQueueSuffix}")`,
    );
  }
  requireIntegerIn('maxReceiveCount', settings.maxReceiveCount, { min: 1, max: maxMaxReceiveCount });
  requireIntegerIn('visibilityTimeoutSec', settings.visibilityTimeoutSec, {
    min: 0,
    max: maxVisibilityTimeoutSec,
  });
  if (settings.messageRetentionSec !== undefined) {
    requireIntegerIn('messageRetentionSec', settings.messageRetentionSec, {
      min: minMessageRetentionSec,
      max: deadLetterRetentionSec,
    });
  }
  if (settings.kmsMasterKeyId === '') throw new FerryError('Config', 'SQS kmsMasterKeyId must not be empty');
}

function encryptionAttributes(settings: WorkQueueSettings): QueueAttributes {
  return settings.kmsMasterKeyId === undefined
    ? { SqsManagedSseEnabled: 'true' }
    : { KmsMasterKeyId: settings.kmsMasterKeyId };
}

/** The attributes of the dead-letter queue. */
export function deadLetterQueueAttributes(settings: WorkQueueSettings): QueueAttributes {
  return {
    MessageRetentionPeriod: String(deadLetterRetentionSec),
    MaximumMessageSize: String(queueMaximumMessageBytes),
    ...encryptionAttributes(settings),
  };
}

/** The attributes of the work queue, redriving to the dead-letter queue with this ARN. */
export function workQueueAttributes(
  settings: WorkQueueSettings,
  deadLetterQueueArn: string,
): QueueAttributes {
  return {
    VisibilityTimeout: String(settings.visibilityTimeoutSec),
    MessageRetentionPeriod: String(settings.messageRetentionSec ?? defaultMessageRetentionSec),
    MaximumMessageSize: String(queueMaximumMessageBytes),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: deadLetterQueueArn,
      maxReceiveCount: settings.maxReceiveCount,
    }),
    ...encryptionAttributes(settings),
  };
}

/** An attribute value in a comparable form: JSON policies parsed and re-serialised, booleans lower-cased. */
function comparable(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (name === 'RedrivePolicy') {
    try {
      const policy: unknown = JSON.parse(value);
      if (typeof policy === 'object' && policy !== null) {
        const { deadLetterTargetArn, maxReceiveCount } = policy as Record<string, unknown>;
        return JSON.stringify({ deadLetterTargetArn, maxReceiveCount: Number(maxReceiveCount) });
      }
    } catch {
      return value;
    }
  }
  return value === 'True' || value === 'False' ? value.toLowerCase() : value;
}

export interface AttributeMismatch {
  readonly name: string;
  readonly wanted: string;
  /** Absent: the queue does not have the attribute set. */
  readonly found?: string;
}

/** The wanted attributes the existing queue has differently; attributes not wanted are not compared. */
export function attributeMismatches(wanted: QueueAttributes, found: QueueAttributes): AttributeMismatch[] {
  const mismatches: AttributeMismatch[] = [];
  for (const [name, value] of Object.entries(wanted)) {
    if (value === undefined) continue;
    const actual = found[name as QueueAttributeName];
    if (comparable(name, actual) !== comparable(name, value)) {
      mismatches.push({ name, wanted: value, ...(actual !== undefined ? { found: actual } : {}) });
    }
  }
  return mismatches;
}

function isQueueNameTaken(error: unknown): boolean {
  return sqsErrorCodes(error).some((code) => code === 'QueueNameExists' || code === 'QueueAlreadyExists');
}

function isQueueMissing(error: unknown): boolean {
  return sqsErrorCodes(error).some(
    (code) => code === 'QueueDoesNotExist' || code === 'AWS.SimpleQueueService.NonExistentQueue',
  );
}

async function queueAttributes(client: SQSClient, queueUrl: string): Promise<QueueAttributes> {
  try {
    const output = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    return output.Attributes ?? {};
  } catch (error) {
    throw classifySqsError(error, `SQS GetQueueAttributes ${queueUrl}`);
  }
}

async function queueUrlOf(client: SQSClient, queueName: string): Promise<string> {
  try {
    const { QueueUrl: queueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (!queueUrl) throw new FerryError('Internal', `SQS GetQueueUrl ${queueName}: no URL in the answer`);
    return queueUrl;
  } catch (error) {
    if (isQueueMissing(error)) {
      throw new FerryError(
        'Config',
        `SQS queue ${queueName} does not exist: run \`ferry init\` to create it`,
        {
          cause: error,
        },
      );
    }
    throw classifySqsError(error, `SQS GetQueueUrl ${queueName}`);
  }
}

function mismatchError(
  queueName: string,
  mismatches: readonly AttributeMismatch[],
  cause: unknown,
): FerryError {
  const listed = mismatches
    .map((mismatch) => `${mismatch.name} is ${mismatch.found ?? '(not set)'}, Ferry wants ${mismatch.wanted}`)
    .join('; ');
  const what = listed === '' ? 'SQS says its attributes differ from what Ferry asks for' : listed;
  return new FerryError(
    'Config',
    `SQS queue ${queueName} already exists with other settings: ${what}. Change the queue to match ` +
      '(or the configuration to match the queue), or delete it, then run `ferry init` again',
    { cause },
  );
}

/** Creates the queue, or returns the existing one when its attributes match; a mismatch is a Config error naming them. */
async function ensureQueue(
  client: SQSClient,
  queueName: string,
  attributes: QueueAttributes,
): Promise<string> {
  try {
    const { QueueUrl: queueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }),
    );
    if (!queueUrl) throw new FerryError('Internal', `SQS CreateQueue ${queueName}: no URL in the answer`);
    return queueUrl;
  } catch (error) {
    if (!isQueueNameTaken(error)) throw classifySqsError(error, `SQS CreateQueue ${queueName}`);
    const existing = await queueAttributes(client, await queueUrlOf(client, queueName));
    throw mismatchError(queueName, attributeMismatches(attributes, existing), error);
  }
}

/**
 * Makes the work queue and its dead-letter queue, or finds them when they already exist with these settings
 * (safe to run again). SQS-managed encryption unless a KMS key is given; messages up to 256 KiB.
 */
export async function createWorkQueues(
  options: WorkQueueSettings & { readonly client: SQSClient },
): Promise<WorkQueueUrls> {
  const { client, ...settings } = options;
  validateWorkQueueSettings(settings);
  const deadLetterName = deadLetterQueueName(settings.queueName);
  const deadLetterQueueUrl = await ensureQueue(client, deadLetterName, deadLetterQueueAttributes(settings));
  const deadLetterQueueArn = (await queueAttributes(client, deadLetterQueueUrl)).QueueArn;
  if (!deadLetterQueueArn) {
    throw new FerryError('Internal', `SQS GetQueueAttributes ${deadLetterName}: no QueueArn in the answer`);
  }
  const queueUrl = await ensureQueue(
    client,
    settings.queueName,
    workQueueAttributes(settings, deadLetterQueueArn),
  );
  return { queueUrl, deadLetterQueueUrl };
}

/** The URLs of existing work queues by name; a missing queue is a Config error that says to run `ferry init`. */
export async function findWorkQueues(options: {
  readonly client: SQSClient;
  readonly queueName: string;
}): Promise<WorkQueueUrls> {
  const [queueUrl, deadLetterQueueUrl] = await Promise.all([
    queueUrlOf(options.client, options.queueName),
    queueUrlOf(options.client, deadLetterQueueName(options.queueName)),
  ]);
  return { queueUrl, deadLetterQueueUrl };
}
