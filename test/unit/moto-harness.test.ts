// Proves the harness: two moto servers, independent of each other, reachable through the SDK.
import { CreateBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { expect, inject, test } from 'vitest';
import { testS3, uniqueBucket } from '../support/aws.ts';

test('source and destination moto servers are independent', async () => {
  const source = testS3(inject('motoSource'));
  const destination = testS3(inject('motoDestination'));
  const bucket = uniqueBucket('harness');
  await source.send(new CreateBucketCommand({ Bucket: bucket }));
  const inSource = await source.send(new ListBucketsCommand({}));
  const inDestination = await destination.send(new ListBucketsCommand({}));
  expect(inSource.Buckets?.map((b) => b.Name)).toContain(bucket);
  expect(inDestination.Buckets?.map((b) => b.Name) ?? []).not.toContain(bucket);
});
