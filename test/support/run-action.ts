// Runs a GitHub action's committed dist/index.js the way the runner does: Node 24, INPUT_* variables (with the
// defaults of action.yml), the GITHUB_* command files, a workspace; returns exit code, output, outputs and summary.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startNodeChild } from './node-child.ts';

const actionsRoot = new URL('../../actions/', import.meta.url).pathname;

export interface ActionRun {
  /** An action under actions/ (e.g. `deploy`), or the absolute path of an action's directory (one with action.yml). */
  readonly action: string;
  /** The `with:` of the step. */
  readonly inputs?: Readonly<Record<string, string>>;
  /** More environment (AWS_* credentials, …) on top of a clean one. */
  readonly env?: Readonly<Record<string, string>>;
  /** GITHUB_WORKSPACE and the working directory; default a new empty temporary directory. */
  readonly workspace?: string;
  /** Kill the action after this long; default 5 minutes. */
  readonly timeoutMs?: number;
}

export interface ActionResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the action wrote to GITHUB_OUTPUT. */
  readonly outputs: Readonly<Record<string, string>>;
  /** What the action wrote to GITHUB_STEP_SUMMARY. */
  readonly summary: string;
  /** The workspace it ran in. */
  readonly workspace: string;
}

interface ActionMetadata {
  readonly runs?: { readonly using?: string; readonly main?: string };
  readonly inputs?: Readonly<Record<string, { readonly default?: unknown }>>;
}

/** The variable the runner sets for an input: INPUT_ + the name upper-cased, spaces as `_` (hyphens kept). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Parses a GITHUB_OUTPUT (or GITHUB_ENV) file: `name<<delimiter` … `delimiter` blocks, as @actions/core writes them,
 * and plain `name=value` lines.
 */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc?.[1] !== undefined && heredoc[2] !== undefined) {
      const end = lines.indexOf(heredoc[2], index + 1);
      if (end < 0) throw new Error(`command file: no closing ${heredoc[2]} for ${heredoc[1]}`);
      values[heredoc[1]] = lines.slice(index + 1, end).join('\n');
      index = end;
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      values[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return values;
}

function actionDirectory(action: string): string {
  return action.startsWith('/') ? action : join(actionsRoot, action);
}

function readMetadata(directory: string): ActionMetadata {
  return parse(readFileSync(join(directory, 'action.yml'), 'utf8')) as ActionMetadata;
}

/** The INPUT_* variables: every declared input's default, then the step's `with:` over them. */
function inputEnv(metadata: ActionMetadata, given: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
    if (spec.default !== undefined) env[inputVariable(name)] = String(spec.default);
  }
  for (const [name, value] of Object.entries(given)) env[inputVariable(name)] = value;
  return env;
}

/** Runs the action once; resolves when it exits (or is killed at the time limit). */
export async function runAction(run: ActionRun): Promise<ActionResult> {
  const directory = actionDirectory(run.action);
  const metadata = readMetadata(directory);
  if (metadata.runs?.using !== 'node24' || metadata.runs.main === undefined)
    throw new Error(`${directory}/action.yml: expected runs.using node24 and runs.main`);
  const files = mkdtempSync(join(tmpdir(), 'ferry-runner-'));
  const workspace = run.workspace ?? join(files, 'workspace');
  const runnerTemp = join(files, 'temp');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  const commandFiles = {
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STEP_SUMMARY: join(files, 'summary.md'),
    GITHUB_STATE: join(files, 'state'),
    GITHUB_ENV: join(files, 'env'),
    GITHUB_PATH: join(files, 'path'),
  };
  for (const path of Object.values(commandFiles)) writeFileSync(path, '');
  const { child, done } = startNodeChild({
    script: join(directory, metadata.runs.main),
    cwd: workspace,
    env: {
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: runnerTemp,
      AWS_EC2_METADATA_DISABLED: 'true',
      ...commandFiles,
      ...inputEnv(metadata, run.inputs ?? {}),
      ...run.env,
    },
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs ?? 300_000);
  const { code, stdout, stderr } = await done;
  clearTimeout(timer);
  const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  return {
    code,
    stdout,
    stderr,
    outputs: parseCommandFile(read(commandFiles.GITHUB_OUTPUT)),
    summary: read(commandFiles.GITHUB_STEP_SUMMARY),
    workspace,
  };
}
