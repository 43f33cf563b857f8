// Keeps a message invisible while it is being worked on, so a long transfer is never handed to a second worker.
import { errorMessage } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { QueueMessage, WorkQueue } from '../ports/work-queue.ts';

export interface Heartbeat {
  stop(): Promise<void>;
}

/** Extends the lease every half visibility timeout until stopped. */
export function startHeartbeat(options: {
  queue: WorkQueue;
  message: QueueMessage;
  visibilityTimeoutSec: number;
  clock: Clock;
  logger: Logger;
}): Heartbeat {
  const { queue, message, visibilityTimeoutSec, clock, logger } = options;
  const stopped = new AbortController();
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      try {
        await clock.sleep((visibilityTimeoutSec * 1000) / 2, stopped.signal);
      } catch {
        return;
      }
      try {
        await queue.extendLease(message, visibilityTimeoutSec);
      } catch (error) {
        logger.warn('lease.extend-failed', { message: message.id, error: errorMessage(error) });
      }
    }
  })();
  return {
    stop: async () => {
      stopped.abort();
      await loop;
    },
  };
}
