// Copies every object of one work batch and returns its outcome; validates the batch against the mapping first.
import type { MappingConfig, TransferSettings } from '../config/types.ts';
import { classOf, errorMessage, FerryError } from '../domain/errors.ts';
import { sameEtag } from '../plan/decide.ts';
import { assertStorableKey, toDestinationKey } from '../plan/key-mapping.ts';
import type { Clock } from '../ports/clock.ts';
import type { BatchOutcome, CopyRecord, FailureRecord, ObjectMemory } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { WorkBatch, WorkItem } from '../queue/work-message.ts';
import type { PartSlots } from '../transfer/context.ts';
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
  readonly onBytes?: (bytes: number) => void;
  readonly onObject?: (outcome: 'copied' | 'failed', bytes: number) => void;
  readonly signal?: AbortSignal;
}

/** A message that can never succeed: it names a key outside the mapping's source prefix. */
export function assertBatchFitsMapping(batch: WorkBatch, mapping: MappingConfig): void {
  for (const item of batch.items) {
    if (!item.key.startsWith(mapping.source.prefix)) {
      throw new FerryError(
        'InvalidObject',
        `malformed work message: key ${JSON.stringify(item.key)} is outside the source prefix of mapping ${mapping.id}`,
      );
    }
  }
}

type ItemResult =
  | { readonly ok: true; readonly item: WorkItem; readonly copy: CopyRecord }
  | { readonly ok: false; readonly item: WorkItem; readonly failure: FailureRecord };

async function copyItem(
  item: WorkItem,
  runtime: MappingRuntime,
  deps: BatchProcessorDeps,
): Promise<ItemResult> {
  const { mapping } = runtime;
  try {
    const destinationKey = toDestinationKey(item.key, mapping);
    assertStorableKey(destinationKey);
    const result = await transferObject(
      { sourceKey: item.key, destinationKey, size: item.size, etag: item.etag },
      {
        source: runtime.source,
        destination: runtime.destination,
        settings: deps.settings,
        write: mapping.destination,
        memory: deps.memory,
        mappingId: mapping.id,
        clock: deps.clock,
        logger: deps.logger,
        parts: deps.parts,
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.onBytes ? { onProgress: deps.onBytes } : {}),
      },
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
    deps.onObject?.('failed', item.size);
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

/** Transfers the batch's objects (bounded by the shared limits) and remembers what was copied. */
export async function processBatch(
  batch: WorkBatch,
  runtime: MappingRuntime,
  deps: BatchProcessorDeps,
): Promise<BatchOutcome> {
  const results = await Promise.all(
    batch.items.map((item) => deps.objectLimit(() => copyItem(item, runtime, deps))),
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
  return { batchId: batch.batchId, copied, failed, failures };
}
