// The ferry command line: parses arguments and hands each command to its module; owns exit codes.
import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { errorMessage, FerryError } from '../domain/errors.ts';
import { registerAwaitCommand } from './commands/await.ts';
import { registerDeployCommand } from './commands/deploy.ts';
import { registerInitCommand } from './commands/init.ts';
import { registerListCommand } from './commands/list.ts';
import { registerManifestCommand } from './commands/manifest.ts';
import { registerRedriveCommand } from './commands/redrive.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerScaleCommand } from './commands/scale.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerWorkerCommand } from './commands/worker.ts';

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name('ferry')
    .description(
      'Copy objects from any S3-compatible storage into Amazon S3: verified, resumable, at any scale.',
    )
    .version(packageJson.version)
    .exitOverride()
    .showHelpAfterError();
  let exitCode = 0;
  const setExitCode = (code: number): void => {
    exitCode = code;
  };
  for (const register of [
    registerRunCommand,
    registerListCommand,
    registerWorkerCommand,
    registerStatusCommand,
    registerInitCommand,
    registerDeployCommand,
    registerStartCommand,
    registerScaleCommand,
    registerAwaitCommand,
    registerRedriveCommand,
    registerManifestCommand,
  ]) {
    register(program, setExitCode);
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`ferry: ${errorMessage(error)}\n`);
    return error instanceof FerryError && error.errorClass === 'Config' ? 2 : 1;
  }
}
