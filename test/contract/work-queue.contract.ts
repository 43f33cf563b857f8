// The behaviour every WorkQueue adapter must show (SQLite now, SQS later); leases are 1-2 s so real time is feasible.
import { describe, expect, test } from 'vitest';
import type { QueueMessage, WorkQueue } from '../../worker/src/ports/work-queue.ts';

export interface WorkQueueUnderTest {
  readonly queue: WorkQueue;
  /** Lets ms of time pass for leases and long polls: a fake clock jumps, a real-time adapter really waits. */
  advance(ms: number): Promise<void>;
  /** Every dead-lettered body, with the reason when the adapter recorded one (SQS's own redrive records none). */
  deadLetters(): Promise<readonly { readonly body: string; readonly reason?: string }[]>;
  /** Frees what the factory made (closes the database, deletes the queues). */
  dispose(): Promise<void>;
}

/** Makes a fresh, empty queue (and dead-letter queue) for one test. */
export type WorkQueueFactory = (options: { maxReceiveCount: number }) => Promise<WorkQueueUnderTest>;

/** Per-case time limit, in real milliseconds: generous for a real-time adapter, and a broken one fails instead of hanging. */
const CASE_TIMEOUT_MS = 30_000;
/** The default redrive threshold of the cases that do not test redrive. */
const MAX_RECEIVE_COUNT = 5;

/** Receives up to expected messages, polling again while any arrive: a real queue may hand out fewer than max. */
async function receiveAll(
  queue: WorkQueue,
  options: { visibilityTimeoutSec: number; expected: number },
): Promise<QueueMessage[]> {
  const received: QueueMessage[] = [];
  for (let emptyPolls = 0; received.length < options.expected && emptyPolls < 3; ) {
    const max = Math.min(10, options.expected - received.length);
    const batch = await queue.receive({
      max,
      visibilityTimeoutSec: options.visibilityTimeoutSec,
      waitSec: 0,
    });
    received.push(...batch);
    emptyPolls = batch.length === 0 ? emptyPolls + 1 : 0;
  }
  return received;
}

async function receiveOne(queue: WorkQueue, visibilityTimeoutSec: number): Promise<QueueMessage> {
  const [message, ...others] = await receiveAll(queue, { visibilityTimeoutSec, expected: 1 });
  expect(others).toEqual([]);
  if (message === undefined) throw new Error('expected a message, the queue delivered none');
  return message;
}

async function receiveNothing(queue: WorkQueue): Promise<void> {
  expect(await queue.receive({ max: 10, visibilityTimeoutSec: 1, waitSec: 0 })).toEqual([]);
}

export interface WorkQueueContractOptions {
  /**
   * What a receipt handle from an earlier delivery does. 'ignored' (the default): nothing, the new holder keeps its
   * lease. 'may-act': the queue may still honour it, as SQS does ("the request succeeds, but the message might not
   * be deleted"; moto always honours old handles); then only a quiet call and a clean end are required.
   */
  readonly staleReceiptHandles?: 'ignored' | 'may-act';
}

