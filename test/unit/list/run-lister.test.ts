// The lister: exact counters, ranges planned concurrently and alone, per-range checkpoints, restarts that neither lose nor double-count.
import { describe, expect, test } from 'vitest';
import type { MappingConfig } from '../../../worker/src/config/types.ts';
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import { createSqliteLedger } from '../../../worker/src/embedded/sqlite-ledger.ts';
import { createSqliteWorkQueue } from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import { keyAfter, rangesFromBoundaries, splitKeySpace } from '../../../worker/src/list/key-ranges.ts';
import {
  decodeListingCheckpoint,
  encodeListingCheckpoint,
  progressOf,
  type RangeToList,
  rangesToList,
} from '../../../worker/src/list/range-checkpoint.ts';
import { type ListerOptions, runLister } from '../../../worker/src/list/run-lister.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import type { RunLedger } from '../../../worker/src/ports/ledger.ts';
import { type LogFields, type Logger, silentLogger } from '../../../worker/src/ports/logger.ts';
import type { ListOptions, ObjectLister } from '../../../worker/src/ports/object-store.ts';
import type { WorkQueue } from '../../../worker/src/ports/work-queue.ts';
import { decodeWorkBatch, type WorkBatch } from '../../../worker/src/queue/work-message.ts';
import { FakeLister, nextMacrotask, sortedKeys, withoutLastCharacter } from './parallel-fake-lister.ts';

const mapping: MappingConfig = {
  id: 'm',
  source: { endpoint: 's', bucket: 'src', prefix: 'p/' },
  destination: { endpoint: 'd', bucket: 'dst', prefix: 'q/' },
  include: [],
  exclude: [],
};

function entry(key: string, size: number, etag = `${'a'.repeat(31)}${size % 10}`): ObjectEntry {
  return { key, size, etag, lastModified: new Date(0) };
}

/** A listing of fixed entries honouring prefix and startAfter; optionally fails after some entries. */
function lister(entries: ObjectEntry[], options: { failAfter?: number } = {}): ObjectLister {
  const sorted = [...entries].sort((a, b) => compareKeys(a.key, b.key));
  return {
    async *list({ prefix, startAfter }: ListOptions) {
      let given = 0;
      for (const e of sorted) {
        if (!e.key.startsWith(prefix)) continue;
        if (startAfter !== undefined && compareKeys(e.key, startAfter) <= 0) continue;
        if (options.failAfter !== undefined && given >= options.failAfter) throw new Error('listing broke');
        given += 1;
        yield e;
      }
    },
  };
}

function setup() {
  const db = openStateDb(':memory:');
  const ledger = createSqliteLedger({ db, clock: systemClock });
  const queue = createSqliteWorkQueue({ db, clock: systemClock, maxReceiveCount: 5 });
  return { db, ledger, queue };
}

/** Every batch on the queue, each message once (acked). */
async function drainBatches(queue: WorkQueue): Promise<WorkBatch[]> {
  const batches: WorkBatch[] = [];
  for (;;) {
    const messages = await queue.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 0 });
    if (messages.length === 0) return batches;
    for (const message of messages) {
      batches.push(decodeWorkBatch(message.body));
      await queue.ack(message);
    }
  }
}

async function drain(queue: WorkQueue): Promise<string[]> {
  return (await drainBatches(queue)).flatMap((batch) => batch.items.map((item) => item.key));
}

/**
 * The queue's batches by id: a batch sent twice (the lister died between sending and recording it) must be the
 * same batch both times; returns the keys of the distinct batches, in the order first seen.
 */
function distinctBatchKeys(batches: readonly WorkBatch[]): string[] {
  const byId = new Map<string, WorkBatch>();
  for (const batch of batches) {
    const seen = byId.get(batch.batchId);
    if (seen) expect(batch.items, `batch ${batch.batchId} re-sent with other items`).toEqual(seen.items);
    else byId.set(batch.batchId, batch);
  }
  return [...byId.values()].flatMap((batch) => batch.items.map((item) => item.key));
}

/** A logger that keeps the lister's events, to see how many ranges it listed and cut. */
function eventLog() {
  const events: { event: string; fields: LogFields }[] = [];
  const logger: Logger = { ...silentLogger, info: (event, fields = {}) => events.push({ event, fields }) };
  const field = (event: string, name: string) => events.find((e) => e.event === event)?.fields[name];
  return { logger, field };
}

const sources = Array.from({ length: 250 }, (_, i) => entry(`p/${String(i).padStart(3, '0')}`, i + 1));
const smallBatches = { maxItems: 7, maxBytes: 1_000_000, maxMessageBytes: 1_000_000 };
const smallSplit = { sampleKeys: 50, minRangeKeys: 50, maxRanges: 12, maxProbes: 60 };

