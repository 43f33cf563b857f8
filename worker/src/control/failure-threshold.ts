// Pure: how many failed objects a run may have and still count as succeeded (a count, or a percent of those planned).
import { FerryError } from '../domain/errors.ts';
import type { RunRecord } from '../ports/ledger.ts';

export type FailureThreshold = { readonly maxFailedObjects: number } | { readonly maxFailedPercent: number };

export const noFailuresAllowed: FailureThreshold = { maxFailedObjects: 0 };

/** `10` (objects) or `0.5%` (of the planned objects). */
export function parseFailureThreshold(text: string): FailureThreshold {
  const trimmed = text.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(trimmed);
  if (percent?.[1] !== undefined) {
    const value = Number(percent[1]);
    if (value <= 100) return { maxFailedPercent: value };
  } else if (/^\d+$/.test(trimmed) && Number.isSafeInteger(Number(trimmed))) {
    return { maxFailedObjects: Number(trimmed) };
  }
  throw new FerryError(
    'Config',
    `failure threshold ${JSON.stringify(text)}: expected a number of objects (10) or a percent of those planned (0.5%)`,
  );
}

export function describeThreshold(threshold: FailureThreshold): string {
  return 'maxFailedObjects' in threshold
    ? `${threshold.maxFailedObjects} objects`
    : `${threshold.maxFailedPercent}% of the planned objects`;
}

/** Whether the run's failed objects are more than the threshold allows. */
export function exceedsThreshold(run: RunRecord, threshold: FailureThreshold): boolean {
  const failed = run.failed.objects;
  if ('maxFailedObjects' in threshold) return failed > threshold.maxFailedObjects;
  if (failed === 0) return false;
  const planned = Math.max(1, run.planned.objects);
  return (failed * 100) / planned > threshold.maxFailedPercent;
}
