// A ferry child process as ECS or EC2 would run it: clean environment, output into a log file, stopped by signals.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { cliCredentialsEnv } from './ferry-cli.ts';
import { cleanEnv } from './moto.ts';

export const sourceFerryScript = new URL('../../worker/bin/ferry.js', import.meta.url).pathname;

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface FerryProcess {
  readonly process: ChildProcess;
  /** Resolves once the process has exited and its output is in the log file. */
  readonly done: Promise<ProcessExit>;
}

/**
 * Starts `node <script> …args` on this Node (24) with a clean environment (no AWS_/proxy/CA settings of this machine),
 * the SRC_/DST_ test credentials and `env`; stdout and stderr go to logFile, and to onOutput as they come.
 */
export function startFerryProcess(options: {
  script: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  logFile: string;
  onOutput?: (text: string) => void;
}): FerryProcess {
  const log = createWriteStream(options.logFile);
  const child = spawn(process.execPath, [options.script, ...options.args], {
    env: cleanEnv({ ...cliCredentialsEnv, ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipe(log, { end: false });
    if (options.onOutput) stream.on('data', (chunk: Buffer) => options.onOutput?.(chunk.toString()));
  }
  const done = new Promise<ProcessExit>((resolve) => {
    child.on('close', (code, signal) => log.end(() => resolve({ code, signal })));
  });
  return { process: child, done };
}

/** Sends the signal unless the process has exited already. */
export function signalProcess(running: FerryProcess | undefined, signal: NodeJS.Signals): void {
  const child = running?.process;
  if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
}

/** SIGTERM, then SIGKILL if it has not exited after graceMs (a drain that hangs). */
export async function stopProcess(running: FerryProcess, graceMs: number): Promise<void> {
  signalProcess(running, 'SIGTERM');
  const timer = setTimeout(() => signalProcess(running, 'SIGKILL'), graceMs);
  await running.done;
  clearTimeout(timer);
}