describe('runLister, one range', () => {
  test('incremental: plans what differs, counts what is skipped, and marks the run listed', async () => {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r1', mappingId: 'm', mode: 'incremental', startedAt: new Date() });
    const sameAtDestination = sources
      .filter((_, i) => i % 2 === 0)
      .map((e) => ({ ...e, key: `q/${e.key.slice(2)}` }));
    const run = await runLister({
      runId: 'r1',
      mapping,
      mode: 'incremental',
      source: lister([...sources, entry('other/x', 5)]),
      destination: lister(sameAtDestination),
      ledger,
      memory: ledger,
      queue,
      logger: silentLogger,
      limits: { maxItems: 10, maxBytes: 1_000_000, maxMessageBytes: 1_000_000 },
    });
    const copied = sources.filter((_, i) => i % 2 === 1);
    expect(run.listerState).toBe('LISTED');
    expect(run.planned).toEqual({ objects: 125, bytes: copied.reduce((a, e) => a + e.size, 0) });
    expect(run.skipped.objects).toBe(125);
    expect(await drain(queue)).toEqual(copied.map((e) => e.key));
  });

  test('a lister that fails resumes after its checkpoint: every key planned exactly once', async () => {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r2', mappingId: 'm', mode: 'full', startedAt: new Date() });
    const options = {
      runId: 'r2',
      mapping,
      mode: 'full' as const,
      destination: lister([]),
      ledger,
      memory: ledger,
      queue,
      logger: silentLogger,
      limits: smallBatches,
    };
    await expect(runLister({ ...options, source: lister(sources, { failAfter: 101 }) })).rejects.toThrow(
      'listing broke',
    );
    const failed = await ledger.getRun('r2');
    expect(failed?.listerState).toBe('FAILED');
    expect(failed?.checkpoint).toBe('p/097'); // one range: a plain key, as before ranges (14 batches of 7)
    await ledger.setListerState('r2', 'LISTING');
    const run = await runLister({ ...options, source: lister(sources) });
    expect(run.planned.objects).toBe(250);
    expect(run.planned.bytes).toBe(sources.reduce((a, e) => a + e.size, 0));
    expect((await drain(queue)).sort()).toEqual(sources.map((e) => e.key));
  });

  test('listing again after everything was sent re-sends identical batches that the ledger does not count twice', async () => {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r3', mappingId: 'm', mode: 'full', startedAt: new Date() });
    const options = {
      runId: 'r3',
      mapping,
      mode: 'full' as const,
      source: lister(sources),
      destination: lister([]),
      ledger,
      memory: ledger,
      queue,
      logger: silentLogger,
      limits: { maxItems: 50, maxBytes: 1_000_000, maxMessageBytes: 1_000_000 },
    };
    await runLister(options);
    await ledger.setListerState('r3', 'LISTING'); // as if the lister died before it could say LISTED
    const again = await runLister(options);
    expect(again.planned.objects).toBe(250);
  });

  test('an old plain-key checkpoint resumes as one range, even when listing ranges concurrently', async () => {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'old', mappingId: 'm', mode: 'full', startedAt: new Date() });
    const before = sources.slice(0, 100);
    await ledger.recordPlanned('old', {
      batchId: 'old-lister',
      planned: { objects: 100, bytes: before.reduce((a, e) => a + e.size, 0) },
      skipped: { objects: 0, bytes: 0 },
      checkpoint: 'p/099',
    });
    const source = new FakeLister(sortedKeys(sources.map((e) => e.key)), {
      entryFor: (key) => sources.find((e) => e.key === key) ?? entry(key, 0),
    });
    const run = await runLister({
      runId: 'old',
      mapping,
      mode: 'full',
      source,
      destination: lister([]),
      ledger,
      memory: ledger,
      queue,
      logger: silentLogger,
      listConcurrency: 8,
      split: smallSplit,
    });
    // No sampling: the one range continues; it is cut for the other slots only once its first batch (p/100 to
    // p/199, which the earlier lister may have sent) has been sent again, the same.
    expect(source.listStarts[0]).toBe('p/099');
    expect(source.listStarts.length).toBeGreaterThan(1);
    for (const start of source.listStarts.slice(1))
      expect(compareKeys(start ?? '', 'p/199')).toBeGreaterThan(0);
    expect(run.planned).toEqual({ objects: 250, bytes: sources.reduce((a, e) => a + e.size, 0) });
    expect((await drain(queue)).sort()).toEqual(sources.slice(100).map((e) => e.key));
  });
});

