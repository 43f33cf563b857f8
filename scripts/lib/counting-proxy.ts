// Starts a counting reverse proxy in a child process in front of one loopback server, and reads its counts.
import { fileURLToPath } from 'node:url';
import { spawnHelper } from './child-process.ts';
import type { RequestCounts } from './request-counts.ts';

export interface CountingProxy {
  /** Where clients should connect instead of the upstream. */
  readonly url: string;
  readonly pid: number;
  counts(): Promise<RequestCounts>;
  stop(): Promise<void>;
}

const proxyMain = fileURLToPath(new URL('./counting-proxy-main.ts', import.meta.url));

export async function startCountingProxy(options: {
  label: string;
  targetUrl: string;
}): Promise<CountingProxy> {
  const { process: helper, ready } = await spawnHelper({
    label: `proxy ${options.label}`,
    command: process.execPath,
    args: [proxyMain, '--target', options.targetUrl],
    readyLine: (line) => /^listening (\d+ \d+)$/.exec(line)?.[1],
  });
  const [proxyPort, controlPort] = ready.split(' ');
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    pid: helper.pid,
    counts: async () => {
      const response = await fetch(`http://127.0.0.1:${controlPort}/counts`);
      if (!response.ok) throw new Error(`proxy ${options.label} counts: HTTP ${response.status}`);
      return (await response.json()) as RequestCounts;
    },
    stop: () => helper.stop(),
  };
}
