// Starts moto_server on a free loopback port with a clean environment, installing it into a local venv if missing.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const repoRoot = new URL('../..', import.meta.url).pathname;
const venv = join(repoRoot, '.cache', 'moto-venv');

/** The environment for AWS tools and servers: no CA bundles, proxies or AWS settings from this machine. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/CA_BUNDLE|SSL_CERT|CA_CERTS|^AWS_|PROXY/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore', env: cleanEnv() });
    return true;
  } catch {
    return false;
  }
}

/** The moto_server command: the machine's own, else one installed into .cache/moto-venv. */
export function motoCommand(): string {
  if (onPath('moto_server')) return 'moto_server';
  const local = join(venv, 'bin', 'moto_server');
  if (!existsSync(local)) {
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit', env: cleanEnv() });
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', 'moto[server,s3crc32c]'], {
      stdio: 'inherit',
      env: cleanEnv(),
    });
  }
  return local;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  readonly url: string;
  stop(): Promise<void>;
}

async function waitUntilUp(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer at ${url} within ${deadlineMs} ms`);
}

const debianCrc32c = '/usr/lib/python3/dist-packages/crc32c.cpython-311-x86_64-linux-gnu.so';

/**
 * moto computes CRC32C only when the `crc32c` Python module loads; without it, it silently returns CRC32 under the
 * CRC32C name. PyPI is out of reach here, so Debian's python3-crc32c build is offered to moto's Python (3.11 as well)
 * through a PYTHONPATH folder holding only that module. Elsewhere moto keeps whatever it has.
 */
function motoPythonPath(): Record<string, string> {
  if (!existsSync(debianCrc32c)) return {};
  const folder = join(repoRoot, '.cache', 'moto-pythonpath');
  const link = join(folder, 'crc32c.cpython-311-x86_64-linux-gnu.so');
  if (!existsSync(link)) {
    mkdirSync(folder, { recursive: true });
    symlinkSync(debianCrc32c, link);
  }
  return { PYTHONPATH: folder };
}

/** Starts one moto_server; every service it emulates answers on the one port. */
export async function startMoto(): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(motoCommand(), ['-H', '127.0.0.1', '-p', String(port)], {
    env: cleanEnv({ MOTO_ALLOW_NONEXISTENT_REGION: 'true', ...motoPythonPath() }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(url, child, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
