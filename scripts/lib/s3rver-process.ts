// Runs one s3rver (fake S3 on the local file system) in a child process on a free loopback port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnHelper } from './child-process.ts';

/** s3rver accepts only these credentials. */
export const s3rverCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3rverProcess {
  readonly url: string;
  readonly pid: number;
  /** Where s3rver keeps buckets: <directory>/<bucket>/<key path>._S3rver_object. */
  readonly directory: string;
  stop(): Promise<void>;
}

const s3rverMain = fileURLToPath(new URL('./s3rver-main.ts', import.meta.url));

export async function startS3rver(options: { label: string }): Promise<S3rverProcess> {
  const directory = await mkdtemp(join(tmpdir(), `ferry-${options.label}-s3rver-`));
  try {
    const { process: helper, ready } = await spawnHelper({
      label: `s3rver ${options.label}`,
      command: process.execPath,
      // s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3 only has in its legacy provider.
      args: ['--openssl-legacy-provider', s3rverMain, '--directory', directory],
      readyLine: (line) => /^listening (\d+)$/.exec(line)?.[1],
    });
    return {
      url: `http://127.0.0.1:${ready}`,
      pid: helper.pid,
      directory,
      stop: async () => {
        await helper.stop();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
