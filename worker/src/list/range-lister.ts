// Lists and plans one key range on its own: its source merged with its destination, its batches sent as they close.
import type { MappingConfig } from '../config/types.ts';
import type { ObjectEntry } from '../domain/object.ts';
import { plan } from '../plan/planner.ts';
import {
  type Counts,
  comparesWithDestination,
  type HeldDeletes,
  type ObjectMemory,
  type RunMode,
} from '../ports/ledger.ts';
import type { ObjectLister } from '../ports/object-store.ts';
import type { WorkBatch } from '../queue/work-message.ts';
import type { ListingRecorder } from './listing-recorder.ts';
import { mappingListings } from './mapping-listings.ts';
import type { RangeCursor } from './range-cursor.ts';
import { type BatchLimits, deleteBatchLimits, WorkBatcher } from './work-batcher.ts';

export interface RangeListerOptions {
  readonly runId: string;
  readonly mapping: MappingConfig;
  readonly mode: RunMode;
  readonly source: ObjectLister;
  readonly destination: ObjectLister;
  readonly memory: Pick<ObjectMemory, 'recallCopies'>;
  readonly recorder: ListingRecorder;
  readonly limits: BatchLimits;
  /** A stretch of skipped objects is recorded every this many, so a restart does not plan it again. */
  readonly skipCheckpointEvery: number;
  readonly signal?: AbortSignal;
}

const zero: Counts = { objects: 0, bytes: 0 };
const add = (a: Counts, bytes: number): Counts => ({ objects: a.objects + 1, bytes: a.bytes + bytes });

/** The listing, telling the cursor every key it yields and when it has ended. */
async function* watched(
  listing: AsyncIterable<ObjectEntry>,
  cursor: RangeCursor,
): AsyncGenerator<ObjectEntry> {
  for await (const entry of listing) {
    cursor.passed(entry.key);
    yield entry;
  }
  cursor.listingEnded();
}

/**
 * Plans the range after its checkpoint and sends its work, recording progress with every batch (and every
 * skipCheckpointEvery skipped objects); the last step marks the range done. Batches are cut the same way
 * whenever the range is listed from the same checkpoint, so a re-sent batch keeps its id. The range may be cut
 * shorter while it is listed (see range-cursor.ts): only its last batch differs then, and it is sent once the cut
 * is recorded.
 */
export async function listAndPlanRange(options: RangeListerOptions, cursor: RangeCursor): Promise<void> {
  const { mapping, recorder } = options;
  const { start } = cursor;
  const listings = mappingListings({
    mapping,
    source: options.source,
    destination: options.destination,
    withDestination: comparesWithDestination(options.mode),
    range: cursor.from,
    ends: cursor,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const decisions = plan({
    sourceListing: watched(listings.source, cursor),
    ...(listings.destination ? { destinationListing: listings.destination } : {}),
    mapping,
    mode: options.mode,
    recall: (keys) => options.memory.recallCopies(mapping.id, keys),
  });
  const batcher = new WorkBatcher({ runId: options.runId, mappingId: mapping.id, limits: options.limits });
  // A sync run's deletes are held in the ledger with each step, so a checkpoint never passes an unrecorded one.
  const deletes = new WorkBatcher({
    runId: options.runId,
    mappingId: mapping.id,
    limits: deleteBatchLimits,
    kind: 'delete',
  });
  let skipped = zero;
  let lastKey: string | undefined;
  let previousKey: string | undefined;
  const step = async (fields: { batch?: WorkBatch; deletes?: HeldDeletes; key: string; done: boolean }) => {
    const held = fields.deletes ?? deletes.flush();
    await recorder.record({
      start,
      ...(fields.batch ? { batch: fields.batch } : {}),
      ...(held ? { deletes: { batchId: held.batchId, items: held.items } } : {}),
      skipped,
      lastKey: fields.key,
      done: fields.done,
    });
    skipped = zero;
    cursor.stepRecorded();
  };

  for await (const decision of decisions) {
    if (decision.action === 'delete') {
      // The destination listing reads ahead: a key beyond a cut made since belongs to the rest of the range.
      if (!cursor.holds(decision.sourceKey)) continue;
      previousKey = lastKey;
      lastKey = decision.sourceKey;
      const { key, size, etag } = decision.destination;
      const item = { key, size, etag };
      for (const full of deletes.add(item)) {
        // Everything up to the batch's end is then recorded: the copies pending (all before it) go with it.
        const pending = batcher.flush();
        const endsHere = full.items[full.items.length - 1] === item;
        await step({
          ...(pending ? { batch: pending } : {}),
          deletes: full,
          key: endsHere ? lastKey : (previousKey ?? lastKey),
          done: false,
        });
      }
      continue;
    }
    previousKey = lastKey;
    lastKey = decision.sourceKey;
    if (decision.action === 'skip') {
      skipped = add(skipped, decision.source.size);
      if (batcher.pending === 0 && skipped.objects >= options.skipCheckpointEvery) {
        await step({ key: lastKey, done: false });
      }
      continue;
    }
    const item = { key: decision.sourceKey, size: decision.source.size, etag: decision.source.etag };
    for (const batch of batcher.add(item)) {
      // A batch closed by this object's size ends before it: its checkpoint is the previous key.
      const endsHere = batch.items[batch.items.length - 1] === item;
      await step({ batch, key: endsHere ? lastKey : (previousKey ?? lastKey), done: false });
    }
  }
  cursor.listingEnded();
  await cursor.cutsRecorded;
  const last = batcher.flush();
  if (lastKey === undefined) {
    await recorder.record({ start, skipped, done: true });
    return;
  }
  await step({ ...(last ? { batch: last } : {}), key: lastKey, done: true });
}
