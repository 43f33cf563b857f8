// applyChangeSet on what a real CloudFormation does and moto cannot: a rollback with failed resources, a change set
// that fails for another reason than having no changes, an execution that outlives the deadline.
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, test } from 'vitest';
import { applyChangeSet, type ChangeSetOptions } from '../../../worker/src/control/change-set.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { createManualClock, type ManualClock } from '../../support/manual-clock.ts';

const cloudFormation = mockClient(CloudFormationClient);
let clock: ManualClock;

function options(): ChangeSetOptions {
  return {
    client: new CloudFormationClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    }),
    stackName: 'ferry',
    changeSetName: 'ferry-1',
    type: 'UPDATE',
    templateBody: '{}',
    parameters: [],
    capabilities: ['CAPABILITY_NAMED_IAM'],
    clock,
    changeSetPollMs: 5_000,
    stackPollMs: 10_000,
    deadlineMs: clock.now().getTime() + 60 * 60_000,
  };
}

beforeEach(() => {
  cloudFormation.reset();
  clock = createManualClock(new Date('2026-01-01T00:00:00Z'));
  cloudFormation.on(CreateChangeSetCommand).resolves({ Id: 'arn:change-set/1' });
  cloudFormation
    .on(DescribeChangeSetCommand)
    .resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
  cloudFormation.on(ExecuteChangeSetCommand).resolves({});
});

/** Runs applyChangeSet, moving the clock along while it waits. */
async function run(): Promise<unknown> {
  const result = applyChangeSet(options()).then(
    (value) => value,
    (error: unknown) => error,
  );
  for (let step = 0; step < 20; step += 1) await clock.advance(10_000);
  return await result;
}

describe('applyChangeSet', () => {
  test('a rolled-back update names each failed resource and its reason', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .resolvesOnce({
        Stacks: [{ StackName: 'ferry', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }],
      })
      .resolves({
        Stacks: [
          {
            StackName: 'ferry',
            StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
            StackStatusReason: 'The following resource(s) failed to update: [WorkerGroup]',
            CreationTime: new Date(),
          },
        ],
      });
    cloudFormation.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          StackId: 's',
          EventId: '2',
          StackName: 'ferry',
          LogicalResourceId: 'WorkerGroup',
          ResourceType: 'AWS::AutoScaling::AutoScalingGroup',
          ResourceStatus: 'UPDATE_FAILED',
          ResourceStatusReason: 'You have requested more vCPU capacity than your current vCPU limit',
          Timestamp: new Date('2026-01-01T00:00:20Z'),
        },
        {
          StackId: 's',
          EventId: '1',
          StackName: 'ferry',
          LogicalResourceId: 'ferry',
          ResourceType: 'AWS::CloudFormation::Stack',
          ResourceStatus: 'UPDATE_IN_PROGRESS',
          Timestamp: new Date('2026-01-01T00:00:01Z'),
        },
      ],
    });
    const error = await run();
    expect(error).toBeInstanceOf(FerryError);
    expect((error as Error).message).toBe(
      [
        'CloudFormation stack ferry: the update failed and ended UPDATE_ROLLBACK_COMPLETE (The following resource(s) failed to update: [WorkerGroup])',
        'failed resources:',
        '  WorkerGroup (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: You have requested more vCPU capacity than your current vCPU limit',
      ].join('\n'),
    );
  });

  test('an update that completes is executed', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'ferry', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }],
    });
    expect(await run()).toBe('executed');
  });

  test('an empty change set is unchanged, and deleted', async () => {
    cloudFormation.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
    });
    cloudFormation.on(DeleteChangeSetCommand).resolves({});
    expect(await run()).toBe('unchanged');
    expect(cloudFormation.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cloudFormation.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  test('a change set that fails for another reason is a Config error with that reason', async () => {
    cloudFormation
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'FAILED', StatusReason: 'Requires capabilities : [CAPABILITY_AUTO_EXPAND]' });
    const error = await run();
    expect(error).toMatchObject({ errorClass: 'Config' });
    expect((error as Error).message).toContain('failed: Requires capabilities : [CAPABILITY_AUTO_EXPAND]');
  });

  test('a stack still changing at the deadline is a Transient error saying to deploy again', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'ferry', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }],
    });
    const result = applyChangeSet({ ...options(), deadlineMs: clock.now().getTime() + 60_000 }).catch(
      (error: unknown) => error,
    );
    for (let step = 0; step < 10; step += 1) await clock.advance(10_000);
    const error = await result;
    expect(error).toMatchObject({ errorClass: 'Transient' });
    expect((error as Error).message).toContain('the update did not finish before the deadline');
    expect(cloudFormation.commandCalls(DescribeStacksCommand).length).toBe(7);
  });
});
