// What the await loop reads about the fleet besides the ledger: workers in service and dead letters waiting.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsWorkQueue } from '../distributed/sqs-work-queue.ts';
import type { FleetReading } from './progress-sample.ts';
import { describeWorkerGroup } from './worker-group.ts';

export interface FleetProbe {
  /** Undefined for a figure that could not be read: a progress line is no reason to stop waiting. */
  read(): Promise<FleetReading>;
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

export function createFleetProbe(options: {
  readonly autoScaling: AutoScalingClient;
  readonly sqs: SQSClient;
  readonly workerGroupName: string;
  readonly deadLetterQueueUrl: string;
}): FleetProbe {
  const deadLetterQueue = createSqsWorkQueue({ client: options.sqs, queueUrl: options.deadLetterQueueUrl });
  return {
    async read() {
      const [group, depth] = await Promise.all([
        orUndefined(() =>
          describeWorkerGroup({ autoScaling: options.autoScaling, groupName: options.workerGroupName }),
        ),
        orUndefined(() => deadLetterQueue.depth()),
      ]);
      return {
        ...(group !== undefined ? { inServiceWorkers: group.inService } : {}),
        ...(depth !== undefined ? { deadLetters: depth.visible + depth.inFlight } : {}),
      };
    },
  };
}