/** Keys whose relative part decides the entry, so a source object and its copy under another prefix are equal. */
function mirrored(prefix: string, relative: string, changed = false): ObjectEntry {
  return entry(`${prefix}${relative}`, 10 + (relative.length % 7), changed ? 'changed' : `etag-${relative}`);
}

/** Relative keys of a skewed bucket: a dense dated tree, spread names, multi-byte and astral characters. */
function skewedRelativeKeys(): string[] {
  const keys: string[] = [];
  for (let index = 0; index < 900; index++) {
    keys.push(
      `logs/2026/03/${String(1 + (index % 28)).padStart(2, '0')}/part-${String(index).padStart(4, '0')}`,
    );
  }
  const leads = ['a', 'img/', 'm', '~', '\u00e9', '\u00ff', '\u0800', '\u4e2d', '\uffff', '\u{1f600}'];
  for (let index = 0; index < 500; index++)
    keys.push(`${leads[index % leads.length]}${(index * 7919).toString(36)}`);
  return keys;
}

/** Keys on, around and inside each boundary: equal to it, right after it, extending it, its prefix. */
function straddling(boundaries: readonly string[], prefix: string): string[] {
  return boundaries
    .flatMap((boundary) => [
      boundary,
      keyAfter(boundary),
      `${boundary}a`,
      `${boundary}/x`,
      withoutLastCharacter(boundary),
      `${withoutLastCharacter(boundary)}~`,
    ])
    .filter((key) => key.startsWith(prefix) && key.length > prefix.length);
}

interface StraddleBucket {
  readonly source: string[];
  readonly destination: ObjectEntry[];
  readonly toCopy: string[];
  readonly toSkip: string[];
}

/** Source keys with every third at the destination unchanged and every seventh there changed. */
function straddleBucket(sourceKeys: readonly string[], prefixes: { source: string; destination: string }) {
  const relatives = [...new Set(sourceKeys)].map((key) => key.slice(prefixes.source.length));
  const destination: ObjectEntry[] = [];
  const toCopy: string[] = [];
  const toSkip: string[] = [];
  relatives.forEach((relative, index) => {
    const sourceKey = `${prefixes.source}${relative}`;
    if (index % 3 === 0) {
      destination.push(mirrored(prefixes.destination, relative));
      toSkip.push(sourceKey);
    } else if (index % 7 === 0) {
      destination.push(mirrored(prefixes.destination, relative, true));
      toCopy.push(sourceKey);
    } else toCopy.push(sourceKey);
  });
  destination.push(mirrored(prefixes.destination, 'zz-only-at-destination'));
  return {
    source: relatives.map((r) => `${prefixes.source}${r}`),
    destination,
    toCopy,
    toSkip,
  } satisfies StraddleBucket;
}

function fakeSide(keys: readonly ObjectEntry[], options: { pageSize?: number } = {}): FakeLister {
  const byKey = new Map(keys.map((e) => [e.key, e]));
  return new FakeLister(sortedKeys([...byKey.keys()]), {
    pageSize: options.pageSize ?? 40,
    beforePage: nextMacrotask,
    entryFor: (key) => byKey.get(key) ?? entry(key, 0),
  });
}

