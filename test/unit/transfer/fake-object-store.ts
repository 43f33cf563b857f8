// Test double for the storage port: an in-memory bucket that checks checksums like S3, with hooks and call counts.
import { createHash, randomUUID } from 'node:crypto';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type {
  ChecksumAlgorithm,
  ObjectChecksum,
  ObjectHead,
  ObjectMetadata,
} from '../../../worker/src/domain/object.ts';
import type { CopyRecord, ObjectMemory, UploadRecord } from '../../../worker/src/ports/ledger.ts';
import type {
  CompletedPart,
  CopySource,
  ObjectStore,
  PartUpload,
  ReadOptions,
  ReadResult,
  ServerSideCopier,
  UploadRef,
  WriteResult,
  WriteSettings,
} from '../../../worker/src/ports/object-store.ts';
import { checksumOf } from '../../../worker/src/transfer/checksum.ts';

interface StoredObject {
  readonly bytes: Uint8Array;
  readonly etag: string;
  readonly metadata: ObjectMetadata;
  readonly checksum?: ObjectChecksum;
  readonly storageClass?: string;
  readonly lastModified: Date;
}

interface StoredPart {
  readonly bytes: Uint8Array;
  readonly etag: string;
  readonly checksum?: string;
}

interface OpenUpload {
  readonly key: string;
  readonly settings: WriteSettings;
  readonly algorithm: ChecksumAlgorithm;
  readonly parts: Map<number, StoredPart>;
}

export type CallName =
  | 'head'
  | 'read'
  | 'put'
  | 'startMultipart'
  | 'uploadPart'
  | 'completeMultipart'
  | 'abortMultipart'
  | 'listParts'
  | 'copyObject'
  | 'uploadPartCopy';

/** Called before an operation runs (throw to fail it) and after it succeeds. */
export interface StoreHooks {
  before?(
    call: CallName,
    detail: { key: string; partNumber?: number; range?: ReadOptions['range'] },
  ): Promise<void> | void;
  after?(call: CallName, detail: { key: string; partNumber?: number }): Promise<void> | void;
}

function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

