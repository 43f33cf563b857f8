// The state database opens with WAL, foreign keys and the current schema, migrates once, and refuses a newer schema.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import { STATE_SCHEMA_VERSION } from '../../../worker/src/embedded/state-schema.ts';

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
