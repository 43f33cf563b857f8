// `ferry run` when things go wrong: a killed run resumes, bad config is located, unstorable keys fail loudly.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { testS3, uniqueBucket } from '../../support/aws.ts';
import { runFerry, startFerry, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import { bytesFor, createBucket, fingerprint, listKeys, putObject } from '../../support/objects.ts';

const MiB = 1024 * 1024;
const source = testS3(inject('motoSource'));
const destination = testS3(inject('motoDestination'));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function mapping(label: string, options: { destinationPrefix?: string } = {}) {
  const dir = tempDir(label);
  dirs.push(dir);
  const sourceBucket = uniqueBucket(`${label}-src`);
  const destinationBucket = uniqueBucket(`${label}-dst`);
  await createBucket(source, sourceBucket);
  await createBucket(destination, destinationBucket);
  const config = writeConfig({
    dir,
    sourceUrl: inject('motoSource'),
    destinationUrl: inject('motoDestination'),
    transferYaml:
      'transfer: { concurrency: 2, multipartThreshold: 6MiB, partSize: 5MiB, maxPartsInFlight: 2 }',
    mappingsYaml: [
      `  - id: ${label}`,
      `    source: { endpoint: src, bucket: ${sourceBucket} }`,
      `    destination: { endpoint: dst, bucket: ${destinationBucket}, prefix: "${options.destinationPrefix ?? ''}" }`,
    ].join('\n'),
  });
  return { dir, config, state: join(dir, 'state.sqlite'), sourceBucket, destinationBucket };
}

describe('ferry run when things go wrong', () => {
  test('a run killed with SIGKILL resumes where it stopped and finishes exact', async () => {
    const m = await mapping('resume');
    const keys = Array.from({ length: 300 }, (_, i) => `obj/${String(i).padStart(4, '0')}`);
    const limit = pLimit(16);
    await Promise.all(
      keys.map((key) =>
        limit(() => putObject(source, { bucket: m.sourceBucket, key, body: bytesFor(key, 4096) })),
      ),
    );
    await putObject(source, { bucket: m.sourceBucket, key: 'big/one', body: bytesFor('big', 16 * MiB) });
    const first = startFerry(['run', '--config', m.config, '--state', m.state, '--no-progress']);
    for (let i = 0; i < 600; i++) {
      if ((await listKeys(destination, m.destinationBucket)).length >= 40) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const copiedBefore = (await listKeys(destination, m.destinationBucket)).length;
    expect(copiedBefore).toBeLessThan(301);

    const second = await runFerry(['run', '--config', m.config, '--state', m.state, '--no-progress']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/\(resumed\)/);
    const all = [...keys, 'big/one'];
    expect((await listKeys(destination, m.destinationBucket)).sort()).toEqual(all.sort());
    for (const key of ['obj/0000', 'obj/0150', 'obj/0299', 'big/one']) {
      expect(await fingerprint(destination, m.destinationBucket, key)).toEqual(
        await fingerprint(source, m.sourceBucket, key),
      );
    }
    const third = await runFerry(['run', '--config', m.config, '--state', m.state, '--no-progress']);
    expect(third.stdout).toMatch(/\| 0 +\| 301 +\| 0 +\|/);
  });

  test('an object that cannot be stored fails the run with its class and key, and the rest is copied', async () => {
    const m = await mapping('unstorable', { destinationPrefix: 'a-longer-destination-prefix/' });
    const longKey = `k${'x'.repeat(1000)}`;
    await putObject(source, { bucket: m.sourceBucket, key: longKey, body: bytesFor('long', 10) });
    await putObject(source, { bucket: m.sourceBucket, key: 'fine', body: bytesFor('fine', 10) });
    const result = await runFerry(['run', '--config', m.config, '--state', m.state, '--no-progress']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\| 1 +\| 0 +\| 1 +\|/);
    expect(result.stdout).toMatch(/InvalidObject: 1/);
    expect(result.stdout).toContain(longKey.slice(0, 50));
    expect(await listKeys(destination, m.destinationBucket)).toEqual(['a-longer-destination-prefix/fine']);
  });

  test('a config error names file, line, column and field, exits 2 and touches nothing', async () => {
    const dir = tempDir('badconfig');
    dirs.push(dir);
    const file = join(dir, 'ferry.yaml');
    writeFileSync(
      file,
      [
        'endpoints:',
        '  src: { region: us-east-1 }',
        'mappings:',
        '  - id: bad',
        '    source: { endpoint: src, bucket: ok-bucket }',
        '    destination: { endpoint: src, bucket: Not_A_Bucket }',
        '',
      ].join('\n'),
    );
    const result = await runFerry(['run', '--config', file, '--state', join(dir, 's.sqlite')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:6:`);
    expect(result.stderr).toContain('mappings[0].destination.bucket');
  });

  test('an unknown mapping id is a usage error', async () => {
    const m = await mapping('unknownid');
    const result = await runFerry(['run', '--config', m.config, '--mapping', 'nope', '--state', m.state]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no mapping with id "nope"/);
  });
});
