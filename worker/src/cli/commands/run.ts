// `ferry run`: the embedded mode — every (or one) mapping of a config, copied on this machine, resumable.
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import type { FerryConfig } from '../../config/types.ts';
import { FerryError } from '../../domain/errors.ts';
import { manifestTarget, openManifestRecorder } from '../../manifest/open-manifest.ts';
import { systemClock } from '../../ports/clock.ts';
import type { RunMode } from '../../ports/ledger.ts';
import type { Logger } from '../../ports/logger.ts';
import { startProgressDisplay } from '../../report/progress-display.ts';
import { ProgressMeter } from '../../report/progress-meter.ts';
import { renderSummary } from '../../report/run-summary.ts';
import { dryRun } from '../../run/dry-run.ts';
import { runEmbedded } from '../../run/embedded-run.ts';
import { refusedDeletes } from '../../run/run-progress.ts';
import { createCliLogger, type LogFlags, withLogOptions } from '../log-options.ts';
import { positiveInteger, runModeOption } from '../options.ts';
import { manifestOption } from './manifest.ts';

interface RunFlags extends LogFlags {
  config: string;
  mapping?: string;
  concurrency?: number;
  state: string;
  dryRun?: boolean;
  mode: RunMode;
  progress: boolean;
  manifest?: string;
}

/** The manifest of an embedded run: written with the config's manifest.endpoint, else the first mapping's destination. */
function openRunManifest(options: {
  config: FerryConfig;
  mappingIds: readonly string[];
  flag: string | undefined;
  logger: Logger;
}) {
  const { config, mappingIds, logger } = options;
  const target = manifestTarget({
    flag: options.flag,
    config,
    defaultEndpoint: () => {
      const mapping = config.mappings.find((candidate) => candidate.id === mappingIds[0]);
      const endpoint = mapping && config.endpoints[mapping.destination.endpoint];
      if (!endpoint)
        throw new FerryError('Config', `${config.file}: no destination endpoint for the manifest`);
      return endpoint;
    },
  });
  return target && openManifestRecorder({ target, host: hostname(), clock: systemClock, logger });
}

/** The config with command-line overrides applied, and the mapping ids selected. */
export function selectMappings(config: FerryConfig, flags: Pick<RunFlags, 'mapping' | 'concurrency'>) {
  const effective: FerryConfig =
    flags.concurrency === undefined
      ? config
      : { ...config, transfer: { ...config.transfer, concurrency: flags.concurrency } };
  if (flags.mapping !== undefined && !config.mappings.some((mapping) => mapping.id === flags.mapping)) {
    const known = config.mappings.map((mapping) => mapping.id).join(', ');
    throw new FerryError(
      'Config',
      `${config.file}: no mapping with id ${JSON.stringify(flags.mapping)} (known: ${known})`,
    );
  }
  const mappingIds =
    flags.mapping === undefined ? config.mappings.map((mapping) => mapping.id) : [flags.mapping];
  return { config: effective, mappingIds };
}

async function run(flags: RunFlags): Promise<number> {
  const logger = createCliLogger(flags);
  const { config, mappingIds } = selectMappings(await loadConfig(flags.config), flags);
  if (flags.dryRun) {
    process.stdout.write(
      `${await dryRun({ config, mappingIds, mode: flags.mode, statePath: flags.state })}\n`,
    );
    return 0;
  }
  const manifest = openRunManifest({ config, mappingIds, flag: flags.manifest, logger });
  const interrupt = new AbortController();
  const onSignal = (): void => {
    process.stderr.write('\nferry: stopping; run the same command again to resume\n');
    interrupt.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const meter = new ProgressMeter(systemClock);
  const display = flags.progress
    ? startProgressDisplay({ meter, stream: process.stderr, intervalMs: 5000, label: 'ferry' })
    : undefined;
  try {
    const results = await runEmbedded({
      config,
      mappingIds,
      statePath: flags.state,
      mode: flags.mode,
      clock: systemClock,
      logger,
      meter,
      ...(manifest ? { onOutcome: manifest.onOutcome } : {}),
      signal: interrupt.signal,
    });
    display?.stop();
    process.stdout.write(`${renderSummary(results)}\n`);
    if (interrupt.signal.aborted) return 130;
    const complete = results.every(
      ({ run }) =>
        run.listerState === 'LISTED' && run.failed.objects === 0 && refusedDeletes(run) === undefined,
    );
    return complete ? 0 : 1;
  } finally {
    display?.stop();
    await manifest?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerRunCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('run')
    .description(
      'Copy every mapping (or one) on this machine; state in a SQLite file so an interrupted run resumes.',
    )
    .requiredOption('-c, --config <file>', 'the Ferry config file (YAML)')
    .option('-m, --mapping <id>', 'run only this mapping')
    .option(
      '--concurrency <n>',
      'objects in flight at once (overrides transfer.concurrency)',
      positiveInteger,
    )
    .option('--state <path>', 'the SQLite state file', '.ferry/state.sqlite')
    .option('--dry-run', 'copy nothing; print what would be copied and skipped, and why')
    .addOption(runModeOption())
    .option('--no-progress', 'no progress bar or progress lines')
    .addOption(manifestOption());
  withLogOptions(command, { logLevel: 'warn', logFormat: 'text' }).action(async (flags: RunFlags) => {
    setExitCode(await run(flags));
  });
}
