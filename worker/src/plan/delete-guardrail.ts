// Whether a sync run may delete what it found gone from the source: the mapping's limits, and an empty source.
import type { Counts } from '../ports/ledger.ts';
import { formatBytes } from '../report/units.ts';

export interface DeleteLimits {
  readonly maxDeleteObjects?: number;
  readonly maxDeleteBytes?: number;
}

export interface DeleteVerdictInput {
  /** Everything the complete listing found to delete. */
  readonly toDelete: Counts;
  /** Objects the source listed under the mapping's prefix (copied, skipped or failed alike). */
  readonly sourceObjects: number;
  readonly limits: DeleteLimits;
}

export type DeleteVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const plural = (count: number, noun: string): string =>
  `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;

/**
 * Allowed unless the deletes exceed a limit, or the source listed nothing while the destination holds objects (a
 * wrong prefix or credentials looking at an empty bucket would otherwise empty the destination): that takes an
 * explicit maxDeleteObjects.
 */
export function deleteVerdict(input: DeleteVerdictInput): DeleteVerdict {
  const { toDelete, sourceObjects, limits } = input;
  if (toDelete.objects === 0) return { allowed: true };
  const what = `${plural(toDelete.objects, 'object')} (${formatBytes(toDelete.bytes)})`;
  if (limits.maxDeleteObjects !== undefined && toDelete.objects > limits.maxDeleteObjects) {
    return {
      allowed: false,
      reason: `the sync would delete ${what}, over maxDeleteObjects ${limits.maxDeleteObjects.toLocaleString('en-US')}`,
    };
  }
  if (limits.maxDeleteBytes !== undefined && toDelete.bytes > limits.maxDeleteBytes) {
    return {
      allowed: false,
      reason: `the sync would delete ${what}, over maxDeleteBytes ${formatBytes(limits.maxDeleteBytes)}`,
    };
  }
  if (sourceObjects === 0 && limits.maxDeleteObjects === undefined) {
    return {
      allowed: false,
      reason: `the source listed no object, so the sync would delete every destination object (${what}); set maxDeleteObjects to allow it`,
    };
  }
  return { allowed: true };
}
