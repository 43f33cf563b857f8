// Builds S3 object stores on two fresh buckets of one moto server, through createS3Client with 'env' credentials.
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, serviceIdOf } from '../../worker/src/aws/clients.ts';
import type { EndpointConfig } from '../../worker/src/config/types.ts';
import type { ObjectMetadata } from '../../worker/src/domain/object.ts';
import { createS3ObjectStore } from '../../worker/src/storage/s3-object-store.ts';
import { testCredentials, testS3, uniqueBucket } from '../support/aws.ts';
import type { ObjectStoreUnderTest } from './object-store.contract.ts';

const credentialEnv = {
  MOTO_CONTRACT_ACCESS_KEY_ID: testCredentials.accessKeyId,
  MOTO_CONTRACT_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
};

export function motoEndpoint(url: string): EndpointConfig {
  return {
    name: 'moto',
    url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { kind: 'env', prefix: 'MOTO_CONTRACT' },
  };
}

/** Two new buckets on the moto server at url; seeds go through a plain test client, not the adapter. */
export async function s3StoresOnMoto(url: string): Promise<ObjectStoreUnderTest> {
  const admin = testS3(url);
  const [sourceBucket, destinationBucket] = [uniqueBucket('contract-src'), uniqueBucket('contract-dst')];
  for (const bucket of [sourceBucket, destinationBucket]) {
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  const endpoint = motoEndpoint(url);
  const client = createS3Client(endpoint, { maxAttempts: 1, env: credentialEnv });
  const serviceId = serviceIdOf(endpoint);
  return {
    source: createS3ObjectStore({ client, bucket: sourceBucket, serviceId }),
    destination: createS3ObjectStore({ client, bucket: destinationBucket, serviceId }),
    seed: async (key: string, bytes: Uint8Array, metadata?: ObjectMetadata) => {
      await admin.send(
        new PutObjectCommand({
          Bucket: sourceBucket,
          Key: key,
          Body: bytes,
          ContentType: metadata?.contentType,
          ContentEncoding: metadata?.contentEncoding,
          ContentDisposition: metadata?.contentDisposition,
          ContentLanguage: metadata?.contentLanguage,
          CacheControl: metadata?.cacheControl,
          Expires: metadata?.expires === undefined ? undefined : new Date(metadata.expires),
          Metadata: metadata?.userMetadata,
        }),
      );
    },
  };
}
