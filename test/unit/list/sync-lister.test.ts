// The lister in sync mode: deletes held until the listing is complete, each exactly once across restarts and range
// cuts, then released to the queue, or refused by a guardrail with nothing sent.
import { describe, expect, test } from 'vitest';
import type { MappingConfig } from '../../../worker/src/config/types.ts';
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import { createSqliteLedger } from '../../../worker/src/embedded/sqlite-ledger.ts';
import { createSqliteWorkQueue } from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import { keyAfter } from '../../../worker/src/list/key-ranges.ts';
import { encodeListingCheckpoint, progressOf } from '../../../worker/src/list/range-checkpoint.ts';
import { type ListerOptions, runLister } from '../../../worker/src/list/run-lister.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import type { DeleteItem, RunLedger } from '../../../worker/src/ports/ledger.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import type { WorkQueue } from '../../../worker/src/ports/work-queue.ts';
import { decodeWorkMessage, maxDeleteBatchItems } from '../../../worker/src/queue/work-message.ts';
import { FakeLister, nextMacrotask, sortedKeys } from './parallel-fake-lister.ts';

const prefixes = { source: 'src/', destination: 'dst/copy/' };
const mapping: MappingConfig = {
  id: 'm',
  source: { endpoint: 's', bucket: 'in', prefix: prefixes.source },
  destination: { endpoint: 'd', bucket: 'out', prefix: prefixes.destination },
  include: [],
  exclude: [],
};

function entry(key: string, size: number): ObjectEntry {
  return { key, size, etag: `etag-${size}`, lastModified: new Date(0) };
}

/** A side of the mapping that pages like S3, 40 keys a page, interleaving with the other listings. */
function side(entries: readonly ObjectEntry[], options: { failPage?: (firstKey: string) => boolean } = {}) {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  return new FakeLister(sortedKeys([...byKey.keys()]), {
    pageSize: 40,
    beforePage: nextMacrotask,
    entryFor: (key) => byKey.get(key) ?? entry(key, 0),
    ...options,
  });
}

/**
 * 1,500 relative keys, multi-byte included: the source holds those not divisible by 3; the destination holds every
 * third (unchanged copies) and every fifth (some gone from the source: the deletes).
 */
const relatives = Array.from({ length: 1500 }, (_, i) => `${String(i).padStart(4, '0')}/\u00e9${i % 7}`);
const sizeOf = (relative: string) => 10 + (relative.length % 7) + Number(relative.slice(0, 4));
const inSource = relatives.filter((_, i) => i % 3 !== 0 || i % 5 !== 0);
const inDestination = relatives.filter((_, i) => i % 3 === 0 || i % 5 === 0);
const sourceSet = new Set(inSource);
const gone = inDestination.filter((relative) => !sourceSet.has(relative));
const sourceEntries = inSource.map((r) => entry(`${prefixes.source}${r}`, sizeOf(r)));
const destinationEntries = inDestination.map((r) => entry(`${prefixes.destination}${r}`, sizeOf(r)));
const expectedDeletes = gone.map((r) => `${prefixes.destination}${r}`).sort(compareKeys);
const expectedDeleteBytes = gone.reduce((total, r) => total + sizeOf(r), 0);

function setup() {
  const db = openStateDb(':memory:');
  const ledger = createSqliteLedger({ db, clock: systemClock });
  const queue = createSqliteWorkQueue({ db, clock: systemClock, maxReceiveCount: 5 });
  return { ledger, queue };
}

/** Every message on the queue, acked: the copy batches' keys and the delete batches. */
async function drain(queue: WorkQueue) {
  const copies: string[] = [];
  const deletes: { batchId: string; items: readonly DeleteItem[] }[] = [];
  for (;;) {
    const messages = await queue.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 0 });
    if (messages.length === 0) return { copies, deletes };
    for (const message of messages) {
      const work = decodeWorkMessage(message.body);
      if (work.kind === 'delete') deletes.push({ batchId: work.batch.batchId, items: work.batch.items });
      else if (work.kind === 'batch') copies.push(...work.batch.items.map((item) => item.key));
      await queue.ack(message);
    }
  }
}

