// An SQS client on the moto source server, built the way Ferry builds its clients, and unique queue names for tests.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { createSqsClient } from '../../../worker/src/aws/clients.ts';
import { motoClientOptions, motoEndpoint } from '../../support/aws.ts';

/** A client on moto with the test credentials, through an 'env' credential source; no SDK retries hide failures. */
export function motoSqsClient(): SQSClient {
  return createSqsClient(motoEndpoint(inject('motoSource')), motoClientOptions);
}

let counter = 0;
/** A queue name unique to this process and call, short enough for the `-dlq` suffix. */
export function uniqueQueueName(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}-${Date.now().toString(36)}`.slice(0, 76);
}
