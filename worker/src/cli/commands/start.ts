// `ferry start`: starts a mapping's run on the fleet's ECS lister (or picks up an unfinished one), optionally waiting.
import { type Command, Option } from 'commander';
import { stillRunningExitCode } from '../../control/exit-codes.ts';
import { openFleetSession } from '../../control/fleet-session.ts';
import { defaultListerPollMs, defaultMaxWaitMinutes, startLister } from '../../control/start-lister.ts';
import type { RunMode } from '../../ports/ledger.ts';
import {
  type ControlPlaneFlags,
  controlPlaneEndpoint,
  requiredEnvOption,
  withControlPlaneOptions,
} from '../aws-options.ts';
import { positiveInteger, runModeOption } from '../options.ts';
import { stackOption } from './deploy.ts';

interface StartFlags extends ControlPlaneFlags {
  stack: string;
  mapping: string;
  runId?: string;
  mode: RunMode;
  resume?: boolean;
  wait?: boolean;
  maxWaitMinutes: number;
  pollSeconds: number;
}

async function start(flags: StartFlags): Promise<number> {
  const session = await openFleetSession({ stackName: flags.stack, endpoint: controlPlaneEndpoint(flags) });
  try {
    const result = await startLister({
      ecs: session.clients.ecs,
      ledger: session.ledger,
      fleet: session.fleet.outputs,
      mappingId: flags.mapping,
      mode: flags.mode,
      ...(flags.runId !== undefined ? { runId: flags.runId } : {}),
      resume: flags.resume === true,
      wait: flags.wait === true,
      pollIntervalMs: flags.pollSeconds * 1000,
      maxWaitMinutes: flags.maxWaitMinutes,
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.state === 'still-running' ? stillRunningExitCode : 0;
  } finally {
    session.close();
  }
}

export function registerStartCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('start')
    .summary("Start a mapping's run on the fleet's lister (or pick up an unfinished one).")
    .description(
      `Start a run of a mapping on the fleet's lister (ECS Fargate) and print its run id. Exit 0 started (or, with --wait, listed), 1 the listing failed, 2 usage or configuration error, ${stillRunningExitCode} still listing when --max-wait-minutes passed.`,
    )
    .addOption(stackOption())
    .addOption(requiredEnvOption('-m, --mapping <id>', 'the mapping to run', 'FERRY_MAPPING'))
    .addOption(new Option('--run-id <id>', 'the run id (default <mapping>-<UTC time>)').env('FERRY_RUN_ID'))
    .addOption(runModeOption({ forNewRun: true }))
    .addOption(
      new Option('--resume', "pick up the mapping's unfinished latest run instead of starting a second").env(
        'FERRY_RESUME',
      ),
    )
    .addOption(new Option('--wait', 'wait for the lister to finish and check how it did').env('FERRY_WAIT'))
    .addOption(
      new Option('--max-wait-minutes <n>', 'with --wait: stop waiting after this long (exit 3)')
        .default(defaultMaxWaitMinutes)
        .env('FERRY_MAX_WAIT_MINUTES')
        .argParser(positiveInteger),
    )
    .addOption(
      new Option('--poll-seconds <n>', 'with --wait: between checks')
        .default(defaultListerPollMs / 1000)
        .argParser(positiveInteger),
    );
  withControlPlaneOptions(command).action(async (flags: StartFlags) => {
    setExitCode(await start(flags));
  });
}
