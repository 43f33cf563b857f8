// pollUntil on a manual clock, and the redrive losing nothing when the work queue refuses a send.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { pollUntil } from '../../../worker/src/control/poll.ts';
import { redriveDeadLetters } from '../../../worker/src/control/redrive.ts';
import { createSqliteWorkQueue } from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb, type StateDb } from '../../../worker/src/embedded/state-db.ts';
import type { WorkQueue } from '../../../worker/src/ports/work-queue.ts';
import { encodeWorkBatch } from '../../../worker/src/queue/work-message.ts';
import { createManualClock } from '../../support/manual-clock.ts';

describe('pollUntil', () => {
  test('checks at once, then every interval, the last check at the deadline itself', async () => {
    const clock = createManualClock(new Date(0));
    const checkedAt: number[] = [];
    const result = pollUntil({
      clock,
      intervalMs: 400,
      deadlineMs: 1_000,
      check: async () => {
        checkedAt.push(clock.now().getTime());
        return undefined;
      },
    });
    await clock.advance(2_000);
    expect(await result).toEqual({ done: false });
    expect(checkedAt).toEqual([0, 400, 800, 1_000]);
  });

  test('returns the first value found', async () => {
    const clock = createManualClock(new Date(0));
    let calls = 0;
    const result = pollUntil({
      clock,
      intervalMs: 100,
      deadlineMs: 10_000,
      check: async () => (++calls === 3 ? 'ready' : undefined),
    });
    await clock.advance(1_000);
    expect(await result).toEqual({ done: true, value: 'ready' });
    expect(calls).toBe(3);
  });
});

describe('redriveDeadLetters when the work queue refuses', () => {
  let db: StateDb;
  beforeEach(() => {
    db = openStateDb(':memory:');
  });
  afterEach(() => db.close());

  test('nothing is deleted from the dead-letter queue, and every message is visible again', async () => {
    const clock = createManualClock();
    const deadLetters = createSqliteWorkQueue({ db, clock, maxReceiveCount: 100 });
    const bodies = [1, 2, 3].map((n) =>
      encodeWorkBatch({
        runId: 'r',
        mappingId: 'm',
        batchId: `b${n}`,
        items: [{ key: `k${n}`, size: 1, etag: 'e' }],
      }),
    );
    await deadLetters.send([...bodies, 'not a work message']);
    const refusing: WorkQueue = {
      ...deadLetters,
      send: async () => {
        throw new Error('AWS.SimpleQueueService.NonExistentQueue');
      },
    };
    await expect(redriveDeadLetters({ deadLetters, work: refusing, waitSec: 0 })).rejects.toThrow(
      'redrive stopped after moving 0 messages: AWS.SimpleQueueService.NonExistentQueue',
    );
    const again = await deadLetters.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 0 });
    expect(again.map((message) => message.body).sort()).toEqual([...bodies, 'not a work message'].sort());
  });
});
