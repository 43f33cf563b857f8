// The engine bundle in the fleet's artifact bucket: its hash checked before upload, stored once per content hash.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FerryError } from '../domain/errors.ts';
import { failureFactsOf } from '../storage/s3-errors.ts';
import { awsCall } from './aws-error.ts';

export interface EngineBundle {
  /** The local .tgz file. */
  readonly path: string;
  /** Its SHA-256, 64 hex digits. */
  readonly sha256: string;
}

export interface PublishedBundle {
  readonly bucket: string;
  readonly key: string;
  readonly sha256: string;
  /** False when an object with the same checksum was there already. */
  readonly uploaded: boolean;
}

const sha256Pattern = /^[0-9a-f]{64}$/;

/** `engine/<sha256>/ferry-engine.tgz`, the key the deployment contract names. */
export function engineBundleKey(sha256: string): string {
  return `engine/${sha256}/ferry-engine.tgz`;
}

/** A SHA-256 as the contract writes it: 64 lowercase hex digits (upper case is accepted and lowered). */
export function normalizeSha256(text: string): string {
  const sha256 = text.trim().toLowerCase();
  if (!sha256Pattern.test(sha256))
    throw new FerryError('Config', `expected a SHA-256 of 64 hex digits, got ${JSON.stringify(text)}`);
  return sha256;
}

/** The file's bytes, once they are known to hash to the expected SHA-256. */
export async function readVerifiedBundle(bundle: EngineBundle): Promise<Buffer> {
  const expected = normalizeSha256(bundle.sha256);
  let bytes: Buffer;
  try {
    bytes = await readFile(bundle.path);
  } catch (error) {
    throw new FerryError(
      'Config',
      `cannot read the engine bundle ${bundle.path}: ${(error as Error).message}`,
    );
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) {
    throw new FerryError(
      'Config',
      `engine bundle ${bundle.path} has SHA-256 ${actual}, not the ${expected} it was given with: rebuild it or fix the hash`,
    );
  }
  return bytes;
}

function base64OfHex(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/** User metadata carrying the hex SHA-256, for stores that do not return S3's checksum on HEAD. */
const sha256MetadataKey = 'sha256';

/**
 * The stored object's SHA-256 (hex): S3's own checksum when it returns one (a multipart object's, a checksum of part
 * checksums, is no file hash), else the metadata Ferry wrote with it; undefined when there is no object.
 */
async function storedSha256(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    const checksum = head.ChecksumSHA256;
    if (checksum !== undefined)
      return checksum.includes('-') ? undefined : Buffer.from(checksum, 'base64').toString('hex');
    return head.Metadata?.[sha256MetadataKey];
  } catch (error) {
    const { code, httpStatus } = failureFactsOf(error);
    if (httpStatus === 404 || code === 'NotFound' || code === 'NoSuchKey') return undefined;
    throw error;
  }
}

/**
 * Uploads the verified bundle to `engine/<sha256>/ferry-engine.tgz` with its SHA-256 checksum (S3 refuses bytes that
 * do not match it), unless an object with that checksum is there already.
 */
export async function publishEngineBundle(options: {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly bundle: EngineBundle;
}): Promise<PublishedBundle> {
  const { s3, bucket } = options;
  const bytes = await readVerifiedBundle(options.bundle);
  const sha256 = normalizeSha256(options.bundle.sha256);
  const key = engineBundleKey(sha256);
  const where = `s3://${bucket}/${key}`;
  const existing = await awsCall(`S3 HeadObject ${where}`, () => storedSha256(s3, bucket, key));
  if (existing === sha256) return { bucket, key, sha256, uploaded: false };
  await awsCall(`S3 PutObject ${where}`, () =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: bytes,
        ContentType: 'application/gzip',
        Metadata: { [sha256MetadataKey]: sha256 },
        ChecksumSHA256: base64OfHex(sha256),
      }),
    ),
  );
  return { bucket, key, sha256, uploaded: true };
}
