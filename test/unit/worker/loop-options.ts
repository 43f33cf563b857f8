// The worker loop's options for unit tests: one mapping on in-memory stores, the system clock, no logs, no delays;
// each test adds how it stops, how many messages it holds and what it watches.
import pLimit from 'p-limit';
import type { TransferSettings } from '../../../worker/src/config/types.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import type { ObjectMemory, RunLedger } from '../../../worker/src/ports/ledger.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import type { WorkQueue } from '../../../worker/src/ports/work-queue.ts';
import { createPartSlots } from '../../../worker/src/transfer/context.ts';
import type { MappingRuntime } from '../../../worker/src/worker/process-batch.ts';
import type { WorkerLoopOptions } from '../../../worker/src/worker/worker-loop.ts';

export function loopOptions(options: {
  queue: WorkQueue;
  ledger: RunLedger & ObjectMemory;
  runtime: MappingRuntime;
  settings: TransferSettings;
}): Omit<WorkerLoopOptions, 'maxMessagesInFlight' | 'shouldStop'> {
  const { runtime } = options;
  return {
    queue: options.queue,
    ledger: options.ledger,
    clock: systemClock,
    logger: silentLogger,
    mappingOf: (id) => (id === runtime.mapping.id ? runtime : undefined),
    visibilityTimeoutSec: 30,
    waitSec: 0,
    deps: {
      settings: options.settings,
      memory: options.ledger,
      clock: systemClock,
      logger: silentLogger,
      objectLimit: pLimit(4),
      parts: createPartSlots(4),
    },
  };
}
