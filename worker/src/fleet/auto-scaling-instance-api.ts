// The two Auto Scaling calls a worker makes about its own instance, as a small port over the AWS SDK client.
import {
  type AutoScalingClient,
  DescribeAutoScalingInstancesCommand,
  SetInstanceProtectionCommand,
} from '@aws-sdk/client-auto-scaling';

export interface InstanceProtectionChange {
  readonly instanceId: string;
  readonly autoScalingGroupName: string;
  readonly protectedFromScaleIn: boolean;
}

export interface AutoScalingInstanceApi {
  /** The group the instance belongs to; undefined when it is in none. */
  autoScalingGroupOf(instanceId: string): Promise<string | undefined>;
  setInstanceProtection(change: InstanceProtectionChange): Promise<void>;
}

export function autoScalingInstanceApi(client: AutoScalingClient): AutoScalingInstanceApi {
  return {
    async autoScalingGroupOf(instanceId) {
      const answer = await client.send(
        new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }),
      );
      return answer.AutoScalingInstances?.find((instance) => instance.InstanceId === instanceId)
        ?.AutoScalingGroupName;
    },
    async setInstanceProtection(change) {
      await client.send(
        new SetInstanceProtectionCommand({
          InstanceIds: [change.instanceId],
          AutoScalingGroupName: change.autoScalingGroupName,
          ProtectedFromScaleIn: change.protectedFromScaleIn,
        }),
      );
    },
  };
}
