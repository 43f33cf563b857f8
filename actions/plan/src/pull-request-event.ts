// The pull request a workflow runs for, read from the event payload (GITHUB_EVENT_PATH): number, commits, fork or not.
import { readFileSync } from 'node:fs';

export interface PullRequestEvent {
  readonly number: number;
  readonly headSha: string;
  readonly baseSha: string;
  /** The head branch lives in another repository: its workflow gets no secrets and a read-only token. */
  readonly fromFork: boolean;
}

const pullRequestEvents = new Set(['pull_request', 'pull_request_target']);

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, ...path: string[]): unknown {
  let node = value;
  for (const key of path) node = isRecord(node) ? node[key] : undefined;
  return node;
}

const sha = /^[0-9a-f]{40}$/;

/** The payload's pull request, or undefined when it has none that looks right (pure). */
export function pullRequestOf(payload: unknown): PullRequestEvent | undefined {
  const number = field(payload, 'pull_request', 'number');
  const headSha = field(payload, 'pull_request', 'head', 'sha');
  const baseSha = field(payload, 'pull_request', 'base', 'sha');
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) return undefined;
  if (typeof headSha !== 'string' || !sha.test(headSha)) return undefined;
  if (typeof baseSha !== 'string' || !sha.test(baseSha)) return undefined;
  const headRepository = field(payload, 'pull_request', 'head', 'repo', 'full_name');
  const baseRepository = field(payload, 'pull_request', 'base', 'repo', 'full_name');
  const fork = field(payload, 'pull_request', 'head', 'repo', 'fork');
  return {
    number,
    headSha,
    baseSha,
    fromFork: fork === true || typeof headRepository !== 'string' || headRepository !== baseRepository,
  };
}

/** The pull request of this workflow run, when it runs for one. */
export function currentPullRequest(
  env: Readonly<Record<string, string | undefined>> = process.env,
): PullRequestEvent | undefined {
  const path = env.GITHUB_EVENT_PATH;
  if (!path || !pullRequestEvents.has(env.GITHUB_EVENT_NAME ?? '')) return undefined;
  return pullRequestOf(JSON.parse(readFileSync(path, 'utf8')));
}
