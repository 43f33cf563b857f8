// `ferry worker`: the fleet worker — long-polls the queue and copies batches until stopped (or idle, if asked).
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { Option } from 'commander';
import { createSsmClient } from '../../aws/clients.ts';
import { openDistributed } from '../../compose/distributed.ts';
import { joinFleet } from '../../compose/fleet.ts';
import { createMappingResolver } from '../../compose/stores.ts';
import { loadConfigFrom } from '../../config/config-source.ts';
import {
  controlPlaneS3Endpoint,
  manifestTarget,
  openManifestRecorder,
} from '../../manifest/open-manifest.ts';
import { systemClock } from '../../ports/clock.ts';
import { runWorker } from '../../worker/run-worker.ts';
import {
  type ControlPlaneFlags,
  controlPlaneEndpoint,
  requiredEnvOption,
  withControlPlaneOptions,
} from '../aws-options.ts';
import { createCliLogger, type LogFlags, withLogOptions } from '../log-options.ts';
import { positiveInteger } from '../options.ts';
import { manifestOption } from './manifest.ts';

interface WorkerFlags extends ControlPlaneFlags, LogFlags {
  config: string;
  queueUrl: string;
  table: string;
  visibilityTimeout: number;
  exitWhenIdle?: number;
  manifest?: string;
}

/** True once nothing has happened for idleSec: the first quiet moment starts the count, any work resets it. */
export function idleTimer(idleSec: number, now: () => number): { activity(): void; expired(): boolean } {
  let quietSinceMs: number | undefined;
  return {
    activity: () => {
      quietSinceMs = undefined;
    },
    expired: () => {
      quietSinceMs ??= now();
      return now() - quietSinceMs >= idleSec * 1000;
    },
  };
}

async function work(flags: WorkerFlags): Promise<number> {
  const control = controlPlaneEndpoint(flags);
  const logger = createCliLogger(flags);
  const config = await loadConfigFrom(flags.config, { ssm: () => createSsmClient(control) });
  const target = manifestTarget({
    flag: flags.manifest,
    config,
    defaultEndpoint: () => controlPlaneS3Endpoint(control),
  });
  const { queue, ledger } = await openDistributed({ control, queueUrl: flags.queueUrl, table: flags.table });
  const fleet = await joinFleet({
    control,
    clock: systemClock,
    logger,
    writeMetrics: (line) => process.stdout.write(line),
  });
  fleet.signal.addEventListener('abort', () =>
    logger.info('worker.stopping', { reason: fleet.stopReason() }),
  );
  const manifest = target
    ? openManifestRecorder({ target, host: fleet.instanceId ?? hostname(), clock: systemClock, logger })
    : undefined;
  const idle = flags.exitWhenIdle === undefined ? undefined : idleTimer(flags.exitWhenIdle, () => Date.now());
  logger.info('worker.start', { queue: flags.queueUrl, concurrency: config.transfer.concurrency });
  try {
    await runWorker({
      config,
      queue,
      ledger,
      memory: ledger,
      mappingOf: createMappingResolver(config),
      clock: systemClock,
      logger,
      visibilityTimeoutSec: flags.visibilityTimeout,
      // Long polls no longer than the idle limit, so an idle worker notices in time.
      waitSec: Math.min(20, flags.exitWhenIdle ?? 20),
      shouldStop: async () => idle?.expired() ?? false,
      onObject: () => idle?.activity(),
      onInFlightChange: fleet.onInFlightChange,
      onOutcome: (runId, mappingId, outcome) => {
        fleet.onOutcome(runId, mappingId, outcome);
        manifest?.onOutcome(runId, mappingId, outcome);
      },
      signal: fleet.signal,
    });
  } finally {
    // After the loop has handed back or finished every message: what it recorded is flushed (SIGTERM included).
    await manifest?.close();
    await fleet.close();
  }
  logger.info('worker.stopped', {});
  return 0;
}

export function registerWorkerCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('worker')
    .description('Copy work from the queue until stopped (SIGTERM hands unfinished work back at once).')
    .addOption(
      requiredEnvOption('-c, --config <source>', 'config file or ssm:/parameter/name', 'FERRY_CONFIG'),
    )
    .addOption(requiredEnvOption('--queue-url <url>', 'the SQS work queue', 'FERRY_QUEUE_URL'))
    .addOption(requiredEnvOption('--table <name>', 'the DynamoDB ledger table', 'FERRY_TABLE'))
    .addOption(
      new Option('--visibility-timeout <sec>', 'lease on a message, renewed every half of it while working')
        .default(300)
        .env('FERRY_VISIBILITY_TIMEOUT')
        .argParser(positiveInteger),
    )
    .addOption(
      new Option('--exit-when-idle <sec>', 'exit after the queue has been empty this long')
        .env('FERRY_EXIT_WHEN_IDLE')
        .argParser(positiveInteger),
    )
    .addOption(manifestOption());
  withLogOptions(withControlPlaneOptions(command)).action(async (flags: WorkerFlags) => {
    setExitCode(await work(flags));
  });
}
