// One CloudFormation change set, start to finish: create it, wait until it is ready, execute it, wait for the stack.
import {
  type Capability,
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetOutput,
  ExecuteChangeSetCommand,
  type Parameter,
} from '@aws-sdk/client-cloudformation';
import { errorMessage, FerryError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import { awsCall, classifyAwsError } from './aws-error.ts';
import { pollUntil } from './poll.ts';
import { describeFailedEvents, readFailedEvents } from './stack-events.ts';
import { type ChangeSetType, isSuccessfulOutcome, meansNoChanges } from './stack-status.ts';
import { waitForSettledStack } from './stack-wait.ts';

export interface ChangeSetOptions {
  readonly client: CloudFormationClient;
  readonly stackName: string;
  readonly changeSetName: string;
  readonly type: ChangeSetType;
  readonly templateBody: string;
  readonly parameters: readonly Parameter[];
  readonly capabilities: readonly Capability[];
  readonly clock: Clock;
  /** Between DescribeChangeSet calls while it is being created. */
  readonly changeSetPollMs: number;
  /** Between DescribeStacks calls while the stack changes. */
  readonly stackPollMs: number;
  /** The time (ms since the epoch) after which waiting is given up. */
  readonly deadlineMs: number;
}

/** executed: the stack changed and is CREATE/UPDATE_COMPLETE; unchanged: the change set had nothing to do. */
export type ChangeSetOutcome = 'executed' | 'unchanged';

/** Stack events are stamped by CloudFormation's clock: look this far before our own start for the failures. */
const clockSkewAllowanceMs = 60_000;

function timedOut(what: string, stackName: string): FerryError {
  return new FerryError(
    'Transient',
    `CloudFormation stack ${stackName}: ${what} was not ready before the deadline; deploy again`,
  );
}

async function createChangeSet(options: ChangeSetOptions): Promise<string | 'unchanged'> {
  const { client, stackName } = options;
  try {
    const output = await client.send(
      new CreateChangeSetCommand({
        StackName: stackName,
        ChangeSetName: options.changeSetName,
        ChangeSetType: options.type,
        TemplateBody: options.templateBody,
        Parameters: [...options.parameters],
        Capabilities: [...options.capabilities],
        Description: 'ferry deploy',
      }),
    );
    if (output.Id === undefined)
      throw new FerryError(
        'Internal',
        `CloudFormation CreateChangeSet ${stackName}: no change set id returned`,
      );
    return output.Id;
  } catch (error) {
    // Some implementations refuse an empty update at once rather than failing the change set.
    if (meansNoChanges(errorMessage(error))) return 'unchanged';
    throw classifyAwsError(error, `CloudFormation CreateChangeSet ${stackName}`);
  }
}

async function deleteChangeSet(options: ChangeSetOptions, changeSetId: string): Promise<void> {
  // A failed change set only clutters the stack; failing to delete it is no reason to fail the deploy.
  await options.client
    .send(new DeleteChangeSetCommand({ StackName: options.stackName, ChangeSetName: changeSetId }))
    .catch(() => undefined);
}

async function awaitChangeSetReady(
  options: ChangeSetOptions,
  changeSetId: string,
): Promise<DescribeChangeSetOutput> {
  const { client, stackName } = options;
  const result = await pollUntil({
    clock: options.clock,
    intervalMs: options.changeSetPollMs,
    deadlineMs: options.deadlineMs,
    check: async () => {
      const described = await awsCall(`CloudFormation DescribeChangeSet ${stackName}`, () =>
        client.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetId })),
      );
      const status = described.Status ?? '';
      return status === 'CREATE_COMPLETE' || status === 'FAILED' ? described : undefined;
    },
  });
  if (!result.done) throw timedOut(`change set ${options.changeSetName}`, stackName);
  return result.value;
}

async function failure(options: ChangeSetOptions, since: Date, headline: string): Promise<FerryError> {
  const events = await readFailedEvents({
    client: options.client,
    stackName: options.stackName,
    since: new Date(since.getTime() - clockSkewAllowanceMs),
  }).catch(() => []);
  const detail = events.length > 0 ? `\nfailed resources:\n${describeFailedEvents(events)}` : '';
  return new FerryError('Internal', `${headline}${detail}`);
}

/** Creates, waits for, and executes one change set; an empty one is deleted and counts as success. */
export async function applyChangeSet(options: ChangeSetOptions): Promise<ChangeSetOutcome> {
  const { client, stackName } = options;
  const changeSetId = await createChangeSet(options);
  if (changeSetId === 'unchanged') return 'unchanged';
  const ready = await awaitChangeSetReady(options, changeSetId);
  if (ready.Status === 'FAILED') {
    if (meansNoChanges(ready.StatusReason)) {
      await deleteChangeSet(options, changeSetId);
      return 'unchanged';
    }
    throw new FerryError(
      'Config',
      `CloudFormation change set ${options.changeSetName} for stack ${stackName} failed: ${ready.StatusReason ?? 'no reason given'}`,
    );
  }
  const startedAt = options.clock.now();
  try {
    await client.send(new ExecuteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetId }));
  } catch (error) {
    const cause = classifyAwsError(error, `CloudFormation ExecuteChangeSet ${stackName}`);
    throw await failure(options, startedAt, cause.message);
  }
  const settled = await waitForSettledStack({
    client,
    stackName,
    clock: options.clock,
    pollMs: options.stackPollMs,
    deadlineMs: options.deadlineMs,
    waitingFor: `the ${options.type.toLowerCase()}`,
  });
  const status = settled?.StackStatus ?? 'DELETE_COMPLETE';
  if (isSuccessfulOutcome(options.type, status)) return 'executed';
  const reason = settled?.StackStatusReason ? ` (${settled.StackStatusReason})` : '';
  throw await failure(
    options,
    startedAt,
    `CloudFormation stack ${stackName}: the ${options.type.toLowerCase()} failed and ended ${status}${reason}`,
  );
}
