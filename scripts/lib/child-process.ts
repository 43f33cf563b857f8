// Spawns long-lived helper processes (servers, proxies) and waits for the line that says where they listen.
import { type ChildProcess, spawn } from 'node:child_process';
import { cleanEnv } from '../../test/support/moto.ts';

export interface HelperProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Stops the process (SIGTERM, then SIGKILL after graceMs) and resolves once it has exited. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export interface SpawnHelperOptions {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Returns what the startup line announces, or undefined for lines to ignore. */
  readonly readyLine: (line: string) => string | undefined;
  readonly startupTimeoutMs?: number;
}

/** Starts a helper with a clean environment; resolves with the process and the value its ready line announced. */
export async function spawnHelper(
  options: SpawnHelperOptions,
): Promise<{ process: HelperProcess; ready: string }> {
  const child = spawn(options.command, [...options.args], {
    env: cleanEnv(),
    // stdin stays open: helpers exit when it closes, so they die with this process even on SIGKILL.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.label} could not be started`);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const helper: HelperProcess = {
    pid,
    child,
    stop: async ({ graceMs = 3000 } = {}) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const ready = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      fail(new Error(`${options.label} did not start within ${options.startupTimeoutMs ?? 30_000} ms`));
    }, options.startupTimeoutMs ?? 30_000);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const value = options.readyLine(line.trim());
        if (value === undefined) continue;
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        child.stdout?.resume();
        resolve(value);
        return;
      }
    };
    const onExit = (code: number | null): void => {
      fail(new Error(`${options.label} exited during startup with code ${code}\n${stderr}`));
    };
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
  return { process: helper, ready };
}
