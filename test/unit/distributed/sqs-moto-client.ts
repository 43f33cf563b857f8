// An SQS client on the moto source server, built the way Ferry builds its clients, and unique queue names for tests.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { createSqsClient } from '../../../worker/src/aws/clients.ts';
import { testCredentials } from '../../support/aws.ts';

/** A client on moto with the test credentials, through an 'env' credential source; no SDK retries hide failures. */
export function motoSqsClient(): SQSClient {
  return createSqsClient(
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
}

let counter = 0;
/** A queue name unique to this process and call, short enough for the `-dlq` suffix. */
export function uniqueQueueName(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}-${Date.now().toString(36)}`.slice(0, 76);
}
