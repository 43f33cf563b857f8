// Writes a Ferry config for two loopback endpoints and builds the `ferry run` command line and environment.
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { cleanEnv } from '../../test/support/moto.ts';
import type { CommandSpec } from './run-command.ts';
import { s3rverCredentials } from './s3rver-process.ts';

export const ferryBin = fileURLToPath(new URL('../../worker/bin/ferry.js', import.meta.url));

export interface FerryJob {
  readonly sourceUrl: string;
  readonly destinationUrl: string;
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly mappingId: string;
  readonly concurrency: number;
}

/** The YAML config for one mapping between the two endpoints; credentials come from SRC_* and DST_*. */
export function ferryConfigYaml(job: FerryJob): string {
  const endpoint = (url: string, prefix: string) => ({
    url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { env: prefix },
  });
  return stringify({
    endpoints: { src: endpoint(job.sourceUrl, 'SRC'), dst: endpoint(job.destinationUrl, 'DST') },
    transfer: {
      concurrency: job.concurrency,
      multipartThreshold: '16MiB',
      partSize: '8MiB',
      checksumAlgorithm: 'CRC32C',
    },
    mappings: [
      {
        id: job.mappingId,
        source: { endpoint: 'src', bucket: job.sourceBucket, prefix: '' },
        destination: { endpoint: 'dst', bucket: job.destinationBucket, prefix: '' },
      },
    ],
  });
}

export async function writeFerryConfig(file: string, job: FerryJob): Promise<void> {
  await writeFile(file, ferryConfigYaml(job));
}

/** `worker/bin/ferry.js run ...` run as an executable (its shebang's Node flags apply), on this Node, clean environment. */
export function ferryRunCommand(options: {
  readonly configFile: string;
  readonly statePath: string;
  readonly concurrency: number;
  readonly extraArgs?: readonly string[];
}): CommandSpec {
  return {
    command: ferryBin,
    args: [
      'run',
      '--config',
      options.configFile,
      '--state',
      options.statePath,
      '--concurrency',
      String(options.concurrency),
      '--no-progress',
      ...(options.extraArgs ?? []),
    ],
    env: cleanEnv({
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      SRC_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
      SRC_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
      DST_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
      DST_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
    }),
  };
}
