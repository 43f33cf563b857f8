// What a lister ECS task would run: the ferry arguments and environment from its container definition and overrides.
import type { ContainerDefinition, KeyValuePair, TaskOverride } from '@aws-sdk/client-ecs';

export interface ListerProcessSpec {
  /** Arguments after the ferry executable, e.g. ['list']. */
  readonly args: readonly string[];
  /** The container's environment: definition first, the task's container overrides on top. */
  readonly env: Readonly<Record<string, string>>;
}

function environmentOf(pairs: readonly KeyValuePair[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    if (pair.name !== undefined) env[pair.name] = pair.value ?? '';
  }
  return env;
}

/**
 * The ferry arguments of a container command: whatever follows the ferry script (`node /ferry/ferry.cjs list`, or the
 * same inside `sh -c "…"`). Words are split on white space: the stand-in does not interpret shell quoting.
 */
export function ferryArgsOf(command: readonly string[] | undefined): string[] {
  if (command === undefined || command.length === 0) return ['list'];
  const found = /(?:^|[\s/])ferry\.c?js(?:\s+(.*))?$/s.exec(command.join(' '));
  if (!found) throw new Error(`the lister command does not run ferry: ${JSON.stringify(command)}`);
  return (found[1] ?? '').split(/\s+/).filter((word) => word !== '');
}

/** The process an ECS task would start for the named container; undefined when the task has no such container. */
export function listerProcessSpec(options: {
  containers: readonly ContainerDefinition[];
  overrides: TaskOverride | undefined;
  containerName: string;
}): ListerProcessSpec | undefined {
  const container = options.containers.find((each) => each.name === options.containerName);
  if (!container) return undefined;
  const override = options.overrides?.containerOverrides?.find((each) => each.name === options.containerName);
  const command = override?.command?.length ? override.command : container.command;
  return {
    args: ferryArgsOf(command),
    env: { ...environmentOf(container.environment), ...environmentOf(override?.environment) },
  };
}
