// Runs the ferry CLI as a child process on this Node, the way a user runs it, with a clean environment.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCredentials } from './aws.ts';
import { type CapturedRun, type NodeChild, startNodeChild } from './node-child.ts';

const bin = new URL('../../worker/bin/ferry.js', import.meta.url).pathname;

export type CliResult = CapturedRun;

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
): NodeChild {
  return startNodeChild({
    script: bin,
    args,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: { ...cliCredentialsEnv, ...noInstanceMetadata, ...options.env },
  });
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

/** One mapping of a config written by writeConfig: a bucket and prefix of endpoint src to one of endpoint dst. */
export function mappingYaml(options: {
  id: string;
  sourceBucket: string;
  sourcePrefix: string;
  destinationBucket: string;
  destinationPrefix: string;
}): string {
  return [
    `  - id: ${options.id}`,
    `    source: { endpoint: src, bucket: ${options.sourceBucket}, prefix: "${options.sourcePrefix}" }`,
    `    destination: { endpoint: dst, bucket: ${options.destinationBucket}, prefix: "${options.destinationPrefix}" }`,
  ].join('\n');
}
