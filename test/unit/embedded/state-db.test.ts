// The state database opens with WAL, foreign keys and the current schema, migrates once, and refuses a newer schema.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { createSqliteLedger } from '../../../worker/src/embedded/sqlite-ledger.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import {
  STATE_SCHEMA_V1,
  STATE_SCHEMA_V2,
  STATE_SCHEMA_VERSION,
} from '../../../worker/src/embedded/state-schema.ts';
import { createManualClock } from '../../support/manual-clock.ts';

let directory = '';
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'ferry-state-db-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

const pragma = (connection: DatabaseSync, name: string): unknown =>
  Object.values(connection.prepare(`PRAGMA ${name}`).get() ?? {})[0];

const tables = (connection: DatabaseSync): unknown[] =>
  connection
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name);

test('opening a path in missing directories creates them and a WAL database at the current schema', () => {
  const path = join(directory, 'nested', 'deeper', 'ferry.db');
  const db = openStateDb(path);
  try {
    expect(existsSync(path)).toBe(true);
    expect(db.path).toBe(path);
    expect(pragma(db.connection, 'journal_mode')).toBe('wal');
    expect(pragma(db.connection, 'foreign_keys')).toBe(1);
    expect(pragma(db.connection, 'busy_timeout')).toBeGreaterThan(0);
    expect(pragma(db.connection, 'user_version')).toBe(STATE_SCHEMA_VERSION);
    expect(tables(db.connection)).toEqual([
      'copies',
      'dead_letters',
      'failures',
      'held_deletes',
      'outcomes',
      'planned_batches',
      'queue_messages',
      'runs',
      'shared_parts',
      'shared_ranges',
      'shared_uploads',
      'uploads',
    ]);
  } finally {
    db.close();
  }
});

test('reopening keeps the data and does not migrate again', () => {
  const path = join(directory, 'ferry.db');
  const first = openStateDb(path);
  first.connection.exec("INSERT INTO dead_letters VALUES ('m1', 'body', 'reason', 1, 0)");
  first.close();
  const second = openStateDb(path);
  try {
    expect(second.connection.prepare('SELECT count(*) AS n FROM dead_letters').get()?.n).toBe(1);
    expect(pragma(second.connection, 'user_version')).toBe(STATE_SCHEMA_VERSION);
  } finally {
    second.close();
  }
});

test('a database written by a newer Ferry is refused with a Config error', () => {
  const path = join(directory, 'ferry.db');
  const newer = new DatabaseSync(path);
  newer.exec(`PRAGMA user_version = ${STATE_SCHEMA_VERSION + 1}`);
  newer.close();
  expect(() => openStateDb(path)).toThrow(FerryError);
  expect(() => openStateDb(path)).toThrow(/newer than this Ferry/);
});

test(':memory: opens a private database with the schema', () => {
  const one = openStateDb(':memory:');
  const two = openStateDb(':memory:');
  try {
    one.connection.exec("INSERT INTO dead_letters VALUES ('m1', 'body', 'reason', 1, 0)");
    expect(tables(one.connection)).toContain('queue_messages');
    expect(two.connection.prepare('SELECT count(*) AS n FROM dead_letters').get()?.n).toBe(0);
  } finally {
    one.close();
    two.close();
  }
});

test('foreign keys are enforced: a batch row needs its run', () => {
  const db = openStateDb(':memory:');
  try {
    expect(() =>
      db.connection.exec(
        "INSERT INTO planned_batches (run_id, batch_id, recorded_at_ms) VALUES ('nope', 'b', 0)",
      ),
    ).toThrow(/FOREIGN KEY/);
  } finally {
    db.close();
  }
});

