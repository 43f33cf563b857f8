// `ferry init`'s queues on moto: both queues made with the right attributes, a repeat is harmless, a mismatch is explained.
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, test } from 'vitest';
import {
  attributeMismatches,
  createWorkQueues,
  deadLetterQueueName,
  findWorkQueues,
  validateWorkQueueSettings,
  type WorkQueueUrls,
} from '../../../worker/src/distributed/create-queue.ts';
import { deadLetterQueueUrlOf } from '../../../worker/src/distributed/sqs-work-queue.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { motoSqsClient, uniqueQueueName } from './sqs-moto-client.ts';

const client = motoSqsClient();
const made: string[] = [];
afterAll(async () => {
  for (const queueUrl of made)
    await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => {});
  client.destroy();
});

async function attributesOf(queueUrl: string): Promise<Record<string, string>> {
  const output = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return output.Attributes ?? {};
}

function remember(urls: WorkQueueUrls): WorkQueueUrls {
  made.push(urls.queueUrl, urls.deadLetterQueueUrl);
  return urls;
}

describe('createWorkQueues', () => {
  test('makes the DLQ (14 days) and the queue redriving to it after maxReceiveCount, SSE-SQS, 256 KiB', async () => {
    const queueName = uniqueQueueName('ferry-init');
    const urls = remember(
      await createWorkQueues({ client, queueName, maxReceiveCount: 7, visibilityTimeoutSec: 120 }),
    );
    expect(urls.queueUrl.endsWith(`/${queueName}`)).toBe(true);
    expect(urls.deadLetterQueueUrl.endsWith(`/${deadLetterQueueName(queueName)}`)).toBe(true);

    const dead = await attributesOf(urls.deadLetterQueueUrl);
    expect(dead).toMatchObject({
      MessageRetentionPeriod: '1209600',
      MaximumMessageSize: '262144',
      SqsManagedSseEnabled: 'true',
    });
    const work = await attributesOf(urls.queueUrl);
    expect(work).toMatchObject({
      VisibilityTimeout: '120',
      MessageRetentionPeriod: '345600',
      MaximumMessageSize: '262144',
      SqsManagedSseEnabled: 'true',
    });
    expect(JSON.parse(work.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dead.QueueArn,
      maxReceiveCount: 7,
    });
  });

  test('running it again with the same settings returns the same queues', async () => {
    const settings = {
      client,
      queueName: uniqueQueueName('ferry-again'),
      maxReceiveCount: 3,
      visibilityTimeoutSec: 60,
    };
    const first = remember(await createWorkQueues(settings));
    expect(await createWorkQueues(settings)).toEqual(first);
    expect(await findWorkQueues({ client, queueName: settings.queueName })).toEqual(first);
    expect(await deadLetterQueueUrlOf({ client, queueUrl: first.queueUrl })).toBe(first.deadLetterQueueUrl);
  });

  test('a KMS key replaces SSE-SQS, and a chosen retention is kept', async () => {
    const urls = remember(
      await createWorkQueues({
        client,
        queueName: uniqueQueueName('ferry-kms'),
        maxReceiveCount: 5,
        visibilityTimeoutSec: 30,
        messageRetentionSec: 86_400,
        kmsMasterKeyId: 'alias/ferry-queue',
      }),
    );
    const work = await attributesOf(urls.queueUrl);
    expect(work).toMatchObject({ KmsMasterKeyId: 'alias/ferry-queue', MessageRetentionPeriod: '86400' });
    expect((await attributesOf(urls.deadLetterQueueUrl)).KmsMasterKeyId).toBe('alias/ferry-queue');
  });

  test('an existing queue with other settings is a Config error naming each difference', async () => {
    const queueName = uniqueQueueName('ferry-clash');
    remember(await createWorkQueues({ client, queueName, maxReceiveCount: 5, visibilityTimeoutSec: 30 }));
    const again = createWorkQueues({ client, queueName, maxReceiveCount: 9, visibilityTimeoutSec: 300 });
    await expect(again).rejects.toMatchObject({ errorClass: 'Config' });
    await expect(again).rejects.toThrow(
      new RegExp(
        `SQS queue ${queueName} already exists with other settings: VisibilityTimeout is 30, Ferry wants 300; ` +
          'RedrivePolicy is .*"maxReceiveCount": ?5.*, Ferry wants .*"maxReceiveCount":9',
      ),
    );
  });

  test('a queue someone else made under the DLQ name with other settings is reported too', async () => {
    const queueName = uniqueQueueName('ferry-foreign');
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({
        QueueName: deadLetterQueueName(queueName),
        Attributes: { MessageRetentionPeriod: '60' },
      }),
    );
    made.push(QueueUrl ?? '');
    await expect(
      createWorkQueues({ client, queueName, maxReceiveCount: 5, visibilityTimeoutSec: 30 }),
    ).rejects.toThrow(
      /ferry-foreign.*-dlq already exists with other settings: MessageRetentionPeriod is 60, Ferry wants 1209600/,
    );
  });

  test('settings SQS would refuse are Config errors before any call', async () => {
    const base = { queueName: 'ok', maxReceiveCount: 5, visibilityTimeoutSec: 30 };
    expect(() => validateWorkQueueSettings({ ...base, queueName: 'has space' })).toThrow(/letters, digits/);
    expect(() => validateWorkQueueSettings({ ...base, queueName: 'x'.repeat(77) })).toThrow(FerryError);
    expect(() => validateWorkQueueSettings({ ...base, maxReceiveCount: 0 })).toThrow(/maxReceiveCount/);
    expect(() => validateWorkQueueSettings({ ...base, visibilityTimeoutSec: 43_201 })).toThrow(
      /visibilityTimeoutSec/,
    );
    expect(() => validateWorkQueueSettings({ ...base, messageRetentionSec: 30 })).toThrow(
      /messageRetentionSec/,
    );
    expect(() => validateWorkQueueSettings(base)).not.toThrow();
    const name = uniqueQueueName('ferry-invalid');
    await expect(
      createWorkQueues({ client, queueName: name, maxReceiveCount: 0, visibilityTimeoutSec: 30 }),
    ).rejects.toMatchObject({ errorClass: 'Config' });
    await expect(findWorkQueues({ client, queueName: name })).rejects.toMatchObject({ errorClass: 'Config' });
  });
});

