// The embedded state database's schema: one SQL text per version, applied in order under PRAGMA user_version.
//
// Text columns use SQLite's default BINARY collation, which compares the stored UTF-8 bytes: ORDER BY and
// range conditions on object keys therefore follow S3's key order. Times are integer milliseconds since the epoch.

/** Version 1: the work queue with its dead letters, the run ledger and the object memory. */
export const STATE_SCHEMA_V1 = `
CREATE TABLE queue_messages (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  visible_at_ms INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0 CHECK (receive_count >= 0),
  receipt_handle TEXT,
  sent_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX queue_messages_by_visibility ON queue_messages (visible_at_ms);

CREATE TABLE dead_letters (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  reason TEXT NOT NULL,
  receive_count INTEGER NOT NULL,
  at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  mapping_id TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('full', 'incremental')),
  lister_state TEXT NOT NULL CHECK (lister_state IN ('LISTING', 'LISTED', 'FAILED')),
  reason TEXT,
  started_at_ms INTEGER NOT NULL,
  listed_at_ms INTEGER,
  checkpoint TEXT,
  planned_objects INTEGER NOT NULL DEFAULT 0,
  planned_bytes INTEGER NOT NULL DEFAULT 0,
  skipped_objects INTEGER NOT NULL DEFAULT 0,
  skipped_bytes INTEGER NOT NULL DEFAULT 0,
  copied_objects INTEGER NOT NULL DEFAULT 0,
  copied_bytes INTEGER NOT NULL DEFAULT 0,
  failed_objects INTEGER NOT NULL DEFAULT 0,
  failed_bytes INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX runs_by_mapping ON runs (mapping_id, started_at_ms);

CREATE TABLE planned_batches (
  run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  batch_id TEXT NOT NULL,
  recorded_at_ms INTEGER NOT NULL,
  PRIMARY KEY (run_id, batch_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE outcomes (
  run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  batch_id TEXT NOT NULL,
  recorded_at_ms INTEGER NOT NULL,
  PRIMARY KEY (run_id, batch_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE failures (
  run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  object_key TEXT NOT NULL,
  error_class TEXT NOT NULL,
  message TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  PRIMARY KEY (run_id, object_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE copies (
  mapping_id TEXT NOT NULL,
  object_key TEXT NOT NULL,
  source_etag TEXT NOT NULL,
  source_size INTEGER NOT NULL,
  destination_etag TEXT NOT NULL,
  PRIMARY KEY (mapping_id, object_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE uploads (
  mapping_id TEXT NOT NULL,
  object_key TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  source_etag TEXT NOT NULL,
  part_size INTEGER NOT NULL,
  checksum_algorithm TEXT NOT NULL CHECK (checksum_algorithm IN ('CRC32C', 'CRC32', 'CRC64NVME')),
  PRIMARY KEY (mapping_id, object_key)
) STRICT, WITHOUT ROWID;
`;

/**
 * Version 2: shared uploads — one multipart upload that several workers fill, a range of parts each: the upload
 * (shared_uploads), the ranges done in it (shared_ranges) and the parts recorded for it (shared_parts).
 */
export const STATE_SCHEMA_V2 = `
CREATE TABLE shared_uploads (
  run_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  object_key TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  source_etag TEXT NOT NULL,
  source_size INTEGER NOT NULL,
  part_size INTEGER NOT NULL,
  checksum_algorithm TEXT NOT NULL CHECK (checksum_algorithm IN ('CRC32C', 'CRC32', 'CRC64NVME')),
  range_count INTEGER NOT NULL CHECK (range_count >= 1),
  state TEXT NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'DONE', 'FAILED')),
  failure_key TEXT,
  error_class TEXT,
  message TEXT,
  attempts INTEGER,
  PRIMARY KEY (run_id, batch_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE shared_ranges (
  run_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  range_index INTEGER NOT NULL,
  PRIMARY KEY (run_id, batch_id, range_index),
  FOREIGN KEY (run_id, batch_id) REFERENCES shared_uploads (run_id, batch_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE shared_parts (
  run_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  upload_id TEXT NOT NULL,
  etag TEXT NOT NULL,
  size INTEGER NOT NULL,
  checksum TEXT,
  PRIMARY KEY (run_id, batch_id, part_number)
) STRICT, WITHOUT ROWID;
`;

