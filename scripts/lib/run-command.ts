// Runs a tool (a copier) as a child process group with a time limit, streaming or logging its output.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface CommandSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export interface CommandOutcome {
  /** The exit code; null when killed by a signal. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  /** The last 8,000 characters of stderr. */
  readonly stderrTail: string;
}

export interface RunOptions {
  readonly timeoutMs: number;
  /** Each output line is passed here as it arrives (already without its newline). */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Output is also appended to this file. */
  readonly logFile?: string;
  /** Called with a function that kills the running command, so an interrupted script can stop it. */
  readonly onStarted?: (kill: () => void) => void;
}

/** A shell-quoted command line, for showing exactly what was run. */
export function commandLine(spec: Pick<CommandSpec, 'command' | 'args'>): string {
  const quote = (word: string): string =>
    /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
  return [spec.command, ...spec.args].map(quote).join(' ');
}

function lineSplitter(emit: (line: string) => void): { push(chunk: string): void; end(): void } {
  let pending = '';
  return {
    push: (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line);
    },
    end: () => {
      if (pending) emit(pending);
      pending = '';
    },
  };
}

export async function runCommand(spec: CommandSpec, options: RunOptions): Promise<CommandOutcome> {
  const child = spawn(spec.command, [...spec.args], {
    env: { ...spec.env },
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a time-out ends the tool and everything it started.
    detached: true,
  });
  const killGroup = (): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  options.onStarted?.(killGroup);
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  let stdout = '';
  let stderrTail = '';
  const stdoutLines = lineSplitter((line) => options.onLine?.(line, 'stdout'));
  const stderrLines = lineSplitter((line) => options.onLine?.(line, 'stderr'));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    log?.write(chunk);
    stdoutLines.push(chunk);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-8000);
    log?.write(chunk);
    stderrLines.push(chunk);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  stdoutLines.end();
  stderrLines.end();
  await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
  return { exitCode, timedOut, stdout, stderrTail };
}
