// Opens the embedded state database (node:sqlite): WAL, busy timeout, foreign keys, schema migrated to the current version.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { FerryError } from '../domain/errors.ts';
import { integerColumn } from './sql-row.ts';
import { STATE_SCHEMA_VERSION, stateMigrations } from './state-schema.ts';

/** How long a connection waits for another connection's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;

const IN_MEMORY = ':memory:';

export interface StateDb {
  /** The path it was opened with (':memory:' for a private in-memory database). */
  readonly path: string;
  /** The open connection, for anything the helpers below do not cover. */
  readonly connection: DatabaseSync;
  /** A prepared statement for this SQL, prepared once per connection and reused. */
  statement(sql: string): StatementSync;
  /**
   * Runs work inside BEGIN IMMEDIATE ... COMMIT, rolling back when it throws. The write lock is taken at BEGIN, so
   * concurrent connections (other processes) serialize instead of failing to upgrade a read lock. work must be
   * synchronous: a transaction never spans an await. Transactions do not nest.
   */
  transaction<T>(work: () => T): T;
  close(): void;
}

function userVersion(connection: DatabaseSync): number {
  const row = connection.prepare('PRAGMA user_version').get();
  if (row === undefined) throw new Error('PRAGMA user_version returned no row');
  return integerColumn(row, 'user_version');
}

function newerSchemaError(path: string, version: number): FerryError {
  return new FerryError(
    'Config',
    `state database ${path} has schema version ${version}, newer than this Ferry's ${STATE_SCHEMA_VERSION}: upgrade Ferry`,
  );
}

function runInTransaction<T>(connection: DatabaseSync, work: () => T): T {
  if (connection.isTransaction) throw new Error('state db transactions do not nest');
  connection.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    if (result instanceof Promise) throw new TypeError('state db transaction work must be synchronous');
    connection.exec('COMMIT');
    return result;
  } catch (error) {
    if (connection.isTransaction) connection.exec('ROLLBACK');
    throw error;
  }
}

/** Throws when a row references a row that does not exist: what a migration must never leave behind. */
function assertForeignKeysHold(connection: DatabaseSync): void {
  const broken = connection.prepare('PRAGMA foreign_key_check').all();
  if (broken.length > 0) {
    throw new Error(
      `state db migration broke ${broken.length} foreign key reference(s): ${JSON.stringify(broken[0])}`,
    );
  }
}

/**
 * Applies the migrations this database lacks, in one transaction; a concurrent opener waits and then finds them done.
 * Foreign keys are off meanwhile (the pragma does nothing inside a transaction, so it is switched around it): a
 * migration may rebuild a table others reference, and dropping it with foreign keys on would delete their rows.
 */
function migrate(connection: DatabaseSync, path: string): void {
  const seen = userVersion(connection);
  if (seen > STATE_SCHEMA_VERSION) throw newerSchemaError(path, seen);
  if (seen === STATE_SCHEMA_VERSION) return;
  connection.exec('PRAGMA foreign_keys = OFF');
  try {
    runInTransaction(connection, () => {
      const current = userVersion(connection);
      if (current > STATE_SCHEMA_VERSION) throw newerSchemaError(path, current);
      for (const sql of stateMigrations.slice(current)) connection.exec(sql);
      assertForeignKeysHold(connection);
      connection.exec(`PRAGMA user_version = ${STATE_SCHEMA_VERSION}`);
    });
  } finally {
    connection.exec('PRAGMA foreign_keys = ON');
  }
}

function configure(connection: DatabaseSync): void {
  // WAL: readers never block the writer. synchronous=NORMAL in WAL mode never corrupts the database; a power loss can
  // only drop the newest commits as a whole, which at-least-once delivery and the idempotent ledger tolerate.
  connection.exec('PRAGMA journal_mode = WAL');
  connection.exec('PRAGMA synchronous = NORMAL');
  connection.exec('PRAGMA foreign_keys = ON');
}

/** Opens (creating it and its directory when missing) the state database at path, or a private one for ':memory:'. */
export function openStateDb(path: string): StateDb {
  if (path !== IN_MEMORY) mkdirSync(dirname(path), { recursive: true });
  const connection = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
  try {
    configure(connection);
    migrate(connection, path);
  } catch (error) {
    connection.close();
    throw error;
  }
  const statements = new Map<string, StatementSync>();
  return {
    path,
    connection,
    statement(sql) {
      let prepared = statements.get(sql);
      if (prepared === undefined) {
        prepared = connection.prepare(sql);
        statements.set(sql, prepared);
      }
      return prepared;
    },
    transaction: (work) => runInTransaction(connection, work),
    close() {
      statements.clear();
      if (connection.isOpen) connection.close();
    },
  };
}
