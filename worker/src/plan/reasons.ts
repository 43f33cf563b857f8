// What the planner can decide for a key and why, with the wording users see in --dry-run and plan comments.

export type CopyReason =
  | 'full-mode'
  | 'new'
  | 'size-differs'
  | 'etag-differs'
  | 'changed-since-copy'
  | 'destination-changed'
  | 'unverifiable';

export type SkipReason = 'same-etag' | 'same-as-copied';

export type FailReason = 'invalid-key';

export type DeleteReason = 'not-in-source';

export type PlanAction = 'copy' | 'skip' | 'delete' | 'fail';

export type PlanReason = CopyReason | SkipReason | DeleteReason | FailReason;

export const planActions: readonly PlanAction[] = ['copy', 'skip', 'delete', 'fail'];

const reasonDescriptions: Readonly<Record<PlanReason, string>> = {
  'full-mode': 'full run: every object is copied',
  new: 'not in the destination',
  'size-differs': 'source and destination sizes differ',
  'etag-differs': 'source and destination content MD5s differ',
  'changed-since-copy': 'the source changed since Ferry last copied it',
  'destination-changed': 'the destination was overwritten since Ferry copied it',
  unverifiable: 'same size, but the ETags cannot be compared and Ferry has no record of copying it',
  'same-etag': 'source and destination have the same ETag',
  'same-as-copied': 'unchanged since Ferry copied it',
  'not-in-source': 'in the destination but gone from the source (sync deletes it)',
  'invalid-key': 'the destination key would not be a valid S3 key',
};

export const planReasons = Object.keys(reasonDescriptions) as readonly PlanReason[];

/** One line for users explaining a reason. */
export function describeReason(reason: PlanReason): string {
  return reasonDescriptions[reason];
}
