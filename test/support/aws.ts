// Test-side SDK clients for moto: fixed fake credentials, path-style addressing, no retries hiding failures.
import { S3Client } from '@aws-sdk/client-s3';
import type { EndpointConfig } from '../../worker/src/config/types.ts';

export const testCredentials = { accessKeyId: 'AKIDFERRYTEST', secretAccessKey: 'ferry-test-secret' };

export function testS3(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: testCredentials,
    maxAttempts: 1,
  });
}

let counter = 0;
/** A bucket name unique to this process and call, valid under S3's naming rules. */
export function uniqueBucket(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}-${Date.now().toString(36)}`.toLowerCase().slice(0, 63);
}

/** A Ferry endpoint on a moto server, with 'env' credentials the way a real config names them. */
export function motoEndpoint(url: string, name = 'moto'): EndpointConfig {
  return {
    name,
    url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { kind: 'env', prefix: 'MOTO' },
  };
}

/** Client options for motoEndpoint: where the 'env' credentials are read from; no SDK retries hide failures. */
export const motoClientOptions = {
  env: {
    MOTO_ACCESS_KEY_ID: testCredentials.accessKeyId,
    MOTO_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
  },
  maxAttempts: 1,
};
