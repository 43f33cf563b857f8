// Runs the ferry CLI as a child process on this Node, the way a user runs it, with a clean environment.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCredentials } from './aws.ts';
import { cleanEnv } from './moto.ts';

const bin = new URL('../../worker/bin/ferry.js', import.meta.url).pathname;

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Credentials for the endpoints of configs written by writeConfig (prefixes SRC and DST). */
export const cliCredentialsEnv = {
  SRC_ACCESS_KEY_ID: testCredentials.accessKeyId,
  SRC_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
  DST_ACCESS_KEY_ID: testCredentials.accessKeyId,
  DST_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
};

/** Never probe the EC2 metadata address from tests: nothing of ours is there. */
const noInstanceMetadata = { AWS_EC2_METADATA_DISABLED: 'true' };

export function startFerry(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: cleanEnv({ ...cliCredentialsEnv, ...noInstanceMetadata, ...options.env }),
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
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export async function runFerry(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return await startFerry(args, options).done;
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `ferry-${label}-`));
}

/** Writes a config with endpoints src and dst and the given mapping/transfer YAML; returns its path. */
export function writeConfig(options: {
  dir: string;
  sourceUrl: string;
  destinationUrl: string;
  mappingsYaml: string;
  transferYaml?: string;
}): string {
  const path = join(options.dir, 'ferry.yaml');
  writeFileSync(
    path,
    [
      'endpoints:',
      `  src: { url: "${options.sourceUrl}", region: us-east-1, forcePathStyle: true, credentials: { env: SRC } }`,
      `  dst: { url: "${options.destinationUrl}", region: us-east-1, forcePathStyle: true, credentials: { env: DST } }`,
      options.transferYaml ??
        'transfer: { concurrency: 8, multipartThreshold: 6MiB, partSize: 5MiB, maxPartsInFlight: 8 }',
      'mappings:',
      options.mappingsYaml,
      '',
    ].join('\n'),
  );
  return path;
}