describe('findWorkQueues', () => {
  test('a queue that does not exist is a Config error that says to run ferry init', async () => {
    await expect(findWorkQueues({ client, queueName: uniqueQueueName('ferry-missing') })).rejects.toThrow(
      /SQS queue ferry-missing-\S+ does not exist: run `ferry init` to create it/,
    );
  });
});

describe('deadLetterQueueUrlOf', () => {
  test('is undefined for a queue without a redrive policy', async () => {
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: uniqueQueueName('ferry-plain') }),
    );
    made.push(QueueUrl ?? '');
    expect(await deadLetterQueueUrlOf({ client, queueUrl: QueueUrl ?? '' })).toBeUndefined();
  });
});

describe('attributeMismatches', () => {
  test('compares redrive policies as JSON and booleans without case; ignores attributes not wanted', () => {
    const wanted = {
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:q-dlq","maxReceiveCount":5}',
      SqsManagedSseEnabled: 'true',
    };
    const found = {
      RedrivePolicy: '{"maxReceiveCount": "5", "deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:q-dlq"}',
      SqsManagedSseEnabled: 'True',
      VisibilityTimeout: '30',
    };
    expect(attributeMismatches(wanted, found)).toEqual([]);
    expect(attributeMismatches({ VisibilityTimeout: '60' }, {})).toEqual([
      { name: 'VisibilityTimeout', wanted: '60' },
    ]);
  });
});
