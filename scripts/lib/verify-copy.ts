// The verifier: checks that a destination bucket holds exactly the source's objects, bytes and metadata.
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { errorMessage } from '../../worker/src/domain/errors.ts';
import { isContentMd5Etag, type ObjectMetadata } from '../../worker/src/domain/object.ts';
import { type BucketRef, type ListedObject, listAllObjects } from './bucket-listing.ts';
import {
  type Finding,
  keyDifferences,
  metadataDifferences,
  type VerificationReport,
} from './copy-findings.ts';

/**
 * How content is compared: 'body-md5' downloads both sides and hashes them; 'etag-md5' trusts ETags that are
 * both plain content MD5s (falling back to downloading when either is not).
 */
export type ContentCheck = 'body-md5' | 'etag-md5';

export interface VerifyOptions {
  readonly source: BucketRef;
  readonly destination: BucketRef;
  readonly contentCheck: ContentCheck;
  /** Objects checked at once. */
  readonly concurrency: number;
}

function metadataOf(head: HeadObjectCommandOutput): ObjectMetadata {
  const expires = head.ExpiresString ?? head.Expires?.toUTCString();
  return {
    ...(head.ContentType !== undefined ? { contentType: head.ContentType } : {}),
    ...(head.ContentEncoding !== undefined ? { contentEncoding: head.ContentEncoding } : {}),
    ...(head.ContentDisposition !== undefined ? { contentDisposition: head.ContentDisposition } : {}),
    ...(head.ContentLanguage !== undefined ? { contentLanguage: head.ContentLanguage } : {}),
    ...(head.CacheControl !== undefined ? { cacheControl: head.CacheControl } : {}),
    ...(expires !== undefined ? { expires } : {}),
    userMetadata: head.Metadata ?? {},
  };
}

async function bodyMd5(where: BucketRef, key: string): Promise<string> {
  const response = await where.client.send(new GetObjectCommand({ Bucket: where.bucket, Key: key }));
  const hash = createHash('md5');
  const body = response.Body as AsyncIterable<Uint8Array> | undefined;
  if (body) for await (const chunk of body) hash.update(chunk);
  return hash.digest('hex');
}

async function contentFinding(
  options: VerifyOptions,
  source: ListedObject,
  destination: ListedObject,
): Promise<Finding | undefined> {
  const byEtag =
    options.contentCheck === 'etag-md5' &&
    isContentMd5Etag(source.etag) &&
    isContentMd5Etag(destination.etag);
  const [sourceMd5, destinationMd5] = byEtag
    ? [source.etag.toLowerCase(), destination.etag.toLowerCase()]
    : await Promise.all([bodyMd5(options.source, source.key), bodyMd5(options.destination, destination.key)]);
  if (sourceMd5 === destinationMd5) return undefined;
  return { kind: 'content', key: source.key, detail: `MD5 ${sourceMd5} -> ${destinationMd5}` };
}

async function objectFindings(
  options: VerifyOptions,
  source: ListedObject,
  destination: ListedObject,
): Promise<Finding[]> {
  if (source.sizeBytes !== destination.sizeBytes) {
    return [
      { kind: 'size', key: source.key, detail: `${source.sizeBytes} -> ${destination.sizeBytes} bytes` },
    ];
  }
  const [sourceHead, destinationHead, content] = await Promise.all([
    options.source.client.send(new HeadObjectCommand({ Bucket: options.source.bucket, Key: source.key })),
    options.destination.client.send(
      new HeadObjectCommand({ Bucket: options.destination.bucket, Key: destination.key }),
    ),
    contentFinding(options, source, destination),
  ]);
  const differences = metadataDifferences(metadataOf(sourceHead), metadataOf(destinationHead));
  const findings: Finding[] = content ? [content] : [];
  if (differences.length > 0)
    findings.push({ kind: 'metadata', key: source.key, detail: differences.join('; ') });
  return findings;
}

/** Compares every object of the source with the destination's object of the same key. */
export async function verifyCopy(options: VerifyOptions): Promise<VerificationReport> {
  const [sourceObjects, destinationObjects] = await Promise.all([
    listAllObjects(options.source),
    listAllObjects(options.destination),
  ]);
  const destinationByKey = new Map(destinationObjects.map((object) => [object.key, object]));
  const findings: Finding[] = keyDifferences(
    sourceObjects.map((object) => object.key),
    destinationByKey.keys(),
  );
  const limit = pLimit(options.concurrency);
  const perObject = await Promise.all(
    sourceObjects.map((source) =>
      limit(async (): Promise<Finding[]> => {
        const destination = destinationByKey.get(source.key);
        if (!destination) return [];
        try {
          return await objectFindings(options, source, destination);
        } catch (error) {
          return [{ kind: 'error', key: source.key, detail: errorMessage(error) }];
        }
      }),
    ),
  );
  findings.push(...perObject.flat());
  return {
    objects: sourceObjects.length,
    bytes: sourceObjects.reduce((sum, object) => sum + object.sizeBytes, 0),
    findings,
  };
}