describe('runLister, key ranges planned concurrently', () => {
  const prefixes = { source: 'zz/src/', destination: 'a/' };
  const mapped: MappingConfig = {
    ...mapping,
    source: { ...mapping.source, prefix: prefixes.source },
    destination: { ...mapping.destination, prefix: prefixes.destination },
  };
  const base = skewedRelativeKeys().map((key) => `${prefixes.source}${key}`);

  async function listStraddled(options: { prerecordRanges: boolean; listConcurrency: number }) {
    const found = await splitKeySpace({
      lister: fakeSide(base.map((k) => entry(k, 1))),
      prefix: prefixes.source,
      ...smallSplit,
    });
    const boundaries = found.ranges.slice(1).map((range) => range.after ?? '');
    expect(boundaries.length).toBeGreaterThan(5);
    const bucket = straddleBucket([...base, ...straddling(boundaries, prefixes.source)], prefixes);
    const sourceEntries = bucket.source.map((key) =>
      mirrored(prefixes.source, key.slice(prefixes.source.length)),
    );
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'incremental', startedAt: new Date() });
    if (options.prerecordRanges) {
      // A lister that recorded its ranges and died before sending anything: the restart lists exactly these ranges.
      const checkpoint = encodeListingCheckpoint(progressOf(found.ranges));
      await ledger.recordPlanned('r', {
        batchId: 'ranges',
        planned: { objects: 0, bytes: 0 },
        skipped: { objects: 0, bytes: 0 },
        ...(checkpoint !== undefined ? { checkpoint } : {}),
      });
    }
    const log = eventLog();
    const run = await runLister({
      runId: 'r',
      mapping: mapped,
      mode: 'incremental',
      source: fakeSide(sourceEntries),
      destination: fakeSide(bucket.destination),
      ledger,
      memory: ledger,
      queue,
      logger: log.logger,
      limits: smallBatches,
      listConcurrency: options.listConcurrency,
      split: smallSplit,
    });
    const sent = distinctBatchKeys(await drainBatches(queue));
    const sizes = new Map(sourceEntries.map((e) => [e.key, e.size]));
    const bytesOf = (keys: readonly string[]) =>
      keys.reduce((total, key) => total + (sizes.get(key) ?? NaN), 0);
    return { run, sent, bucket, found, bytesOf, log };
  }

  test.each([
    { prerecordRanges: true, listConcurrency: 4 },
    { prerecordRanges: false, listConcurrency: 4 },
    { prerecordRanges: true, listConcurrency: 1 },
  ])(
    'keys on and around every boundary, under prefixes that sort apart, are planned exactly once (%o)',
    async (given) => {
      const { run, sent, bucket, found, bytesOf, log } = await listStraddled(given);
      expect(run.listerState).toBe('LISTED');
      expect(sent).toHaveLength(new Set(sent).size);
      expect([...sent].sort(compareKeys)).toEqual([...bucket.toCopy].sort(compareKeys));
      expect(run.planned.objects).toBe(bucket.toCopy.length);
      expect(run.planned.bytes).toBe(bytesOf(bucket.toCopy));
      expect(run.skipped.bytes).toBe(bytesOf(bucket.toSkip));
      expect(run.skipped.objects).toBe(bucket.toSkip.length);
      // Every range done, and finished neighbours joined: one finished range.
      expect(decodeListingCheckpoint(run.checkpoint)).toEqual({ ranges: [{ range: {}, done: true }] });
      if (given.prerecordRanges) {
        expect(log.field('lister.resume', 'ranges')).toBe(found.ranges.length);
      } else expect(log.field('lister.ranges', 'ranges')).toBeGreaterThan(3);
    },
  );

  test('the same run listed with one range and with many plans the same work', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => entry(`p/${(i * 7919) % 3001}-${i}`, i + 1));
    const atDestination = many
      .filter((_, i) => i % 3 === 0)
      .map((e) => ({ ...e, key: `q/${e.key.slice(2)}` }));
    const outcomes = [];
    for (const listConcurrency of [1, 4]) {
      const { ledger, queue } = setup();
      await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'incremental', startedAt: new Date() });
      const log = eventLog();
      const run = await runLister({
        runId: 'r',
        mapping,
        mode: 'incremental',
        source: fakeSide(many, { pageSize: 100 }),
        destination: fakeSide(atDestination, { pageSize: 100 }),
        ledger,
        memory: ledger,
        queue,
        logger: log.logger,
        listConcurrency,
        split: smallSplit,
      });
      const ranges = log.field('lister.ranges', 'ranges');
      outcomes.push({
        planned: run.planned,
        skipped: run.skipped,
        sent: (await drain(queue)).sort(),
        ranges,
      });
    }
    expect(outcomes[0]?.planned.objects).toBe(2000);
    expect(outcomes[0]?.ranges).toBe(1);
    expect(outcomes[1]?.ranges).toBeGreaterThan(4);
    expect({ ...outcomes[1], ranges: 1 }).toEqual(outcomes[0]);
  });

  test('ranges are listed at once, up to listConcurrency, and a range held up does not hold the others', async () => {
    const keys = Array.from({ length: 1200 }, (_, i) => `p/${String(i).padStart(5, '0')}`);
    const sourceSide = fakeSide(keys.map((key) => entry(key, 1)));
    const destinationSide = fakeSide(
      keys.filter((_, i) => i % 2 === 0).map((key) => entry(`q/${key.slice(2)}`, 2)),
    );
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    setTimeout(release, 10_000).unref(); // a lister that lists one range at a time fails below instead of hanging
    /** The first range stops after a few keys until the last range's work has been sent. */
    const holding: ObjectLister = {
      async *list(options) {
        for await (const e of sourceSide.list(options)) {
          if (e.key === 'p/00010') await held;
          yield e;
        }
      },
    };
    const { ledger, queue } = setup();
    const sent: WorkBatch[] = [];
    const recording: WorkQueue = {
      ...queue,
      send: async (bodies) => {
        sent.push(...bodies.map((body) => decodeWorkBatch(body)));
        if (sent.some((batch) => batch.items.some((item) => item.key >= 'p/01150'))) release();
        await queue.send(bodies);
      },
    };
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'incremental', startedAt: new Date() });
    // Ranges recorded by an earlier start, so no sampling reads the held range first.
    const { ranges } = await splitKeySpace({
      lister: fakeSide(keys.map((key) => entry(key, 1))),
      prefix: 'p/',
      ...smallSplit,
    });
    expect(ranges.length).toBeGreaterThan(3);
    await ledger.recordPlanned('r', {
      batchId: 'ranges',
      planned: { objects: 0, bytes: 0 },
      skipped: { objects: 0, bytes: 0 },
      checkpoint: encodeListingCheckpoint(progressOf(ranges)) ?? '',
    });
    const run = await runLister({
      runId: 'r',
      mapping,
      mode: 'incremental',
      source: holding,
      destination: destinationSide,
      ledger,
      memory: ledger,
      queue: recording,
      logger: silentLogger,
      limits: smallBatches,
      listConcurrency: 3,
      split: smallSplit,
    });
    expect(run.planned.objects).toBe(1200);
    expect(destinationSide.maxInFlightPages).toBeGreaterThan(1);
    expect(destinationSide.maxInFlightPages).toBeLessThanOrEqual(3);
    const firstRangeBatch = sent.findIndex((batch) =>
      batch.items.some((item) => item.key > 'p/00010' && item.key < 'p/00040'),
    );
    const lastRangeBatch = sent.findIndex((batch) => batch.items.some((item) => item.key >= 'p/01150'));
    expect(lastRangeBatch).toBeGreaterThanOrEqual(0);
    expect(lastRangeBatch).toBeLessThan(firstRangeBatch);
  });
});

