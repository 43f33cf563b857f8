// Sets an action's outputs; names from CloudFormation (QueueUrl) become the kebab-case GitHub uses (queue-url).
import * as core from '@actions/core';

export type OutputValue = string | number | boolean;

/** `QueueUrl` → `queue-url`, `ListerSubnetIds` → `lister-subnet-ids`, `DLQArn` → `dlq-arn`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[\s_]+/g, '-')
    .toLowerCase();
}

/** Every entry as one output, under the name given. */
export function setOutputs(outputs: Readonly<Record<string, OutputValue>>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, String(value));
}

/** Every entry as one output, its name kebab-cased. */
export function setKebabCaseOutputs(outputs: Readonly<Record<string, OutputValue>>): void {
  setOutputs(Object.fromEntries(Object.entries(outputs).map(([name, value]) => [kebabCase(name), value])));
}
