// The worker Auto Scaling group: its sizes and in-service count, and `scaleWorkers`, which sets its desired capacity.
import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { FerryError } from '../domain/errors.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import { awsCall } from './aws-error.ts';

export interface WorkerGroupState {
  readonly groupName: string;
  readonly desiredCapacity: number;
  readonly minSize: number;
  readonly maxSize: number;
  /** Instances in the InService lifecycle state. */
  readonly inService: number;
}

export async function describeWorkerGroup(options: {
  readonly autoScaling: AutoScalingClient;
  readonly groupName: string;
}): Promise<WorkerGroupState> {
  const { groupName } = options;
  const output = await awsCall(`Auto Scaling DescribeAutoScalingGroups ${groupName}`, () =>
    options.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] })),
  );
  const group = output.AutoScalingGroups?.[0];
  if (group === undefined) throw new FerryError('Config', `there is no Auto Scaling group ${groupName}`);
  return {
    groupName,
    desiredCapacity: group.DesiredCapacity ?? 0,
    minSize: group.MinSize ?? 0,
    maxSize: group.MaxSize ?? 0,
    inService: (group.Instances ?? []).filter((instance) => instance.LifecycleState === 'InService').length,
  };
}

export interface ScaleWorkersResult {
  readonly groupName: string;
  readonly previous: { readonly desiredCapacity: number; readonly maxSize: number };
  readonly desiredCapacity: number;
  readonly maxSize: number;
}

/**
 * Sets the group's desired capacity at once (cooldowns not honoured); 0 scales it in. With maxSize, the group's
 * MaxSize is changed first. A capacity outside [MinSize, MaxSize] is a Config error that says which bound.
 */
export async function scaleWorkers(options: {
  readonly autoScaling: AutoScalingClient;
  readonly groupName: string;
  readonly desiredCapacity: number;
  readonly maxSize?: number;
}): Promise<ScaleWorkersResult> {
  const { autoScaling, groupName, desiredCapacity } = options;
  for (const [name, value] of [
    ['desired capacity', desiredCapacity],
    ['max size', options.maxSize ?? 0],
  ] as const) {
    if (!Number.isInteger(value) || value < 0)
      throw new FerryError('Config', `${name} must be a whole number of at least 0, got ${value}`);
  }
  const before = await describeWorkerGroup({ autoScaling, groupName });
  const maxSize = options.maxSize ?? before.maxSize;
  if (desiredCapacity > maxSize) {
    throw new FerryError(
      'Config',
      `${desiredCapacity} workers is more than group ${groupName}'s maximum of ${maxSize}: raise the maximum (max size) as well`,
    );
  }
  if (desiredCapacity < before.minSize)
    throw new FerryError(
      'Config',
      `${desiredCapacity} workers is less than group ${groupName}'s minimum of ${before.minSize}`,
    );
  const setMaxSize = async (): Promise<void> => {
    if (maxSize === before.maxSize) return;
    await awsCall(`Auto Scaling UpdateAutoScalingGroup ${groupName}`, () =>
      autoScaling.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: groupName, MaxSize: maxSize }),
      ),
    );
  };
  const setDesiredCapacity = async (): Promise<void> => {
    await awsCall(`Auto Scaling SetDesiredCapacity ${groupName}`, () =>
      autoScaling.send(
        new SetDesiredCapacityCommand({
          AutoScalingGroupName: groupName,
          DesiredCapacity: desiredCapacity,
          HonorCooldown: false,
        }),
      ),
    );
  };
  // The group refuses a maximum below its current desired capacity: lowering both goes capacity first.
  if (maxSize >= before.desiredCapacity) {
    await setMaxSize();
    await setDesiredCapacity();
  } else {
    await setDesiredCapacity();
    await setMaxSize();
  }
  return {
    groupName,
    previous: { desiredCapacity: before.desiredCapacity, maxSize: before.maxSize },
    desiredCapacity,
    maxSize,
  };
}

export interface ScaleInTarget {
  readonly autoScaling: AutoScalingClient;
  readonly groupName: string;
  /** When given, a queue still holding messages (other runs sharing the fleet) keeps the workers running. */
  readonly workQueue?: Pick<WorkQueue, 'depth'>;
}

export interface ScaleInResult {
  readonly scaledIn?: ScaleWorkersResult;
  /** Why the workers were left running. */
  readonly scaleInSkipped?: string;
}

/** Scales the group to 0, unless its work queue still holds messages: other runs' work that the workers must finish. */
export async function scaleInWhenIdle(target: ScaleInTarget): Promise<ScaleInResult> {
  const depth = await target.workQueue?.depth();
  const waiting = depth ? depth.visible + depth.inFlight : 0;
  if (waiting > 0) {
    return {
      scaleInSkipped: `the work queue still holds about ${waiting} messages of other runs: workers left running`,
    };
  }
  return {
    scaledIn: await scaleWorkers({
      autoScaling: target.autoScaling,
      groupName: target.groupName,
      desiredCapacity: 0,
    }),
  };
}
