// `ferry scale`: sets the worker group's desired capacity, given or sized from a run's bytes and a target duration.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { openFleetSession } from '../../control/fleet-session.ts';
import { defaultWorkerBytesPerSec, workersForDuration } from '../../control/worker-capacity.ts';
import { describeWorkerGroup, scaleWorkers } from '../../control/worker-group.ts';
import { FerryError } from '../../domain/errors.ts';
import { remaining } from '../../run/run-progress.ts';
import { type ControlPlaneFlags, controlPlaneEndpoint, withControlPlaneOptions } from '../aws-options.ts';
import { stackOption, wholeNumber } from './deploy.ts';

interface ScaleFlags extends ControlPlaneFlags {
  stack: string;
  desired?: number;
  runId?: string;
  targetHours?: number;
  workerRateMbps: number;
  maxSize?: number;
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError(`expected a number above 0, got ${JSON.stringify(value)}`);
  return parsed;
}

async function scale(flags: ScaleFlags): Promise<number> {
  const sized = flags.targetHours !== undefined;
  if ((flags.desired !== undefined) === sized || (sized && flags.runId === undefined))
    throw new FerryError('Config', 'give either --desired <n>, or --target-hours <h> with --run-id <id>');
  const session = await openFleetSession({ stackName: flags.stack, endpoint: controlPlaneEndpoint(flags) });
  try {
    const { autoScaling } = session.clients;
    const groupName = session.fleet.outputs.WorkerGroupName;
    let desiredCapacity = flags.desired ?? 0;
    let sizing: Record<string, unknown> | undefined;
    if (flags.runId !== undefined && flags.targetHours !== undefined) {
      const run = await session.ledger.getRun(flags.runId);
      if (run === undefined) throw new FerryError('Config', `no run ${flags.runId} in the ledger`);
      const maxWorkers = flags.maxSize ?? (await describeWorkerGroup({ autoScaling, groupName })).maxSize;
      const bytes = remaining(run).bytes;
      const bytesPerSecPerWorker = flags.workerRateMbps * 1_000_000;
      desiredCapacity = workersForDuration({
        bytes,
        targetDurationSec: flags.targetHours * 3600,
        bytesPerSecPerWorker,
        maxWorkers,
      });
      sizing = {
        bytesLeft: bytes,
        targetHours: flags.targetHours,
        bytesPerSecPerWorker,
        listing: run.listerState,
      };
    }
    const result = await scaleWorkers({
      autoScaling,
      groupName,
      desiredCapacity,
      ...(flags.maxSize !== undefined ? { maxSize: flags.maxSize } : {}),
    });
    process.stdout.write(`${JSON.stringify({ ...result, ...(sizing ? { sizing } : {}) }, null, 2)}\n`);
    return 0;
  } finally {
    session.close();
  }
}

export function registerScaleCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('scale')
    .summary("Set the worker group's desired capacity, or size it for a run.")
    .description(
      "Set the worker group's desired capacity (0 scales in), or size it so a run's remaining bytes copy within a target time. Exit 0 done, 2 usage or configuration error.",
    )
    .addOption(stackOption())
    .addOption(
      new Option('--desired <n>', 'workers wanted (0: none)')
        .env('FERRY_DESIRED_WORKERS')
        .argParser(wholeNumber),
    )
    .addOption(
      new Option('--run-id <id>', 'with --target-hours: the run whose bytes left are sized for').env(
        'FERRY_RUN_ID',
      ),
    )
    .addOption(
      new Option('--target-hours <h>', 'with --run-id: copy them within this long').argParser(positiveNumber),
    )
    .addOption(
      new Option('--worker-rate-mbps <MB/s>', 'what one worker copies, in 10^6 bytes per second')
        .default(defaultWorkerBytesPerSec / 1_000_000)
        .argParser(positiveNumber),
    )
    .addOption(new Option('--max-size <n>', "also set the group's maximum").argParser(wholeNumber));
  withControlPlaneOptions(command).action(async (flags: ScaleFlags) => {
    setExitCode(await scale(flags));
  });
}
