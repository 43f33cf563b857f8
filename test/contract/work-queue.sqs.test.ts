// Runs the WorkQueue contract against the SQS queue on moto: a fresh work queue and dead-letter queue per case.
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, inject } from 'vitest';
import { createSqsClient } from '../../worker/src/aws/clients.ts';
import { createWorkQueues } from '../../worker/src/distributed/create-queue.ts';
import { peekDeadLetters } from '../../worker/src/distributed/sqs-dead-letters.ts';
import { createSqsWorkQueue } from '../../worker/src/distributed/sqs-work-queue.ts';
import { testCredentials } from '../support/aws.ts';
import { describeWorkQueueContract } from './work-queue.contract.ts';

const client = createSqsClient(
  {
    name: 'moto',
    url: inject('motoSource'),
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { kind: 'env', prefix: 'MOTO' },
  },
  {
    env: {
      MOTO_ACCESS_KEY_ID: testCredentials.accessKeyId,
      MOTO_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
    },
    maxAttempts: 1,
  },
);
afterAll(() => client.destroy());

let counter = 0;
function uniqueQueueName(): string {
  counter += 1;
  return `ferry-contract-${process.pid}-${counter}-${Date.now().toString(36)}`;
}

const realTime = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// SQS may still honour a receipt handle from an earlier delivery (moto always does): see sqs-work-queue.ts.
describeWorkQueueContract(
  'SQS (moto)',
  async ({ maxReceiveCount }) => {
    const { queueUrl, deadLetterQueueUrl } = await createWorkQueues({
      client,
      queueName: uniqueQueueName(),
      maxReceiveCount,
      visibilityTimeoutSec: 30,
    });
    return {
      queue: createSqsWorkQueue({ client, queueUrl, deadLetterQueueUrl }),
      advance: realTime,
      deadLetters: async () =>
        (await peekDeadLetters({ client, deadLetterQueueUrl })).map(({ body, reason }) =>
          reason === undefined ? { body } : { body, reason },
        ),
      dispose: async () => {
        await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
        await client.send(new DeleteQueueCommand({ QueueUrl: deadLetterQueueUrl }));
      },
    };
  },
  { staleReceiptHandles: 'may-act' },
);
