// `redriveDeadLetters`: moves dead letters back to the work queue (send, then delete), optionally for one run or mapping.
import { errorMessage, FerryError } from '../domain/errors.ts';
import type { QueueMessage, WorkQueue } from '../ports/work-queue.ts';
import { decodeWorkBatch } from '../queue/work-message.ts';

export interface RedriveFilter {
  readonly runId?: string;
  readonly mappingId?: string;
  /** Move messages that are not Ferry work messages too; otherwise they stay. */
  readonly all?: boolean;
}

export type RedriveDecision = 'move' | 'other-run' | 'undecodable';

/** Pure: what to do with one dead letter's body. */
export function redriveDecision(body: string, filter: RedriveFilter): RedriveDecision {
  let batch: ReturnType<typeof decodeWorkBatch>;
  try {
    batch = decodeWorkBatch(body);
  } catch {
    return filter.all ? 'move' : 'undecodable';
  }
  if (filter.runId !== undefined && batch.runId !== filter.runId) return 'other-run';
  if (filter.mappingId !== undefined && batch.mappingId !== filter.mappingId) return 'other-run';
  return 'move';
}

export interface RedriveOptions extends RedriveFilter {
  /** The dead-letter queue, seen as a queue. */
  readonly deadLetters: WorkQueue;
  /** The work queue the messages go back to. */
  readonly work: WorkQueue;
  /** Stop after moving this many; default no limit. */
  readonly maxMessages?: number;
  /** Each received dead letter stays hidden this long while the queue is gone through; default 300 s. */
  readonly holdSec?: number;
  /** Long poll per receive; default 1 s (a 0 s receive may miss messages on some SQS servers). */
  readonly waitSec?: number;
}

export interface RedriveResult {
  readonly moved: number;
  /** Left because they belong to another run or mapping. */
  readonly keptOtherRuns: number;
  /** Left because they are not Ferry work messages (moved only with `all`). */
  readonly keptUndecodable: number;
}

/** Receives returning nothing new this many times in a row end the pass. */
const emptyReceivesToStop = 2;

/**
 * Goes through the dead-letter queue once: each message to move is sent to the work queue with its body unchanged and
 * only then deleted from the dead-letter queue, so a crash in between leaves a duplicate (batches are counted once by
 * id), never a loss. Messages left behind are made visible again at the end. Running it again moves what is left.
 */
export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveResult> {
  const { deadLetters, work } = options;
  const maxMessages = options.maxMessages ?? Number.POSITIVE_INFINITY;
  /** What was decided for each message seen; 'later' for those past maxMessages. */
  const decided = new Map<string, RedriveDecision | 'later'>();
  const kept = new Map<string, QueueMessage>();
  let moved = 0;
  const keptCount = (decision: RedriveDecision): number =>
    [...kept.keys()].filter((id) => decided.get(id) === decision).length;
  try {
    for (let empty = 0; empty < emptyReceivesToStop && moved < maxMessages; ) {
      const received = await deadLetters.receive({
        max: 10,
        visibilityTimeoutSec: options.holdSec ?? 300,
        waitSec: options.waitSec ?? 1,
      });
      const toMove: QueueMessage[] = [];
      let fresh = 0;
      for (const message of received) {
        const earlier = decided.get(message.id);
        if (earlier === 'move') {
          // Moved already, but its delete did not hold (the lease ran out): delete it now, do not send it twice.
          await deadLetters.ack(message);
          continue;
        }
        fresh += earlier === undefined ? 1 : 0;
        const decision =
          earlier ?? (moved + toMove.length < maxMessages ? redriveDecision(message.body, options) : 'later');
        decided.set(message.id, decision);
        if (decision === 'move') toMove.push(message);
        else kept.set(message.id, message);
      }
      empty = fresh === 0 ? empty + 1 : 0;
      if (toMove.length === 0) continue;
      try {
        await work.send(toMove.map((message) => message.body));
      } catch (error) {
        for (const message of toMove) kept.set(message.id, message);
        throw new FerryError(
          'Transient',
          `redrive stopped after moving ${moved} messages: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
      for (const message of toMove) await deadLetters.ack(message);
      moved += toMove.length;
    }
  } finally {
    for (const message of kept.values()) await deadLetters.release(message, 0);
  }
  return { moved, keptOtherRuns: keptCount('other-run'), keptUndecodable: keptCount('undecodable') };
}