test('transaction commits what the work did, and rolls all of it back when the work throws', () => {
  const db = openStateDb(':memory:');
  const count = (): unknown => db.statement('SELECT count(*) AS n FROM dead_letters').get()?.n;
  const insert = (id: string): void => {
    db.statement("INSERT INTO dead_letters VALUES (?, 'body', 'reason', 1, 0)").run(id);
  };
  try {
    const result = db.transaction(() => {
      insert('kept');
      return 'done';
    });
    expect(result).toBe('done');
    expect(() =>
      db.transaction(() => {
        insert('undone');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(count()).toBe(1);
    expect(db.connection.isTransaction).toBe(false);
    expect(() => db.transaction(() => db.transaction(() => 1))).toThrow(/do not nest/);
    expect(() => db.transaction(async () => insert('async'))).toThrow(/synchronous/);
    expect(count()).toBe(1);
  } finally {
    db.close();
  }
});

test('statement prepares each SQL text once', () => {
  const db = openStateDb(':memory:');
  try {
    expect(db.statement('SELECT 1 AS one')).toBe(db.statement('SELECT 1 AS one'));
  } finally {
    db.close();
  }
});

test('a version 2 database migrates to the current schema with its runs, their rows and references intact', async () => {
  const path = join(directory, 'ferry.db');
  const old = new DatabaseSync(path);
  old.exec('PRAGMA foreign_keys = ON');
  old.exec(STATE_SCHEMA_V1);
  old.exec(STATE_SCHEMA_V2);
  old.exec('PRAGMA user_version = 2');
  // Two runs of one mapping started in the same millisecond: latestRun tells them apart by insertion order (rowid).
  old.exec(`
    INSERT INTO runs (run_id, mapping_id, mode, lister_state, reason, started_at_ms, listed_at_ms, checkpoint,
      planned_objects, planned_bytes, skipped_objects, skipped_bytes, copied_objects, copied_bytes, failed_objects,
      failed_bytes)
    VALUES ('z-first', 'm', 'incremental', 'LISTED', NULL, 1000, 2000, 'k/9', 10, 100, 2, 20, 7, 70, 1, 5),
           ('a-second', 'm', 'full', 'FAILED', 'AccessDenied', 1000, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0);
    INSERT INTO planned_batches VALUES ('z-first', 'b1', 1500);
    INSERT INTO outcomes VALUES ('z-first', 'b1', 1600);
    INSERT INTO failures VALUES ('z-first', 'k/3', 'NotFound', 'gone', 2);
  `);
  old.close();

  const db = openStateDb(path);
  try {
    expect(pragma(db.connection, 'user_version')).toBe(STATE_SCHEMA_VERSION);
    expect(pragma(db.connection, 'foreign_keys')).toBe(1);
    const ledger = createSqliteLedger({ db, clock: createManualClock() });
    const zero = { objects: 0, bytes: 0 };
    expect(await ledger.getRun('z-first')).toEqual({
      runId: 'z-first',
      mappingId: 'm',
      mode: 'incremental',
      listerState: 'LISTED',
      startedAt: new Date(1000),
      listedAt: new Date(2000),
      checkpoint: 'k/9',
      planned: { objects: 10, bytes: 100 },
      skipped: { objects: 2, bytes: 20 },
      copied: { objects: 7, bytes: 70 },
      failed: { objects: 1, bytes: 5 },
      toDelete: zero,
      deleted: zero,
    });
    expect((await ledger.latestRun('m'))?.runId).toBe('a-second');
    expect((await ledger.getRun('a-second'))?.reason).toBe('AccessDenied');
    // The batch rows survived the rebuilt runs table: the same batches are still recorded once.
    const counts = { objects: 1, bytes: 1 };
    expect(await ledger.recordPlanned('z-first', { batchId: 'b1', planned: counts, skipped: zero })).toBe(
      false,
    );
    expect(
      await ledger.recordOutcome('z-first', { batchId: 'b1', copied: counts, failed: zero, failures: [] }),
    ).toBe(false);
    expect(await ledger.listFailures('z-first', { limit: 5 })).toEqual({
      failures: [{ key: 'k/3', errorClass: 'NotFound', message: 'gone', attempts: 2 }],
    });
    // They still reference the runs table, and deleting a run still cascades.
    for (const table of ['planned_batches', 'outcomes', 'failures', 'held_deletes']) {
      const references = db.connection.prepare(`PRAGMA foreign_key_list(${table})`).all();
      expect(references.map((reference) => reference.table)).toEqual(['runs']);
    }
    expect(db.connection.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    // The new mode is accepted.
    const sync = await ledger.startRun({
      runId: 's',
      mappingId: 'm',
      mode: 'sync',
      startedAt: new Date(3000),
    });
    expect(sync.deleteState).toBe('HELD');
    db.connection.exec("DELETE FROM runs WHERE run_id = 'z-first'");
    expect(
      db.connection.prepare("SELECT count(*) AS n FROM failures WHERE run_id = 'z-first'").get()?.n,
    ).toBe(0);
  } finally {
    db.close();
  }
});
