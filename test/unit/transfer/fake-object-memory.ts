// Test double for ObjectMemory: Map-backed copy and upload records; shared uploads on a private in-memory SQLite.
import { createSqliteSharedUploads } from '../../../worker/src/embedded/sqlite-shared-uploads.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import type {
  CopyRecord,
  ObjectMemory,
  SharedUploads,
  UploadRecord,
} from '../../../worker/src/ports/ledger.ts';

export class FakeObjectMemory implements ObjectMemory {
  readonly uploads = new Map<string, UploadRecord>();
  readonly copies = new Map<string, CopyRecord>();
  readonly #shared: SharedUploads = createSqliteSharedUploads({ db: openStateDb(':memory:') });

  async rememberCopies(mappingId: string, records: readonly CopyRecord[]): Promise<void> {
    for (const record of records) this.copies.set(`${mappingId}\u0000${record.key}`, record);
  }

  async recallCopies(mappingId: string, keys: readonly string[]): Promise<Map<string, CopyRecord>> {
    const found = new Map<string, CopyRecord>();
    for (const key of keys) {
      const record = this.copies.get(`${mappingId}\u0000${key}`);
      if (record) found.set(key, record);
    }
    return found;
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

  readonly recallSharedUpload: SharedUploads['recallSharedUpload'] = (ref) =>
    this.#shared.recallSharedUpload(ref);
  readonly claimSharedUpload: SharedUploads['claimSharedUpload'] = (ref, start) =>
    this.#shared.claimSharedUpload(ref, start);
  readonly replaceSharedUpload: SharedUploads['replaceSharedUpload'] = (ref, change) =>
    this.#shared.replaceSharedUpload(ref, change);
  readonly rememberSharedParts: SharedUploads['rememberSharedParts'] = (ref, uploadId, parts) =>
    this.#shared.rememberSharedParts(ref, uploadId, parts);
  readonly recallSharedParts: SharedUploads['recallSharedParts'] = (ref, span) =>
    this.#shared.recallSharedParts(ref, span);
  readonly markRangeDone: SharedUploads['markRangeDone'] = (ref, mark) =>
    this.#shared.markRangeDone(ref, mark);
  readonly settleSharedUpload: SharedUploads['settleSharedUpload'] = (ref, settlement) =>
    this.#shared.settleSharedUpload(ref, settlement);
}
