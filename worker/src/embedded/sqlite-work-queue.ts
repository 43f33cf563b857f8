// The work queue on the embedded state database, with SQS standard-queue semantics: leases, receipt handles, redrive.
//
// Every operation on a delivered message names it by id AND receipt handle. Once the message has been delivered again
// (its lease ran out and someone else received it), the old handle is stale and ack, extendLease, release and
// deadLetter with it do nothing, quietly: the new holder keeps its lease. (SQS differs in detail: an old handle may
// still delete there.) While no one else has received it, the handle stays valid, even after its lease ran out.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../ports/clock.ts';
import type { QueueDepth, QueueMessage, ReceiveOptions, WorkQueue } from '../ports/work-queue.ts';
import { integerColumn, type SqlRow, textColumn } from './sql-row.ts';
import type { StateDb } from './state-db.ts';

export interface SqliteWorkQueueOptions {
  readonly db: StateDb;
  readonly clock: Clock;
  /** A message received this many times is moved to the dead letters instead of being delivered again. */
  readonly maxReceiveCount: number;
  /** How often a long poll looks for new messages; default 100 ms. */
  readonly pollIntervalMs?: number;
}

/** A message that will never be delivered again, and why. */
export interface DeadLetterRecord {
  readonly id: string;
  readonly body: string;
  readonly reason: string;
  /** How often it was delivered before it was dead-lettered. */
  readonly receiveCount: number;
  readonly at: Date;
}

export const REDRIVE_REASON = 'maxReceiveCount exceeded';

const DEFAULT_POLL_INTERVAL_MS = 100;

const SELECT_VISIBLE = `
  SELECT rowid AS seq, id, body, receive_count, visible_at_ms FROM queue_messages
  WHERE visible_at_ms <= :now_ms AND (visible_at_ms, rowid) > (:after_visible_at_ms, :after_seq)
  ORDER BY visible_at_ms, rowid LIMIT :limit`;
const LEASE = `
  UPDATE queue_messages SET visible_at_ms = :visible_at_ms, receive_count = :receive_count,
    receipt_handle = :receipt_handle
  WHERE id = :id`;
const INSERT = `
  INSERT INTO queue_messages (id, body, visible_at_ms, receive_count, receipt_handle, sent_at_ms)
  VALUES (?, ?, ?, 0, NULL, ?)`;
const DELETE_HELD = 'DELETE FROM queue_messages WHERE id = ? AND receipt_handle = ?';
const SET_VISIBILITY_HELD = 'UPDATE queue_messages SET visible_at_ms = ? WHERE id = ? AND receipt_handle = ?';
const COPY_TO_DEAD_LETTERS = `
  INSERT INTO dead_letters (id, body, reason, receive_count, at_ms)
  SELECT id, body, :reason, receive_count, :at_ms FROM queue_messages WHERE id = :id`;
const COPY_HELD_TO_DEAD_LETTERS = `${COPY_TO_DEAD_LETTERS} AND receipt_handle = :receipt_handle`;
const DELETE = 'DELETE FROM queue_messages WHERE id = ?';
const DEPTH = `
  SELECT
    (SELECT count(*) FROM queue_messages WHERE visible_at_ms <= :now_ms) AS visible,
    (SELECT count(*) FROM queue_messages WHERE visible_at_ms > :now_ms) AS in_flight,
    (SELECT count(*) FROM dead_letters) AS dead_lettered`;
const LIST_DEAD_LETTERS =
  'SELECT id, body, reason, receive_count, at_ms FROM dead_letters ORDER BY at_ms, rowid';

/** SQS redrive: a delivery that would push the receive count past the maximum dead-letters the message instead. */
export function deliveryDecision(
  receiveCountSoFar: number,
  maxReceiveCount: number,
): 'deliver' | 'deadLetter' {
  return receiveCountSoFar + 1 > maxReceiveCount ? 'deadLetter' : 'deliver';
}

function requireInteger(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${name} must be an integer of at least ${minimum}, got ${value}`);
  }
}

function requireSeconds(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be 0 or more seconds, got ${value}`);
}

/** The dead letters, oldest first, for status output and tests. */
export function listDeadLetters(db: StateDb): DeadLetterRecord[] {
  return db
    .statement(LIST_DEAD_LETTERS)
    .all()
    .map((row) => ({
      id: textColumn(row, 'id'),
      body: textColumn(row, 'body'),
      reason: textColumn(row, 'reason'),
      receiveCount: integerColumn(row, 'receive_count'),
      at: new Date(integerColumn(row, 'at_ms')),
    }));
}

