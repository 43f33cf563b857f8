// The parallel lister against moto: ranges found by sampling, keys straddling every boundary, each planned exactly once.
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { createS3Client, serviceIdOf } from '../../../worker/src/aws/clients.ts';
import type { MappingConfig } from '../../../worker/src/config/types.ts';
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import { createSqliteLedger } from '../../../worker/src/embedded/sqlite-ledger.ts';
import { createSqliteWorkQueue } from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import {
  coverageProblem,
  keyAfter,
  rangeContains,
  splitKeySpace,
} from '../../../worker/src/list/key-ranges.ts';
import { listRange } from '../../../worker/src/list/mapping-listings.ts';
import {
  decodeListingCheckpoint,
  encodeListingCheckpoint,
  progressOf,
} from '../../../worker/src/list/range-checkpoint.ts';
import { runLister } from '../../../worker/src/list/run-lister.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import { type Logger, silentLogger } from '../../../worker/src/ports/logger.ts';
import type { ObjectStore } from '../../../worker/src/ports/object-store.ts';
import { decodeWorkBatch, type WorkBatch } from '../../../worker/src/queue/work-message.ts';
import { createS3ObjectStore } from '../../../worker/src/storage/s3-object-store.ts';
import { motoClientOptions, motoEndpoint, testS3, uniqueBucket } from '../../support/aws.ts';
import { createBucket } from '../../support/objects.ts';
import { putKeys, storable, withoutLastCharacter } from './list-fixtures.ts';

const sourceUrl = inject('motoSource');
const destinationUrl = inject('motoDestination');
const sourceAdmin = testS3(sourceUrl);
const destinationAdmin = testS3(destinationUrl);

function storeOf(url: string, bucket: string): ObjectStore {
  const endpoint = motoEndpoint(url);
  return createS3ObjectStore({
    client: createS3Client(endpoint, motoClientOptions),
    bucket,
    serviceId: serviceIdOf(endpoint),
  });
}

async function entriesOf(listing: AsyncIterable<ObjectEntry>): Promise<ObjectEntry[]> {
  const entries: ObjectEntry[] = [];
  for await (const entry of listing) entries.push(entry);
  return entries;
}

/** Keys after the prefix: 1,500 under one dated path, the rest spread over names, digits and multi-byte characters. */
function skewedRelativeKeys(): string[] {
  const keys: string[] = [];
  for (let index = 0; index < 1500; index++) {
    const day = String(1 + (index % 28)).padStart(2, '0');
    keys.push(`logs/2026/03/${day}/part-${String(index).padStart(5, '0')}.json`);
  }
  const spread = [
    'a',
    'b',
    'img',
    'm',
    'q',
    'z',
    '~',
    '\u007f',
    '\u00e9',
    '\u00ff',
    '\u0800',
    '\u4e2d',
    '\u{1f600}',
  ];
  for (let index = 0; index < 700; index++) {
    const lead = spread[index % spread.length]!;
    keys.push(`${lead}${(index * 7919).toString(36)}/${['\u00e9', '\u{1f600}', 'x'][index % 3]}${index}`);
  }
  for (let index = 0; index < 100; index++) keys.push(`logs/${String(index).padStart(3, '0')}`);
  return keys;
}

/** Keys on, around and inside each boundary: equal to it, extending it, its prefix, between the two. */
function straddlingKeys(boundaries: readonly string[], prefix: string): string[] {
  return boundaries
    .flatMap((boundary) => {
      const shorter = withoutLastCharacter(boundary);
      return [
        boundary,
        `${boundary}a`,
        `${boundary}/\u00e9`,
        `${boundary} `,
        shorter,
        `${shorter}~`,
        `${shorter}\u{1f600}`,
      ];
    })
    .filter((key) => key.startsWith(prefix) && key.length > prefix.length && storable(key));
}