/**
 * Version 3: sync runs. Runs gain the deletes' counters (to_delete, deleted), their state (delete_state: NULL, or
 * HELD, RELEASED, REFUSED on a sync run) and delete_reason, and their mode may be 'sync'; held_deletes keeps each
 * batch of deletes (items: a JSON array of [key, size, etag]) until the run's listing is complete.
 *
 * SQLite cannot alter a CHECK constraint, so the runs table is rebuilt (SQLite's "12-step" procedure): a new table,
 * a copy of every row with its rowid (latestRun breaks ties by it), the old table dropped and the new one renamed.
 * The tables referencing runs keep their rows because migrations run with foreign keys off (state-db.ts), checked
 * with PRAGMA foreign_key_check before the migration commits.
 */
export const STATE_SCHEMA_V3 = `
CREATE TABLE runs_v3 (
  run_id TEXT PRIMARY KEY,
  mapping_id TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('full', 'incremental', 'sync')),
  lister_state TEXT NOT NULL CHECK (lister_state IN ('LISTING', 'LISTED', 'FAILED')),
  reason TEXT,
  started_at_ms INTEGER NOT NULL,
  listed_at_ms INTEGER,
  checkpoint TEXT,
  planned_objects INTEGER NOT NULL DEFAULT 0,
  planned_bytes INTEGER NOT NULL DEFAULT 0,
  skipped_objects INTEGER NOT NULL DEFAULT 0,
  skipped_bytes INTEGER NOT NULL DEFAULT 0,
  copied_objects INTEGER NOT NULL DEFAULT 0,
  copied_bytes INTEGER NOT NULL DEFAULT 0,
  failed_objects INTEGER NOT NULL DEFAULT 0,
  failed_bytes INTEGER NOT NULL DEFAULT 0,
  to_delete_objects INTEGER NOT NULL DEFAULT 0,
  to_delete_bytes INTEGER NOT NULL DEFAULT 0,
  deleted_objects INTEGER NOT NULL DEFAULT 0,
  deleted_bytes INTEGER NOT NULL DEFAULT 0,
  delete_state TEXT CHECK (delete_state IN ('HELD', 'RELEASED', 'REFUSED')),
  delete_reason TEXT
) STRICT;
INSERT INTO runs_v3 (rowid, run_id, mapping_id, mode, lister_state, reason, started_at_ms, listed_at_ms, checkpoint,
  planned_objects, planned_bytes, skipped_objects, skipped_bytes, copied_objects, copied_bytes, failed_objects,
  failed_bytes)
SELECT rowid, run_id, mapping_id, mode, lister_state, reason, started_at_ms, listed_at_ms, checkpoint,
  planned_objects, planned_bytes, skipped_objects, skipped_bytes, copied_objects, copied_bytes, failed_objects,
  failed_bytes
FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v3 RENAME TO runs;
CREATE INDEX runs_by_mapping ON runs (mapping_id, started_at_ms);

CREATE TABLE held_deletes (
  run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  batch_id TEXT NOT NULL,
  items TEXT NOT NULL CHECK (json_valid(items)),
  PRIMARY KEY (run_id, batch_id)
) STRICT, WITHOUT ROWID;
`;

/** Migration i (0-based) takes a database from user_version i to i + 1. Append, never edit. */
export const stateMigrations: readonly string[] = [STATE_SCHEMA_V1, STATE_SCHEMA_V2, STATE_SCHEMA_V3];

/** The schema version this build of Ferry writes. */
export const STATE_SCHEMA_VERSION = stateMigrations.length;
