// Distributed mode's composition root: the SQS work queue and the DynamoDB ledger, built from command-line settings.
import { createDynamoDbClient, createSqsClient } from '../aws/clients.ts';
import type { EndpointConfig } from '../config/types.ts';
import { createDynamoDbLedger } from '../distributed/dynamodb-ledger.ts';
import { createSqsWorkQueue, deadLetterQueueUrlOf } from '../distributed/sqs-work-queue.ts';
import type { ObjectMemory, RunLedger } from '../ports/ledger.ts';
import type { WorkQueue } from '../ports/work-queue.ts';

export interface DistributedSettings {
  readonly control: EndpointConfig;
  readonly queueUrl: string;
  /** Found from the queue's redrive policy when absent. */
  readonly deadLetterQueueUrl?: string;
  readonly table: string;
  /** Per-object copy records (one write per object): off trades cost for recopying 'unverifiable' objects. */
  readonly rememberCopies?: boolean;
}

export interface DistributedParts {
  readonly queue: WorkQueue;
  readonly ledger: RunLedger & ObjectMemory;
}

export async function openDistributed(settings: DistributedSettings): Promise<DistributedParts> {
  const sqs = createSqsClient(settings.control);
  const dynamodb = createDynamoDbClient(settings.control);
  const deadLetterQueueUrl =
    settings.deadLetterQueueUrl ?? (await deadLetterQueueUrlOf({ client: sqs, queueUrl: settings.queueUrl }));
  return {
    queue: createSqsWorkQueue({
      client: sqs,
      queueUrl: settings.queueUrl,
      ...(deadLetterQueueUrl ? { deadLetterQueueUrl } : {}),
    }),
    ledger: createDynamoDbLedger({
      client: dynamodb,
      tableName: settings.table,
      rememberCopies: settings.rememberCopies ?? true,
    }),
  };
}