describe('the parallel lister on moto', () => {
  const sourceBucket = uniqueBucket('plist-src');
  const destinationBucket = uniqueBucket('plist-dst');
  const prefixes = { source: 'in/data/', destination: 'copy/' };
  const mapping: MappingConfig = {
    id: 'plist',
    source: { endpoint: 'src', bucket: sourceBucket, prefix: prefixes.source },
    destination: { endpoint: 'dst', bucket: destinationBucket, prefix: prefixes.destination },
    include: [],
    exclude: [],
  };
  const discovery = { sampleKeys: 100, minRangeKeys: 100, maxRanges: 16, maxProbes: 40 };
  let source: ObjectStore;
  let destination: ObjectStore;
  let found: Awaited<ReturnType<typeof splitKeySpace>>;
  let boundaries: string[] = [];
  const expected = { copy: [] as string[], skip: [] as string[] };

  beforeAll(async () => {
    await createBucket(sourceAdmin, sourceBucket);
    await createBucket(destinationAdmin, destinationBucket);
    source = storeOf(sourceUrl, sourceBucket);
    destination = storeOf(destinationUrl, destinationBucket);
    const base = skewedRelativeKeys().map((key) => `${prefixes.source}${key}`);
    const sourceBodies = { bucket: sourceBucket, bodyOf: (key: string) => key };
    await putKeys(sourceAdmin, { ...sourceBodies, keys: base });
    found = await splitKeySpace({ lister: source, prefix: prefixes.source, ...discovery });
    boundaries = found.ranges.slice(1).map((range) => range.after ?? '');
    const straddling = straddlingKeys(boundaries, prefixes.source);
    await putKeys(sourceAdmin, { ...sourceBodies, keys: straddling });
    const all = [...new Set([...base, ...straddling])].sort(compareKeys);
    // Every boundary key and every third other key is at the destination unchanged: skipped only if its
    // destination counterpart is listed in the same range. Every fifth is there with other content.
    const same = all.filter((key, index) => boundaries.includes(key) || index % 3 === 0);
    const changed = all.filter((key, index) => !same.includes(key) && index % 5 === 0);
    const atDestination = (key: string) => `${prefixes.destination}${key.slice(prefixes.source.length)}`;
    const sourceKeyOf = (key: string) => `${prefixes.source}${key.slice(prefixes.destination.length)}`;
    await putKeys(destinationAdmin, {
      bucket: destinationBucket,
      keys: same.map(atDestination),
      bodyOf: sourceKeyOf,
    });
    await putKeys(destinationAdmin, {
      bucket: destinationBucket,
      keys: [...changed.map(atDestination), `${prefixes.destination}~only-here`],
      bodyOf: () => 'changed',
    });
    await putKeys(sourceAdmin, {
      bucket: sourceBucket,
      keys: ['in/dat', 'in/data', 'in/data0', 'other/x'],
      bodyOf: () => 'outside',
    });
    expected.skip = same;
    expected.copy = all.filter((key) => !same.includes(key));
  }, 180_000);

  test('the sampled ranges cover the prefix exactly: listed range by range they equal one plain listing', async () => {
    expect(found.ranges.length).toBeGreaterThanOrEqual(6);
    expect(coverageProblem({ ranges: found.ranges })).toBeUndefined();
    const plain = await entriesOf(source.list({ prefix: prefixes.source }));
    const byRange: ObjectEntry[] = [];
    for (const range of found.ranges) {
      byRange.push(...(await entriesOf(listRange({ lister: source, prefix: prefixes.source, range }))));
    }
    expect(byRange).toEqual(plain);
    for (const [index, boundary] of boundaries.entries()) {
      expect(rangeContains(found.ranges[index]!, boundary)).toBe(true);
      expect(rangeContains(found.ranges[index + 1]!, keyAfter(boundary))).toBe(true);
    }
  });

  async function listRun(options: { runId: string; prerecordRanges: boolean; listConcurrency: number }) {
    const db = openStateDb(':memory:');
    const ledger = createSqliteLedger({ db, clock: systemClock });
    const queue = createSqliteWorkQueue({ db, clock: systemClock, maxReceiveCount: 5 });
    await ledger.startRun({
      runId: options.runId,
      mappingId: mapping.id,
      mode: 'incremental',
      startedAt: new Date(),
    });
    if (options.prerecordRanges) {
      const checkpoint = encodeListingCheckpoint(progressOf(found.ranges));
      await ledger.recordPlanned(options.runId, {
        batchId: 'ranges',
        planned: { objects: 0, bytes: 0 },
        skipped: { objects: 0, bytes: 0 },
        ...(checkpoint !== undefined ? { checkpoint } : {}),
      });
    }
    /** How many ranges the lister listed: its first event says. */
    let ranges: unknown;
    const logger: Logger = {
      ...silentLogger,
      info: (event, fields) => {
        if (event === 'lister.ranges' || event === 'lister.resume') ranges = fields?.ranges;
      },
    };
    const run = await runLister({
      runId: options.runId,
      mapping,
      mode: 'incremental',
      source,
      destination,
      ledger,
      memory: ledger,
      queue,
      logger,
      limits: { maxItems: 25, maxBytes: 1_000_000, maxMessageBytes: 200 * 1024 },
      listConcurrency: options.listConcurrency,
      split: discovery,
    });
    const batches: WorkBatch[] = [];
    for (;;) {
      const messages = await queue.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 0 });
      if (messages.length === 0) break;
      for (const message of messages) {
        batches.push(decodeWorkBatch(message.body));
        await queue.ack(message);
      }
    }
    db.close();
    return { run, batches, ranges };
  }

  test.each([
    { runId: 'straddle-known-ranges', prerecordRanges: true, listConcurrency: 4 },
    { runId: 'straddle-fresh-split', prerecordRanges: false, listConcurrency: 8 },
  ])('every key on, around and between the boundaries is planned exactly once ($runId)', async (given) => {
    const { run, batches, ranges } = await listRun(given);
    expect(run.listerState).toBe('LISTED');
    expect(new Set(batches.map((batch) => batch.batchId)).size).toBe(batches.length);
    const sent = batches.flatMap((batch) => batch.items.map((item) => item.key));
    expect(sent).toHaveLength(new Set(sent).size);
    expect(sent.sort(compareKeys)).toEqual(expected.copy);
    expect(run.planned.objects).toBe(expected.copy.length);
    expect(run.planned.bytes).toBe(expected.copy.reduce((total, key) => total + Buffer.byteLength(key), 0));
    expect(run.skipped.objects).toBe(expected.skip.length);
    expect(run.skipped.bytes).toBe(expected.skip.reduce((total, key) => total + Buffer.byteLength(key), 0));
    // Every range done, and finished neighbours joined: one finished range.
    expect(decodeListingCheckpoint(run.checkpoint)).toEqual({ ranges: [{ range: {}, done: true }] });
    if (given.prerecordRanges) expect(ranges).toBe(found.ranges.length);
    else expect(ranges).toBeGreaterThanOrEqual(6);
  });
});
