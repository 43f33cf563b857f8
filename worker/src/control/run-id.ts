// Run ids for the fleet: generated sortable as `<mapping>-<UTC timestamp>`, and checked when given.
import { FerryError } from '../domain/errors.ts';

/** Letters, digits, `.`, `_` and `-`, starting with a letter or digit: safe in ledger keys, logs, URLs and ECS. */
const runIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertRunId(runId: string): string {
  if (!runIdPattern.test(runId)) {
    throw new FerryError(
      'Config',
      `run id ${JSON.stringify(runId)}: use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return runId;
}

/** `<mapping>-YYYYMMDDTHHMMSSZ`: runs of one mapping sort by start time. */
export function newRunId(mappingId: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  return assertRunId(`${mappingId}-${stamp}`);
}
