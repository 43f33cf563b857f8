// What the SQLite ledger does beyond the shared contract: byte-order claims, statement counts, errors, clock use.
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { createSqliteLedger } from '../../../worker/src/embedded/sqlite-ledger.ts';
import { openStateDb, type StateDb } from '../../../worker/src/embedded/state-db.ts';
import { compareUtf8 } from '../../contract/ledger.contract.ts';
import { createManualClock } from '../../support/manual-clock.ts';

let db: StateDb;
beforeEach(() => {
  db = openStateDb(':memory:');
});
afterEach(() => {
  db.close();
});

const emoji = '\u{1F600}';
const replacement = '\uFFFD';

/** How SQLite runs a statement: the detail lines of EXPLAIN QUERY PLAN. */
function queryPlanOf(sql: string | undefined): string[] {
  return db.connection
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all()
    .map((row) => String(row.detail));
}

test('SQLite BINARY collation on TEXT orders by UTF-8 bytes, which JavaScript string comparison does not', () => {
  // The premise: UTF-16 puts the emoji (a surrogate pair, 0xD83D...) before U+FFFD; UTF-8 (F0... vs EF...) after it.
  expect(emoji < replacement).toBe(true);
  expect(compareUtf8(emoji, replacement)).toBeGreaterThan(0);
  db.connection.exec('CREATE TEMP TABLE ordering (key TEXT PRIMARY KEY)');
  for (const key of [emoji, replacement, 'z', 'é'])
    db.connection.prepare('INSERT INTO ordering VALUES (?)').run(key);
  const ordered = db.connection
    .prepare('SELECT key FROM ordering ORDER BY key')
    .all()
    .map((row) => row.key);
  expect(ordered).toEqual(['z', 'é', replacement, emoji]);
  expect(db.connection.prepare('SELECT ? > ? AS later').get(emoji, replacement)?.later).toBe(1);
});

test('failure pages follow UTF-8 order across the emoji / U+FFFD boundary', async () => {
  const ledger = createSqliteLedger({ db, clock: createManualClock() });
  await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'full', startedAt: new Date(0) });
  const failures = [emoji, replacement, 'a'].map((key) => ({
    key,
    errorClass: 'NotFound' as const,
    message: 'gone',
    attempts: 1,
  }));
  await ledger.recordOutcome('r', {
    batchId: 'b',
    copied: { objects: 0, bytes: 0 },
    failed: { objects: 3, bytes: 3 },
    failures,
  });
  const first = await ledger.listFailures('r', { limit: 2 });
  expect(first.failures.map((failure) => failure.key)).toEqual(['a', replacement]);
  expect(first.next).toBe(replacement);
  const second = await ledger.listFailures('r', { limit: 2, after: replacement });
  expect(second).toEqual({ failures: [failures[0]] });
});

/** A StateDb that records the SQL of every statement the adapter runs. */
function countingDb(inner: StateDb): { db: StateDb; executed: string[] } {
  const executed: string[] = [];
  return {
    executed,
    db: {
      ...inner,
      statement(sql) {
        executed.push(sql);
        return inner.statement(sql);
      },
    },
  };
}

test('recalling 500 copies is one statement that looks each key up by primary key', async () => {
  const { db: counted, executed } = countingDb(db);
  const ledger = createSqliteLedger({ db: counted, clock: createManualClock() });
  const keys = Array.from({ length: 500 }, (_, index) => `k/${index}`);
  await ledger.rememberCopies(
    'm',
    keys.map((key) => ({ key, sourceEtag: 'e', sourceSize: 1, destinationEtag: 'd' })),
  );
  executed.length = 0;
  const recalled = await ledger.recallCopies('m', keys);
  expect(recalled.size).toBe(500);
  expect(executed).toHaveLength(1);
  const plan = queryPlanOf(executed[0]);
  expect(
    plan.some((detail) => /SEARCH copies USING PRIMARY KEY \(mapping_id=\? AND object_key=\?\)/.test(detail)),
  ).toBe(true);
  expect(plan.some((detail) => /^SCAN copies/.test(detail))).toBe(false);
});

