// The state behind in-memory object stores: buckets of objects and multipart uploads, shared by stores of one "service".
import { createHash } from 'node:crypto';
import type { ChecksumAlgorithm, ObjectHead } from '../domain/object.ts';
import type { WriteSettings } from '../ports/object-store.ts';

export interface StoredObject {
  readonly bytes: Uint8Array;
  readonly head: ObjectHead;
}

export interface StoredPart {
  readonly bytes: Uint8Array;
  readonly etag: string;
  readonly checksum: string;
}

export interface MemoryUpload {
  readonly key: string;
  readonly settings: WriteSettings;
  readonly checksumAlgorithm: ChecksumAlgorithm;
  readonly parts: Map<number, StoredPart>;
}

export interface MemoryBucket {
  readonly objects: Map<string, StoredObject>;
  readonly uploads: Map<string, MemoryUpload>;
}

let services = 0;

/**
 * One emulated S3 service: stores built on the same MemoryService see the same buckets, share a serviceId, and
 * can copy server-side between them.
 */
export class MemoryService {
  readonly serviceId: string;
  readonly #buckets = new Map<string, MemoryBucket>();
  #uploads = 0;

  constructor(serviceId?: string) {
    services += 1;
    this.serviceId = serviceId ?? `memory-${services}`;
  }

  /** The bucket's state, created empty on first use. */
  bucket(name: string): MemoryBucket {
    let bucket = this.#buckets.get(name);
    if (!bucket) {
      bucket = { objects: new Map(), uploads: new Map() };
      this.#buckets.set(name, bucket);
    }
    return bucket;
  }

  nextUploadId(): string {
    this.#uploads += 1;
    return `${this.serviceId}-upload-${this.#uploads}`;
  }
}

function md5(bytes: Uint8Array): Buffer {
  return createHash('md5').update(bytes).digest();
}

/** A single-part object's ETag: the hex MD5 of its bytes. */
export function contentEtag(bytes: Uint8Array): string {
  return md5(bytes).toString('hex');
}

/** A multipart object's ETag as S3 makes it: MD5 of the parts' binary MD5s, then `-<part count>`. */
export function multipartEtag(partEtags: readonly string[]): string {
  const digests = Buffer.concat(partEtags.map((etag) => Buffer.from(etag, 'hex')));
  return `${md5(digests).toString('hex')}-${partEtags.length}`;
}
