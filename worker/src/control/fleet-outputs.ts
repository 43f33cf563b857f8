// A fleet's stack outputs, by the names the deployment contract gives them, read and checked in one place.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { FerryError } from '../domain/errors.ts';
import { outputsOf, parametersOf, requireStack } from './stack-reader.ts';

/** The outputs every fleet stack has (templates/ferry.yaml). */
export const fleetOutputNames = [
  'QueueUrl',
  'QueueArn',
  'DeadLetterQueueUrl',
  'LedgerTableName',
  'ArtifactBucketName',
  'ClusterName',
  'ListerTaskDefinitionArn',
  'ListerContainerName',
  'ListerSubnetIds',
  'ListerSecurityGroupId',
  'WorkerGroupName',
  'ConfigParameterName',
  'DashboardName',
  'LogGroupName',
] as const;

export type FleetOutputName = (typeof fleetOutputNames)[number];

export type FleetOutputs = {
  readonly [name in Exclude<FleetOutputName, 'ListerSubnetIds'>]: string;
} & {
  /** The comma-separated output, split. */
  readonly ListerSubnetIds: readonly string[];
};

export interface FleetDescription {
  readonly stackName: string;
  readonly stackStatus: string;
  readonly outputs: FleetOutputs;
  /** The stack's parameters (e.g. WorkerInstanceType), as deployed. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** Checks and types the outputs; a missing or empty one is a Config error that names it and the stack. */
export function fleetOutputsFrom(stackName: string, outputs: Readonly<Record<string, string>>): FleetOutputs {
  const missing = fleetOutputNames.filter((name) => (outputs[name] ?? '') === '');
  if (missing.length > 0) {
    throw new FerryError(
      'Config',
      `stack ${stackName} has no output ${missing.join(', ')}: is it a Ferry fleet stack, deployed from templates/ferry.yaml?`,
    );
  }
  const value = (name: FleetOutputName): string => outputs[name] ?? '';
  const subnets = value('ListerSubnetIds')
    .split(',')
    .map((subnet) => subnet.trim())
    .filter((subnet) => subnet !== '');
  return {
    QueueUrl: value('QueueUrl'),
    QueueArn: value('QueueArn'),
    DeadLetterQueueUrl: value('DeadLetterQueueUrl'),
    LedgerTableName: value('LedgerTableName'),
    ArtifactBucketName: value('ArtifactBucketName'),
    ClusterName: value('ClusterName'),
    ListerTaskDefinitionArn: value('ListerTaskDefinitionArn'),
    ListerContainerName: value('ListerContainerName'),
    ListerSubnetIds: subnets,
    ListerSecurityGroupId: value('ListerSecurityGroupId'),
    WorkerGroupName: value('WorkerGroupName'),
    ConfigParameterName: value('ConfigParameterName'),
    DashboardName: value('DashboardName'),
    LogGroupName: value('LogGroupName'),
  };
}

/** One output of a stack, or a Config error naming it. */
export function requiredOutput(
  stackName: string,
  outputs: Readonly<Record<string, string>>,
  name: FleetOutputName,
): string {
  const value = outputs[name];
  if (value === undefined || value === '')
    throw new FerryError('Config', `stack ${stackName} has no output ${name}`);
  return value;
}

/** Reads the fleet stack and its outputs. */
export async function describeFleet(options: {
  readonly cloudFormation: CloudFormationClient;
  readonly stackName: string;
}): Promise<FleetDescription> {
  const stack = await requireStack({ client: options.cloudFormation, stackName: options.stackName });
  return {
    stackName: options.stackName,
    stackStatus: stack.StackStatus ?? 'UNKNOWN',
    outputs: fleetOutputsFrom(options.stackName, outputsOf(stack)),
    parameters: parametersOf(stack),
  };
}
