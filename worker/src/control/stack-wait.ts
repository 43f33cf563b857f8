// Waits until a stack stops changing (no *_IN_PROGRESS status other than REVIEW_IN_PROGRESS), up to a deadline.
import type { CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import { FerryError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import { pollUntil } from './poll.ts';
import { findStack } from './stack-reader.ts';
import { isStackInProgress } from './stack-status.ts';

export interface StackWaitOptions {
  readonly client: CloudFormationClient;
  readonly stackName: string;
  readonly clock: Clock;
  readonly pollMs: number;
  /** The time (ms since the epoch) after which waiting is given up with a Transient error. */
  readonly deadlineMs: number;
  /** Says what was being waited for, in the timeout's message. */
  readonly waitingFor: string;
}

/** The settled stack, or undefined when there is none (never created, or deleted). */
export async function waitForSettledStack(options: StackWaitOptions): Promise<Stack | undefined> {
  const result = await pollUntil({
    clock: options.clock,
    intervalMs: options.pollMs,
    deadlineMs: options.deadlineMs,
    check: async () => {
      const stack = await findStack({ client: options.client, stackName: options.stackName });
      return stack === undefined || !isStackInProgress(stack.StackStatus ?? '') ? { stack } : undefined;
    },
  });
  if (!result.done) {
    throw new FerryError(
      'Transient',
      `CloudFormation stack ${options.stackName}: ${options.waitingFor} did not finish before the deadline; deploy again to pick it up`,
    );
  }
  return result.value.stack;
}
