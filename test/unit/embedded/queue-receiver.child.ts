// A separate process for the crash-safety test: once told "go" on stdin it receives from the shared state file until
// the queue runs dry, prints the ids it leased as JSON, and exits without acking, as a crashed worker would.
import { once } from 'node:events';
import { createSqliteWorkQueue } from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';

const [path, visibilityTimeoutSecText] = process.argv.slice(2);
if (path === undefined || visibilityTimeoutSecText === undefined) {
  throw new Error('usage: queue-receiver.child.ts <db path> <visibility timeout sec>');
}
const db = openStateDb(path);
const queue = createSqliteWorkQueue({ db, clock: systemClock, maxReceiveCount: 10 });
process.stderr.write('ready\n');
await once(process.stdin, 'data');
const leased: string[] = [];
for (;;) {
  const messages = await queue.receive({
    max: 1,
    visibilityTimeoutSec: Number(visibilityTimeoutSecText),
    waitSec: 0,
  });
  if (messages.length === 0) break;
  leased.push(...messages.map((message) => message.id));
  // Yield the CPU between receives, as a worker copying objects would, so that on a loaded machine one process
  // cannot drain the queue before the other is scheduled at all.
  await new Promise((resolve) => setTimeout(resolve, 1));
}
process.stdout.write(JSON.stringify(leased));
process.exit(0);
