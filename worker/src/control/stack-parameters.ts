// Pure handling of stack parameters: Key=Value parsing, unknown names refused, unchanged ones kept on update.
import type { Parameter } from '@aws-sdk/client-cloudformation';
import { FerryError } from '../domain/errors.ts';

/** Parses `Key=Value` assignments (the value may itself hold `=` and commas); a repeated key is an error. */
export function parseParameterAssignments(assignments: readonly string[]): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    const key = at < 0 ? '' : assignment.slice(0, at).trim();
    if (key === '')
      throw new FerryError('Config', `stack parameter ${JSON.stringify(assignment)} is not Key=Value`);
    if (Object.hasOwn(parameters, key))
      throw new FerryError('Config', `stack parameter ${key} is given twice`);
    parameters[key] = assignment.slice(at + 1);
  }
  return parameters;
}

/** Refuses parameters the template does not declare, naming them and listing the ones it does. */
export function assertDeclaredParameters(options: {
  readonly templateName: string;
  readonly declared: readonly string[];
  readonly given: Readonly<Record<string, string>>;
}): void {
  const known = new Set(options.declared);
  const unknown = Object.keys(options.given).filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  throw new FerryError(
    'Config',
    `${options.templateName} has no parameter ${unknown.join(', ')}; it declares: ${[...options.declared].sort().join(', ')}`,
  );
}

/**
 * The change set's parameters: every given one with its value; on an update, every other parameter the stack already
 * has keeps its value (UsePreviousValue), so a deploy that names only what it changes never resets the rest to the
 * template's defaults. Parameters neither given nor on the stack take the template's default.
 */
export function changeSetParameters(options: {
  readonly declared: readonly string[];
  readonly given: Readonly<Record<string, string>>;
  /** The names of the parameters the existing stack has (none for a create). */
  readonly previous: ReadonlySet<string>;
}): Parameter[] {
  const parameters: Parameter[] = [];
  for (const name of options.declared) {
    const value = options.given[name];
    if (value !== undefined) parameters.push({ ParameterKey: name, ParameterValue: value });
    else if (options.previous.has(name)) parameters.push({ ParameterKey: name, UsePreviousValue: true });
  }
  return parameters;
}
