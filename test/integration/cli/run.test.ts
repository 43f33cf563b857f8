// `ferry run` end to end against two moto servers: exact copies, incremental skips, change detection, failures.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { testS3, uniqueBucket } from '../../support/aws.ts';
import { mappingYaml, runFerry, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import {
  bytesFor,
  createBucket,
  fingerprint,
  headObject,
  listKeys,
  putMultipartObject,
  putObject,
} from '../../support/objects.ts';

const MiB = 1024 * 1024;
const source = testS3(inject('motoSource'));
const destination = testS3(inject('motoDestination'));

const hostileKeys = [
  'data/plain.txt',
  'data/ünïcödé/日本語/😀.bin',
  'data/with space/and+plus/%25percent/?question/#hash/&amp/;semi/\'quote/"dq/back\\slash',
  'data//double//slash',
  'data/../dot-dot/./x',
  'data/dir-marker/',
  `data/${'k'.repeat(1024 - 'data/'.length)}`,
];
const sizedObjects: [string, number][] = [
  ['data/sizes/0', 0],
  ['data/sizes/1', 1],
  ['data/sizes/threshold-minus-1', 6 * MiB - 1],
  ['data/sizes/threshold', 6 * MiB],
  ['data/sizes/threshold-plus-1', 6 * MiB + 1],
  ['data/sizes/three-parts', 12 * MiB + 7],
];
const richMetadata = {
  ContentType: 'application/x-ferry; charset=utf-8',
  ContentEncoding: 'gzip',
  ContentDisposition: 'attachment; filename="resume.pdf"',
  ContentLanguage: 'en-GB',
  CacheControl: 'max-age=3600, must-revalidate',
  Expires: new Date('2031-01-02T03:04:05Z'),
  Metadata: { owner: 'ferry', 'mixed-case': 'Value With Spaces' },
};

describe('ferry run (embedded mode)', () => {
  const sourceBucket = uniqueBucket('run-src');
  const destinationBucket = uniqueBucket('run-dst');
  const dir = tempDir('run');
  const state = join(dir, 'state.sqlite');
  let config = '';
  const allKeys = () => [...hostileKeys, ...sizedObjects.map(([key]) => key), 'data/composite.bin'];
  const destKey = (key: string) => `copy/${key.slice('data/'.length)}`;

  beforeAll(async () => {
    await createBucket(source, sourceBucket);
    await createBucket(destination, destinationBucket);
    for (const key of hostileKeys) {
      const body = key.endsWith('/') ? Buffer.alloc(0) : bytesFor(key, 100);
      await putObject(source, { bucket: sourceBucket, key, body, metadata: richMetadata });
    }
    for (const [key, size] of sizedObjects) {
      await putObject(source, {
        bucket: sourceBucket,
        key,
        body: bytesFor(key, size),
        metadata: richMetadata,
      });
    }
    await putMultipartObject(source, {
      bucket: sourceBucket,
      key: 'data/composite.bin',
      body: bytesFor('composite', 11 * MiB),
      metadata: richMetadata,
    });
    await putObject(source, { bucket: sourceBucket, key: 'outside/not-mapped', body: bytesFor('x', 10) });
    config = writeConfig({
      dir,
      sourceUrl: inject('motoSource'),
      destinationUrl: inject('motoDestination'),
      mappingsYaml: mappingYaml({
        id: 'main',
        sourceBucket,
        sourcePrefix: 'data/',
        destinationBucket,
        destinationPrefix: 'copy/',
      }),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('copies every object byte- and metadata-exact, with the prefix replaced', async () => {
    const result = await runFerry(['run', '--config', config, '--state', state, '--no-progress']);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect((await listKeys(destination, destinationBucket)).sort()).toEqual(allKeys().map(destKey).sort());
    for (const key of allKeys()) {
      expect(await fingerprint(destination, destinationBucket, destKey(key)), key).toEqual(
        await fingerprint(source, sourceBucket, key),
      );
    }
    expect(result.stdout).toMatch(/\| main +\| .+ \| 14 +\| 0 +\| 0 +\|/);
  });

  test('carries a full-object CRC32C checksum on every copy', async () => {
    const head = await destination.send(
      new HeadObjectCommand({
        Bucket: destinationBucket,
        Key: destKey('data/plain.txt'),
        ChecksumMode: 'ENABLED',
      }),
    );
    expect(head.ChecksumCRC32C).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });

  test('a second run skips everything and writes nothing', async () => {
    const before = await headObject(destination, destinationBucket, destKey('data/plain.txt'));
    const result = await runFerry(['run', '--config', config, '--state', state, '--no-progress']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\| main +\| .+ \| 0 +\| 14 +\| 0 +\|/);
    const after = await headObject(destination, destinationBucket, destKey('data/plain.txt'));
    expect(after.LastModified).toEqual(before.LastModified);
  });

  test('detects a same-size edit and a copy deleted at the destination, whatever the local state says', async () => {
    await putObject(source, { bucket: sourceBucket, key: 'data/plain.txt', body: bytesFor('edited', 100) });
    await destination.send(
      new DeleteObjectCommand({ Bucket: destinationBucket, Key: destKey('data/sizes/1') }),
    );
    const dry = await runFerry(['run', '--config', config, '--state', state, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/\| copy +\| 2 +\|/);
    expect(dry.stdout).toMatch(/\| etag-differs +\| 1 +\|/);
    expect(dry.stdout).toMatch(/\| new +\| 1 +\|/);
    const result = await runFerry(['run', '--config', config, '--state', state, '--no-progress']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\| main +\| .+ \| 2 +\| 12 +\| 0 +\|/);
    for (const key of ['data/plain.txt', 'data/sizes/1']) {
      expect(await fingerprint(destination, destinationBucket, destKey(key))).toEqual(
        await fingerprint(source, sourceBucket, key),
      );
    }
  });

  test('a composite-ETag source is recognised from the state file, and recopied without it', async () => {
    const withState = await runFerry(['run', '--config', config, '--state', state, '--dry-run']);
    expect(withState.stdout).toMatch(/same-as-copied +\| 3 +\|/);
    const freshState = join(dir, 'fresh.sqlite');
    const withoutState = await runFerry(['run', '--config', config, '--state', freshState, '--dry-run']);
    expect(withoutState.stdout).toMatch(/unverifiable +\| 3 +\|/);
  });
});
