// `ferry list`: the lister task — lists and plans one mapping of a run and sends its work to the queue.
import type { Command } from 'commander';
import { Option } from 'commander';
import { createSsmClient } from '../../aws/clients.ts';
import { openDistributed } from '../../compose/distributed.ts';
import { createMappingResolver } from '../../compose/stores.ts';
import { loadConfigFrom } from '../../config/config-source.ts';
import { FerryError } from '../../domain/errors.ts';
import { listerSplitSettings } from '../../list/range-plan.ts';
import { runLister } from '../../list/run-lister.ts';
import { batchLimitsFor } from '../../list/work-batcher.ts';
import { systemClock } from '../../ports/clock.ts';
import type { RunMode } from '../../ports/ledger.ts';
import {
  type ControlPlaneFlags,
  controlPlaneEndpoint,
  requiredEnvOption,
  withControlPlaneOptions,
} from '../aws-options.ts';
import { createCliLogger, type LogFlags, withLogOptions } from '../log-options.ts';
import { positiveInteger, runModeOption } from '../options.ts';

interface ListFlags extends ControlPlaneFlags, LogFlags {
  config: string;
  mapping: string;
  runId: string;
  queueUrl: string;
  table: string;
  mode: RunMode;
  listConcurrency: number;
  listRangeKeys: number;
}

async function list(flags: ListFlags): Promise<number> {
  const control = controlPlaneEndpoint(flags);
  const logger = createCliLogger(flags, { runId: flags.runId, mapping: flags.mapping });
  const config = await loadConfigFrom(flags.config, { ssm: () => createSsmClient(control) });
  const runtime = createMappingResolver(config)(flags.mapping);
  if (!runtime)
    throw new FerryError('Config', `${config.file}: no mapping with id ${JSON.stringify(flags.mapping)}`);
  const { queue, ledger } = await openDistributed({ control, queueUrl: flags.queueUrl, table: flags.table });
  const existing = await ledger.getRun(flags.runId);
  if (existing && existing.mappingId !== flags.mapping) {
    throw new FerryError(
      'Config',
      `run ${flags.runId} belongs to mapping ${existing.mappingId}, not ${flags.mapping}`,
    );
  }
  await ledger.startRun({
    runId: flags.runId,
    mappingId: flags.mapping,
    mode: flags.mode,
    startedAt: systemClock.now(),
  });
  if (existing?.listerState === 'FAILED') await ledger.setListerState(flags.runId, 'LISTING');
  const run = await runLister({
    runId: flags.runId,
    mapping: runtime.mapping,
    mode: existing?.mode ?? flags.mode,
    source: runtime.source,
    destination: runtime.destination,
    ledger,
    memory: ledger,
    queue,
    logger,
    listConcurrency: flags.listConcurrency,
    split: { minRangeKeys: flags.listRangeKeys },
    limits: batchLimitsFor(config.transfer),
  });
  logger.info('lister.done', {
    planned: run.planned.objects,
    bytes: run.planned.bytes,
    skipped: run.skipped.objects,
  });
  return 0;
}

export function registerListCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('list')
    .description(
      'List and plan one mapping of a run, sending its work to the queue (the Fargate lister task).',
    )
    .addOption(
      requiredEnvOption('-c, --config <source>', 'config file or ssm:/parameter/name', 'FERRY_CONFIG'),
    )
    .addOption(requiredEnvOption('-m, --mapping <id>', 'the mapping to list', 'FERRY_MAPPING'))
    .addOption(requiredEnvOption('--run-id <id>', 'the run this listing belongs to', 'FERRY_RUN_ID'))
    .addOption(requiredEnvOption('--queue-url <url>', 'the SQS work queue', 'FERRY_QUEUE_URL'))
    .addOption(requiredEnvOption('--table <name>', 'the DynamoDB ledger table', 'FERRY_TABLE'))
    .addOption(runModeOption());
  command.addOption(
    new Option(
      '--list-concurrency <n>',
      'key ranges listed and planned at once, each on its own (1: one plain listing)',
    )
      .default(8)
      .env('FERRY_LIST_CONCURRENCY')
      .argParser(positiveInteger),
  );
  command.addOption(
    new Option('--list-range-keys <n>', 'about the fewest keys a new run cuts a key range to')
      .default(listerSplitSettings.minRangeKeys)
      .env('FERRY_LIST_RANGE_KEYS')
      .argParser(positiveInteger),
  );
  withLogOptions(withControlPlaneOptions(command)).action(async (flags: ListFlags) => {
    setExitCode(await list(flags));
  });
}