describe('runLister, per-range checkpoints', () => {
  const keys = Array.from(
    { length: 1500 },
    (_, i) => `p/${String((i * 7919) % 1500).padStart(4, '0')}/\u00e9${i % 3}`,
  );
  const byKey = new Map(keys.map((key, i) => [key, entry(key, 1 + (i % 50))]));
  const allBytes = [...byKey.values()].reduce((total, e) => total + e.size, 0);
  const sourceOf = (options: { failPage?: (firstKey: string) => boolean } = {}) =>
    new FakeLister(sortedKeys(keys), {
      pageSize: 40,
      beforePage: nextMacrotask,
      entryFor: (key) => byKey.get(key) ?? entry(key, 0),
      ...options,
    });

  /** The ledger, telling when the lister has recorded its ranges: faults are injected into ranges, not sampling. */
  function watched(ledger: RunLedger) {
    let rangesRecorded = false;
    const watching: RunLedger = {
      ...ledger,
      recordPlanned: async (runId, batch) => {
        rangesRecorded = true;
        return ledger.recordPlanned(runId, batch);
      },
    };
    return { ledger: watching, rangesRecorded: () => rangesRecorded };
  }

  function listerOptions(ledger: RunLedger, queue: WorkQueue): Omit<ListerOptions, 'source'> {
    return {
      runId: 'r',
      mapping,
      mode: 'full',
      destination: lister([]),
      ledger,
      memory: { recallCopies: async () => new Map() },
      queue,
      logger: silentLogger,
      limits: smallBatches,
      listConcurrency: 4,
      split: smallSplit,
    };
  }

  test('a range that fails stops the others; the restart lists each unfinished range after its own checkpoint', async () => {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'full', startedAt: new Date() });
    let failures = 0;
    const watch = watched(ledger);
    const failing = sourceOf({
      failPage: (firstKey) => {
        if (!watch.rangesRecorded() || failures > 0 || compareKeys(firstKey, 'p/0900') < 0) return false;
        failures += 1;
        return true;
      },
    });
    await expect(runLister({ ...listerOptions(watch.ledger, queue), source: failing })).rejects.toThrow(
      /failed/,
    );
    const failed = await ledger.getRun('r');
    expect(failed?.listerState).toBe('FAILED');
    const progress = decodeListingCheckpoint(failed?.checkpoint);
    expect(progress.ranges.length).toBeGreaterThan(4);
    expect(progress.ranges.some((range) => range.done)).toBe(true);
    const unfinished = rangesToList(progress);
    expect(unfinished.length).toBeGreaterThan(0);
    const lastKeyOf = (work: RangeToList) =>
      progress.ranges.find((r) => r.range.after === work.start)?.lastKey;
    expect(unfinished.some((work) => lastKeyOf(work) !== undefined)).toBe(true);

    await ledger.setListerState('r', 'LISTING');
    const healthy = sourceOf();
    const run = await runLister({ ...listerOptions(ledger, queue), source: healthy });
    // Every unfinished range is started (after its own checkpoint) before any is cut.
    const resumedStarts = healthy.listStarts.slice(0, unfinished.length);
    expect(resumedStarts.sort()).toEqual(unfinished.map((work) => work.range.after).sort());
    expect(run.planned).toEqual({ objects: keys.length, bytes: allBytes });
    const sent = distinctBatchKeys(await drainBatches(queue));
    expect(sent).toHaveLength(keys.length);
    expect(sent.sort(compareKeys)).toEqual([...keys].sort(compareKeys));
  });

  test('a lister that dies between sending batches and recording them: re-sent batches keep their ids, counted once', async () => {
    for (const diesAtWrite of [1, 2, 9, 30, 60]) {
      const { ledger, queue: fastQueue } = setup();
      // Sends take a while, so other ranges record their steps while one range's batch is on its way.
      const queue: WorkQueue = {
        ...fastQueue,
        send: async (bodies) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          await fastQueue.send(bodies);
        },
      };
      await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'full', startedAt: new Date() });
      let writes = 0;
      const dying: RunLedger = {
        ...ledger,
        recordPlanned: async (runId, batch) => {
          writes += 1;
          if (writes >= diesAtWrite) throw new Error('the lister task was stopped');
          return ledger.recordPlanned(runId, batch);
        },
      };
      // Batches closed by bytes as well as by count: a batch closed by the object after it ends before that object.
      const limits = { maxItems: 7, maxBytes: 120, maxMessageBytes: 1_000_000 };
      await expect(runLister({ ...listerOptions(dying, queue), limits, source: sourceOf() })).rejects.toThrow(
        'stopped',
      );
      await ledger.setListerState('r', 'LISTING');
      const run = await runLister({ ...listerOptions(ledger, queue), limits, source: sourceOf() });
      expect(run.planned, `dies at write ${diesAtWrite}`).toEqual({ objects: keys.length, bytes: allBytes });
      const batches = await drainBatches(queue);
      const sent = distinctBatchKeys(batches);
      expect(sent.sort(compareKeys)).toEqual([...keys].sort(compareKeys));
      // At most the batches sent and not yet recorded when it died are sent again: one per range at work.
      expect(batches.length - new Set(batches.map((batch) => batch.batchId)).size).toBeLessThanOrEqual(4);
    }
  });

  test('an aborted lister stops every range and can be resumed to exact totals', async () => {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'full', startedAt: new Date() });
    const abort = new AbortController();
    const watch = watched(ledger);
    let pages = 0;
    const slow = new FakeLister(sortedKeys(keys), {
      pageSize: 40,
      beforePage: async () => {
        if (watch.rangesRecorded()) pages += 1;
        if (pages === 10) abort.abort(new Error('interrupted'));
        await nextMacrotask();
      },
      entryFor: (key) => byKey.get(key) ?? entry(key, 0),
    });
    await expect(
      runLister({ ...listerOptions(watch.ledger, queue), source: slow, signal: abort.signal }),
    ).rejects.toThrow('interrupted');
    expect(slow.openListings).toBe(0);
    const pagesWhenStopped = slow.pages;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(slow.pages).toBe(pagesWhenStopped);
    await ledger.setListerState('r', 'LISTING');
    const run = await runLister({ ...listerOptions(ledger, queue), source: sourceOf() });
    expect(run.planned).toEqual({ objects: keys.length, bytes: allBytes });
    expect(distinctBatchKeys(await drainBatches(queue)).sort(compareKeys)).toEqual(
      [...keys].sort(compareKeys),
    );
  });
});

