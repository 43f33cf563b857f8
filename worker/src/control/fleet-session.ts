// A fleet to work on: the control-plane clients, the stack's outputs, and the ledger they name; one call to open.
import type { ClientOptions } from '../aws/clients.ts';
import type { EndpointConfig } from '../config/types.ts';
import { createDynamoDbLedger } from '../distributed/dynamodb-ledger.ts';
import { queueMaximumMessageBytes } from '../distributed/sqs-send-batches.ts';
import { createSqsWorkQueue } from '../distributed/sqs-work-queue.ts';
import type { Clock } from '../ports/clock.ts';
import type { RunLedger } from '../ports/ledger.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import {
  type ControlPlaneClients,
  createControlPlaneClients,
  destroyControlPlaneClients,
} from './control-clients.ts';
import { describeFleet, type FleetDescription } from './fleet-outputs.ts';
import { createFleetProbe, type FleetProbe } from './fleet-probe.ts';

export interface FleetSession {
  readonly clients: ControlPlaneClients;
  readonly fleet: FleetDescription;
  /** The fleet's DynamoDB ledger (LedgerTableName). */
  readonly ledger: RunLedger;
  /** Workers in service and dead letters, for progress lines. */
  readonly probe: FleetProbe;
  close(): void;
}

/** Builds the clients and reads the stack's outputs (a Config error names a missing stack or output). */
export async function openFleetSession(options: {
  readonly stackName: string;
  readonly endpoint: EndpointConfig;
  readonly clientOptions?: ClientOptions;
  readonly clock?: Clock;
}): Promise<FleetSession> {
  const clients = createControlPlaneClients(options.endpoint, options.clientOptions);
  try {
    const fleet = await describeFleet({
      cloudFormation: clients.cloudFormation,
      stackName: options.stackName,
    });
    const { outputs } = fleet;
    return {
      clients,
      fleet,
      ledger: createDynamoDbLedger({
        client: clients.dynamodb,
        tableName: outputs.LedgerTableName,
        rememberCopies: false,
        ...(options.clock ? { clock: options.clock } : {}),
      }),
      probe: createFleetProbe({
        autoScaling: clients.autoScaling,
        sqs: clients.sqs,
        workerGroupName: outputs.WorkerGroupName,
        deadLetterQueueUrl: outputs.DeadLetterQueueUrl,
      }),
      close: () => destroyControlPlaneClients(clients),
    };
  } catch (error) {
    destroyControlPlaneClients(clients);
    throw error;
  }
}

/** The fleet's work queue and its dead-letter queue, as the redrive sees them. */
export function fleetQueues(session: FleetSession): {
  readonly work: WorkQueue;
  readonly deadLetters: WorkQueue;
} {
  const { sqs } = session.clients;
  const { QueueUrl, DeadLetterQueueUrl } = session.fleet.outputs;
  return {
    // A dead letter may use the whole message size: it goes back as it came.
    work: createSqsWorkQueue({ client: sqs, queueUrl: QueueUrl, maxBodyBytes: queueMaximumMessageBytes }),
    deadLetters: createSqsWorkQueue({ client: sqs, queueUrl: DeadLetterQueueUrl }),
  };
}