test('recording against an unknown run fails instead of inventing it', async () => {
  const ledger = createSqliteLedger({ db, clock: createManualClock() });
  const counts = { objects: 1, bytes: 1 };
  await expect(
    ledger.recordPlanned('ghost', { batchId: 'b', planned: counts, skipped: counts }),
  ).rejects.toThrow(FerryError);
  await expect(
    ledger.recordOutcome('ghost', { batchId: 'b', copied: counts, failed: counts, failures: [] }),
  ).rejects.toThrow(/no run ghost/);
  await expect(ledger.setListerState('ghost', 'LISTED')).rejects.toThrow(/no run ghost/);
});

test('LISTED without a time takes the clock time; other states clear listedAt', async () => {
  const clock = createManualClock(new Date('2025-06-01T12:00:00.000Z'));
  const ledger = createSqliteLedger({ db, clock });
  await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'full', startedAt: new Date(0) });
  await clock.advance(1500);
  await ledger.setListerState('r', 'LISTED');
  expect((await ledger.getRun('r'))?.listedAt).toEqual(new Date('2025-06-01T12:00:01.500Z'));
  await ledger.setListerState('r', 'LISTING');
  expect((await ledger.getRun('r'))?.listedAt).toBeUndefined();
});

test('a planned batch that fails half way leaves neither its row nor its counts', async () => {
  const ledger = createSqliteLedger({ db, clock: createManualClock() });
  await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'full', startedAt: new Date(0) });
  // A fractional object count cannot be stored in the STRICT INTEGER column, so the counter update throws.
  await expect(
    ledger.recordPlanned('r', {
      batchId: 'b',
      planned: { objects: 1.5, bytes: 1 },
      skipped: { objects: 0, bytes: 0 },
    }),
  ).rejects.toThrow();
  expect(
    await ledger.recordPlanned('r', {
      batchId: 'b',
      planned: { objects: 1, bytes: 1 },
      skipped: { objects: 0, bytes: 0 },
    }),
  ).toBe(true);
  expect((await ledger.getRun('r'))?.planned).toEqual({ objects: 1, bytes: 1 });
});

test('held deletes go in the transaction of their planned batch: one that fails half way holds nothing', async () => {
  const ledger = createSqliteLedger({ db, clock: createManualClock() });
  await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'sync', startedAt: new Date(0) });
  const zero = { objects: 0, bytes: 0 };
  // The items are held first; a fractional size then cannot be added to the STRICT INTEGER to_delete_bytes.
  await expect(
    ledger.recordPlanned('r', {
      batchId: 'b',
      planned: zero,
      skipped: zero,
      deletes: { batchId: 'd', items: [{ key: 'k', size: 1.5, etag: 'e' }] },
    }),
  ).rejects.toThrow();
  expect(await ledger.listHeldDeletes('r', { limit: 5 })).toEqual({ batches: [] });
  expect((await ledger.getRun('r'))?.toDelete).toEqual(zero);
  const items = [{ key: 'k', size: 2, etag: 'e' }];
  expect(
    await ledger.recordPlanned('r', {
      batchId: 'b',
      planned: zero,
      skipped: zero,
      deletes: { batchId: 'd', items },
    }),
  ).toBe(true);
  expect(await ledger.listHeldDeletes('r', { limit: 5 })).toEqual({ batches: [{ batchId: 'd', items }] });
});

test('a page of held deletes is one statement that seeks the run and batchId by primary key', async () => {
  const { db: counted, executed } = countingDb(db);
  const ledger = createSqliteLedger({ db: counted, clock: createManualClock() });
  await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'sync', startedAt: new Date(0) });
  executed.length = 0;
  await ledger.listHeldDeletes('r', { limit: 10, after: 'b' });
  expect(executed).toHaveLength(1);
  const plan = queryPlanOf(executed[0]);
  expect(
    plan.some((detail) => /SEARCH held_deletes USING PRIMARY KEY \(run_id=\? AND batch_id>\?\)/.test(detail)),
  ).toBe(true);
});
