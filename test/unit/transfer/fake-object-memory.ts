// Test double for ObjectMemory: Map-backed; only the upload records matter to the transfer engine.
import type { CopyRecord, ObjectMemory, UploadRecord } from '../../../worker/src/ports/ledger.ts';

export class FakeObjectMemory implements ObjectMemory {
  readonly uploads = new Map<string, UploadRecord>();
  readonly copies = new Map<string, CopyRecord>();

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
}
