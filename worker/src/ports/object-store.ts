// The storage port: what the engine needs from a bucket, split into small read, write and copy interfaces.
import type {
  ChecksumAlgorithm,
  ObjectChecksum,
  ObjectEntry,
  ObjectHead,
  ObjectMetadata,
} from '../domain/object.ts';

export interface ListOptions {
  readonly prefix: string;
  /** List keys strictly after this one (ListObjectsV2 StartAfter). */
  readonly startAfter?: string;
  readonly signal?: AbortSignal;
}

export interface ObjectLister {
  /** Every object under the prefix, in UTF-8 byte order of keys (S3's order), one page at a time. */
  list(options: ListOptions): AsyncIterable<ObjectEntry>;
}

export interface ReadOptions {
  /** Byte range, both ends inclusive as in HTTP Range. Absent: the whole object. */
  readonly range?: { readonly start: number; readonly end: number };
  /** Fail with SourceChanged unless the object still has this ETag (pins every ranged read to one version). */
  readonly ifMatch?: string;
  /** A buffer to read into when it is large enough (the result's bytes may then be a view of it). */
  readonly into?: Uint8Array;
  readonly signal?: AbortSignal;
}

export interface ReadResult {
  readonly bytes: Uint8Array;
  /** The whole object's description (size is the whole object's, not the range's). */
  readonly head: ObjectHead;
}

export interface ObjectReader {
  /** The object's head, or undefined when there is no such key. */
  head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectHead | undefined>;
  read(key: string, options?: ReadOptions): Promise<ReadResult>;
}

/** How the destination should store what it is given. */
export interface WriteSettings {
  readonly metadata: ObjectMetadata;
  readonly storageClass?: string;
  readonly encryption?:
    | { readonly type: 'AES256' }
    | { readonly type: 'aws:kms'; readonly kmsKeyId?: string };
  readonly acl?: string;
  readonly signal?: AbortSignal;
}

export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
  /** The part's checksum (base64), when it was uploaded with one. */
  readonly checksum?: string;
}

export interface WriteResult {
  readonly etag: string;
}

export interface ObjectWriter {
  /** Single-request upload; the checksum is the bytes' full-object checksum, which the server verifies. */
  put(
    key: string,
    bytes: Uint8Array,
    settings: WriteSettings & { readonly checksum: ObjectChecksum },
  ): Promise<WriteResult>;
  startMultipart(
    key: string,
    settings: WriteSettings & { readonly checksumAlgorithm: ChecksumAlgorithm },
  ): Promise<string>;
  /** The checksum is the part's, in the upload's algorithm (the one it was started with). */
  uploadPart(
    upload: PartUpload & {
      readonly bytes: Uint8Array;
      readonly checksum: string;
      readonly checksumAlgorithm: ChecksumAlgorithm;
    },
  ): Promise<WriteResult>;
  /** Assembles the parts; the full-object checksum makes the server refuse a corrupt assembly. */
  completeMultipart(
    upload: UploadRef & { readonly parts: readonly CompletedPart[]; readonly checksum: ObjectChecksum },
  ): Promise<WriteResult>;
  abortMultipart(upload: UploadRef): Promise<void>;
  /** The parts already stored for an upload; NotFound when the upload is gone. */
  listParts(upload: UploadRef): Promise<CompletedPart[]>;
}

export interface UploadRef {
  readonly key: string;
  readonly uploadId: string;
  readonly signal?: AbortSignal;
}

export interface PartUpload extends UploadRef {
  readonly partNumber: number;
}

/** Where a server-side copy reads from: a bucket on the same service, pinned to an ETag. */
export interface CopySource {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
}

/** Optional capability: copy inside the service without moving bytes through Ferry. */
export interface ServerSideCopier {
  copyObject(
    source: CopySource,
    key: string,
    settings: WriteSettings & { readonly checksumAlgorithm: ChecksumAlgorithm },
  ): Promise<WriteResult>;
  uploadPartCopy(
    source: CopySource,
    part: PartUpload & { readonly range: { readonly start: number; readonly end: number } },
  ): Promise<WriteResult & { readonly checksum?: string }>;
}

/** One object to delete, pinned to the ETag it was listed with. */
export interface DeleteTarget {
  readonly key: string;
  /** The delete fails (PreconditionFailed) if the object's ETag is no longer this one, where the service checks. */
  readonly etag?: string;
}

export interface DeleteOutcome {
  /** The keys deleted (a key already gone counts as deleted, as S3 reports it). */
  readonly deleted: readonly string[];
  /** The keys the service did not delete, with its error code (PreconditionFailed: changed since listed) and message. */
  readonly errors: readonly { readonly key: string; readonly code: string; readonly message: string }[];
}

export interface ObjectDeleter {
  /** Deletes up to 1,000 objects in one request (DeleteObjects); a failed key does not fail the others. */
  deleteObjects(targets: readonly DeleteTarget[], options?: { signal?: AbortSignal }): Promise<DeleteOutcome>;
}

export interface StoreLocation {
  /** Same endpoint and same credentials: objects can be copied server-side between such stores. */
  readonly serviceId: string;
  readonly bucket: string;
}

export interface ObjectStore extends ObjectLister, ObjectReader, ObjectWriter, ObjectDeleter {
  readonly location: StoreLocation;
  /** Present when the store can copy from another bucket of the same service. */
  readonly serverSideCopy?: ServerSideCopier;
}
