// The committed engine bundle: a deterministic tarball whose hash file matches, and which, unpacked anywhere with no
// node_modules around, runs the ferry CLI with its native CRC32C module: a real copy between two moto servers.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { crc32c } from '@node-rs/crc32';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import packageJson from '../../../worker/package.json' with { type: 'json' };
import { testS3, uniqueBucket } from '../../support/aws.ts';
import { cliCredentialsEnv, mappingYaml, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import { cleanEnv } from '../../support/moto.ts';
import { type CapturedRun, startNodeChild } from '../../support/node-child.ts';
import { bytesFor, createBucket, putObject } from '../../support/objects.ts';

const engineDirectory = new URL('../../../actions/deploy/dist/engine/', import.meta.url).pathname;
const tarball = join(engineDirectory, 'ferry-engine.tgz');

async function runBundledFerry(directory: string, args: readonly string[]): Promise<CapturedRun> {
  return await startNodeChild({
    script: join(directory, 'ferry.cjs'),
    args,
    cwd: directory,
    env: { ...cliCredentialsEnv, AWS_EC2_METADATA_DISABLED: 'true' },
  }).done;
}

// The bundle carries the linux-x64-gnu CRC module: it runs where the workers run, x86_64 Linux.
describe.runIf(process.platform === 'linux' && process.arch === 'x64')('engine bundle', () => {
  let unpacked: string;

  beforeAll(() => {
    unpacked = tempDir('engine-unpacked');
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--no-same-owner']);
  });

  it('comes with a sha256sum line that matches it', () => {
    const digest = createHash('sha256').update(readFileSync(tarball)).digest('hex');
    expect(readFileSync(`${tarball}.sha256`, 'utf8')).toBe(`${digest}  ferry-engine.tgz\n`);
    execFileSync('sha256sum', ['--check', '--status', 'ferry-engine.tgz.sha256'], { cwd: engineDirectory });
  });

  it('is a deterministic tarball: sorted names, owner 0, time 0, the CLI and its native module at the top', () => {
    const listing = execFileSync('tar', ['--list', '--verbose', '--numeric-owner', '--file', tarball], {
      encoding: 'utf8',
      env: cleanEnv({ TZ: 'UTC' }),
    })
      .trim()
      .split('\n');
    const names = listing.map((line) => line.split(/\s+/).at(-1) ?? '');
    expect(names).toContain('ferry.cjs');
    expect(names).toContain('crc32.linux-x64-gnu.node');
    expect(names).toContain('package.json');
    expect(names).toEqual([...names].sort());
    for (const line of listing) expect(line).toMatch(/^-rw-r--r-- 0\/0 +\d+ 1970-01-01 00:00 /);
    // gzip -n: no file name, modification time 0.
    const header = readFileSync(tarball).subarray(0, 10);
    expect(header.readUInt32LE(4)).toBe(0);
    expect(header[3]! & 0x08).toBe(0);
  });

  it('runs from an unpacked copy with no node_modules: --version', async () => {
    const result = await runBundledFerry(unpacked, ['--version']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(packageJson.version);
  });

  it('copies with CRC32C checksums from an unpacked copy (the native module loads)', async () => {
    const sourceUrl = inject('motoSource');
    const destinationUrl = inject('motoDestination');
    const sourceBucket = uniqueBucket('bundle-src');
    const destinationBucket = uniqueBucket('bundle-dst');
    await createBucket(testS3(sourceUrl), sourceBucket);
    await createBucket(testS3(destinationUrl), destinationBucket);
    const body = bytesFor('engine-bundle', 300_000);
    await putObject(testS3(sourceUrl), { bucket: sourceBucket, key: 'data/object.bin', body });
    const work = tempDir('engine-run');
    const config = writeConfig({
      dir: work,
      sourceUrl,
      destinationUrl,
      mappingsYaml: mappingYaml({
        id: 'bundle',
        sourceBucket,
        sourcePrefix: 'data/',
        destinationBucket,
        destinationPrefix: 'copy/',
      }),
    });

    const result = await runBundledFerry(unpacked, [
      'run',
      '--config',
      config,
      '--state',
      join(work, 'state.sqlite'),
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(0);

    const head = await testS3(destinationUrl).send(
      new HeadObjectCommand({ Bucket: destinationBucket, Key: 'copy/object.bin', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ContentLength).toBe(body.length);
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(crc32c(body));
    expect(head.ChecksumCRC32C).toBe(expected.toString('base64'));
  });
});
