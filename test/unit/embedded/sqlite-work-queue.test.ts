// What the SQLite queue does beyond the shared contract: redrive reason, dead-letter listing, polling, validation.
import { afterEach, beforeEach, expect, test } from 'vitest';
import {
  createSqliteWorkQueue,
  deliveryDecision,
  listDeadLetters,
  REDRIVE_REASON,
} from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb, type StateDb } from '../../../worker/src/embedded/state-db.ts';
import { createManualClock, type ManualClock } from '../../support/manual-clock.ts';

let db: StateDb;
let clock: ManualClock;
beforeEach(() => {
  db = openStateDb(':memory:');
  clock = createManualClock(new Date('2025-05-01T00:00:00.000Z'));
});
afterEach(() => {
  db.close();
});

test('deliveryDecision dead-letters the delivery that would exceed maxReceiveCount', () => {
  expect(deliveryDecision(0, 1)).toBe('deliver');
  expect(deliveryDecision(1, 1)).toBe('deadLetter');
  expect(deliveryDecision(2, 3)).toBe('deliver');
  expect(deliveryDecision(3, 3)).toBe('deadLetter');
});

test('redrive records the reason, the receive count and the time, and still fills the receive with others', async () => {
  const queue = createSqliteWorkQueue({ db, clock, maxReceiveCount: 1 });
  await queue.send(['poison']);
  const [first] = await queue.receive({ max: 10, visibilityTimeoutSec: 0, waitSec: 0 });
  expect(first?.body).toBe('poison');
  await queue.send(['fresh-1', 'fresh-2']);
  await clock.advance(5);
  const next = await queue.receive({ max: 2, visibilityTimeoutSec: 30, waitSec: 0 });
  expect(next.map((message) => message.body)).toEqual(['fresh-1', 'fresh-2']);
  expect(listDeadLetters(db)).toEqual([
    {
      id: first?.id,
      body: 'poison',
      reason: REDRIVE_REASON,
      receiveCount: 1,
      at: new Date('2025-05-01T00:00:00.005Z'),
    },
  ]);
  expect(REDRIVE_REASON).toBe('maxReceiveCount exceeded');
});

test('a zero visibility timeout delivers each message at most once per receive', async () => {
  const queue = createSqliteWorkQueue({ db, clock, maxReceiveCount: 10 });
  await queue.send(['a', 'b']);
  const messages = await queue.receive({ max: 10, visibilityTimeoutSec: 0, waitSec: 0 });
  expect(messages.map((message) => message.body)).toEqual(['a', 'b']);
  expect(messages.map((message) => message.receiveCount)).toEqual([1, 1]);
  const again = await queue.receive({ max: 10, visibilityTimeoutSec: 0, waitSec: 0 });
  expect(again.map((message) => message.receiveCount)).toEqual([2, 2]);
});

test('messages are delivered oldest-visible first', async () => {
  const queue = createSqliteWorkQueue({ db, clock, maxReceiveCount: 10 });
  await queue.send(['first', 'second']);
  const [first] = await queue.receive({ max: 1, visibilityTimeoutSec: 30, waitSec: 0 });
  if (first === undefined) throw new Error('expected a message');
  await clock.advance(10);
  await queue.send(['third']);
  await clock.advance(10);
  await queue.release(first, 0);
  const order = await queue.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 0 });
  expect(order.map((message) => message.body)).toEqual(['second', 'third', 'first']);
});

test('a long poll sleeps on the clock in poll-interval steps and stops at waitSec', async () => {
  const queue = createSqliteWorkQueue({ db, clock, maxReceiveCount: 10, pollIntervalMs: 250 });
  let result: unknown;
  const polling = queue.receive({ max: 1, visibilityTimeoutSec: 30, waitSec: 1 }).then((messages) => {
    result = messages;
  });
  await clock.advance(0);
  expect(clock.sleepers).toBe(1);
  await clock.advance(999);
  expect(result).toBeUndefined();
  await clock.advance(1);
  await polling;
  expect(result).toEqual([]);
  expect(clock.sleepers).toBe(0);
});

test('an already aborted signal rejects receive even when messages are visible', async () => {
  const queue = createSqliteWorkQueue({ db, clock, maxReceiveCount: 10 });
  await queue.send(['waiting']);
  const reason = new Error('stop now');
  await expect(
    queue.receive({ max: 1, visibilityTimeoutSec: 30, waitSec: 0, signal: AbortSignal.abort(reason) }),
  ).rejects.toBe(reason);
  expect(await queue.depth()).toEqual({ visible: 1, inFlight: 0, deadLettered: 0 });
});

test('a handle stays valid after its lease ran out while no one else received the message', async () => {
  const queue = createSqliteWorkQueue({ db, clock, maxReceiveCount: 10 });
  await queue.send(['slow']);
  const [message] = await queue.receive({ max: 1, visibilityTimeoutSec: 1, waitSec: 0 });
  if (message === undefined) throw new Error('expected a message');
  await clock.advance(5000);
  await queue.extendLease(message, 60);
  expect(await queue.depth()).toEqual({ visible: 0, inFlight: 1, deadLettered: 0 });
  await queue.ack(message);
  expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
});

test('invalid options are refused', async () => {
  expect(() => createSqliteWorkQueue({ db, clock, maxReceiveCount: 0 })).toThrow(RangeError);
  expect(() => createSqliteWorkQueue({ db, clock, maxReceiveCount: 3, pollIntervalMs: 0 })).toThrow(
    RangeError,
  );
  const queue = createSqliteWorkQueue({ db, clock, maxReceiveCount: 3 });
  await expect(queue.receive({ max: 0, visibilityTimeoutSec: 1, waitSec: 0 })).rejects.toThrow(RangeError);
  await expect(queue.receive({ max: 1, visibilityTimeoutSec: -1, waitSec: 0 })).rejects.toThrow(RangeError);
});
