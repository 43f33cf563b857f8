// Runs a command under GNU time to measure its process tree's wall time, CPU (user + system) and peak RSS.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type CommandOutcome, type CommandSpec, type RunOptions, runCommand } from './run-command.ts';

export const gnuTime = '/usr/bin/time';

export interface ResourceUse {
  readonly wallSec: number;
  /** User + system CPU of the command and every child it waited for. */
  readonly cpuSec: number;
  /** The largest resident set of any single process in the tree. */
  readonly maxRssBytes: number;
}

export interface MeasuredOutcome extends CommandOutcome {
  readonly resources: ResourceUse;
}

/** Throws with an install hint when GNU time is missing. */
export function requireGnuTime(): void {
  if (!existsSync(gnuTime)) {
    throw new Error(`${gnuTime} (GNU time) is needed to measure copiers: apt-get install time`);
  }
}

/** Reads the "%e %U %S %M" line GNU time wrote (after an optional "Command exited with ..." line). */
export function parseGnuTimeOutput(text: string): ResourceUse {
  const last = text.trim().split('\n').at(-1) ?? '';
  const [wall, user, system, maxRssKiB] = last.trim().split(/\s+/).map(Number);
  if ([wall, user, system, maxRssKiB].some((value) => value === undefined || !Number.isFinite(value))) {
    throw new Error(`unexpected GNU time output: ${JSON.stringify(text)}`);
  }
  return { wallSec: wall ?? 0, cpuSec: (user ?? 0) + (system ?? 0), maxRssBytes: (maxRssKiB ?? 0) * 1024 };
}

export async function runMeasured(
  spec: CommandSpec,
  options: RunOptions & { readonly scratchDirectory: string },
): Promise<MeasuredOutcome> {
  const timeFile = join(options.scratchDirectory, `time-${process.pid}-${Date.now()}.txt`);
  const outcome = await runCommand(
    { ...spec, command: gnuTime, args: ['-f', '%e %U %S %M', '-o', timeFile, spec.command, ...spec.args] },
    options,
  );
  const timeText = existsSync(timeFile) ? await readFile(timeFile, 'utf8') : '';
  await rm(timeFile, { force: true });
  const resources =
    outcome.timedOut || !timeText
      ? { wallSec: Number.NaN, cpuSec: Number.NaN, maxRssBytes: Number.NaN }
      : parseGnuTimeOutput(timeText);
  return { ...outcome, resources };
}
