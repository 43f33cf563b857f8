// The verifier against real servers (moto): it must find every kind of difference a copier can make.
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { verificationPassed } from '../../../scripts/lib/copy-findings.ts';
import { type ContentCheck, verifyCopy } from '../../../scripts/lib/verify-copy.ts';
import { testS3, uniqueBucket } from '../../support/aws.ts';

const source = testS3(inject('motoSource'));
const destination = testS3(inject('motoDestination'));
afterAll(() => {
  source.destroy();
  destination.destroy();
});

async function put(
  client: S3Client,
  bucket: string,
  key: string,
  body: string,
  extra: Record<string, unknown> = {},
) {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body), ...extra }));
}

const metadata = {
  ContentType: 'text/plain',
  CacheControl: 'max-age=60',
  ContentDisposition: 'inline',
  Metadata: { origin: 'test' },
};

async function buckets(): Promise<{ sourceBucket: string; destinationBucket: string }> {
  const sourceBucket = uniqueBucket('verify-src');
  const destinationBucket = uniqueBucket('verify-dst');
  await source.send(new CreateBucketCommand({ Bucket: sourceBucket }));
  await destination.send(new CreateBucketCommand({ Bucket: destinationBucket }));
  return { sourceBucket, destinationBucket };
}

describe.each<ContentCheck>(['etag-md5', 'body-md5'])('verifyCopy (%s)', (contentCheck) => {
  it('passes an exact copy', async () => {
    const { sourceBucket, destinationBucket } = await buckets();
    for (const [client, bucket] of [
      [source, sourceBucket],
      [destination, destinationBucket],
    ] as const) {
      await put(client, bucket, 'dir/a b+c%.txt', 'hello', metadata);
      await put(client, bucket, 'empty', '');
    }
    const report = await verifyCopy({
      source: { client: source, bucket: sourceBucket },
      destination: { client: destination, bucket: destinationBucket },
      contentCheck,
      concurrency: 4,
    });
    expect(report).toEqual({ objects: 2, bytes: 5, findings: [] });
    expect(verificationPassed(report)).toBe(true);
  });

  it('finds missing, extra, resized, altered and re-labelled objects', async () => {
    const { sourceBucket, destinationBucket } = await buckets();
    await put(source, sourceBucket, 'missing', 'x');
    await put(source, sourceBucket, 'resized', 'four');
    await put(destination, destinationBucket, 'resized', 'five!');
    await put(source, sourceBucket, 'altered', 'same size A', metadata);
    await put(destination, destinationBucket, 'altered', 'same size B', metadata);
    await put(source, sourceBucket, 'relabelled', 'body', metadata);
    await put(destination, destinationBucket, 'relabelled', 'body', {
      ...metadata,
      ContentType: 'text/html',
      Metadata: { origin: 'test', mtime: '1' },
    });
    await put(destination, destinationBucket, 'extra', 'y');
    const report = await verifyCopy({
      source: { client: source, bucket: sourceBucket },
      destination: { client: destination, bucket: destinationBucket },
      contentCheck,
      concurrency: 4,
    });
    const byKey = Object.fromEntries(report.findings.map((finding) => [finding.key, finding]));
    expect(Object.keys(byKey).sort()).toEqual(['altered', 'extra', 'missing', 'relabelled', 'resized']);
    expect(byKey.missing?.kind).toBe('missing');
    expect(byKey.extra?.kind).toBe('extra');
    expect(byKey.resized?.kind).toBe('size');
    expect(byKey.altered?.kind).toBe('content');
    expect(byKey.relabelled?.kind).toBe('metadata');
    expect(byKey.relabelled?.detail).toContain('contentType: "text/plain" -> "text/html"');
    expect(byKey.relabelled?.detail).toContain('x-amz-meta-mtime: undefined -> "1"');
    expect(report.objects).toBe(4);
  });
});
