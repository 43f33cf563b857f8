// An ObjectStore held in memory with S3's semantics: the embedded test double, with a hook for fault injection.
import { FerryError } from '../domain/errors.ts';
import type {
  ChecksumAlgorithm,
  ObjectChecksum,
  ObjectEntry,
  ObjectHead,
  ObjectMetadata,
} from '../domain/object.ts';
import { compareKeys } from '../plan/key-order.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type {
  CompletedPart,
  CopySource,
  DeleteOutcome,
  DeleteTarget,
  ListOptions,
  ObjectStore,
  PartUpload,
  ReadOptions,
  ReadResult,
  ServerSideCopier,
  StoreLocation,
  UploadRef,
  WriteResult,
  WriteSettings,
} from '../ports/object-store.ts';
import { checksumOf } from '../transfer/checksum.ts';
import { assertDeleteTargetCount, type DeleteError } from './delete-outcome.ts';
import {
  contentEtag,
  type MemoryBucket,
  MemoryService,
  type MemoryUpload,
  multipartEtag,
  type StoredObject,
} from './memory-service.ts';
import { unquoteEtag } from './s3-wire.ts';

export type MemoryOperation =
  | 'list'
  | 'head'
  | 'read'
  | 'put'
  | 'startMultipart'
  | 'uploadPart'
  | 'completeMultipart'
  | 'abortMultipart'
  | 'listParts'
  | 'copyObject'
  | 'uploadPartCopy'
  | 'deleteObjects';

export interface MemoryObjectStoreOptions {
  readonly bucket: string;
  /** Stores on one service share buckets and can copy server-side between them. Default: a new service. */
  readonly service?: MemoryService;
  /** Stamps lastModified. Default: the system clock. */
  readonly clock?: Clock;
  /** Called before every operation (list: with the prefix as key); throw to inject a fault. */
  readonly beforeOperation?: (operation: MemoryOperation, key: string) => void | Promise<void>;
  /** Smallest part but the last that completeMultipart accepts. Default 5 MiB, as S3. */
  readonly minPartSizeBytes?: number;
}

const mebibyte = 1024 * 1024;
export const defaultMinPartSizeBytes = 5 * mebibyte;
const maxKeyBytes = 1024;
const maxPartNumber = 10_000;
const maxCopyObjectBytes = 5 * 1024 * mebibyte;

