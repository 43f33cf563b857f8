// Wraps any ObjectStore to count calls, measure concurrent reads and run hooks before and after each operation.
import type { ChecksumAlgorithm, ObjectChecksum, ObjectHead } from '../../../worker/src/domain/object.ts';
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
} from '../../../worker/src/ports/object-store.ts';

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
  | 'uploadPartCopy'
  | 'deleteObjects';

export interface CallDetail {
  readonly key: string;
  readonly partNumber?: number;
}

/** Throw from a hook to fail the call; `after` runs once the wrapped call succeeded, before its result returns. */
export interface StoreHooks {
  before?(call: CallName, detail: CallDetail): Promise<void> | void;
  after?(call: CallName, detail: CallDetail): Promise<void> | void;
}

export class InstrumentedStore implements ObjectStore {
  readonly location: StoreLocation;
  readonly serverSideCopy?: ServerSideCopier;
  readonly calls = new Map<CallName, number>();
  hooks: StoreHooks = {};
  readsInFlight = 0;
  maxReadsInFlight = 0;
  readonly #inner: ObjectStore;

  constructor(inner: ObjectStore) {
    this.#inner = inner;
    this.location = inner.location;
    const copier = inner.serverSideCopy;
    if (copier) {
      this.serverSideCopy = {
        copyObject: (source: CopySource, key: string, settings) =>
          this.#around('copyObject', { key }, () => copier.copyObject(source, key, settings)),
        uploadPartCopy: (source: CopySource, part) =>
          this.#around('uploadPartCopy', part, () => copier.uploadPartCopy(source, part)),
      };
    }
  }

  count(call: CallName): number {
    return this.calls.get(call) ?? 0;
  }

  async #around<T>(call: CallName, detail: CallDetail, operation: () => Promise<T>): Promise<T> {
    this.calls.set(call, this.count(call) + 1);
    const { key, partNumber } = detail;
    const plain = partNumber === undefined ? { key } : { key, partNumber };
    await this.hooks.before?.(call, plain);
    const result = await operation();
    await this.hooks.after?.(call, plain);
    return result;
  }

  list(options: ListOptions) {
    return this.#inner.list(options);
  }

  head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectHead | undefined> {
    return this.#around('head', { key }, () => this.#inner.head(key, options));
  }

  async read(key: string, options?: ReadOptions): Promise<ReadResult> {
    this.readsInFlight += 1;
    this.maxReadsInFlight = Math.max(this.maxReadsInFlight, this.readsInFlight);
    try {
      return await this.#around('read', { key }, () => this.#inner.read(key, options));
    } finally {
      this.readsInFlight -= 1;
    }
  }

  put(key: string, bytes: Uint8Array, settings: WriteSettings & { readonly checksum: ObjectChecksum }) {
    return this.#around('put', { key }, () => this.#inner.put(key, bytes, settings));
  }

  startMultipart(key: string, settings: WriteSettings & { readonly checksumAlgorithm: ChecksumAlgorithm }) {
    return this.#around('startMultipart', { key }, () => this.#inner.startMultipart(key, settings));
  }

  uploadPart(
    upload: PartUpload & {
      readonly bytes: Uint8Array;
      readonly checksum: string;
      readonly checksumAlgorithm: ChecksumAlgorithm;
    },
  ): Promise<WriteResult> {
    return this.#around('uploadPart', upload, () => this.#inner.uploadPart(upload));
  }

  completeMultipart(
    upload: UploadRef & { readonly parts: readonly CompletedPart[]; readonly checksum: ObjectChecksum },
  ): Promise<WriteResult> {
    return this.#around('completeMultipart', upload, () => this.#inner.completeMultipart(upload));
  }

  abortMultipart(upload: UploadRef): Promise<void> {
    return this.#around('abortMultipart', upload, () => this.#inner.abortMultipart(upload));
  }

  listParts(upload: UploadRef): Promise<CompletedPart[]> {
    return this.#around('listParts', upload, () => this.#inner.listParts(upload));
  }

  /** The hooks see the request's first key. */
  deleteObjects(
    targets: readonly DeleteTarget[],
    options?: { signal?: AbortSignal },
  ): Promise<DeleteOutcome> {
    return this.#around('deleteObjects', { key: targets[0]?.key ?? '' }, () =>
      this.#inner.deleteObjects(targets, options),
    );
  }
}
