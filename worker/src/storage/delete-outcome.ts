// Pure rules shared by the object stores' deleteObjects: the request's size limit and how a service's report becomes
// a DeleteOutcome that accounts for every target exactly once.
import { FerryError } from '../domain/errors.ts';
import type { DeleteOutcome, DeleteTarget } from '../ports/object-store.ts';

/** The most objects one DeleteObjects request takes. */
export const maxDeleteTargets = 1000;

/** The error code of a key that is already gone: S3 reports it for a conditional delete of a missing key. */
export const alreadyGoneCode = 'NoSuchKey';

/** The code given to a target the service's answer does not mention at all. */
export const notReportedCode = 'NotReported';

export type DeleteError = DeleteOutcome['errors'][number];

/** More targets than one request takes is a bug in the caller, not a service failure. */
export function assertDeleteTargetCount(targets: readonly DeleteTarget[], context: string): void {
  if (targets.length > maxDeleteTargets) {
    throw new FerryError(
      'Internal',
      `${context}: ${targets.length} objects in one delete request, more than ${maxDeleteTargets}`,
    );
  }
}

/**
 * The outcome for exactly the targets, in their order, from what the service reported: a key it reported deleted, or
 * already gone (NoSuchKey), counts as deleted; a key with another error is an error; a key it did not mention is an
 * error too (nothing is counted deleted that the service did not confirm). Keys the service named that were not
 * asked for are ignored.
 */
export function deleteOutcomeOf(
  targets: readonly DeleteTarget[],
  reported: { readonly deleted: readonly string[]; readonly errors: readonly DeleteError[] },
): DeleteOutcome {
  const deletedKeys = new Set(reported.deleted);
  const errorsByKey = new Map(reported.errors.map((error) => [error.key, error]));
  const deleted: string[] = [];
  const errors: DeleteError[] = [];
  for (const { key } of targets) {
    const error = errorsByKey.get(key);
    if (error && error.code !== alreadyGoneCode) errors.push(error);
    else if (error || deletedKeys.has(key)) deleted.push(key);
    else
      errors.push({ key, code: notReportedCode, message: 'the delete response does not mention this key' });
  }
  return { deleted, errors };
}

/** Two outcomes of disjoint targets as one. */
export function mergeDeleteOutcomes(first: DeleteOutcome, second: DeleteOutcome): DeleteOutcome {
  return { deleted: [...first.deleted, ...second.deleted], errors: [...first.errors, ...second.errors] };
}
