// `ferry await`: follows a run until it is done, with a progress line per poll, and writes the Markdown run report.
import { appendFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { awaitRun, defaultAwaitMaxWaitMinutes, defaultAwaitPollMs } from '../../control/await-run.ts';
import { failedExitCode, stillRunningExitCode } from '../../control/exit-codes.ts';
import { type FailureThreshold, parseFailureThreshold } from '../../control/failure-threshold.ts';
import type { FleetDescription } from '../../control/fleet-outputs.ts';
import { fleetQueues, openFleetSession } from '../../control/fleet-session.ts';
import { renderRunReport } from '../../control/run-report.ts';
import { systemClock } from '../../ports/clock.ts';
import {
  type ControlPlaneFlags,
  controlPlaneEndpoint,
  requiredEnvOption,
  withControlPlaneOptions,
} from '../aws-options.ts';
import { positiveInteger } from '../options.ts';
import { stackOption, wholeNumber } from './deploy.ts';

interface AwaitFlags extends ControlPlaneFlags {
  stack: string;
  runId: string;
  pollSeconds: number;
  maxWaitMinutes: number;
  maxFailures: FailureThreshold;
  scaleIn?: boolean;
  report?: string;
  listerTask?: string;
}

/** The workers' instance type as deployed, for the cost estimate. */
function instanceTypeOf(fleet: FleetDescription): { instanceType?: string } {
  const instanceType = fleet.parameters.WorkerInstanceType;
  return instanceType ? { instanceType } : {};
}

async function awaitCommand(flags: AwaitFlags): Promise<number> {
  const session = await openFleetSession({ stackName: flags.stack, endpoint: controlPlaneEndpoint(flags) });
  try {
    const result = await awaitRun({
      ledger: session.ledger,
      runId: flags.runId,
      pollIntervalMs: flags.pollSeconds * 1000,
      maxWaitMinutes: flags.maxWaitMinutes,
      probe: session.probe,
      failureThreshold: flags.maxFailures,
      onProgress: (line) => process.stderr.write(`${line}\n`),
      ...(flags.listerTask !== undefined
        ? {
            listerTask: { ecs: session.clients.ecs, fleet: session.fleet.outputs, taskArn: flags.listerTask },
          }
        : {}),
      ...(flags.scaleIn
        ? {
            scaleInWhenDone: {
              autoScaling: session.clients.autoScaling,
              groupName: session.fleet.outputs.WorkerGroupName,
              workQueue: fleetQueues(session).work,
            },
          }
        : {}),
    });
    if (result.run !== undefined) {
      const report = renderRunReport({
        ...result,
        run: result.run,
        failures: result.state === 'still-running' ? [] : result.failures,
        now: systemClock.now(),
        ...instanceTypeOf(session.fleet),
      });
      if (flags.report === undefined) process.stdout.write(report);
      else await appendFile(flags.report, report);
    }
    if (result.state === 'still-running') return stillRunningExitCode;
    if (result.scaleInSkipped) process.stderr.write(`ferry await: ${result.scaleInSkipped}\n`);
    if (result.state === 'failed')
      process.stderr.write(`ferry await: run ${flags.runId} failed: ${result.reason}\n`);
    return result.state === 'failed' ? failedExitCode : 0;
  } finally {
    session.close();
  }
}

export function registerAwaitCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('await')
    .summary('Wait for a run to finish; progress lines, then the Markdown run report.')
    .description(
      `Wait for a run to finish (reconciled from the ledger), printing progress to stderr and the Markdown report to stdout or --report. Exit 0 succeeded, 1 failed (failures over --max-failures, or the listing failed), 2 usage or configuration error, ${stillRunningExitCode} still running when --max-wait-minutes passed (await again to pick it up).`,
    )
    .addOption(stackOption())
    .addOption(requiredEnvOption('--run-id <id>', 'the run', 'FERRY_RUN_ID'))
    .addOption(
      new Option('--poll-seconds <n>', 'between progress lines')
        .default(defaultAwaitPollMs / 1000)
        .argParser(positiveInteger),
    )
    .addOption(
      new Option(
        '--max-wait-minutes <n>',
        'stop waiting after this long (exit 3); 0: report once, do not wait',
      )
        .default(defaultAwaitMaxWaitMinutes)
        .env('FERRY_MAX_WAIT_MINUTES')
        .argParser(wholeNumber),
    )
    .addOption(
      new Option(
        '--max-failures <n|p%>',
        'failed objects allowed: a count (10) or a percent of those planned (0.5%)',
      )
        .default(parseFailureThreshold('0'), '0')
        .env('FERRY_MAX_FAILURES')
        .argParser(parseFailureThreshold),
    )
    .addOption(
      new Option(
        '--lister-task <arn>',
        "the run's lister task (the taskArn ferry start prints): fail at once, with ECS's reason, if it stops before recording the run or mid-listing",
      ).env('FERRY_LISTER_TASK'),
    )
    .addOption(new Option('--scale-in', 'scale the workers to 0 once the run is over').env('FERRY_SCALE_IN'))
    .addOption(
      new Option(
        '--report <file>',
        'append the Markdown report here (e.g. $GITHUB_STEP_SUMMARY) instead of stdout',
      ).env('FERRY_REPORT'),
    );
  withControlPlaneOptions(command).action(async (flags: AwaitFlags) => {
    setExitCode(await awaitCommand(flags));
  });
}
