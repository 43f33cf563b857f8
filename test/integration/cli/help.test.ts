// The installed `ferry` executable answers --help and --version, on Node 24, as `npx ferry` runs it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { cleanEnv } from '../../support/moto.ts';

const run = promisify(execFile);
const bin = new URL('../../../node_modules/.bin/ferry', import.meta.url).pathname;
const nodeBin = new URL('../../../node_modules/.bin', import.meta.url).pathname;

test('node_modules/.bin/ferry --help lists the run command', async () => {
  const env = cleanEnv({ PATH: `${nodeBin}:${process.env.PATH ?? ''}` });
  const { stdout } = await run(bin, ['--help'], { env });
  expect(stdout).toMatch(/Usage: ferry/);
  expect(stdout).toMatch(/^\s+run \[options\]/m);
  const version = await run(bin, ['--version'], { env });
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});

test('ferry run --help documents every flag of the contract', async () => {
  const env = cleanEnv({ PATH: `${nodeBin}:${process.env.PATH ?? ''}` });
  const { stdout } = await run(bin, ['run', '--help'], { env });
  for (const flag of ['--config', '--mapping', '--concurrency', '--state', '--dry-run'])
    expect(stdout).toContain(flag);
});
