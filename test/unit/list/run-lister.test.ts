// The lister: exact planned/skipped counters, checkpoints, and a restart that neither loses nor double-counts.
import { describe, expect, test } from 'vitest';
import type { MappingConfig } from '../../../worker/src/config/types.ts';
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import { createSqliteLedger } from '../../../worker/src/embedded/sqlite-ledger.ts';
import { createSqliteWorkQueue } from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import { runLister } from '../../../worker/src/list/run-lister.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import type { ListOptions, ObjectLister } from '../../../worker/src/ports/object-store.ts';
import { decodeWorkBatch } from '../../../worker/src/queue/work-message.ts';

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

async function drain(queue: ReturnType<typeof setup>['queue']) {
  const keys: string[] = [];
  for (;;) {
    const messages = await queue.receive({ max: 10, visibilityTimeoutSec: 30, waitSec: 0 });
    if (messages.length === 0) return keys;
    for (const message of messages) {
      keys.push(...decodeWorkBatch(message.body).items.map((item) => item.key));
      await queue.ack(message);
    }
  }
}

const sources = Array.from({ length: 250 }, (_, i) => entry(`p/${String(i).padStart(3, '0')}`, i + 1));

describe('runLister', () => {
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
    const common = {
      runId: 'r2',
      mapping,
      mode: 'full' as const,
      destination: lister([]),
      ledger,
      memory: ledger,
      queue,
    };
    const options = {
      ...common,
      logger: silentLogger,
      limits: { maxItems: 7, maxBytes: 1_000_000, maxMessageBytes: 1_000_000 },
    };
    await expect(runLister({ ...options, source: lister(sources, { failAfter: 101 }) })).rejects.toThrow(
      'listing broke',
    );
    const failed = await ledger.getRun('r2');
    expect(failed?.listerState).toBe('FAILED');
    expect(failed?.checkpoint).toBe('p/097'); // 14 full batches of 7 = 98 objects recorded
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

  test('listing key ranges concurrently plans exactly what the plain listing plans', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => entry(`p/${(i * 7919) % 3001}-${i}`, i + 1));
    const atDestination = many
      .filter((_, i) => i % 3 === 0)
      .map((e) => ({ ...e, key: `q/${e.key.slice(2)}` }));
    const outcomes = [];
    for (const listConcurrency of [undefined, 4]) {
      const { ledger, queue } = setup();
      await ledger.startRun({ runId: 'r', mappingId: 'm', mode: 'incremental', startedAt: new Date() });
      const run = await runLister({
        runId: 'r',
        mapping,
        mode: 'incremental',
        source: lister(many),
        destination: lister(atDestination),
        ledger,
        memory: ledger,
        queue,
        logger: silentLogger,
        ...(listConcurrency ? { listConcurrency } : {}),
      });
      outcomes.push({ planned: run.planned, skipped: run.skipped, sent: await drain(queue) });
    }
    expect(outcomes[0]?.planned.objects).toBe(2000);
    expect(outcomes[1]).toEqual(outcomes[0]);
  });
});
