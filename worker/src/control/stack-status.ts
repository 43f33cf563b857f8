// Pure reading of CloudFormation stack statuses: settled or not, and what a deploy may do with a stack in each.

export type ChangeSetType = 'CREATE' | 'UPDATE';

/** What a deploy does with a stack found in a status. */
export type DeployStart =
  | { readonly kind: 'create' }
  | { readonly kind: 'update' }
  | { readonly kind: 'wait' }
  | { readonly kind: 'refuse'; readonly reason: string };

/** Still changing: wait for it to settle. REVIEW_IN_PROGRESS (a CREATE change set never executed) is settled. */
export function isStackInProgress(status: string): boolean {
  return status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';
}

/** Creation failed and was rolled back (or could not be): such a stack cannot be updated, only deleted. */
const failedCreation: ReadonlySet<string> = new Set([
  'CREATE_FAILED',
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
]);

export function deployStartFor(stackName: string, status: string | undefined): DeployStart {
  if (status === undefined || status === 'REVIEW_IN_PROGRESS' || status === 'DELETE_COMPLETE')
    return { kind: 'create' };
  if (isStackInProgress(status)) return { kind: 'wait' };
  if (failedCreation.has(status)) {
    return {
      kind: 'refuse',
      reason: `stack ${stackName} is ${status}: its creation failed, so it cannot be updated. Delete it (aws cloudformation delete-stack --stack-name ${stackName}) and deploy again`,
    };
  }
  if (status === 'UPDATE_ROLLBACK_FAILED') {
    return {
      kind: 'refuse',
      reason: `stack ${stackName} is UPDATE_ROLLBACK_FAILED: continue the rollback first (aws cloudformation continue-update-rollback --stack-name ${stackName})`,
    };
  }
  if (status === 'DELETE_FAILED')
    return { kind: 'refuse', reason: `stack ${stackName} is DELETE_FAILED: finish deleting it first` };
  return { kind: 'update' };
}

/** Whether a settled stack is where executing a change set of that type should have left it. */
export function isSuccessfulOutcome(type: ChangeSetType, status: string): boolean {
  return status === `${type}_COMPLETE`;
}

/** CloudFormation's two ways of saying a change set would change nothing. */
export function meansNoChanges(reason: string | undefined): boolean {
  return reason !== undefined && /didn't contain changes|No updates are to be performed/i.test(reason);
}