/** The keys of the distinct delete batches in key order (a batch sent twice must hold the same keys both times). */
function distinctDeleteKeys(batches: readonly { batchId: string; items: readonly DeleteItem[] }[]): string[] {
  const byId = new Map<string, readonly DeleteItem[]>();
  for (const batch of batches) {
    const seen = byId.get(batch.batchId);
    if (seen) expect(batch.items).toEqual(seen);
    else byId.set(batch.batchId, batch.items);
  }
  return [...byId.values()].flatMap((items) => items.map((item) => item.key)).sort(compareKeys);
}

function options(ledger: RunLedger, queue: WorkQueue): Omit<ListerOptions, 'source'> {
  return {
    runId: 'r',
    mapping,
    mode: 'sync',
    destination: side(destinationEntries),
    ledger,
    memory: { recallCopies: async () => new Map() },
    queue,
    logger: silentLogger,
    limits: { maxItems: 7, maxBytes: 1_000_000, maxMessageBytes: 1_000_000 },
  };
}

describe('runLister, sync', () => {
  test('holds every delete while listing, then releases them: each destination key gone from the source once', async () => {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'sync', startedAt: new Date() });
    const sent: string[] = [];
    const watched: WorkQueue = {
      ...queue,
      send: async (bodies) => {
        // Nothing is deleted while the listing may still find the source object.
        const run = await ledger.getRun('r');
        for (const body of bodies) {
          if (decodeWorkMessage(body).kind === 'delete') expect(run?.deleteState).toBe('HELD');
          sent.push(body);
        }
        await queue.send(bodies);
      },
    };
    const run = await runLister({ ...options(ledger, watched), source: side(sourceEntries) });
    expect(run).toMatchObject({
      listerState: 'LISTED',
      deleteState: 'RELEASED',
      toDelete: { objects: expectedDeletes.length, bytes: expectedDeleteBytes },
      deleted: { objects: 0, bytes: 0 },
    });
    const { copies, deletes } = await drain(queue);
    expect(distinctDeleteKeys(deletes)).toEqual(expectedDeletes);
    expect(copies).toHaveLength(inSource.filter((r) => !inDestination.includes(r)).length);
    // The deletes went last, after every copy batch.
    const firstDelete = sent.findIndex((body) => decodeWorkMessage(body).kind === 'delete');
    expect(sent.slice(firstDelete).every((body) => decodeWorkMessage(body).kind === 'delete')).toBe(true);
    const item = deletes
      .flatMap((batch) => batch.items)
      .find((held) => held.key === `${prefixes.destination}${gone[0]}`);
    expect(item).toEqual({
      key: `${prefixes.destination}${gone[0]}`,
      size: sizeOf(gone[0] ?? ''),
      etag: `etag-${sizeOf(gone[0] ?? '')}`,
    });
  });

  test('a guardrail refuses the deletes: none sent, the reason recorded, the copies still sent', async () => {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'sync', startedAt: new Date() });
    const limited = { ...mapping, maxDeleteObjects: expectedDeletes.length - 1 };
    const run = await runLister({ ...options(ledger, queue), mapping: limited, source: side(sourceEntries) });
    expect(run.listerState).toBe('LISTED');
    expect(run.deleteState).toBe('REFUSED');
    expect(run.deleteReason).toBe(
      `the sync would delete ${expectedDeletes.length} objects (${(expectedDeleteBytes / 1024).toFixed(1)} KiB), over maxDeleteObjects ${expectedDeletes.length - 1}`,
    );
    const { copies, deletes } = await drain(queue);
    expect(deletes).toEqual([]);
    expect(copies.length).toBe(run.planned.objects);
    expect(run.planned.objects).toBeGreaterThan(0);
  });

  test('an empty source deletes nothing unless maxDeleteObjects allows it', async () => {
    for (const maxDeleteObjects of [undefined, destinationEntries.length]) {
      const { ledger, queue } = setup();
      await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'sync', startedAt: new Date() });
      const run = await runLister({
        ...options(ledger, queue),
        mapping: maxDeleteObjects === undefined ? mapping : { ...mapping, maxDeleteObjects },
        source: side([]),
      });
      const { deletes } = await drain(queue);
      if (maxDeleteObjects === undefined) {
        expect(run.deleteState).toBe('REFUSED');
        expect(run.deleteReason).toMatch(/source listed no object/);
        expect(deletes).toEqual([]);
      } else {
        expect(run.deleteState).toBe('RELEASED');
        expect(distinctDeleteKeys(deletes)).toHaveLength(destinationEntries.length);
      }
    }
  });

  test('more than one request of deletes: batches of at most 1,000, each in key order', async () => {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'sync', startedAt: new Date() });
    const many = Array.from({ length: 2345 }, (_, i) => entry(`${prefixes.destination}old/${i}`, 1));
    const run = await runLister({
      ...options(ledger, queue),
      destination: side(many),
      source: side(sourceEntries.slice(0, 3)),
    });
    expect(run.toDelete).toEqual({ objects: many.length, bytes: many.length });
    const { deletes } = await drain(queue);
    expect(deletes.map((batch) => batch.items.length).sort((a, b) => b - a)[0]).toBe(maxDeleteBatchItems);
    for (const batch of deletes) {
      const keys = batch.items.map((item) => item.key);
      expect(keys).toEqual([...keys].sort(compareKeys));
    }
    expect(distinctDeleteKeys(deletes)).toEqual(many.map((e) => e.key).sort(compareKeys));
  });

  test('a lister that fails part-way and restarts holds each delete once, and releases only when complete', async () => {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'sync', startedAt: new Date() });
    const failing = side(sourceEntries, { failPage: (key) => key >= `${prefixes.source}0900` });
    await expect(runLister({ ...options(ledger, queue), source: failing })).rejects.toThrow(/failed/);
    const failed = await ledger.getRun('r');
    expect(failed?.deleteState).toBe('HELD');
    expect(failed?.toDelete.objects).toBeGreaterThan(0);
    expect((await drain(queue)).deletes).toEqual([]);
    await ledger.setListerState('r', 'LISTING');
    const run = await runLister({ ...options(ledger, queue), source: side(sourceEntries) });
    expect(run.toDelete).toEqual({ objects: expectedDeletes.length, bytes: expectedDeleteBytes });
    expect(distinctDeleteKeys((await drain(queue)).deletes)).toEqual(expectedDeletes);
  });

  /** Lists the run from a skewed plan (50 keys, then the rest), so the big second range is cut for free slots. */
  async function listSkewed(destination: readonly ObjectEntry[]) {
    const { ledger, queue } = setup();
    await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'sync', startedAt: new Date() });
    // A skewed plan: 50 keys in the first range, the rest in the second, so the second is cut for the free slots.
    const boundary = `${prefixes.source}${relatives[49]}`;
    await ledger.recordPlanned('r', {
      batchId: 'ranges',
      planned: { objects: 0, bytes: 0 },
      skipped: { objects: 0, bytes: 0 },
      checkpoint:
        encodeListingCheckpoint(progressOf([{ before: keyAfter(boundary) }, { after: boundary }])) ?? '',
    });
    const cuts: unknown[] = [];
    const run = await runLister({
      ...options(ledger, queue),
      destination: side(destination),
      source: side(sourceEntries),
      listConcurrency: 4,
      split: { minRangeKeys: 50 },
      logger: { ...silentLogger, info: (event, fields) => (event === 'lister.cuts' ? cuts.push(fields) : 0) },
    });
    expect(cuts).toHaveLength(1);
    return { run, deleted: distinctDeleteKeys((await drain(queue)).deletes) };
  }

  test('ranges listed concurrently and cut while listed: each delete held once', async () => {
    const { run, deleted } = await listSkewed(destinationEntries);
    expect(run.toDelete).toEqual({ objects: expectedDeletes.length, bytes: expectedDeleteBytes });
    expect(deleted).toEqual(expectedDeletes);
  });

  test('a destination key read ahead beyond a cut is left to the range that owns it, never deleted', async () => {
    // The destination's listing jumps from its first keys to one near the end, far ahead of the source's position.
    const early = destinationEntries.filter((e) => e.key < `${prefixes.destination}0060`);
    const far = entry(`${prefixes.destination}${inSource.at(-1)}`, 1);
    const { run, deleted } = await listSkewed([...early, far]);
    const earlyGone = expectedDeletes.filter((key) => key < `${prefixes.destination}0060`);
    expect(deleted).toEqual(earlyGone);
    expect(run.toDelete.objects).toBe(earlyGone.length);
  });
});
