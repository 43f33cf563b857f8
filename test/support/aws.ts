// Test-side SDK clients for moto: fixed fake credentials, path-style addressing, no retries hiding failures.
import { S3Client } from '@aws-sdk/client-s3';

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
