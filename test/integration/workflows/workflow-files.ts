// The repository's workflow files, read and parsed, and the shapes of their jobs and steps as the tests look at them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** A GitHub expression as a workflow writes it: expression('matrix.mapping') is the text `$` + `{{ matrix.mapping }}`. */
export function expression(body: string): string {
  return `${'$'}{{ ${body} }}`;
}

/** Whether text holds a GitHub expression. */
export function hasExpression(text: string): boolean {
  return text.includes(`${'$'}{{`);
}

export const workflowsDir = new URL('../../../.github/workflows/', import.meta.url).pathname;
export const actionsDir = new URL('../../../actions/', import.meta.url).pathname;

export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, unknown>>;
}

export interface Job {
  readonly permissions?: unknown;
  readonly environment?: unknown;
  readonly concurrency?: { readonly group?: string; readonly 'cancel-in-progress'?: unknown } | string;
  readonly strategy?: { readonly matrix?: Readonly<Record<string, unknown>> };
  readonly needs?: string | readonly string[];
  readonly if?: string;
  readonly steps?: readonly Step[];
}

export interface Workflow {
  readonly file: string;
  readonly text: string;
  readonly on: Readonly<Record<string, unknown>>;
  readonly permissions?: unknown;
  readonly concurrency?: Job['concurrency'];
  readonly jobs: Readonly<Record<string, Job>>;
}

export function workflowFiles(): string[] {
  return readdirSync(workflowsDir)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort();
}

export function readWorkflow(file: string): Workflow {
  const text = readFileSync(join(workflowsDir, file), 'utf8');
  const data = parse(text) as Omit<Workflow, 'file' | 'text'>;
  return { ...data, file, text };
}

export function allSteps(workflow: Workflow): { job: string; step: Step }[] {
  return Object.entries(workflow.jobs).flatMap(([job, spec]) =>
    (spec.steps ?? []).map((step) => ({ job, step })),
  );
}

interface ActionInput {
  readonly required?: boolean;
  readonly default?: unknown;
}

/** The inputs a local action (`./actions/<name>`) declares. */
export function localActionInputs(uses: string): Readonly<Record<string, ActionInput>> {
  const name = uses.replace(/^\.\/actions\//, '');
  const metadata = parse(readFileSync(join(actionsDir, name, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, ActionInput>;
  };
  return metadata.inputs ?? {};
}