function withLowerCaseNames(metadata: ObjectMetadata): ObjectMetadata {
  const userMetadata = Object.fromEntries(
    Object.entries(metadata.userMetadata).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return { ...metadata, userMetadata };
}

function entryOf(head: ObjectHead): ObjectEntry {
  const { key, size, etag, lastModified, storageClass } = head;
  return { key, size, etag, lastModified, ...(storageClass ? { storageClass } : {}) };
}

/** A plain, unshared copy (Buffer.prototype.slice would share memory). */
function copyOf(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

/** The stored bytes for an inclusive range, clamped at the end like S3; InvalidObject when it starts past it. */
function sliceRange(bytes: Uint8Array, range: { start: number; end: number }, context: string): Uint8Array {
  if (range.start < 0 || range.end < range.start || range.start >= bytes.byteLength) {
    throw new FerryError(
      'InvalidObject',
      `${context}: InvalidRange: bytes=${range.start}-${range.end} of ${bytes.byteLength}`,
    );
  }
  return copyOf(bytes.subarray(range.start, range.end + 1));
}

export class MemoryObjectStore implements ObjectStore {
  readonly location: StoreLocation;
  readonly serverSideCopy: ServerSideCopier;
  readonly #service: MemoryService;
  readonly #bucket: MemoryBucket;
  readonly #clock: Clock;
  readonly #beforeOperation: MemoryObjectStoreOptions['beforeOperation'];
  readonly #minPartSizeBytes: number;

  constructor(options: MemoryObjectStoreOptions) {
    this.#service = options.service ?? new MemoryService();
    this.#bucket = this.#service.bucket(options.bucket);
    this.#clock = options.clock ?? systemClock;
    this.#beforeOperation = options.beforeOperation;
    this.#minPartSizeBytes = options.minPartSizeBytes ?? defaultMinPartSizeBytes;
    this.location = { serviceId: this.#service.serviceId, bucket: options.bucket };
    this.serverSideCopy = {
      copyObject: (source, key, settings) => this.#copyObject(source, key, settings),
      uploadPartCopy: (source, part) => this.#uploadPartCopy(source, part),
    };
  }

  /** Stores an object directly (no hook, no checksum), as a test's fixture. */
  seed(key: string, bytes: Uint8Array, metadata: ObjectMetadata = { userMetadata: {} }): ObjectHead {
    return this.#store(key, bytes, { settings: { metadata }, etag: contentEtag(bytes) }).head;
  }

  /** Deletes an object directly, e.g. to make it vanish between a listing and a read. */
  remove(key: string): void {
    this.#bucket.objects.delete(key);
  }

  async *list(options: ListOptions): AsyncIterable<ObjectEntry> {
    await this.#enter('list', options.prefix, options.signal);
    const { startAfter } = options;
    const keys = [...this.#bucket.objects.keys()]
      .filter((key) => key.startsWith(options.prefix))
      .filter((key) => startAfter === undefined || compareKeys(key, startAfter) > 0)
      .sort(compareKeys);
    for (const key of keys) {
      options.signal?.throwIfAborted();
      const stored = this.#bucket.objects.get(key);
      if (stored) yield entryOf(stored.head);
    }
  }

  async head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectHead | undefined> {
    await this.#enter('head', key, options?.signal);
    return this.#bucket.objects.get(key)?.head;
  }

  async read(key: string, options: ReadOptions = {}): Promise<ReadResult> {
    const context = this.#context('GET', key);
    await this.#enter('read', key, options.signal);
    const stored = this.#existing(key, context);
    this.#checkEtag({ stored, expected: options.ifMatch, context });
    const bytes = options.range ? sliceRange(stored.bytes, options.range, context) : copyOf(stored.bytes);
    return { bytes, head: stored.head };
  }

  async put(
    key: string,
    bytes: Uint8Array,
    settings: WriteSettings & { readonly checksum: ObjectChecksum },
  ): Promise<WriteResult> {
    const context = this.#context('PUT', key);
    await this.#enter('put', key, settings.signal);
    this.#checkKey(key, context);
    const { algorithm, value } = settings.checksum;
    await this.#verifyChecksum({ algorithm, expected: value, bytes, context });
    const { head } = this.#store(key, bytes, {
      settings,
      etag: contentEtag(bytes),
      checksum: { algorithm, value, type: 'FULL_OBJECT' },
    });
    return { etag: head.etag };
  }

  async startMultipart(
    key: string,
    settings: WriteSettings & { readonly checksumAlgorithm: ChecksumAlgorithm },
  ): Promise<string> {
    await this.#enter('startMultipart', key, settings.signal);
    this.#checkKey(key, this.#context('CreateMultipartUpload', key));
    const uploadId = this.#service.nextUploadId();
    this.#bucket.uploads.set(uploadId, {
      key,
      settings,
      checksumAlgorithm: settings.checksumAlgorithm,
      parts: new Map(),
    });
    return uploadId;
  }

  async uploadPart(
    upload: PartUpload & {
      readonly bytes: Uint8Array;
      readonly checksum: string;
      readonly checksumAlgorithm: ChecksumAlgorithm;
    },
  ): Promise<WriteResult> {
    const context = `${this.#uploadContext('UploadPart', upload)} part ${upload.partNumber}`;
    await this.#enter('uploadPart', upload.key, upload.signal);
    const stored = this.#existingUpload(upload, context);
    this.#checkPartNumber(upload.partNumber, context);
    if (upload.checksumAlgorithm !== stored.checksumAlgorithm) {
      throw new FerryError(
        'InvalidObject',
        `${context}: a ${upload.checksumAlgorithm} part for a ${stored.checksumAlgorithm} upload`,
      );
    }
    await this.#verifyChecksum({
      algorithm: stored.checksumAlgorithm,
      expected: upload.checksum,
      bytes: upload.bytes,
      context,
    });
    const etag = contentEtag(upload.bytes);
    stored.parts.set(upload.partNumber, { bytes: copyOf(upload.bytes), etag, checksum: upload.checksum });
    return { etag };
  }

  async completeMultipart(
    upload: UploadRef & {
      readonly parts: readonly CompletedPart[];
      readonly checksum: ObjectChecksum;
    },
  ): Promise<WriteResult> {
    const context = this.#uploadContext('CompleteMultipartUpload', upload);
    await this.#enter('completeMultipart', upload.key, upload.signal);
    const stored = this.#existingUpload(upload, context);
    const parts = this.#assembledParts({ stored, parts: upload.parts, context });
    if (upload.checksum.algorithm !== stored.checksumAlgorithm) {
      throw new FerryError(
        'InvalidObject',
        `${context}: InvalidRequest: the upload uses ${stored.checksumAlgorithm}, not ${upload.checksum.algorithm}`,
      );
    }
    const bytes = Buffer.concat(parts.map((part) => part.bytes));
    await this.#verifyChecksum({
      algorithm: stored.checksumAlgorithm,
      expected: upload.checksum.value,
      bytes,
      context,
    });
    const { head } = this.#store(upload.key, bytes, {
      settings: stored.settings,
      etag: multipartEtag(parts.map((part) => part.etag)),
      checksum: { algorithm: stored.checksumAlgorithm, value: upload.checksum.value, type: 'FULL_OBJECT' },
    });
    this.#bucket.uploads.delete(upload.uploadId);
    return { etag: head.etag };
  }

  /** Safe to repeat, like the S3 store: an upload that is gone counts as aborted. */
  async abortMultipart(upload: UploadRef): Promise<void> {
    await this.#enter('abortMultipart', upload.key, upload.signal);
    this.#bucket.uploads.delete(upload.uploadId);
  }

  async listParts(upload: UploadRef): Promise<CompletedPart[]> {
    const context = this.#uploadContext('ListParts', upload);
    await this.#enter('listParts', upload.key, upload.signal);
    const stored = this.#existingUpload(upload, context);
    return [...stored.parts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partNumber, part]) => ({
        partNumber,
        etag: part.etag,
        size: part.bytes.byteLength,
        checksum: part.checksum,
      }));
  }

  /**
   * Like S3's DeleteObjects: a key whose ETag is not the target's is refused (PreconditionFailed) and kept; a missing
   * key counts as deleted. The hook runs once, with the first key: a throw fails the whole request.
   */
  async deleteObjects(
    targets: readonly DeleteTarget[],
    options?: { signal?: AbortSignal },
  ): Promise<DeleteOutcome> {
    assertDeleteTargetCount(targets, this.#context('DeleteObjects', ''));
    await this.#enter('deleteObjects', targets[0]?.key ?? '', options?.signal);
    const deleted: string[] = [];
    const errors: DeleteError[] = [];
    for (const { key, etag } of targets) {
      const stored = this.#bucket.objects.get(key);
      if (stored && etag !== undefined && unquoteEtag(etag) !== stored.head.etag) {
        errors.push({
          key,
          code: 'PreconditionFailed',
          message: `At least one of the pre-conditions you specified did not hold: ETag is ${stored.head.etag}, not ${unquoteEtag(etag)}`,
        });
      } else {
        this.#bucket.objects.delete(key);
        deleted.push(key);
      }
    }
    return { deleted, errors };
  }

  async #copyObject(
    source: CopySource,
    key: string,
    settings: WriteSettings & { readonly checksumAlgorithm: ChecksumAlgorithm },
  ): Promise<WriteResult> {
    const context = `CopyObject memory://${source.bucket}/${source.key} -> ${this.#uri(key)}`;
    await this.#enter('copyObject', key, settings.signal);
    this.#checkKey(key, context);
    const original = this.#copySource(source, context);
    if (original.bytes.byteLength > maxCopyObjectBytes) {
      throw new FerryError('InvalidObject', `${context}: InvalidRequest: larger than CopyObject's 5 GiB`);
    }
    const value = await checksumOf(settings.checksumAlgorithm, original.bytes);
    const { head } = this.#store(key, original.bytes, {
      settings,
      etag: contentEtag(original.bytes),
      checksum: { algorithm: settings.checksumAlgorithm, value, type: 'FULL_OBJECT' },
    });
    return { etag: head.etag };
  }

  async #uploadPartCopy(
    source: CopySource,
    part: PartUpload & { readonly range: { readonly start: number; readonly end: number } },
  ): Promise<WriteResult & { readonly checksum?: string }> {
    const target = `${this.#uri(part.key)} upload ${part.uploadId} part ${part.partNumber}`;
    const context = `UploadPartCopy memory://${source.bucket}/${source.key} -> ${target}`;
    await this.#enter('uploadPartCopy', part.key, part.signal);
    const stored = this.#existingUpload(part, context);
    this.#checkPartNumber(part.partNumber, context);
    const original = this.#copySource(source, context);
    const bytes = sliceRange(original.bytes, part.range, context);
    const etag = contentEtag(bytes);
    const checksum = await checksumOf(stored.checksumAlgorithm, bytes);
    stored.parts.set(part.partNumber, { bytes, etag, checksum });
    return { etag, checksum };
  }

  async #enter(operation: MemoryOperation, key: string, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    await this.#beforeOperation?.(operation, key);
  }

  #uri(key: string): string {
    return `memory://${this.location.bucket}/${key}`;
  }

  #context(operation: string, key: string): string {
    return `${operation} ${this.#uri(key)}`;
  }

  #uploadContext(operation: string, upload: UploadRef): string {
    return `${this.#context(operation, upload.key)} upload ${upload.uploadId}`;
  }

  #store(
    key: string,
    bytes: Uint8Array,
    written: { settings: WriteSettings; etag: string; checksum?: ObjectChecksum },
  ): StoredObject {
    const { settings, etag, checksum } = written;
    const stored: StoredObject = {
      bytes: copyOf(bytes),
      head: {
        key,
        size: bytes.byteLength,
        etag,
        lastModified: this.#clock.now(),
        storageClass: settings.storageClass ?? 'STANDARD',
        metadata: withLowerCaseNames(settings.metadata),
        ...(checksum ? { checksum } : {}),
        ...(settings.encryption ? { serverSideEncryption: settings.encryption.type } : {}),
      },
    };
    this.#bucket.objects.set(key, stored);
    return stored;
  }

  #existing(key: string, context: string): StoredObject {
    const stored = this.#bucket.objects.get(key);
    if (!stored) throw new FerryError('NotFound', `${context}: NoSuchKey`);
    return stored;
  }

  #existingUpload(upload: UploadRef, context: string): MemoryUpload {
    const stored = this.#bucket.uploads.get(upload.uploadId);
    if (!stored || stored.key !== upload.key) throw new FerryError('NotFound', `${context}: NoSuchUpload`);
    return stored;
  }

  #copySource(source: CopySource, context: string): StoredObject {
    const original = this.#service.bucket(source.bucket).objects.get(source.key);
    if (!original) throw new FerryError('NotFound', `${context}: NoSuchKey`);
    this.#checkEtag({ stored: original, expected: source.etag, context });
    return original;
  }

  #checkEtag(options: { stored: StoredObject; expected: string | undefined; context: string }): void {
    const { stored, expected, context } = options;
    if (expected !== undefined && unquoteEtag(expected) !== stored.head.etag) {
      throw new FerryError(
        'SourceChanged',
        `${context}: PreconditionFailed: ETag is ${stored.head.etag}, not ${unquoteEtag(expected)}`,
      );
    }
  }

  #checkKey(key: string, context: string): void {
    if (key === '' || Buffer.byteLength(key) > maxKeyBytes) {
      throw new FerryError(
        'InvalidObject',
        `${context}: KeyTooLongError: keys are 1 to ${maxKeyBytes} bytes`,
      );
    }
  }

  #checkPartNumber(partNumber: number, context: string): void {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > maxPartNumber) {
      throw new FerryError('InvalidObject', `${context}: InvalidArgument: part number ${partNumber}`);
    }
  }

  async #verifyChecksum(options: {
    algorithm: ChecksumAlgorithm;
    expected: string;
    bytes: Uint8Array;
    context: string;
  }): Promise<void> {
    const { algorithm, expected, bytes, context } = options;
    const actual = await checksumOf(algorithm, bytes);
    if (actual !== expected) {
      throw new FerryError(
        'ChecksumMismatch',
        `${context}: BadDigest: the ${algorithm} you specified (${expected}) did not match the calculated checksum (${actual})`,
      );
    }
  }

  /** The stored parts the completion names, in order; InvalidObject like S3 when one is missing or too small. */
  #assembledParts(options: {
    stored: MemoryUpload;
    parts: readonly CompletedPart[];
    context: string;
  }): { bytes: Uint8Array; etag: string }[] {
    const { stored, context } = options;
    const parts = [...options.parts].sort((a, b) => a.partNumber - b.partNumber);
    if (parts.length === 0) {
      throw new FerryError('InvalidObject', `${context}: MalformedXML: no parts`);
    }
    return parts.map((part, index) => {
      if (index > 0 && parts[index - 1]!.partNumber === part.partNumber) {
        throw new FerryError('InvalidObject', `${context}: InvalidPartOrder: part ${part.partNumber} twice`);
      }
      const found = stored.parts.get(part.partNumber);
      if (!found || found.etag !== unquoteEtag(part.etag)) {
        throw new FerryError(
          'InvalidObject',
          `${context}: InvalidPart: part ${part.partNumber} is not stored`,
        );
      }
      if (part.checksum !== undefined && part.checksum !== found.checksum) {
        throw new FerryError(
          'InvalidObject',
          `${context}: InvalidPart: part ${part.partNumber} checksum differs`,
        );
      }
      const isLast = index === parts.length - 1;
      if (!isLast && found.bytes.byteLength < this.#minPartSizeBytes) {
        throw new FerryError(
          'InvalidObject',
          `${context}: EntityTooSmall: part ${part.partNumber} has ${found.bytes.byteLength} bytes, under ${this.#minPartSizeBytes}`,
        );
      }
      return found;
    });
  }
}