export function describeWorkQueueContract(
  name: string,
  factory: WorkQueueFactory,
  options: WorkQueueContractOptions = {},
): void {
  const staleHandlesIgnored = (options.staleReceiptHandles ?? 'ignored') === 'ignored';
  const withQueue =
    (body: (subject: WorkQueueUnderTest) => Promise<void>, maxReceiveCount = MAX_RECEIVE_COUNT) =>
    async (): Promise<void> => {
      const subject = await factory({ maxReceiveCount });
      try {
        await body(subject);
      } finally {
        await subject.dispose();
      }
    };

  describe(`WorkQueue contract: ${name}`, () => {
    test(
      'a sent body is received once, with an id, a receipt handle and receiveCount 1, and ack removes it for good',
      withQueue(async ({ queue, advance }) => {
        const body = '{"keys":["ü/🙂 file.txt"],"note":"tab\\t and \\"quotes\\""}\n';
        await queue.send([body]);
        const message = await receiveOne(queue, 1);
        expect(message.body).toBe(body);
        expect(message.receiveCount).toBe(1);
        expect(message.id).not.toBe('');
        expect(message.receiptHandle).not.toBe('');
        await queue.ack(message);
        await advance(1500);
        await receiveNothing(queue);
        expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'sending nothing sends nothing',
      withQueue(async ({ queue }) => {
        await queue.send([]);
        expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'a leased message is invisible until its visibility timeout ends, then comes again with a new handle',
      withQueue(async ({ queue, advance }) => {
        await queue.send(['lease me']);
        const first = await receiveOne(queue, 2);
        await advance(1000);
        await receiveNothing(queue);
        await advance(1500);
        const second = await receiveOne(queue, 2);
        expect(second.id).toBe(first.id);
        expect(second.body).toBe('lease me');
        expect(second.receiveCount).toBe(2);
        expect(second.receiptHandle).not.toBe(first.receiptHandle);
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'extendLease keeps the message invisible for the new timeout, counted from the extension',
      withQueue(async ({ queue, advance }) => {
        await queue.send(['keep working']);
        const message = await receiveOne(queue, 1);
        await advance(500);
        await queue.extendLease(message, 2);
        await advance(1000); // 1.5 s after receipt: past the first lease, inside the extended one
        await receiveNothing(queue);
        await advance(1500); // 3 s after receipt, 2.5 s after the extension
        const again = await receiveOne(queue, 1);
        expect(again.id).toBe(message.id);
        expect(again.receiveCount).toBe(2);
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'release(0) makes the message visible at once, and the next delivery counts one more receive',
      withQueue(async ({ queue }) => {
        await queue.send(['hand back']);
        const message = await receiveOne(queue, 30);
        await queue.release(message, 0);
        const again = await receiveOne(queue, 30);
        expect(again.id).toBe(message.id);
        expect(again.receiveCount).toBe(2);
        expect(again.receiptHandle).not.toBe(message.receiptHandle);
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'release with a delay hides the message for that delay',
      withQueue(async ({ queue, advance }) => {
        await queue.send(['later']);
        const message = await receiveOne(queue, 30);
        await queue.release(message, 1);
        await receiveNothing(queue);
        await advance(1500);
        expect((await receiveOne(queue, 30)).id).toBe(message.id);
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'after maxReceiveCount receives the message goes to the dead letters instead of being delivered',
      withQueue(async ({ queue, deadLetters }) => {
        await queue.send(['poison']);
        for (let receive = 1; receive <= 2; receive += 1) {
          const message = await receiveOne(queue, 30);
          expect(message.receiveCount).toBe(receive);
          await queue.release(message, 0);
        }
        await receiveNothing(queue);
        expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 1 });
        expect((await deadLetters()).map((letter) => letter.body)).toEqual(['poison']);
      }, 2),
      CASE_TIMEOUT_MS,
    );

    test(
      'deadLetter moves the message to the dead letters with its reason, and it is never delivered again',
      withQueue(async ({ queue, advance, deadLetters }) => {
        await queue.send(['bad batch', 'good batch']);
        const messages = await receiveAll(queue, { visibilityTimeoutSec: 1, expected: 2 });
        const bad = messages.find((message) => message.body === 'bad batch');
        if (bad === undefined) throw new Error('bad batch was not delivered');
        await queue.deadLetter(bad, 'unparseable body: Unexpected token');
        await advance(1500);
        const redelivered = await receiveAll(queue, { visibilityTimeoutSec: 1, expected: 2 });
        expect(redelivered.map((message) => message.body)).toEqual(['good batch']);
        expect(await deadLetters()).toEqual([
          expect.objectContaining({ body: 'bad batch', reason: 'unparseable body: Unexpected token' }),
        ]);
        expect((await queue.depth()).deadLettered).toBe(1);
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'depth counts visible, in-flight and dead-lettered messages',
      withQueue(async ({ queue, advance }) => {
        await queue.send(['a', 'b', 'c', 'd']);
        expect(await queue.depth()).toEqual({ visible: 4, inFlight: 0, deadLettered: 0 });
        const [acked, poisoned, held, ...others] = await receiveAll(queue, {
          visibilityTimeoutSec: 1,
          expected: 3,
        });
        if (acked === undefined || poisoned === undefined || held === undefined)
          throw new Error('expected 3');
        expect(others).toEqual([]);
        expect(await queue.depth()).toEqual({ visible: 1, inFlight: 3, deadLettered: 0 });
        await queue.ack(acked);
        await queue.deadLetter(poisoned, 'poison');
        expect(await queue.depth()).toEqual({ visible: 1, inFlight: 1, deadLettered: 1 });
        await advance(1500);
        expect(await queue.depth()).toEqual({ visible: 2, inFlight: 0, deadLettered: 1 });
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'a batch of 25 bodies all arrive, each exactly once while leased',
      withQueue(async ({ queue }) => {
        const bodies = Array.from({ length: 25 }, (_, index) => `batch-${String(index).padStart(2, '0')}`);
        await queue.send(bodies);
        const received = await receiveAll(queue, { visibilityTimeoutSec: 30, expected: 25 });
        expect(received.map((message) => message.body).sort()).toEqual(bodies);
        expect(new Set(received.map((message) => message.id)).size).toBe(25);
        await receiveNothing(queue);
        expect(await queue.depth()).toEqual({ visible: 0, inFlight: 25, deadLettered: 0 });
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'a long poll on an empty queue waits up to waitSec and returns nothing',
      withQueue(async ({ queue, advance }) => {
        let settled = false;
        const polling = queue.receive({ max: 10, visibilityTimeoutSec: 1, waitSec: 2 }).finally(() => {
          settled = true;
        });
        await advance(1000);
        expect(settled).toBe(false);
        await advance(1500);
        expect(await polling).toEqual([]);
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'a long poll returns a message sent while it waits',
      withQueue(async ({ queue, advance }) => {
        const polling = queue.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 10 });
        await advance(200);
        await queue.send(['arrived late']);
        await advance(500);
        const messages = await polling;
        expect(messages.map((message) => message.body)).toEqual(['arrived late']);
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'a long poll rejects when its signal aborts',
      withQueue(async ({ queue }) => {
        const controller = new AbortController();
        const polling = queue.receive({
          max: 10,
          visibilityTimeoutSec: 1,
          waitSec: 10,
          signal: controller.signal,
        });
        controller.abort(new Error('shutting down'));
        await expect(polling).rejects.toBeDefined();
      }),
      CASE_TIMEOUT_MS,
    );

    test.runIf(staleHandlesIgnored)(
      'a stale receipt handle (the message was delivered again since) changes nothing for the new holder',
      withQueue(async ({ queue, advance, deadLetters }) => {
        await queue.send(['contended']);
        const stale = await receiveOne(queue, 1);
        await advance(1500);
        const current = await receiveOne(queue, 2);
        expect(current.id).toBe(stale.id);

        await queue.ack(stale);
        await queue.release(stale, 0);
        await queue.extendLease(stale, 0);
        await queue.deadLetter(stale, 'stale holder');
        expect(await queue.depth()).toEqual({ visible: 0, inFlight: 1, deadLettered: 0 });
        await receiveNothing(queue);
        expect(await deadLetters()).toEqual([]);

        await queue.ack(current);
        await advance(2500);
        expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
      }),
      CASE_TIMEOUT_MS,
    );

    test(
      'a stale receipt handle is refused quietly or honoured, never an error, and the new holder can still ack',
      withQueue(async ({ queue, advance, deadLetters }) => {
        await queue.send(['contended']);
        const stale = await receiveOne(queue, 1);
        await advance(1500);
        const current = await receiveOne(queue, 2);
        expect(current.id).toBe(stale.id);

        await queue.ack(stale);
        await queue.release(stale, 0);
        await queue.extendLease(stale, 0);
        await queue.deadLetter(stale, 'stale holder');
        await queue.ack(current);
        await advance(2500);
        await receiveNothing(queue);
        expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
        expect(await deadLetters()).toEqual([]);
      }),
      CASE_TIMEOUT_MS,
    );
  });
}
