// Runs the WorkQueue contract against the SQLite queue, on a state file in a fresh temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteWorkQueue, listDeadLetters } from '../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb } from '../../worker/src/embedded/state-db.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { describeWorkQueueContract } from './work-queue.contract.ts';

describeWorkQueueContract('SQLite', async ({ maxReceiveCount }) => {
  const directory = mkdtempSync(join(tmpdir(), 'ferry-queue-'));
  const db = openStateDb(join(directory, 'state', 'ferry.db'));
  const clock = createManualClock();
  return {
    queue: createSqliteWorkQueue({ db, clock, maxReceiveCount, pollIntervalMs: 50 }),
    advance: (ms) => clock.advance(ms),
    deadLetters: async () => listDeadLetters(db).map(({ body, reason }) => ({ body, reason })),
    dispose: async () => {
      db.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});
