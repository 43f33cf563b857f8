// Starts a script on this Node (24) as a child process with a clean environment, its stdout and stderr captured.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { cleanEnv } from './moto.ts';

export interface CapturedRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NodeChild {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves once the child has exited and its output streams are closed. */
  readonly done: Promise<CapturedRun>;
}

/**
 * `node <script> …args` with no stdin; env goes on top of cleanEnv() (no AWS_/proxy/CA settings of this machine).
 */
export function startNodeChild(options: {
  script: string;
  args?: readonly string[];
  cwd?: string;
  env?: Readonly<Record<string, string>>;
}): NodeChild {
  const child = spawn(process.execPath, [options.script, ...(options.args ?? [])], {
    cwd: options.cwd ?? process.cwd(),
    env: cleanEnv({ ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<CapturedRun>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}
