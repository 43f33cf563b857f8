// The worker loop on delete messages (v3): executed, recorded once however often delivered, acked; poison when they
// name keys outside the destination prefix or a run that never asked for deletes.
import { describe, expect, test } from 'vitest';
import { createSqliteLedger } from '../../../worker/src/embedded/sqlite-ledger.ts';
import { createSqliteWorkQueue, listDeadLetters } from '../../../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb } from '../../../worker/src/embedded/state-db.ts';
import { systemClock } from '../../../worker/src/ports/clock.ts';
import type { DeleteItem } from '../../../worker/src/ports/ledger.ts';
import { encodeDeleteBatch } from '../../../worker/src/queue/work-message.ts';
import { MemoryObjectStore } from '../../../worker/src/storage/memory-object-store.ts';
import { runWorkerLoop } from '../../../worker/src/worker/worker-loop.ts';
import { testMapping, testTransferSettings } from '../../support/transfer-fixtures.ts';
import { loopOptions } from './loop-options.ts';

const mapping = testMapping();

async function setup() {
  const db = openStateDb(':memory:');
  const ledger = createSqliteLedger({ db, clock: systemClock });
  const queue = createSqliteWorkQueue({ db, clock: systemClock, maxReceiveCount: 3, pollIntervalMs: 10 });
  const destination = new MemoryObjectStore({ bucket: 'dst' });
  const runtime = { mapping, source: new MemoryObjectStore({ bucket: 'src' }), destination };
  await ledger.startRun({ runId: 'sync-run', mappingId: 'm', mode: 'sync', startedAt: new Date() });
  await ledger.startRun({ runId: 'copy-run', mappingId: 'm', mode: 'incremental', startedAt: new Date() });
  await ledger.settleDeletes('sync-run', { state: 'RELEASED' });
  const seed = (key: string, body = `body of ${key}`): DeleteItem => {
    const head = destination.seed(key, Buffer.from(body));
    return { key, size: head.size, etag: head.etag };
  };
  const work = () =>
    runWorkerLoop({
      ...loopOptions({ queue, ledger, runtime, settings: testTransferSettings() }),
      maxMessagesInFlight: 1,
      shouldStop: async () => true,
    });
  const deleteBody = (items: DeleteItem[], ids: { runId?: string; batchId?: string } = {}) =>
    encodeDeleteBatch({
      runId: ids.runId ?? 'sync-run',
      mappingId: 'm',
      batchId: ids.batchId ?? 'd1',
      items,
    });
  return { db, ledger, queue, destination, seed, work, deleteBody };
}

describe('runWorkerLoop on delete messages', () => {
  test('a delete batch delivered twice deletes its objects, is counted once and acked', async () => {
    const { ledger, queue, destination, seed, work, deleteBody } = await setup();
    const items = [seed('out/a'), seed('out/b/c')];
    seed('out/kept');
    const body = deleteBody(items);
    await queue.send([body, body]);
    await work();
    const run = await ledger.getRun('sync-run');
    expect(run?.deleted).toEqual({ objects: 2, bytes: items[0]!.size + items[1]!.size });
    expect(run?.copied).toEqual({ objects: 0, bytes: 0 });
    expect(run?.failed).toEqual({ objects: 0, bytes: 0 });
    expect(await destination.head('out/a')).toBeUndefined();
    expect(await destination.head('out/b/c')).toBeUndefined();
    expect(await destination.head('out/kept')).toBeDefined();
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  test('an object changed since listed is a recorded failure at once, not a message handed back', async () => {
    const { ledger, queue, destination, seed, work, deleteBody } = await setup();
    const changed = seed('out/changed', 'as listed');
    seed('out/changed', 'rewritten');
    await queue.send([deleteBody([changed])]);
    await work();
    const run = await ledger.getRun('sync-run');
    expect(run?.failed).toEqual({ objects: 1, bytes: changed.size });
    expect(run?.deleted).toEqual({ objects: 0, bytes: 0 });
    const { failures } = await ledger.listFailures('sync-run', { limit: 10 });
    expect(failures).toEqual([
      expect.objectContaining({ key: 'out/changed', errorClass: 'SourceChanged', attempts: 1 }),
    ]);
    expect(await destination.head('out/changed')).toBeDefined();
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  test('deletes outside the destination prefix, or for a run that is not a sync run, are dead-lettered', async () => {
    const { db, ledger, queue, destination, seed, work, deleteBody } = await setup();
    const inside = seed('out/a');
    const sourceKey = seed('in/a');
    await queue.send([
      deleteBody([inside, sourceKey], { batchId: 'outside' }),
      deleteBody([inside], { runId: 'copy-run', batchId: 'not-sync' }),
    ]);
    await work();
    const reasons = listDeadLetters(db)
      .map((letter) => letter.reason)
      .sort();
    expect(reasons).toEqual([
      expect.stringMatching(/deletes for run copy-run, but it is not a sync run/),
      expect.stringMatching(/"in\/a" is outside the destination prefix of mapping m/),
    ]);
    expect(await destination.head('out/a')).toBeDefined();
    expect(await destination.head('in/a')).toBeDefined();
    expect((await ledger.getRun('sync-run'))?.deleted).toEqual({ objects: 0, bytes: 0 });
  });

  test('deletes for a run whose deletes were refused are dead-lettered, nothing deleted', async () => {
    const { db, ledger, queue, destination, seed, work, deleteBody } = await setup();
    await ledger.startRun({ runId: 'refused-run', mappingId: 'm', mode: 'sync', startedAt: new Date() });
    await ledger.settleDeletes('refused-run', { state: 'REFUSED', reason: 'too many deletes' });
    await queue.send([deleteBody([seed('out/a')], { runId: 'refused-run' })]);
    await work();
    expect(listDeadLetters(db).map((letter) => letter.reason)).toEqual([
      expect.stringMatching(/deletes for run refused-run, but its deletes are REFUSED/),
    ]);
    expect(await destination.head('out/a')).toBeDefined();
  });
});
