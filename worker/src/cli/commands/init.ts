// `ferry init`: creates the work queue (with its dead-letter queue) and the ledger table, as the template does.
import type { Command } from 'commander';
import { Option } from 'commander';
import { createDynamoDbClient, createSqsClient } from '../../aws/clients.ts';
import { createWorkQueues } from '../../distributed/create-queue.ts';
import { createLedgerTable } from '../../distributed/create-table.ts';
import {
  type ControlPlaneFlags,
  controlPlaneEndpoint,
  requiredEnvOption,
  withControlPlaneOptions,
} from '../aws-options.ts';
import { positiveInteger } from '../options.ts';

interface InitFlags extends ControlPlaneFlags {
  queueName: string;
  table: string;
  maxReceiveCount: number;
  visibilityTimeout: number;
}

async function init(flags: InitFlags): Promise<number> {
  const control = controlPlaneEndpoint(flags);
  const queues = await createWorkQueues({
    client: createSqsClient(control),
    queueName: flags.queueName,
    maxReceiveCount: flags.maxReceiveCount,
    visibilityTimeoutSec: flags.visibilityTimeout,
  });
  await createLedgerTable({ client: createDynamoDbClient(control), tableName: flags.table });
  process.stdout.write(
    `${JSON.stringify({ queueUrl: queues.queueUrl, deadLetterQueueUrl: queues.deadLetterQueueUrl, table: flags.table }, null, 2)}\n`,
  );
  return 0;
}

export function registerInitCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('init')
    .description('Create the work queue, its dead-letter queue and the ledger table (safe to repeat).')
    .addOption(
      requiredEnvOption('--queue-name <name>', 'the work queue; the DLQ is <name>-dlq', 'FERRY_QUEUE_NAME'),
    )
    .addOption(requiredEnvOption('--table <name>', 'the DynamoDB ledger table', 'FERRY_TABLE'))
    .addOption(
      new Option('--max-receive-count <n>', 'deliveries before a message goes to the DLQ')
        .default(5)
        .argParser(positiveInteger),
    )
    .addOption(
      new Option('--visibility-timeout <sec>', "the queue's default lease")
        .default(300)
        .argParser(positiveInteger),
    );
  withControlPlaneOptions(command).action(async (flags: InitFlags) => {
    setExitCode(await init(flags));
  });
}
