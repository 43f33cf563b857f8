// The config's sharedObjectThreshold and rangeSize reach the lister: `ferry run` splits a large object into ranges.

import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, inject, test } from 'vitest';
import { testS3, uniqueBucket } from '../../support/aws.ts';
import { runFerry, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import { bytesFor, createBucket, fingerprint, putObject } from '../../support/objects.ts';

const MiB = 1024 * 1024;
const source = testS3(inject('motoSource'));
const destination = testS3(inject('motoDestination'));

describe('shared objects from the config', () => {
  test('an object over the configured threshold is copied in ranges of the configured size, exactly', async () => {
    const sourceBucket = uniqueBucket('shared-cfg-src');
    const destinationBucket = uniqueBucket('shared-cfg-dst');
    await createBucket(source, sourceBucket);
    await createBucket(destination, destinationBucket);
    await putObject(source, {
      bucket: sourceBucket,
      key: 'big/giant.bin',
      body: bytesFor('giant', 21 * MiB),
    });
    await putObject(source, { bucket: sourceBucket, key: 'big/small.bin', body: bytesFor('small', 3 * MiB) });
    const dir = tempDir('shared-cfg');
    const config = writeConfig({
      dir,
      sourceUrl: inject('motoSource'),
      destinationUrl: inject('motoDestination'),
      transferYaml:
        'transfer: { concurrency: 4, multipartThreshold: 6MiB, partSize: 5MiB, maxPartsInFlight: 4, sharedObjectThreshold: 12MiB, rangeSize: 10MiB }',
      mappingsYaml: `  - { id: big, source: { endpoint: src, bucket: ${sourceBucket}, prefix: big/ }, destination: { endpoint: dst, bucket: ${destinationBucket}, prefix: big/ } }`,
    });
    const state = join(dir, 'state.sqlite');
    const result = await runFerry(['run', '--config', config, '--state', state, '--no-progress']);
    expect(result.code, result.stderr).toBe(0);

    for (const key of ['big/giant.bin', 'big/small.bin']) {
      expect(await fingerprint(destination, destinationBucket, key)).toEqual(
        await fingerprint(source, sourceBucket, key),
      );
    }
    const db = new DatabaseSync(state, { readOnly: true });
    try {
      // 21 MiB in 5 MiB parts is 5 parts; ranges of 10 MiB hold 2 parts, so 3 ranges, evened out to 2 + 2 + 1.
      const uploads = db.prepare('SELECT object_key, range_count, state FROM shared_uploads').all();
      expect(uploads).toEqual([{ object_key: 'big/giant.bin', range_count: 3, state: 'DONE' }]);
      const ranges = db.prepare('SELECT COUNT(*) AS n FROM shared_ranges').get();
      expect(ranges).toEqual({ n: 3 });
      const run = db.prepare('SELECT * FROM runs').get() as Record<string, unknown>;
      expect(Object.entries(run).filter(([column]) => column.startsWith('copied'))).toEqual([
        ['copied_objects', 2],
        ['copied_bytes', 24 * MiB],
      ]);
    } finally {
      db.close();
    }
  });
});
