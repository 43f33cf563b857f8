// Shared parsers for command-line option values, with errors that name the option.
import { InvalidArgumentError, Option } from 'commander';
import { type RunMode, runModes } from '../ports/ledger.ts';

export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`expected a whole number of at least 1, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const found = choices.find((choice) => choice === value);
    if (!found)
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
    return found;
  };
}

const runModeNames = Object.keys(runModes) as RunMode[];

/** --mode (also FERRY_MODE): incremental, full or sync; forNewRun: a resumed run keeps its own mode. */
export function runModeOption(options: { forNewRun?: boolean } = {}): Option {
  const description =
    'incremental: copy new and changed objects; full: copy everything; sync: incremental, and delete destination ' +
    `objects gone from the source once the listing is complete and within the mapping's guardrails${options.forNewRun ? ' (for a new run)' : ''}`;
  return new Option('--mode <mode>', description)
    .choices(runModeNames)
    .default('incremental')
    .env('FERRY_MODE')
    .argParser(oneOf(runModeNames));
}
