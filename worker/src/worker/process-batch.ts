// Copies every object of one work batch and returns its outcome; validates the batch against the mapping first.
import type { MappingConfig, TransferSettings } from '../config/types.ts';
import { classOf, errorMessage, FerryError, isRetryableClass } from '../domain/errors.ts';
import type { ObjectOutcome } from '../domain/object.ts';
import { sameEtag } from '../plan/decide.ts';
import { assertStorableKey, toDestinationKey } from '../plan/key-mapping.ts';
import type { Clock } from '../ports/clock.ts';
import type { BatchOutcome, CopyRecord, DeleteItem, FailureRecord, ObjectMemory } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { WorkBatch, WorkItem } from '../queue/work-message.ts';
import type { BufferPool } from '../transfer/buffer-pool.ts';
import type { PartSlots, TransferContext } from '../transfer/context.ts';
import { attemptsOf } from '../transfer/retry.ts';
import { transferObject } from '../transfer/transfer-object.ts';

/** Everything needed to move objects of one mapping. */
export interface MappingRuntime {
  readonly mapping: MappingConfig;
  readonly source: ObjectStore;
  readonly destination: ObjectStore;
}

export interface BatchProcessorDeps {
  readonly settings: TransferSettings;
  readonly memory: ObjectMemory;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Bounds objects in flight across all batches. */
  readonly objectLimit: <T>(task: () => Promise<T>) => Promise<T>;
  /** Bounds parts (buffered bytes) in flight across all objects. */
  readonly parts: PartSlots;
  /** Reuses part buffers across objects. */
  readonly buffers?: BufferPool;
  readonly onBytes?: (bytes: number) => void;
  /** Told of each object copied or failed, and of each batch of deletes done (bytes: all of theirs). */
  readonly onObject?: (outcome: ObjectOutcome, bytes: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * A message that can never succeed: it names a key outside the mapping's prefix on its side (source keys to copy,
 * destination keys to delete).
 */
export function assertBatchFitsMapping(
  batch: { readonly items: readonly { readonly key: string }[] },
  mapping: MappingConfig,
  side: 'source' | 'destination' = 'source',
): void {
  const { prefix } = mapping[side];
  for (const item of batch.items) {
    if (!item.key.startsWith(prefix)) {
      throw new FerryError(
        'InvalidObject',
        `malformed work message: key ${JSON.stringify(item.key)} is outside the ${side} prefix of mapping ${mapping.id}`,
      );
    }
  }
}

/** How objects of this mapping are transferred by this worker. */
export function transferContextFor(runtime: MappingRuntime, deps: BatchProcessorDeps): TransferContext {
  return {
    source: runtime.source,
    destination: runtime.destination,
    settings: deps.settings,
    write: runtime.mapping.destination,
    memory: deps.memory,
    mappingId: runtime.mapping.id,
    clock: deps.clock,
    logger: deps.logger,
    parts: deps.parts,
    ...(deps.buffers ? { buffers: deps.buffers } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.onBytes ? { onProgress: deps.onBytes } : {}),
  };
}

/** One object's result: its copy record, or why it failed. */
export type ItemResult =
  | { readonly ok: true; readonly item: WorkItem; readonly copy: CopyRecord }
  | { readonly ok: false; readonly item: WorkItem; readonly failure: FailureRecord };

/**
 * One destination object of a delete batch (`item`: its key, size and ETag as listed), with the source key it mirrored
 * (the object gone from the source): deleted, or why not.
 */
export type DeleteItemResult =
  | { readonly ok: true; readonly item: DeleteItem; readonly sourceKey: string }
  | {
      readonly ok: false;
      readonly item: DeleteItem;
      readonly sourceKey: string;
      readonly failure: FailureRecord;
    };

/** One object's result in a batch outcome: a copy's, or (`sourceKey` present) a delete's. */
export type ObjectResult = ItemResult | DeleteItemResult;

/**
 * On a redelivery, an object that an earlier delivery already copied is recognised at the destination (same size,
 * and the source's ETag or Ferry's copy record) and not copied again.
 */
async function alreadyCopied(
  item: WorkItem,
  destinationKey: string,
  runtime: MappingRuntime,
  deps: BatchProcessorDeps,
): Promise<CopyRecord | undefined> {
  const head = await runtime.destination.head(destinationKey);
  if (!head || head.size !== item.size) return undefined;
  if (sameEtag(head.etag, item.etag)) {
    return { key: destinationKey, sourceEtag: item.etag, sourceSize: item.size, destinationEtag: head.etag };
  }
  const record = (await deps.memory.recallCopies(runtime.mapping.id, [destinationKey])).get(destinationKey);
  const matches =
    record && sameEtag(record.sourceEtag, item.etag) && sameEtag(record.destinationEtag, head.etag);
  return matches ? record : undefined;
}

async function copyItem(
  item: WorkItem,
  runtime: MappingRuntime,
  deps: BatchProcessorDeps,
  redelivered: boolean,
): Promise<ItemResult> {
  const { mapping } = runtime;
  try {
    const destinationKey = toDestinationKey(item.key, mapping);
    assertStorableKey(destinationKey);
    const existing = redelivered ? await alreadyCopied(item, destinationKey, runtime, deps) : undefined;
    if (existing) return { ok: true, item, copy: existing };
    const result = await transferObject(
      { sourceKey: item.key, destinationKey, size: item.size, etag: item.etag },
      transferContextFor(runtime, deps),
    );
    deps.onObject?.('copied', result.bytes);
    return {
      ok: true,
      item,
      copy: {
        key: destinationKey,
        sourceEtag: result.sourceEtag,
        sourceSize: result.bytes,
        destinationEtag: result.destinationEtag,
      },
    };
  } catch (error) {
    if (deps.signal?.aborted) throw error;
    const attempts = attemptsOf(error);
    deps.logger.warn('object.failed', {
      mapping: mapping.id,
      key: item.key,
      class: classOf(error),
      error: errorMessage(error),
    });
    return {
      ok: false,
      item,
      failure: { key: item.key, errorClass: classOf(error), message: errorMessage(error), attempts },
    };
  }
}

/** A batch's outcome with each object's result, for per-object reports (the manifest); ledgers ignore `results`. */
export interface DetailedBatchOutcome extends BatchOutcome {
  readonly results: readonly ObjectResult[];
}

export interface BatchResult {
  readonly outcome: DetailedBatchOutcome;
  /** Some objects failed in a way that may pass later (throttling, network, a source changing). */
  readonly retryable: boolean;
}

/** Transfers the batch's objects (bounded by the shared limits) and remembers what was copied. */
export async function processBatch(
  batch: WorkBatch,
  runtime: MappingRuntime,
  deps: BatchProcessorDeps,
  options: { redelivered: boolean } = { redelivered: false },
): Promise<BatchResult> {
  const results = await Promise.all(
    batch.items.map((item) => deps.objectLimit(() => copyItem(item, runtime, deps, options.redelivered))),
  );
  const copies: CopyRecord[] = [];
  const failures: FailureRecord[] = [];
  let copied = { objects: 0, bytes: 0 };
  let failed = { objects: 0, bytes: 0 };
  for (const result of results) {
    if (result.ok) {
      copies.push(result.copy);
      copied = { objects: copied.objects + 1, bytes: copied.bytes + result.copy.sourceSize };
    } else {
      failures.push(result.failure);
      failed = { objects: failed.objects + 1, bytes: failed.bytes + result.item.size };
    }
  }
  // A copy whose ETag equals its source's is recognised from the listings alone; remember only the others.
  const needRecord = copies.filter((copy) => !sameEtag(copy.destinationEtag, copy.sourceEtag));
  if (needRecord.length > 0) await deps.memory.rememberCopies(runtime.mapping.id, needRecord);
  return {
    outcome: { batchId: batch.batchId, copied, failed, failures, results },
    retryable: failures.some((failure) => isRetryableClass(failure.errorClass)),
  };
}
