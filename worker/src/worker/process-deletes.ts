// Deletes one batch of destination objects a sync run found gone from the source, each pinned to the ETag it was
// listed with, and returns the batch's outcome; validates the batch against the mapping first.
import { type ErrorClass, FerryError, isRetryableClass } from '../domain/errors.ts';
import { type MappedPrefixes, toSourceKey } from '../plan/key-mapping.ts';
import type { Counts, DeleteItem, FailureRecord } from '../ports/ledger.ts';
import type { DeleteOutcome } from '../ports/object-store.ts';
import type { DeleteBatch } from '../queue/work-message.ts';
import { classOfFailure } from '../storage/s3-errors.ts';
import { DEFAULT_BACKOFF } from '../transfer/context.ts';
import { objectUrl } from '../transfer/object-job.ts';
import { asFerryError, attemptsOf, type BackoffSettings, withRetries } from '../transfer/retry.ts';
import {
  assertBatchFitsMapping,
  type BatchProcessorDeps,
  type BatchResult,
  type DeleteItemResult,
  type MappingRuntime,
} from './process-batch.ts';

export type DeleteProcessorDeps = Pick<BatchProcessorDeps, 'settings' | 'clock' | 'logger' | 'signal'> & {
  /** Backoff between Ferry-level retries of the request; DEFAULT_BACKOFF when absent. */
  readonly backoff?: BackoffSettings;
};

/**
 * Whether a failed delete may pass when the message comes back (throttling, network). A changed object
 * (PreconditionFailed, classed SourceChanged) stays changed: its delete is refused for this run.
 */
export function isRetryableDeleteClass(errorClass: ErrorClass): boolean {
  return isRetryableClass(errorClass) && errorClass !== 'SourceChanged';
}

/** What became of the request: the service's per-key report, or the failure of the whole request. */
export type DeleteReport =
  | { readonly ok: true; readonly outcome: DeleteOutcome; readonly attempts: number }
  | { readonly ok: false; readonly error: FerryError };

function why(error: { readonly code: string; readonly message: string }, item: DeleteItem): string {
  const said = `${error.code}: ${error.message}`;
  return error.code === 'PreconditionFailed'
    ? `the object changed since it was listed (ETag no longer ${item.etag}): ${said}`
    : said;
}

/** The failure of one item: the service's error for its key, else the whole request's. */
function failureOf(options: { item: DeleteItem; url: string; report: DeleteReport }): FailureRecord {
  const { item, url, report } = options;
  if (!report.ok) {
    const { error } = report;
    return {
      key: item.key,
      errorClass: error.errorClass,
      message: `${url}: delete refused: ${error.message}`,
      attempts: attemptsOf(error),
    };
  }
  const error = report.outcome.errors.find((each) => each.key === item.key) ?? {
    code: 'NotReported',
    message: 'the store reported neither a delete nor an error for this key',
  };
  return {
    key: item.key,
    errorClass: classOfFailure(error),
    message: `${url}: delete refused: ${why(error, item)}`,
    attempts: report.attempts,
  };
}

function plus(counts: Counts, item: DeleteItem): Counts {
  return { objects: counts.objects + 1, bytes: counts.bytes + item.size };
}

/** The source key a destination key of the batch mirrored (the batch was checked against the mapping before). */
function sourceKeyOf(destinationKey: string, mapping: MappedPrefixes): string {
  const sourceKey = toSourceKey(destinationKey, mapping);
  if (sourceKey === undefined) {
    throw new FerryError('Internal', `${JSON.stringify(destinationKey)} is outside the destination prefix`);
  }
  return sourceKey;
}

/**
 * The batch's outcome from the report (pure): listed bytes for what was deleted and what failed, and each object's
 * result with the source key it mirrored (for the manifest).
 */
export function deleteBatchResult(options: {
  batch: DeleteBatch;
  mapping: MappedPrefixes;
  report: DeleteReport;
  urlOf: (key: string) => string;
}): BatchResult {
  const { batch, mapping, report, urlOf } = options;
  const deletedKeys = new Set(report.ok ? report.outcome.deleted : []);
  let deleted: Counts = { objects: 0, bytes: 0 };
  let failed: Counts = { objects: 0, bytes: 0 };
  const failures: FailureRecord[] = [];
  const results: DeleteItemResult[] = [];
  for (const item of batch.items) {
    const sourceKey = sourceKeyOf(item.key, mapping);
    if (deletedKeys.has(item.key)) {
      deleted = plus(deleted, item);
      results.push({ ok: true, item, sourceKey });
    } else {
      failed = plus(failed, item);
      const failure = failureOf({ item, url: urlOf(item.key), report });
      failures.push(failure);
      results.push({ ok: false, item, sourceKey, failure });
    }
  }
  return {
    outcome: {
      batchId: batch.batchId,
      copied: { objects: 0, bytes: 0 },
      deleted,
      failed,
      failures,
      results,
    },
    retryable: failures.some((failure) => isRetryableDeleteClass(failure.errorClass)),
  };
}

/**
 * Deletes the batch's objects at the destination in one request (retried while throttled or cut off), each refused
 * if it changed since it was listed. A key outside the mapping's destination prefix makes the whole message poison
 * (InvalidObject, before anything is deleted). A redelivery deletes again: keys already gone count as deleted.
 */
export async function processDeletes(
  batch: DeleteBatch,
  runtime: MappingRuntime,
  deps: DeleteProcessorDeps,
): Promise<BatchResult> {
  const { mapping, destination } = runtime;
  assertBatchFitsMapping(batch, mapping, 'destination');
  const { signal } = deps;
  const targets = batch.items.map(({ key, etag }) => ({ key, etag }));
  let attempts = 0;
  let report: DeleteReport;
  try {
    const outcome = await withRetries(
      async (attempt) => {
        attempts = attempt;
        return await destination.deleteObjects(targets, signal ? { signal } : {});
      },
      {
        ...(deps.backoff ?? DEFAULT_BACKOFF),
        clock: deps.clock,
        maxAttempts: deps.settings.maxAttempts,
        label: `delete batch ${batch.batchId} (${targets.length} objects)`,
        logger: deps.logger,
        retryOn: (error) => isRetryableDeleteClass(error.errorClass),
        ...(signal ? { signal } : {}),
      },
    );
    report = { ok: true, outcome, attempts };
  } catch (error) {
    if (signal?.aborted) throw error;
    report = { ok: false, error: asFerryError(error) };
  }
  const result = deleteBatchResult({
    batch,
    mapping,
    report,
    urlOf: (key) => objectUrl(destination, key),
  });
  for (const failure of result.outcome.failures) {
    deps.logger.warn('object.delete-failed', {
      mapping: mapping.id,
      key: failure.key,
      class: failure.errorClass,
      error: failure.message,
    });
  }
  return result;
}
