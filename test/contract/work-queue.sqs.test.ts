// Runs the WorkQueue contract against the SQS queue on moto: a fresh work queue and dead-letter queue per case.
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll } from 'vitest';
import { createWorkQueues } from '../../worker/src/distributed/create-queue.ts';
import { peekDeadLetters } from '../../worker/src/distributed/sqs-dead-letters.ts';
import { createSqsWorkQueue } from '../../worker/src/distributed/sqs-work-queue.ts';
import { motoSqsClient, uniqueQueueName } from '../unit/distributed/sqs-moto-client.ts';
import { describeWorkQueueContract } from './work-queue.contract.ts';

const client = motoSqsClient();
afterAll(() => client.destroy());

const realTime = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// SQS may still honour a receipt handle from an earlier delivery (moto always does): see sqs-work-queue.ts.
describeWorkQueueContract(
  'SQS (moto)',
  async ({ maxReceiveCount }) => {
    const { queueUrl, deadLetterQueueUrl } = await createWorkQueues({
      client,
      queueName: uniqueQueueName('ferry-contract'),
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
