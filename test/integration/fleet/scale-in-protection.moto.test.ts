// Scale-in protection against moto's Auto Scaling: the instance's ProtectedFromScaleIn flips as the worker gets busy and idle.
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { autoScalingInstanceApi } from '../../../worker/src/fleet/auto-scaling-instance-api.ts';
import { createScaleInProtectorForInstance } from '../../../worker/src/fleet/scale-in-protection.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import { testCredentials, uniqueBucket } from '../../support/aws.ts';
import { createManualClock } from '../../support/manual-clock.ts';

function testAutoScaling(endpoint: string): AutoScalingClient {
  return new AutoScalingClient({
    endpoint,
    region: 'us-east-1',
    credentials: testCredentials,
    maxAttempts: 1,
  });
}

/** A group of one instance; returns its name and the instance's id. */
async function groupOfOne(client: AutoScalingClient): Promise<{ groupName: string; instanceId: string }> {
  const groupName = uniqueBucket('ferry-workers');
  await client.send(
    new CreateLaunchConfigurationCommand({
      LaunchConfigurationName: groupName,
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.micro',
    }),
  );
  await client.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: groupName,
      LaunchConfigurationName: groupName,
      MinSize: 1,
      MaxSize: 1,
      DesiredCapacity: 1,
      AvailabilityZones: ['us-east-1a'],
    }),
  );
  const groups = await client.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
  );
  const instanceId = groups.AutoScalingGroups?.[0]?.Instances?.[0]?.InstanceId;
  if (!instanceId) throw new Error(`moto started no instance in ${groupName}`);
  return { groupName, instanceId };
}

async function protectedFromScaleIn(
  client: AutoScalingClient,
  instanceId: string,
): Promise<boolean | undefined> {
  const answer = await client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  return answer.AutoScalingInstances?.[0]?.ProtectedFromScaleIn;
}

describe('scale-in protection on moto', () => {
  let client: AutoScalingClient;
  beforeAll(() => {
    client = testAutoScaling(inject('motoSource'));
  });

  test('the group is found from the instance id, and protection follows busy and idle', async () => {
    const { groupName, instanceId } = await groupOfOne(client);
    const api = autoScalingInstanceApi(client);
    expect(await api.autoScalingGroupOf(instanceId)).toBe(groupName);
    expect(await protectedFromScaleIn(client, instanceId)).toBe(false);

    const clock = createManualClock();
    const protector = await createScaleInProtectorForInstance({
      autoscaling: api,
      instanceId,
      clock,
      logger: silentLogger,
      idleGraceMs: 30_000,
    });
    if (!protector) throw new Error('no protector for an instance in a group');

    protector.busy(1);
    await protector.settled();
    expect(await protectedFromScaleIn(client, instanceId)).toBe(true);

    protector.busy(0);
    await clock.advance(29_000);
    await protector.settled();
    expect(await protectedFromScaleIn(client, instanceId)).toBe(true);

    await clock.advance(1_000);
    await protector.settled();
    expect(await protectedFromScaleIn(client, instanceId)).toBe(false);

    await protector.hold();
    expect(await protectedFromScaleIn(client, instanceId)).toBe(true);
    await protector.close();
    expect(await protectedFromScaleIn(client, instanceId)).toBe(false);
  });

  test('an instance outside any group gets no protector', async () => {
    const protector = await createScaleInProtectorForInstance({
      autoscaling: autoScalingInstanceApi(client),
      instanceId: 'i-0000000000000dead',
      clock: createManualClock(),
      logger: silentLogger,
    });
    expect(protector).toBeUndefined();
  });
});
