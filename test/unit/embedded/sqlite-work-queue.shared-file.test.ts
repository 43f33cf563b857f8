// Crash safety of the SQLite queue: connections (and processes) sharing one state file never lease the same message,
// and the leases of a process that died come back after their timeout.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createSqliteWorkQueue } from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb, type StateDb } from '../../../worker/src/embedded/state-db.ts';
import { createManualClock } from '../../support/manual-clock.ts';

const childScript = new URL('./queue-receiver.child.ts', import.meta.url).pathname;

interface Receiver {
  /** Settles once the process has opened the database and waits for the go. */
  readonly ready: Promise<void>;
  go(): void;
  /** The ids the process leased, once it has exited. */
  readonly leasedIds: Promise<string[]>;
}

/** Starts queue-receiver.child.ts, which opens the database and then waits, so that both processes start together. */
function startReceiver(path: string, visibilityTimeoutSec: number): Receiver {
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', childScript, path, String(visibilityTimeoutSec)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('ready\n')) resolve();
    });
    child.once('exit', () => reject(new Error(`receiver exited before it was ready: ${stderr}`)));
  });
  const leasedIds = new Promise<string[]>((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`receiver exited with ${code}: ${stderr}`));
      const ids: unknown = JSON.parse(stdout);
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
        return reject(new Error(`unexpected receiver output: ${stdout}`));
      }
      resolve(ids);
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), leasedIds };
}

let directory = '';
let path = '';
const opened: StateDb[] = [];
const open = (): StateDb => {
  const db = openStateDb(path);
  opened.push(db);
  return db;
};
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'ferry-shared-queue-'));
  path = join(directory, 'ferry.db');
});
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  rmSync(directory, { recursive: true, force: true });
});

test('two connections on one file never lease the same message, and a lease expires for both', async () => {
  const clock = createManualClock();
  const one = createSqliteWorkQueue({ db: open(), clock, maxReceiveCount: 10 });
  const two = createSqliteWorkQueue({ db: open(), clock, maxReceiveCount: 10 });
  await one.send(Array.from({ length: 10 }, (_, index) => `m${index}`));
  const leasedByOne = await one.receive({ max: 5, visibilityTimeoutSec: 30, waitSec: 0 });
  const leasedByTwo = await two.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 0 });
  expect(leasedByOne).toHaveLength(5);
  expect(leasedByTwo).toHaveLength(5);
  const idsOfOne = new Set(leasedByOne.map((message) => message.id));
  expect(leasedByTwo.filter((message) => idsOfOne.has(message.id))).toEqual([]);
  expect(await one.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 0 })).toEqual([]);

  await clock.advance(31_000);
  const retaken = await two.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 0 });
  expect(retaken).toHaveLength(10);
  expect(retaken.every((message) => message.receiveCount === 2)).toBe(true);
  // The first connection's old handles are stale now: acking with them leaves the second's leases alone.
  for (const message of leasedByOne) await one.ack(message);
  expect(await two.depth()).toEqual({ visible: 0, inFlight: 10, deadLettered: 0 });
});

test('two processes receiving from one file at once lease disjoint messages; after they die, all come back', async () => {
  const count = 2000;
  const visibilityTimeoutSec = 600;
  const db = open();
  const clock = createManualClock(new Date());
  const queue = createSqliteWorkQueue({ db, clock, maxReceiveCount: 10 });
  await queue.send(Array.from({ length: count }, (_, index) => `message-${index}`));

  const receivers = [startReceiver(path, visibilityTimeoutSec), startReceiver(path, visibilityTimeoutSec)];
  await Promise.all(receivers.map((receiver) => receiver.ready));
  for (const receiver of receivers) receiver.go();
  const [first = [], second = []] = await Promise.all(receivers.map((receiver) => receiver.leasedIds));

  expect(first.length).toBeGreaterThan(0);
  expect(second.length).toBeGreaterThan(0);
  const firstIds = new Set(first);
  expect(second.filter((id) => firstIds.has(id))).toEqual([]);
  expect(new Set([...first, ...second]).size).toBe(count);

  // Both processes died holding their leases: nothing is visible until the leases run out, then everything is.
  expect(await queue.depth()).toEqual({ visible: 0, inFlight: count, deadLettered: 0 });
  // The manual clock started before the children leased (by real time), so allow them a minute of start-up.
  await clock.advance(visibilityTimeoutSec * 1000 + 60_000);
  const recovered = await queue.receive({ max: count, visibilityTimeoutSec: 30, waitSec: 0 });
  expect(recovered).toHaveLength(count);
  expect(recovered.every((message) => message.receiveCount === 2)).toBe(true);
});
