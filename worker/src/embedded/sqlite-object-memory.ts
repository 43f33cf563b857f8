// Object memory on the embedded state database: what was copied (for change detection) and unfinished multipart
// uploads, shared ones included.
import {
  type CopyRecord,
  checksumAlgorithms,
  type ObjectMemory,
  type UploadRecord,
} from '../ports/ledger.ts';
import { enumColumn, integerColumn, textColumn } from './sql-row.ts';
import { createSqliteSharedUploads } from './sqlite-shared-uploads.ts';
import type { StateDb } from './state-db.ts';

const UPSERT_COPY = `
  INSERT INTO copies (mapping_id, object_key, source_etag, source_size, destination_etag)
  VALUES (:mapping_id, :object_key, :source_etag, :source_size, :destination_etag)
  ON CONFLICT (mapping_id, object_key) DO UPDATE SET
    source_etag = excluded.source_etag, source_size = excluded.source_size,
    destination_etag = excluded.destination_etag`;
// One statement for any number of keys: they arrive as one JSON array, and each is looked up by primary key.
const RECALL_COPIES = `
  SELECT object_key, source_etag, source_size, destination_etag FROM copies
  WHERE mapping_id = :mapping_id AND object_key IN (SELECT value FROM json_each(:keys_json))`;
const UPSERT_UPLOAD = `
  INSERT INTO uploads (mapping_id, object_key, upload_id, source_etag, part_size, checksum_algorithm)
  VALUES (:mapping_id, :object_key, :upload_id, :source_etag, :part_size, :checksum_algorithm)
  ON CONFLICT (mapping_id, object_key) DO UPDATE SET
    upload_id = excluded.upload_id, source_etag = excluded.source_etag, part_size = excluded.part_size,
    checksum_algorithm = excluded.checksum_algorithm`;
const SELECT_UPLOAD = `
  SELECT object_key, upload_id, source_etag, part_size, checksum_algorithm FROM uploads WHERE mapping_id = ? AND object_key = ?`;
const DELETE_UPLOAD = 'DELETE FROM uploads WHERE mapping_id = ? AND object_key = ?';

export function createSqliteObjectMemory(options: { db: StateDb }): ObjectMemory {
  const { db } = options;
  return {
    ...createSqliteSharedUploads({ db }),

    async rememberCopies(mappingId, records) {
      if (records.length === 0) return;
      db.transaction(() => {
        for (const record of records) {
          db.statement(UPSERT_COPY).run({
            mapping_id: mappingId,
            object_key: record.key,
            source_etag: record.sourceEtag,
            source_size: record.sourceSize,
            destination_etag: record.destinationEtag,
          });
        }
      });
    },

    async recallCopies(mappingId, keys) {
      const recalled = new Map<string, CopyRecord>();
      if (keys.length === 0) return recalled;
      const rows = db
        .statement(RECALL_COPIES)
        .all({ mapping_id: mappingId, keys_json: JSON.stringify(keys) });
      for (const row of rows) {
        const key = textColumn(row, 'object_key');
        recalled.set(key, {
          key,
          sourceEtag: textColumn(row, 'source_etag'),
          sourceSize: integerColumn(row, 'source_size'),
          destinationEtag: textColumn(row, 'destination_etag'),
        });
      }
      return recalled;
    },

    async rememberUpload(mappingId, upload) {
      db.statement(UPSERT_UPLOAD).run({
        mapping_id: mappingId,
        object_key: upload.key,
        upload_id: upload.uploadId,
        source_etag: upload.sourceEtag,
        part_size: upload.partSize,
        checksum_algorithm: upload.checksumAlgorithm,
      });
    },

    async recallUpload(mappingId, key): Promise<UploadRecord | undefined> {
      const row = db.statement(SELECT_UPLOAD).get(mappingId, key);
      if (row === undefined) return undefined;
      return {
        key: textColumn(row, 'object_key'),
        uploadId: textColumn(row, 'upload_id'),
        sourceEtag: textColumn(row, 'source_etag'),
        partSize: integerColumn(row, 'part_size'),
        checksumAlgorithm: enumColumn(row, 'checksum_algorithm', checksumAlgorithms),
      };
    },

    async forgetUpload(mappingId, key) {
      db.statement(DELETE_UPLOAD).run(mappingId, key);
    },
  };
}
