// Copies one range of a shared object and, when it is the last range in, completes the object; decides what the
// message's delivery comes to: nothing more to do, try again later, the object's outcome, or a poison message.
//
// The shared upload's record in the ledger orders everything: the first worker claims the upload; a range counts
// once its parts are all recorded; the worker whose range makes the count complete (or a redelivery of its message,
// should it stop short) completes the upload, records the copy and then marks the record DONE. A final failure
// marks it FAILED (with the failure, so a redelivery can record it) and aborts the upload. The object's outcome is
// recorded under the object's batch id, so however many deliveries reach it, it counts once.
import { classOf, errorMessage, FerryError } from '../domain/errors.ts';
import { sameEtag } from '../plan/decide.ts';
import { assertStorableKey, toDestinationKey } from '../plan/key-mapping.ts';
import type { FailureRecord, SharedObjectRef, SharedUploadRecord } from '../ports/ledger.ts';
import {
  encodeRangeWork,
  layoutOfRange,
  type RangeWork,
  rangesOfSharedBatch,
} from '../queue/work-message.ts';
import { abortUpload } from '../transfer/multipart-upload.ts';
import { newObjectJob, type ObjectJob } from '../transfer/object-job.ts';
import { asFerryError, attemptsOf } from '../transfer/retry.ts';
import { spanOf } from '../transfer/shared-ranges.ts';
import {
  claimUpload,
  completeUpload,
  copyRange,
  jobForUpload,
  replaceUpload,
  type SharedRange,
} from '../transfer/shared-upload.ts';
import {
  type BatchProcessorDeps,
  type DetailedBatchOutcome,
  type ItemResult,
  type MappingRuntime,
  transferContextFor,
} from './process-batch.ts';

export type RangeResult =
  /** Nothing to record: the range is in and others remain, or the object was settled already. */
  | { readonly kind: 'done' }
  /** A failure that may pass: hand the message back for a later delivery. */
  | { readonly kind: 'retry-later'; readonly error: FerryError }
  /** The object's outcome, to record once; then `settle`, which marks the shared record accordingly. */
  | { readonly kind: 'outcome'; readonly outcome: DetailedBatchOutcome; readonly settle: () => Promise<void> }
  /** The message contradicts the object's shared upload: it can never succeed. */
  | { readonly kind: 'poison'; readonly reason: string };

export interface RangeOptions {
  /** This message was delivered before: an earlier delivery may have stopped anywhere. */
  readonly redelivered: boolean;
  /** Another delivery may follow: a retryable failure is handed back instead of failing the object. */
  readonly mayRetry: boolean;
  /** Sends work messages (ranges to copy again after their upload vanished). */
  readonly send: (bodies: readonly string[]) => Promise<void>;
}

/** How often one delivery starts over in a new upload before it gives up (retryably). */
const MAX_UPLOADS_PER_DELIVERY = 3;

class RangeMismatch extends FerryError {
  constructor(message: string) {
    super('InvalidObject', `malformed work message: ${message}`);
    this.name = 'RangeMismatch';
  }
}

/** A message that disagrees with the object's recorded upload belongs to no object Ferry is copying. */
function assertSameObject(record: SharedUploadRecord, range: RangeWork, destinationKey: string): void {
  const same =
    record.key === destinationKey &&
    sameEtag(record.sourceEtag, range.item.etag) &&
    record.sourceSize === range.item.size &&
    record.partSize === range.partSizeBytes &&
    record.rangeCount === range.rangeCount;
  if (!same) {
    throw new RangeMismatch(
      `range of ${JSON.stringify(range.item.key)} disagrees with the shared upload recorded for batch ${range.batchId}`,
    );
  }
}

interface RangeJob extends SharedRange {
  readonly work: RangeWork;
  readonly job: ObjectJob;
  readonly deps: BatchProcessorDeps;
  readonly options: RangeOptions;
}

function outcomeOf(work: RangeWork, result: ItemResult): DetailedBatchOutcome {
  const none = { objects: 0, bytes: 0 };
  const one = { objects: 1, bytes: work.item.size };
  return result.ok
    ? { batchId: work.batchId, copied: one, failed: none, failures: [], results: [result] }
    : { batchId: work.batchId, copied: none, failed: one, failures: [result.failure], results: [result] };
}

/** The outcome of a failed object; settling aborts its upload, if it has one. */
function failedOutcome(
  range: { work: RangeWork; job?: ObjectJob },
  failure: FailureRecord,
  record: SharedUploadRecord | undefined,
): RangeResult {
  const { work, job } = range;
  const settle = async (): Promise<void> => {
    if (record && job) await abortUpload(job, record.uploadId);
  };
  return { kind: 'outcome', outcome: outcomeOf(work, { ok: false, item: work.item, failure }), settle };
}

/**
 * A settled record: the object was counted when it was settled (DONE is set after its outcome is recorded) or is
 * to be counted from its record (FAILED is set before): a redelivery records the failure again, recorded once.
 */
function afterSettled(range: RangeJob, record: SharedUploadRecord): RangeResult {
  if (record.state === 'FAILED' && record.failure && range.options.redelivered) {
    return failedOutcome(range, record.failure, record);
  }
  return { kind: 'done' };
}