describe('runLister, ranges cut while they are listed', () => {
  const prefixes = { source: 'src/', destination: 'dst/copy/' };
  const mapped: MappingConfig = {
    ...mapping,
    source: { ...mapping.source, prefix: prefixes.source },
    destination: { ...mapping.destination, prefix: prefixes.destination },
  };
  const relatives = Array.from({ length: 1500 }, (_, i) => `${String(i).padStart(4, '0')}/\u00e9${i % 7}`);
  const sourceEntries = relatives.map((relative) => mirrored(prefixes.source, relative));
  const unchanged = relatives.filter((_, i) => i % 3 === 0);
  const destinationEntries = unchanged.map((relative) => mirrored(prefixes.destination, relative));
  const toCopy = relatives.filter((_, i) => i % 3 !== 0).map((relative) => `${prefixes.source}${relative}`);
  const copyBytes = toCopy.reduce(
    (total, key) => total + mirrored('', key.slice(prefixes.source.length)).size,
    0,
  );
  /** A plan whose sampling went wrong: 50 keys in the first range, 1,450 in the second. */
  const skewedPlan = encodeListingCheckpoint(
    progressOf([
      { before: keyAfter(`${prefixes.source}0049/\u00e96`) },
      { after: `${prefixes.source}0049/\u00e96` },
    ]),
  );

  async function startRun(ledger: RunLedger) {
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'incremental', startedAt: new Date() });
    await ledger.recordPlanned('r', {
      batchId: 'ranges',
      planned: { objects: 0, bytes: 0 },
      skipped: { objects: 0, bytes: 0 },
      checkpoint: skewedPlan ?? '',
    });
  }

  function options(ledger: RunLedger, queue: WorkQueue, logger: Logger): Omit<ListerOptions, 'source'> {
    return {
      runId: 'r',
      mapping: mapped,
      mode: 'incremental',
      destination: fakeSide(destinationEntries),
      ledger,
      memory: { recallCopies: async () => new Map() },
      queue,
      logger,
      limits: smallBatches,
      listConcurrency: 4,
      split: { minRangeKeys: 50 },
    };
  }

  test('a range far bigger than sampled is cut for the free slots, and every key is still planned once', async () => {
    const { ledger, queue } = setup();
    await startRun(ledger);
    const log = eventLog();
    const source = fakeSide(sourceEntries);
    const run = await runLister({ ...options(ledger, queue, log.logger), source });
    expect(log.field('lister.cuts', 'cuts')).toBeGreaterThan(2);
    expect(source.maxInFlightPages).toBeGreaterThan(1);
    expect(run.planned).toEqual({ objects: toCopy.length, bytes: copyBytes });
    expect(run.skipped.objects).toBe(unchanged.length);
    const sent = distinctBatchKeys(await drainBatches(queue));
    expect(sent).toHaveLength(toCopy.length);
    expect(sent.sort(compareKeys)).toEqual([...toCopy].sort(compareKeys));
    expect(decodeListingCheckpoint(run.checkpoint)).toEqual({ ranges: [{ range: {}, done: true }] });
  });

  test('a lister dying around its cuts resumes exactly: cut ranges kept, no work sent under two ids', async () => {
    for (const diesAtWrite of [2, 4, 6, 9, 14, 25]) {
      const { ledger, queue } = setup();
      await startRun(ledger);
      let writes = 0;
      const dying: RunLedger = {
        ...ledger,
        recordPlanned: async (runId, batch) => {
          writes += 1;
          // Writes take a while, as DynamoDB's do: a range reaches its new end while its cut is being recorded.
          await new Promise((resolve) => setTimeout(resolve, 2));
          if (writes >= diesAtWrite) throw new Error('the lister task was stopped');
          return ledger.recordPlanned(runId, batch);
        },
      };
      const log = eventLog();
      await expect(
        runLister({ ...options(dying, queue, log.logger), source: fakeSide(sourceEntries) }),
      ).rejects.toThrow('stopped');
      await ledger.setListerState('r', 'LISTING');
      const resumed = eventLog();
      const run = await runLister({
        ...options(ledger, queue, resumed.logger),
        source: fakeSide(sourceEntries),
      });
      const label = `dies at write ${diesAtWrite}`;
      expect(run.planned, label).toEqual({ objects: toCopy.length, bytes: copyBytes });
      expect(run.skipped.objects, label).toBe(unchanged.length);
      const batches = await drainBatches(queue);
      const sent = distinctBatchKeys(batches);
      expect(sent.sort(compareKeys), label).toEqual([...toCopy].sort(compareKeys));
      expect(batches.length - new Set(batches.map((batch) => batch.batchId)).size).toBeLessThanOrEqual(4);
    }
  });

  test('a lister dying while it records a cut: the range it cut sent nothing that depends on the cut', async () => {
    const { ledger, queue } = setup();
    await startRun(ledger);
    const dying: RunLedger = {
      ...ledger,
      recordPlanned: async (runId, batch) => {
        if (!batch.batchId.startsWith('split:')) return ledger.recordPlanned(runId, batch);
        // Long enough for the cut range to reach its new end meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('the lister task was stopped');
      },
    };
    const log = eventLog();
    await expect(
      runLister({ ...options(dying, queue, log.logger), source: fakeSide(sourceEntries) }),
    ).rejects.toThrow('stopped');
    await ledger.setListerState('r', 'LISTING');
    const run = await runLister({ ...options(ledger, queue, silentLogger), source: fakeSide(sourceEntries) });
    expect(run.planned).toEqual({ objects: toCopy.length, bytes: copyBytes });
    expect(distinctBatchKeys(await drainBatches(queue)).sort(compareKeys)).toEqual(
      [...toCopy].sort(compareKeys),
    );
  });
});

