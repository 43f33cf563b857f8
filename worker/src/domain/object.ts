// What Ferry knows about one stored object: listing entries, full heads and the metadata it preserves.

/** One row of a bucket listing, as ListObjectsV2 returns it. */
export interface ObjectEntry {
  readonly key: string;
  readonly size: number;
  /** The ETag without surrounding quotes. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly storageClass?: string;
}

/** The system and user metadata Ferry carries from source to destination, exactly. */
export interface ObjectMetadata {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly contentDisposition?: string;
  readonly contentLanguage?: string;
  readonly cacheControl?: string;
  /** The raw Expires header value, kept as a string so it round-trips unchanged. */
  readonly expires?: string;
  /** User metadata (x-amz-meta-*), names lower-cased as S3 returns them. */
  readonly userMetadata: Readonly<Record<string, string>>;
}

export type ChecksumAlgorithm = 'CRC32C' | 'CRC32' | 'CRC64NVME';

/** A checksum S3 stores with an object: base64 of the big-endian CRC value. */
export interface ObjectChecksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly value: string;
  /** FULL_OBJECT checksums can be compared across objects; COMPOSITE ones only with the same part layout. */
  readonly type: 'FULL_OBJECT' | 'COMPOSITE';
}

/** An object's full description, from HEAD or from a GET's response headers. */
export interface ObjectHead extends ObjectEntry {
  readonly metadata: ObjectMetadata;
  readonly checksum?: ObjectChecksum;
  /** Server-side encryption in force ('AES256', 'aws:kms', ...); a KMS-encrypted object's ETag is not its MD5. */
  readonly serverSideEncryption?: string;
}

/** An ETag is a content MD5 only for single-part uploads: 32 hex digits, no "-N" part count. */
export function isContentMd5Etag(etag: string): boolean {
  return /^[0-9a-f]{32}$/i.test(etag);
}

/** What became of an object a worker handled: what the progress display and the idle timer hear of. */
export type ObjectOutcome = 'copied' | 'deleted' | 'failed';