/** Starts the object over in a new upload when its upload vanished; the ranges done in the old one go out again. */
async function afterVanished(range: RangeJob, record: SharedUploadRecord): Promise<SharedUploadRecord> {
  // The new upload keeps the record's checksum algorithm, whatever this worker's configuration says.
  const replacement = await replaceUpload(jobForUpload(range.job, record), { ref: range.ref, record });
  if (!replacement.record) {
    throw new FerryError('Internal', `the shared upload record of batch ${range.work.batchId} vanished`);
  }
  if (replacement.replaced) {
    const again = replacement.abandonedRanges.filter((index) => index !== range.span.index);
    const { work } = range;
    const batch = {
      runId: work.runId,
      mappingId: work.mappingId,
      batchId: work.batchId,
      items: [work.item],
      shared: { partSizeBytes: work.partSizeBytes, rangeCount: work.rangeCount },
    };
    if (again.length > 0) await range.options.send(rangesOfSharedBatch(batch, again).map(encodeRangeWork));
  }
  return replacement.record;
}

async function completeObject(
  range: RangeJob,
  record: SharedUploadRecord,
): Promise<RangeResult | 'vanished'> {
  const job = jobForUpload(range.job, record);
  const completed = await completeUpload(job, { ...range, record });
  if (completed === 'vanished') return 'vanished';
  const { work, deps } = range;
  const copy = {
    key: job.item.destinationKey,
    sourceEtag: work.item.etag,
    sourceSize: work.item.size,
    destinationEtag: completed.etag,
  };
  if (!sameEtag(copy.destinationEtag, copy.sourceEtag)) {
    await deps.memory.rememberCopies(job.context.mappingId, [copy]);
  }
  const settle = async (): Promise<void> => {
    await deps.memory.settleSharedUpload(range.ref, { state: 'DONE' });
  };
  return { kind: 'outcome', outcome: outcomeOf(work, { ok: true, item: work.item, copy }), settle };
}

/** Claims or joins the upload, copies the range, and completes the object when it is the last range in. */
async function advance(range: RangeJob): Promise<RangeResult> {
  const { memory } = range.deps;
  let record = await memory.recallSharedUpload(range.ref);
  if (record && record.state !== 'OPEN') return afterSettled(range, record);
  record ??= await claimUpload(range.job, range);
  assertSameObject(record, range.work, range.job.item.destinationKey);
  let markedHere = false;
  for (let uploads = 1; uploads <= MAX_UPLOADS_PER_DELIVERY; ) {
    if (record.state !== 'OPEN') return afterSettled(range, record);
    if (!record.doneRanges.includes(range.span.index)) {
      const copied = await copyRange(jobForUpload(range.job, record), { ...range, record });
      if (copied === 'vanished') {
        record = await afterVanished(range, record);
        uploads += 1;
        continue;
      }
      const mark = await memory.markRangeDone(range.ref, {
        uploadId: record.uploadId,
        rangeIndex: range.span.index,
      });
      if (!mark.record)
        throw new FerryError('Internal', `no shared upload record for batch ${range.work.batchId}`);
      record = mark.record;
      markedHere = mark.marked;
      // Refused: the record moved to another upload (copy the range again there) or was settled.
      if (!mark.marked && !record.doneRanges.includes(range.span.index)) {
        uploads += 1;
        continue;
      }
    }
    if (record.doneRanges.length < record.rangeCount) return { kind: 'done' };
    // Every range is in: the delivery that added the last one completes; a redelivery does when that one stopped.
    if (!markedHere && !range.options.redelivered) return { kind: 'done' };
    const completed = await completeObject(range, record);
    if (completed !== 'vanished') return completed;
    record = await afterVanished(range, record);
    markedHere = false;
    uploads += 1;
  }
  throw new FerryError(
    'Transient',
    `${range.job.destinationUrl}: its shared upload vanished ${MAX_UPLOADS_PER_DELIVERY} times in one delivery`,
  );
}

/** Fails the object once: the record says FAILED with the failure, unless it was settled already. */
async function failObject(
  range: { work: RangeWork; ref: SharedObjectRef; deps: BatchProcessorDeps; job?: ObjectJob },
  error: FerryError,
  attempts: number,
): Promise<RangeResult> {
  const failure: FailureRecord = {
    key: range.work.item.key,
    errorClass: error.errorClass,
    message: error.message,
    attempts,
  };
  const record = await range.deps.memory.settleSharedUpload(range.ref, { state: 'FAILED', failure });
  if (record?.state === 'DONE') return { kind: 'done' };
  return failedOutcome(range, record?.failure ?? failure, record);
}

/** Processes one range message of a shared object (see the top of this file). */
export async function processRange(
  work: RangeWork,
  runtime: MappingRuntime,
  deps: BatchProcessorDeps,
  options: RangeOptions,
): Promise<RangeResult> {
  const ref: SharedObjectRef = { runId: work.runId, batchId: work.batchId };
  const layout = layoutOfRange(work);
  const span = spanOf(layout, work);
  if (!span)
    return { kind: 'poison', reason: 'malformed work message: range parts are not a range of its layout' };
  let job: ObjectJob | undefined;
  try {
    const destinationKey = toDestinationKey(work.item.key, runtime.mapping);
    assertStorableKey(destinationKey);
    const item = { sourceKey: work.item.key, destinationKey, size: work.item.size, etag: work.item.etag };
    job = newObjectJob(item, transferContextFor(runtime, deps));
    return await advance({ work, job, deps, options, ref, layout, span });
  } catch (error) {
    if (deps.signal?.aborted) throw error;
    if (error instanceof RangeMismatch) return { kind: 'poison', reason: error.message };
    const ferry = asFerryError(error);
    deps.logger.warn('range.failed', {
      mapping: runtime.mapping.id,
      key: work.item.key,
      firstPart: work.firstPart,
      class: classOf(error),
      error: errorMessage(error),
    });
    if (ferry.retryability === 'retry' && options.mayRetry) return { kind: 'retry-later', error: ferry };
    return await failObject({ work, ref, deps, ...(job ? { job } : {}) }, ferry, attemptsOf(error));
  }
}
