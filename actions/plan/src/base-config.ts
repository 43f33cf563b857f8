// The ferry.yaml before the change: a file, or the file as it is at a git commit (absent there: a new file).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { RuleViolation } from '../../lib/src/input-rules.ts';

/** A commit or a ref name git accepts, never an option (no leading "-") and never a revision expression. */
export function gitRef(text: string): string {
  if (!/^[0-9a-f]{40}$/.test(text) && !/^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$/.test(text)) {
    throw new RuleViolation(`${JSON.stringify(text.slice(0, 80))} is not a commit sha or a ref name`);
  }
  if (text.includes('..') || text.endsWith('.lock') || text.endsWith('/')) {
    throw new RuleViolation(`${JSON.stringify(text)} is not a ref name git accepts`);
  }
  return text;
}

/** The message git gives when the path is not in that commit: the file is new in this change. */
const notInCommit = /does not exist in|exists on disk, but not in|path .* does not exist/i;

/** The file's text at ref, or undefined when the commit does not have it. Throws when git cannot read the commit. */
export function configAtRef(options: { workspace: string; ref: string; file: string }): string | undefined {
  const path = relative(options.workspace, options.file).split('\\').join('/');
  try {
    return execFileSync('git', ['show', `${options.ref}:${path}`], {
      cwd: options.workspace,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    if (notInCommit.test(stderr)) return undefined;
    throw new Error(
      `cannot read ${path} at ${options.ref} (check out with fetch-depth: 0 so the base commit is there): ${stderr.trim()}`,
    );
  }
}

export function configFromFile(file: string): string {
  return readFileSync(file, 'utf8');
}
