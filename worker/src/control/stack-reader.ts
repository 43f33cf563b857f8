// Reads a CloudFormation stack: whether it exists, its status, outputs and parameters.
import { type CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { FerryError } from '../domain/errors.ts';
import { classifyAwsError } from './aws-error.ts';

/** CloudFormation answers DescribeStacks for an unknown stack with a ValidationError naming it. */
function isMissingStack(error: unknown): boolean {
  return error instanceof Error && /does not exist/i.test(error.message);
}

/** The stack, or undefined when there is none by that name (deleted stacks included). */
export async function findStack(options: {
  readonly client: CloudFormationClient;
  readonly stackName: string;
}): Promise<Stack | undefined> {
  try {
    const output = await options.client.send(new DescribeStacksCommand({ StackName: options.stackName }));
    return output.Stacks?.[0];
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw classifyAwsError(error, `CloudFormation DescribeStacks ${options.stackName}`);
  }
}

export async function requireStack(options: {
  readonly client: CloudFormationClient;
  readonly stackName: string;
}): Promise<Stack> {
  const stack = await findStack(options);
  if (stack === undefined)
    throw new FerryError('Config', `there is no CloudFormation stack ${options.stackName}: deploy it first`);
  return stack;
}

/** The stack's outputs as a name → value record. */
export function outputsOf(stack: Stack): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey !== undefined && output.OutputValue !== undefined)
      outputs[output.OutputKey] = output.OutputValue;
  }
  return outputs;
}

/** The stack's parameters as a name → value record (NoEcho ones read as ****). */
export function parametersOf(stack: Stack): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const parameter of stack.Parameters ?? []) {
    if (parameter.ParameterKey !== undefined)
      parameters[parameter.ParameterKey] = parameter.ParameterValue ?? '';
  }
  return parameters;
}