export function createSqliteWorkQueue(options: SqliteWorkQueueOptions): WorkQueue {
  const { db, clock, maxReceiveCount } = options;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  requireInteger('maxReceiveCount', maxReceiveCount, 1);
  requireInteger('pollIntervalMs', pollIntervalMs, 1);
  const nowMs = (): number => clock.now().getTime();

  const moveToDeadLetters = (id: string, reason: string, atMs: number): void => {
    db.statement(COPY_TO_DEAD_LETTERS).run({ id, reason, at_ms: atMs });
    db.statement(DELETE).run(id);
  };

  const lease = (row: SqlRow, visibleAtMs: number): QueueMessage => {
    const message = {
      id: textColumn(row, 'id'),
      body: textColumn(row, 'body'),
      receiveCount: integerColumn(row, 'receive_count') + 1,
      receiptHandle: randomUUID(),
    };
    db.statement(LEASE).run({
      id: message.id,
      visible_at_ms: visibleAtMs,
      receive_count: message.receiveCount,
      receipt_handle: message.receiptHandle,
    });
    return message;
  };

  /** One attempt: leases up to max visible messages in one transaction, dead-lettering those past the maximum. */
  const receiveVisible = (max: number, visibilityTimeoutSec: number): QueueMessage[] =>
    db.transaction(() => {
      const now = nowMs();
      const visibleAtMs = now + Math.round(visibilityTimeoutSec * 1000);
      const delivered: QueueMessage[] = [];
      // A cursor over (visible_at_ms, rowid) so that no row is looked at twice, even with a zero visibility timeout.
      let after = { visibleAtMs: Number.MIN_SAFE_INTEGER, seq: Number.MIN_SAFE_INTEGER };
      while (delivered.length < max) {
        const rows = db.statement(SELECT_VISIBLE).all({
          now_ms: now,
          after_visible_at_ms: after.visibleAtMs,
          after_seq: after.seq,
          limit: max - delivered.length,
        });
        for (const row of rows) {
          if (deliveryDecision(integerColumn(row, 'receive_count'), maxReceiveCount) === 'deadLetter') {
            moveToDeadLetters(textColumn(row, 'id'), REDRIVE_REASON, now);
          } else {
            delivered.push(lease(row, visibleAtMs));
          }
        }
        const last = rows.at(-1);
        if (last === undefined) break;
        after = { visibleAtMs: integerColumn(last, 'visible_at_ms'), seq: integerColumn(last, 'seq') };
      }
      return delivered;
    });

  return {
    async send(bodies) {
      if (bodies.length === 0) return;
      db.transaction(() => {
        const now = nowMs();
        for (const body of bodies) db.statement(INSERT).run(randomUUID(), body, now, now);
      });
    },

    async receive({ max, visibilityTimeoutSec, waitSec, signal }: ReceiveOptions) {
      requireInteger('max', max, 1);
      requireSeconds('visibilityTimeoutSec', visibilityTimeoutSec);
      requireSeconds('waitSec', waitSec);
      const deadlineMs = nowMs() + waitSec * 1000;
      for (;;) {
        signal?.throwIfAborted();
        const messages = receiveVisible(max, visibilityTimeoutSec);
        if (messages.length > 0) return messages;
        const remainingMs = deadlineMs - nowMs();
        if (remainingMs <= 0) return [];
        await clock.sleep(Math.min(pollIntervalMs, remainingMs), signal);
      }
    },

    async ack(message) {
      db.statement(DELETE_HELD).run(message.id, message.receiptHandle);
    },

    async extendLease(message, visibilityTimeoutSec) {
      requireSeconds('visibilityTimeoutSec', visibilityTimeoutSec);
      const visibleAtMs = nowMs() + Math.round(visibilityTimeoutSec * 1000);
      db.statement(SET_VISIBILITY_HELD).run(visibleAtMs, message.id, message.receiptHandle);
    },

    async release(message, delaySec) {
      requireSeconds('delaySec', delaySec);
      const visibleAtMs = nowMs() + Math.round(delaySec * 1000);
      db.statement(SET_VISIBILITY_HELD).run(visibleAtMs, message.id, message.receiptHandle);
    },

    async deadLetter(message, reason) {
      db.transaction(() => {
        const copied = db.statement(COPY_HELD_TO_DEAD_LETTERS).run({
          id: message.id,
          receipt_handle: message.receiptHandle,
          reason,
          at_ms: nowMs(),
        });
        if (copied.changes > 0) db.statement(DELETE).run(message.id);
      });
    },

    async depth(): Promise<QueueDepth> {
      const row = db.statement(DEPTH).get({ now_ms: nowMs() });
      if (row === undefined) throw new Error('queue depth query returned no row');
      return {
        visible: integerColumn(row, 'visible'),
        inFlight: integerColumn(row, 'in_flight'),
        deadLettered: integerColumn(row, 'dead_lettered'),
      };
    },
  };
}
