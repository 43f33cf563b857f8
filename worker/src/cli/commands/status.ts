// `ferry status`: a run's totals, rate, ETA and failures from the ledger; exit 0 only when done with no failures.
import type { Command } from 'commander';
import { createDynamoDbClient } from '../../aws/clients.ts';
import { createDynamoDbLedger } from '../../distributed/dynamodb-ledger.ts';
import { FerryError } from '../../domain/errors.ts';
import { systemClock } from '../../ports/clock.ts';
import { readFailures } from '../../run/read-failures.ts';
import { refusedDeletes } from '../../run/run-progress.ts';
import { phaseOf, renderRunStatus } from '../../run/run-status.ts';
import {
  type ControlPlaneFlags,
  controlPlaneEndpoint,
  requiredEnvOption,
  withControlPlaneOptions,
} from '../aws-options.ts';

interface StatusFlags extends ControlPlaneFlags {
  runId: string;
  table: string;
}

/** Exit codes: 0 done, nothing failed; 1 done with failures or the listing failed; 75 still running (try later). */
export const stillRunningExitCode = 75;

async function status(flags: StatusFlags): Promise<number> {
  const ledger = createDynamoDbLedger({
    client: createDynamoDbClient(controlPlaneEndpoint(flags)),
    tableName: flags.table,
    rememberCopies: false,
  });
  const run = await ledger.getRun(flags.runId);
  if (!run) throw new FerryError('Config', `no run ${flags.runId} in table ${flags.table}`);
  const failures = await readFailures(ledger, flags.runId, 1000);
  process.stdout.write(`${renderRunStatus(run, failures, systemClock.now())}\n`);
  const phase = phaseOf(run);
  if (phase === 'done') return run.failed.objects === 0 && refusedDeletes(run) === undefined ? 0 : 1;
  return phase === 'failed-listing' ? 1 : stillRunningExitCode;
}

export function registerStatusCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('status')
    .description(
      `Print a run's progress; exit 0 once it is done with no failures, ${stillRunningExitCode} while it runs.`,
    )
    .addOption(requiredEnvOption('--run-id <id>', 'the run', 'FERRY_RUN_ID'))
    .addOption(requiredEnvOption('--table <name>', 'the DynamoDB ledger table', 'FERRY_TABLE'));
  withControlPlaneOptions(command).action(async (flags: StatusFlags) => {
    setExitCode(await status(flags));
  });
}