describe('runLister, cutting never changes a batch an earlier lister may have sent', () => {
  const keys = Array.from({ length: 1600 }, (_, i) => `p/${String(i).padStart(4, '0')}`);
  /** Every 60th key differs at the destination: with 20 objects a batch, a batch spans 1,200 keys. */
  const atDestination = keys.filter((_, i) => i % 60 !== 0).map((key) => entry(`q/${key.slice(2)}`, 1));
  const toCopy = keys.filter((_, i) => i % 60 === 0);
  /** A short first range, a long one bounded by the last key (so its cuts land among its keys), an empty last one. */
  const plan =
    encodeListingCheckpoint(progressOf(rangesFromBoundaries({ boundaries: ['p/0099', 'p/1599'] }))) ?? '';
  const limits = { maxItems: 20, maxBytes: 1_000_000, maxMessageBytes: 1_000_000 };

  /** A run whose recorded ranges are the plan, before any lister ran. */
  async function plannedRun() {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'incremental', startedAt: new Date() });
    const none = { objects: 0, bytes: 0 };
    await ledger.recordPlanned('r', { batchId: 'ranges', planned: none, skipped: none, checkpoint: plan });
    return { ledger, queue };
  }

  /** A lister of the run into queue, over fresh sides, with ranges cut down to 50 keys. */
  function listerOptions(queue: WorkQueue): Omit<ListerOptions, 'ledger'> {
    return {
      runId: 'r',
      mapping,
      mode: 'incremental',
      memory: { recallCopies: async () => new Map() },
      queue,
      logger: silentLogger,
      limits,
      listConcurrency: 4,
      split: { minRangeKeys: 50 },
      source: fakeSide(keys.map((key) => entry(key, 1))),
      destination: fakeSide(atDestination),
    };
  }

  test('a resumed range is cut only after its first batch is sent again', async () => {
    const { ledger, queue } = await plannedRun();
    const firstKeys = new Map<string, string>();
    const watching: WorkQueue = {
      ...queue,
      send: async (bodies) => {
        for (const body of bodies) {
          const batch = decodeWorkBatch(body);
          firstKeys.set(batch.batchId, batch.items[0]?.key ?? '');
        }
        await queue.send(bodies);
      },
    };
    // The first lister dies recording the second range's first batch, after sending it.
    const dying: RunLedger = {
      ...ledger,
      recordPlanned: async (runId, batch) => {
        if (compareKeys(firstKeys.get(batch.batchId) ?? '', 'p/0099') > 0) throw new Error('stopped');
        return ledger.recordPlanned(runId, batch);
      },
    };
    // One range at a time, so nothing is cut before it dies.
    await expect(
      runLister({ ...listerOptions(watching), ledger: dying, listConcurrency: 1 }),
    ).rejects.toThrow('stopped');
    await ledger.setListerState('r', 'LISTING');
    const log = eventLog();
    const run = await runLister({ ...listerOptions(watching), ledger, logger: log.logger });
    expect(log.field('lister.cuts', 'cuts')).toBeGreaterThan(0);
    expect(run.planned.objects).toBe(toCopy.length);
    const batches = await drainBatches(queue);
    expect(distinctBatchKeys(batches).sort()).toEqual(toCopy);
  });

  test('a range reaching its new end before the cut is recorded sends its last batch only after', async () => {
    const { ledger, queue } = await plannedRun();
    // Recording a cut takes long and then fails (the lister dies): the cut range has reached its new end by then.
    const dying: RunLedger = {
      ...ledger,
      recordPlanned: async (runId, batch) => {
        if (!batch.batchId.startsWith('split:')) return ledger.recordPlanned(runId, batch);
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new Error('stopped');
      },
    };
    await expect(runLister({ ...listerOptions(queue), ledger: dying })).rejects.toThrow('stopped');
    await ledger.setListerState('r', 'LISTING');
    const run = await runLister({ ...listerOptions(queue), ledger });
    expect(run.planned.objects).toBe(toCopy.length);
    expect(distinctBatchKeys(await drainBatches(queue)).sort()).toEqual(toCopy);
  });
});
