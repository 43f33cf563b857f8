// The copiers the benchmark compares (Ferry, rclone, AWS CLI): the exact commands each runs for one copy.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanEnv } from '../../test/support/moto.ts';
import { ferryRunCommand, writeFerryConfig } from './ferry-command.ts';
import type { CommandSpec } from './run-command.ts';
import { s3rverCredentials } from './s3rver-process.ts';

export const copierNames = ['ferry', 'rclone', 'aws'] as const;
export type CopierName = (typeof copierNames)[number];

export interface CopyJob {
  readonly sourceUrl: string;
  readonly destinationUrl: string;
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  /** Objects (transfers) in flight, the same for every copier. */
  readonly concurrency: number;
  /** A fresh directory the copier may use for its config, state and scratch files. */
  readonly workDirectory: string;
}

export interface CopyPlan {
  readonly copier: CopierName;
  /** Run one after the other; the copy's measurements are their sums. */
  readonly steps: readonly CommandSpec[];
}

/** What a reader of the results must know about how each copier was run. */
export function copierNotes(copier: CopierName, concurrency: number): string[] {
  switch (copier) {
    case 'ferry':
      return [
        'Ferry config: multipartThreshold 16MiB, partSize 8MiB, maxPartsInFlight 16, checksumAlgorithm CRC32C.',
      ];
    case 'rclone':
      return [
        'rclone remotes src/dst via RCLONE_CONFIG_{SRC,DST}_*: type s3, provider Other, force_path_style true, list_url_encode false. `--metadata` makes rclone carry user metadata (it also adds its own mtime/btime entries); other settings default (multipart above 200 MiB in 5 MiB chunks, 4 per file).',
      ];
    case 'aws':
      return [
        `AWS CLI cannot copy between two endpoints in one command: measured as \`aws s3 sync\` download to a local directory plus upload from it, timed together (config: max_concurrent_requests ${concurrency}, addressing_style path, request_checksum_calculation when_required). It does not carry metadata through the local copy.`,
      ];
  }
}

async function ferryPlan(job: CopyJob): Promise<CopyPlan> {
  const configFile = join(job.workDirectory, 'ferry.yaml');
  await writeFerryConfig(configFile, { ...job, mappingId: 'bench' });
  return {
    copier: 'ferry',
    steps: [
      ferryRunCommand({
        configFile,
        statePath: join(job.workDirectory, 'ferry-state.sqlite'),
        concurrency: job.concurrency,
        extraArgs: ['--log-level', 'warn'],
      }),
    ],
  };
}

/** rclone remote settings as RCLONE_CONFIG_<NAME>_* variables. */
function rcloneRemote(name: string, url: string): Record<string, string> {
  const prefix = `RCLONE_CONFIG_${name.toUpperCase()}_`;
  return {
    [`${prefix}TYPE`]: 's3',
    [`${prefix}PROVIDER`]: 'Other',
    [`${prefix}ENDPOINT`]: url,
    [`${prefix}REGION`]: 'us-east-1',
    [`${prefix}ACCESS_KEY_ID`]: s3rverCredentials.accessKeyId,
    [`${prefix}SECRET_ACCESS_KEY`]: s3rverCredentials.secretAccessKey,
    [`${prefix}FORCE_PATH_STYLE`]: 'true',
    // s3rver ignores encoding-type=url, so rclone must not URL-decode the keys it lists.
    [`${prefix}LIST_URL_ENCODE`]: 'false',
  };
}

async function rclonePlan(job: CopyJob): Promise<CopyPlan> {
  const configFile = join(job.workDirectory, 'rclone.conf');
  await writeFile(configFile, '');
  const n = String(job.concurrency);
  return {
    copier: 'rclone',
    steps: [
      {
        command: 'rclone',
        args: [
          'copy',
          `src:${job.sourceBucket}`,
          `dst:${job.destinationBucket}`,
          '--transfers',
          n,
          '--checkers',
          n,
          '--metadata',
        ],
        env: cleanEnv({
          RCLONE_CONFIG: configFile,
          ...rcloneRemote('src', job.sourceUrl),
          ...rcloneRemote('dst', job.destinationUrl),
        }),
      },
    ],
  };
}

async function awsPlan(job: CopyJob): Promise<CopyPlan> {
  const configFile = join(job.workDirectory, 'aws-config');
  await writeFile(
    configFile,
    [
      '[default]',
      'region = us-east-1',
      // s3rver would store aws-chunked request bodies (trailing checksums) verbatim, corrupting them.
      'request_checksum_calculation = when_required',
      'response_checksum_validation = when_required',
      's3 =',
      `  max_concurrent_requests = ${job.concurrency}`,
      '  addressing_style = path',
      '',
    ].join('\n'),
  );
  const env = cleanEnv({
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: join(job.workDirectory, 'no-credentials-file'),
    AWS_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
  });
  const staging = join(job.workDirectory, 'staging');
  return {
    copier: 'aws',
    steps: [
      {
        command: 'aws',
        args: [
          's3',
          'sync',
          `s3://${job.sourceBucket}`,
          staging,
          '--endpoint-url',
          job.sourceUrl,
          '--only-show-errors',
        ],
        env,
      },
      {
        command: 'aws',
        args: [
          's3',
          'sync',
          staging,
          `s3://${job.destinationBucket}`,
          '--endpoint-url',
          job.destinationUrl,
          '--only-show-errors',
        ],
        env,
      },
    ],
  };
}

export async function planCopy(copier: CopierName, job: CopyJob): Promise<CopyPlan> {
  switch (copier) {
    case 'ferry':
      return await ferryPlan(job);
    case 'rclone':
      return await rclonePlan(job);
    case 'aws':
      return await awsPlan(job);
  }
}
