// Shared uploads on the embedded state database: the multipart upload several workers fill, a range of parts each,
// with the ranges done and the parts recorded. Every change is one transaction that checks the record first, so the
// conditions the port promises hold between connections (processes) too.
import { errorClasses } from '../domain/errors.ts';
import {
  checksumAlgorithms,
  type SharedObjectRef,
  type SharedUploadRecord,
  type SharedUploads,
  sharedUploadStates,
} from '../ports/ledger.ts';
import type { CompletedPart } from '../ports/object-store.ts';
import {
  enumColumn,
  integerColumn,
  optionalIntegerColumn,
  optionalTextColumn,
  type SqlRow,
  textColumn,
} from './sql-row.ts';
import type { StateDb } from './state-db.ts';

const SELECT_UPLOAD = `
  SELECT object_key, upload_id, source_etag, source_size, part_size, checksum_algorithm, range_count, state,
    failure_key, error_class, message, attempts
  FROM shared_uploads WHERE run_id = :run_id AND batch_id = :batch_id`;
const SELECT_RANGES = `
  SELECT range_index FROM shared_ranges WHERE run_id = :run_id AND batch_id = :batch_id ORDER BY range_index`;
const INSERT_UPLOAD = `
  INSERT INTO shared_uploads (run_id, batch_id, object_key, upload_id, source_etag, source_size, part_size,
    checksum_algorithm, range_count)
  VALUES (:run_id, :batch_id, :object_key, :upload_id, :source_etag, :source_size, :part_size, :checksum_algorithm,
    :range_count)
  ON CONFLICT (run_id, batch_id) DO NOTHING`;
const REPLACE_UPLOAD_ID = `
  UPDATE shared_uploads SET upload_id = :upload_id WHERE run_id = :run_id AND batch_id = :batch_id`;
const CLEAR_RANGES = 'DELETE FROM shared_ranges WHERE run_id = :run_id AND batch_id = :batch_id';
const INSERT_RANGE = `
  INSERT INTO shared_ranges (run_id, batch_id, range_index) VALUES (:run_id, :batch_id, :range_index)
  ON CONFLICT DO NOTHING`;
const UPSERT_PART = `
  INSERT INTO shared_parts (run_id, batch_id, part_number, upload_id, etag, size, checksum)
  VALUES (:run_id, :batch_id, :part_number, :upload_id, :etag, :size, :checksum)
  ON CONFLICT (run_id, batch_id, part_number) DO UPDATE SET
    upload_id = excluded.upload_id, etag = excluded.etag, size = excluded.size, checksum = excluded.checksum`;
const SELECT_PARTS = `
  SELECT part_number, etag, size, checksum FROM shared_parts
  WHERE run_id = :run_id AND batch_id = :batch_id AND upload_id = :upload_id
    AND part_number BETWEEN :first_part AND :last_part
  ORDER BY part_number`;
const SETTLE = `
  UPDATE shared_uploads SET state = :state, failure_key = :failure_key, error_class = :error_class,
    message = :message, attempts = :attempts
  WHERE run_id = :run_id AND batch_id = :batch_id`;

function refParams(ref: SharedObjectRef): { run_id: string; batch_id: string } {
  return { run_id: ref.runId, batch_id: ref.batchId };
}

function recordFromRows(row: SqlRow, ranges: readonly SqlRow[]): SharedUploadRecord {
  const failureKey = optionalTextColumn(row, 'failure_key');
  const attempts = optionalIntegerColumn(row, 'attempts');
  const failure =
    failureKey === undefined || attempts === undefined
      ? undefined
      : {
          key: failureKey,
          errorClass: enumColumn(row, 'error_class', errorClasses),
          message: textColumn(row, 'message'),
          attempts,
        };
  return {
    key: textColumn(row, 'object_key'),
    uploadId: textColumn(row, 'upload_id'),
    sourceEtag: textColumn(row, 'source_etag'),
    sourceSize: integerColumn(row, 'source_size'),
    partSize: integerColumn(row, 'part_size'),
    checksumAlgorithm: enumColumn(row, 'checksum_algorithm', checksumAlgorithms),
    rangeCount: integerColumn(row, 'range_count'),
    state: enumColumn(row, 'state', sharedUploadStates),
    doneRanges: ranges.map((range) => integerColumn(range, 'range_index')),
    ...(failure ? { failure } : {}),
  };
}