function multipartEtag(parts: readonly StoredPart[]): string {
  const digests = Buffer.concat(parts.map((part) => Buffer.from(part.etag, 'hex')));
  return `${md5Hex(digests)}-${parts.length}`;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/** Buckets that can copy from each other, as stores of one S3 service. */
export class FakeService {
  readonly serviceId: string;
  readonly buckets = new Map<string, FakeObjectStore>();

  constructor(serviceId: string) {
    this.serviceId = serviceId;
  }

  bucket(name: string, options: { canCopy?: boolean } = {}): FakeObjectStore {
    const store = new FakeObjectStore({ service: this, bucket: name, canCopy: options.canCopy ?? true });
    this.buckets.set(name, store);
    return store;
  }
}

export class FakeObjectStore implements ObjectStore {
  readonly location: { serviceId: string; bucket: string };
  readonly serverSideCopy?: ServerSideCopier;
  readonly objects = new Map<string, StoredObject>();
  readonly uploads = new Map<string, OpenUpload>();
  readonly calls = new Map<CallName, number>();
  hooks: StoreHooks = {};
  /** Ranged and whole reads running right now, and the most seen at once. */
  readsInFlight = 0;
  maxReadsInFlight = 0;
  private readonly service: FakeService;

  constructor(options: { service: FakeService; bucket: string; canCopy: boolean }) {
    this.service = options.service;
    this.location = { serviceId: options.service.serviceId, bucket: options.bucket };
    if (options.canCopy) {
      this.serverSideCopy = {
        copyObject: (source, key, settings) => this.copyObject(source, key, settings),
        uploadPartCopy: (source, part) => this.uploadPartCopy(source, part),
      };
    }
  }

  count(call: CallName): number {
    return this.calls.get(call) ?? 0;
  }

  private async enter(
    call: CallName,
    detail: Parameters<NonNullable<StoreHooks['before']>>[1],
  ): Promise<void> {
    this.calls.set(call, this.count(call) + 1);
    await this.hooks.before?.(call, detail);
  }

  private url(key: string): string {
    return `s3://${this.location.bucket}/${key}`;
  }

  /** Stores an object directly, as another writer would; returns its ETag. */
  async seed(
    key: string,
    bytes: Uint8Array,
    options: { metadata?: ObjectMetadata; checksum?: ChecksumAlgorithm } = {},
  ): Promise<string> {
    const etag = md5Hex(bytes);
    const checksum = options.checksum
      ? {
          algorithm: options.checksum,
          value: await checksumOf(options.checksum, bytes),
          type: 'FULL_OBJECT' as const,
        }
      : undefined;
    this.objects.set(key, {
      bytes,
      etag,
      metadata: options.metadata ?? { userMetadata: {} },
      lastModified: new Date(),
      ...(checksum ? { checksum } : {}),
    });
    return etag;
  }

  private headOf(key: string, stored: StoredObject): ObjectHead {
    return {
      key,
      size: stored.bytes.length,
      etag: stored.etag,
      lastModified: stored.lastModified,
      metadata: stored.metadata,
      ...(stored.checksum ? { checksum: stored.checksum } : {}),
      ...(stored.storageClass ? { storageClass: stored.storageClass } : {}),
    };
  }

  private existing(key: string): StoredObject {
    const stored = this.objects.get(key);
    if (!stored) throw new FerryError('NotFound', `${this.url(key)}: NoSuchKey`);
    return stored;
  }

  async *list(): AsyncIterable<never> {
    // Listing is not part of the transfer engine.
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectHead | undefined> {
    await this.enter('head', { key });
    throwIfAborted(options.signal);
    const stored = this.objects.get(key);
    return stored ? this.headOf(key, stored) : undefined;
  }

  async read(key: string, options: ReadOptions = {}): Promise<ReadResult> {
    this.readsInFlight += 1;
    this.maxReadsInFlight = Math.max(this.maxReadsInFlight, this.readsInFlight);
    try {
      await this.enter('read', { key, ...(options.range ? { range: options.range } : {}) });
      throwIfAborted(options.signal);
      const stored = this.existing(key);
      if (options.ifMatch !== undefined && options.ifMatch !== stored.etag) {
        throw new FerryError('SourceChanged', `${this.url(key)}: PreconditionFailed`);
      }
      const bytes = options.range
        ? stored.bytes.slice(options.range.start, options.range.end + 1)
        : stored.bytes.slice();
      await this.hooks.after?.('read', { key });
      return { bytes, head: this.headOf(key, stored) };
    } finally {
      this.readsInFlight -= 1;
    }
  }

  private async store(
    key: string,
    object: Omit<StoredObject, 'lastModified' | 'metadata'>,
    settings: WriteSettings,
  ) {
    this.objects.set(key, {
      ...object,
      metadata: settings.metadata,
      lastModified: new Date(),
      ...(settings.storageClass ? { storageClass: settings.storageClass } : {}),
    });
  }

  async put(
    key: string,
    bytes: Uint8Array,
    settings: WriteSettings & { readonly checksum: ObjectChecksum },
  ): Promise<WriteResult> {
    await this.enter('put', { key });
    throwIfAborted(settings.signal);
    const actual = await checksumOf(settings.checksum.algorithm, bytes);
    if (actual !== settings.checksum.value)
      throw new FerryError('ChecksumMismatch', `${this.url(key)}: BadDigest`);
    const etag = md5Hex(bytes);
    await this.store(key, { bytes: bytes.slice(), etag, checksum: settings.checksum }, settings);
    await this.hooks.after?.('put', { key });
    return { etag };
  }

  async startMultipart(
    key: string,
    settings: WriteSettings & { readonly checksumAlgorithm: ChecksumAlgorithm },
  ): Promise<string> {
    await this.enter('startMultipart', { key });
    throwIfAborted(settings.signal);
    const uploadId = randomUUID();
    this.uploads.set(uploadId, { key, settings, algorithm: settings.checksumAlgorithm, parts: new Map() });
    return uploadId;
  }

  private upload(ref: UploadRef): OpenUpload {
    const upload = this.uploads.get(ref.uploadId);
    if (!upload || upload.key !== ref.key)
      throw new FerryError('NotFound', `${this.url(ref.key)}: NoSuchUpload`);
    return upload;
  }

  async uploadPart(
    part: PartUpload & { readonly bytes: Uint8Array; readonly checksum: string },
  ): Promise<WriteResult> {
    await this.enter('uploadPart', { key: part.key, partNumber: part.partNumber });
    throwIfAborted(part.signal);
    const upload = this.upload(part);
    if ((await checksumOf(upload.algorithm, part.bytes)) !== part.checksum) {
      throw new FerryError('ChecksumMismatch', `${this.url(part.key)}: part ${part.partNumber} BadDigest`);
    }
    const etag = md5Hex(part.bytes);
    upload.parts.set(part.partNumber, { bytes: part.bytes.slice(), etag, checksum: part.checksum });
    await this.hooks.after?.('uploadPart', { key: part.key, partNumber: part.partNumber });
    return { etag };
  }

  async completeMultipart(
    upload: UploadRef & { readonly parts: readonly CompletedPart[]; readonly checksum: ObjectChecksum },
  ): Promise<WriteResult> {
    await this.enter('completeMultipart', { key: upload.key });
    throwIfAborted(upload.signal);
    const open = this.upload(upload);
    const parts = upload.parts.map((listed, index) => {
      const stored = open.parts.get(listed.partNumber);
      if (listed.partNumber !== index + 1 || !stored || stored.etag !== listed.etag) {
        throw new FerryError('InvalidObject', `${this.url(upload.key)}: InvalidPart ${listed.partNumber}`);
      }
      return stored;
    });
    const bytes = Buffer.concat(parts.map((part) => part.bytes));
    const actual = await checksumOf(open.algorithm, bytes);
    if (upload.checksum.algorithm !== open.algorithm || upload.checksum.value !== actual) {
      throw new FerryError('ChecksumMismatch', `${this.url(upload.key)}: full-object checksum BadDigest`);
    }
    const etag = multipartEtag(parts);
    await this.store(upload.key, { bytes, etag, checksum: upload.checksum }, open.settings);
    this.uploads.delete(upload.uploadId);
    return { etag };
  }

  async abortMultipart(upload: UploadRef): Promise<void> {
    await this.enter('abortMultipart', { key: upload.key });
    this.upload(upload);
    this.uploads.delete(upload.uploadId);
  }

  async listParts(upload: UploadRef): Promise<CompletedPart[]> {
    await this.enter('listParts', { key: upload.key });
    const open = this.upload(upload);
    return [...open.parts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partNumber, part]) => ({
        partNumber,
        etag: part.etag,
        size: part.bytes.length,
        ...(part.checksum ? { checksum: part.checksum } : {}),
      }));
  }

  private copySourceObject(source: CopySource): StoredObject {
    const bucket = this.service.buckets.get(source.bucket);
    if (!bucket) throw new FerryError('NotFound', `s3://${source.bucket}: NoSuchBucket`);
    const stored = bucket.existing(source.key);
    if (stored.etag !== source.etag) {
      throw new FerryError('SourceChanged', `s3://${source.bucket}/${source.key}: PreconditionFailed`);
    }
    return stored;
  }

  private async copyObject(
    source: CopySource,
    key: string,
    settings: WriteSettings & { readonly checksumAlgorithm: ChecksumAlgorithm },
  ): Promise<WriteResult> {
    await this.enter('copyObject', { key });
    throwIfAborted(settings.signal);
    const stored = this.copySourceObject(source);
    const checksum = {
      algorithm: settings.checksumAlgorithm,
      value: await checksumOf(settings.checksumAlgorithm, stored.bytes),
      type: 'FULL_OBJECT' as const,
    };
    const etag = md5Hex(stored.bytes);
    await this.store(key, { bytes: stored.bytes.slice(), etag, checksum }, settings);
    return { etag };
  }

  private async uploadPartCopy(
    source: CopySource,
    part: PartUpload & { readonly range: { readonly start: number; readonly end: number } },
  ): Promise<WriteResult & { readonly checksum?: string }> {
    await this.enter('uploadPartCopy', { key: part.key, partNumber: part.partNumber });
    throwIfAborted(part.signal);
    const upload = this.upload(part);
    const bytes = this.copySourceObject(source).bytes.slice(part.range.start, part.range.end + 1);
    const checksum = await checksumOf(upload.algorithm, bytes);
    const etag = md5Hex(bytes);
    upload.parts.set(part.partNumber, { bytes, etag, checksum });
    return { etag, checksum };
  }
}

/** A Map-backed ObjectMemory; only the upload half is used by the transfer engine. */
export class FakeObjectMemory implements ObjectMemory {
  readonly uploads = new Map<string, UploadRecord>();

  async rememberCopies(): Promise<void> {}

  async recallCopies(): Promise<Map<string, CopyRecord>> {
    return new Map();
  }

  async rememberUpload(mappingId: string, upload: UploadRecord): Promise<void> {
    this.uploads.set(`${mappingId}\u0000${upload.key}`, upload);
  }

  async recallUpload(mappingId: string, key: string): Promise<UploadRecord | undefined> {
    return this.uploads.get(`${mappingId}\u0000${key}`);
  }

  async forgetUpload(mappingId: string, key: string): Promise<void> {
    this.uploads.delete(`${mappingId}\u0000${key}`);
  }
}
