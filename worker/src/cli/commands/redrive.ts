// `ferry redrive`: moves dead letters back to the work queue, all or those of one run or mapping.
import { type Command, Option } from 'commander';
import { fleetQueues, openFleetSession } from '../../control/fleet-session.ts';
import { redriveDeadLetters } from '../../control/redrive.ts';
import { type ControlPlaneFlags, controlPlaneEndpoint, withControlPlaneOptions } from '../aws-options.ts';
import { positiveInteger } from '../options.ts';
import { stackOption } from './deploy.ts';

interface RedriveFlags extends ControlPlaneFlags {
  stack: string;
  runId?: string;
  mapping?: string;
  all?: boolean;
  maxMessages?: number;
}

async function redrive(flags: RedriveFlags): Promise<number> {
  const session = await openFleetSession({ stackName: flags.stack, endpoint: controlPlaneEndpoint(flags) });
  try {
    const result = await redriveDeadLetters({
      ...fleetQueues(session),
      ...(flags.runId !== undefined ? { runId: flags.runId } : {}),
      ...(flags.mapping !== undefined ? { mappingId: flags.mapping } : {}),
      all: flags.all === true,
      ...(flags.maxMessages !== undefined ? { maxMessages: flags.maxMessages } : {}),
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    session.close();
  }
}

export function registerRedriveCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('redrive')
    .summary('Move dead letters back to the work queue.')
    .description(
      'Move dead letters back to the work queue (sent, then deleted: nothing is lost), optionally only those of a run or mapping. Exit 0 done, 2 usage or configuration error.',
    )
    .addOption(stackOption())
    .addOption(new Option('--run-id <id>', 'only the messages of this run').env('FERRY_RUN_ID'))
    .addOption(new Option('-m, --mapping <id>', 'only the messages of this mapping').env('FERRY_MAPPING'))
    .addOption(new Option('--all', 'also move messages that are not Ferry work messages'))
    .addOption(new Option('--max-messages <n>', 'move at most this many').argParser(positiveInteger));
  withControlPlaneOptions(command).action(async (flags: RedriveFlags) => {
    setExitCode(await redrive(flags));
  });
}