function partFromRow(row: SqlRow): CompletedPart {
  const checksum = optionalTextColumn(row, 'checksum');
  return {
    partNumber: integerColumn(row, 'part_number'),
    etag: textColumn(row, 'etag'),
    size: integerColumn(row, 'size'),
    ...(checksum === undefined ? {} : { checksum }),
  };
}

export function createSqliteSharedUploads(options: { db: StateDb }): SharedUploads {
  const { db } = options;

  const readRecord = (ref: SharedObjectRef): SharedUploadRecord | undefined => {
    const row = db.statement(SELECT_UPLOAD).get(refParams(ref));
    return row === undefined
      ? undefined
      : recordFromRows(row, db.statement(SELECT_RANGES).all(refParams(ref)));
  };
  const requireRecord = (ref: SharedObjectRef): SharedUploadRecord => {
    const record = readRecord(ref);
    if (record === undefined) throw new Error(`shared upload ${ref.batchId} vanished inside a transaction`);
    return record;
  };

  return {
    async recallSharedUpload(ref) {
      return readRecord(ref);
    },

    async claimSharedUpload(ref, start) {
      return db.transaction(() => {
        db.statement(INSERT_UPLOAD).run({
          ...refParams(ref),
          object_key: start.key,
          upload_id: start.uploadId,
          source_etag: start.sourceEtag,
          source_size: start.sourceSize,
          part_size: start.partSize,
          checksum_algorithm: start.checksumAlgorithm,
          range_count: start.rangeCount,
        });
        return requireRecord(ref);
      });
    },

    async replaceSharedUpload(ref, change) {
      return db.transaction(() => {
        const current = readRecord(ref);
        if (current?.state !== 'OPEN' || current.uploadId !== change.fromUploadId) {
          return { replaced: false as const, record: current };
        }
        db.statement(REPLACE_UPLOAD_ID).run({ ...refParams(ref), upload_id: change.toUploadId });
        db.statement(CLEAR_RANGES).run(refParams(ref));
        return { replaced: true as const, record: requireRecord(ref), abandonedRanges: current.doneRanges };
      });
    },

    async rememberSharedParts(ref, uploadId, parts) {
      if (parts.length === 0) return;
      db.transaction(() => {
        for (const part of parts) {
          db.statement(UPSERT_PART).run({
            ...refParams(ref),
            part_number: part.partNumber,
            upload_id: uploadId,
            etag: part.etag,
            size: part.size,
            checksum: part.checksum ?? null,
          });
        }
      });
    },

    async recallSharedParts(ref, span) {
      const rows = db.statement(SELECT_PARTS).all({
        ...refParams(ref),
        upload_id: span.uploadId,
        first_part: span.firstPart,
        last_part: span.lastPart,
      });
      return rows.map(partFromRow);
    },

    async markRangeDone(ref, mark) {
      return db.transaction(() => {
        const current = readRecord(ref);
        if (current?.state !== 'OPEN' || current.uploadId !== mark.uploadId) {
          return { marked: false as const, record: current };
        }
        if (
          !Number.isInteger(mark.rangeIndex) ||
          mark.rangeIndex < 0 ||
          mark.rangeIndex >= current.rangeCount
        ) {
          throw new RangeError(`range ${mark.rangeIndex} is not one of the ${current.rangeCount} ranges`);
        }
        const inserted = db.statement(INSERT_RANGE).run({ ...refParams(ref), range_index: mark.rangeIndex });
        const record = requireRecord(ref);
        return inserted.changes > 0 ? { marked: true as const, record } : { marked: false as const, record };
      });
    },

    async settleSharedUpload(ref, settlement) {
      return db.transaction(() => {
        const current = readRecord(ref);
        if (current?.state !== 'OPEN') return current;
        const failure = settlement.state === 'FAILED' ? settlement.failure : undefined;
        db.statement(SETTLE).run({
          ...refParams(ref),
          state: settlement.state,
          failure_key: failure?.key ?? null,
          error_class: failure?.errorClass ?? null,
          message: failure?.message ?? null,
          attempts: failure?.attempts ?? null,
        });
        return requireRecord(ref);
      });
    },
  };
}
