// The steps of copying one range of a shared object: claim the object's one multipart upload, copy the range's
// parts into it (each recorded in the ledger), complete and verify it once every range is in, replace it if it
// vanished. The order of these steps, and what a failure means, is worker/process-range.ts's business.
import { FerryError } from '../domain/errors.ts';
import type { ObjectHead } from '../domain/object.ts';
import { sameEtag } from '../plan/decide.ts';
import type { SharedObjectRef, SharedUploadRecord, UploadReplacement } from '../ports/ledger.ts';
import { streamingPartFiller } from './multipart-transfer.ts';
import {
  abortUpload,
  completeVerified,
  createUpload,
  fillMissingParts,
  fullObjectChecksum,
  type PartFiller,
  verifyCompleted,
} from './multipart-upload.ts';
import { headSource, type ObjectJob, retrying } from './object-job.ts';
import { partPlan } from './part-size.ts';
import { reusableParts } from './resume.ts';
import { asFerryError } from './retry.ts';
import { copyingPartFiller, copySourceOf } from './server-side-transfer.ts';
import { type PartSpan, partsOfSpan, type RangeLayout } from './shared-ranges.ts';
import { chooseStrategy } from './strategy.ts';

/** One range of a shared object, and the object it belongs to. */
export interface SharedRange {
  readonly ref: SharedObjectRef;
  readonly layout: RangeLayout;
  readonly span: PartSpan;
}

/** The job as the upload needs it: every part of one upload uses the upload's checksum algorithm. */
export function jobForUpload(job: ObjectJob, record: SharedUploadRecord): ObjectJob {
  const { settings } = job.context;
  if (settings.checksumAlgorithm === record.checksumAlgorithm) return job;
  return {
    ...job,
    context: { ...job.context, settings: { ...settings, checksumAlgorithm: record.checksumAlgorithm } },
  };
}

/** The source's head, which must still be the listed version: SourceChanged otherwise, NotFound when it is gone. */
export async function headListed(job: ObjectJob): Promise<ObjectHead> {
  const head = await headSource(job);
  if (!sameEtag(head.etag, job.item.etag)) {
    throw new FerryError(
      'SourceChanged',
      `${job.sourceUrl}: ETag ${head.etag} now, ${job.item.etag} when it was listed`,
    );
  }
  if (head.size !== job.item.size) {
    throw new FerryError(
      'InvalidObject',
      `${job.sourceUrl}: ${head.size} bytes with the listed ETag, listed as ${job.item.size} bytes`,
    );
  }
  return head;
}

/**
 * Makes the object's upload, unless another worker's claim comes first: then this one's is aborted and the winner's
 * is used. Returns the record stored.
 */
export async function claimUpload(job: ObjectJob, range: SharedRange): Promise<SharedUploadRecord> {
  const { memory, logger, settings } = job.context;
  const head = await headListed(job);
  const uploadId = await createUpload(job, head);
  const record = await memory.claimSharedUpload(range.ref, {
    key: job.item.destinationKey,
    uploadId,
    sourceEtag: job.item.etag,
    sourceSize: job.item.size,
    partSize: range.layout.partSizeBytes,
    checksumAlgorithm: settings.checksumAlgorithm,
    rangeCount: range.layout.rangeCount,
  });
  if (record.uploadId !== uploadId) {
    logger.info('shared-upload.claim-lost', { key: job.item.destinationKey, uploadId: record.uploadId });
    await abortUpload(job, uploadId);
  }
  return record;
}

/** Parts copied by the service when source and destination share one, else moved through Ferry. */
function partFillerFor(job: ObjectJob): PartFiller {
  const { source, destination } = job.context;
  const copier = destination.serverSideCopy;
  const strategy = chooseStrategy({
    size: job.item.size,
    source: source.location,
    destination: destination.location,
    destinationCanCopy: copier !== undefined,
    multipartThresholdBytes: 0,
  });
  if (strategy === 'server-side' && copier) {
    return copyingPartFiller(job, { copier, copySource: copySourceOf(job, job.item.etag) });
  }
  return streamingPartFiller(job, job.item.etag);
}

/** Whether the upload is gone (aborted, completed, or expired): ListParts answers NotFound. */
async function uploadGone(job: ObjectJob, uploadId: string): Promise<boolean> {
  try {
    await retrying(job, `ListParts ${job.destinationUrl}`, async () =>
      job.context.destination.listParts({ key: job.item.destinationKey, uploadId }),
    );
    return false;
  } catch (error) {
    if (asFerryError(error).errorClass === 'NotFound') return true;
    throw error;
  }
}

/**
 * Copies the range's parts that the ledger does not hold yet into the upload, recording each in the ledger as it
 * is stored. 'vanished' when the upload no longer exists.
 */
export async function copyRange(
  job: ObjectJob,
  options: SharedRange & { record: SharedUploadRecord },
): Promise<'copied' | 'vanished'> {
  const { ref, record, layout, span } = options;
  const { memory, signal } = job.context;
  const { uploadId } = record;
  const recorded = await memory.recallSharedParts(ref, { uploadId, ...span });
  const plan = partPlan({ size: layout.size, minPartSizeBytes: layout.partSizeBytes });
  const storedParts = reusableParts(recorded, plan);
  const fill = partFillerFor(job);
  const fillAndRecord: PartFiller = async (part, upload) => {
    const stored = await fill(part, upload);
    await memory.rememberSharedParts(ref, uploadId, [stored]);
    return stored;
  };
  try {
    const parts = partsOfSpan(layout, span);
    await fillMissingParts(job, { parts, upload: { uploadId, storedParts }, fillPart: fillAndRecord });
    return 'copied';
  } catch (error) {
    if (signal?.aborted) throw error;
    if (asFerryError(error).errorClass === 'NotFound' && (await uploadGone(job, uploadId))) return 'vanished';
    throw error;
  }
}

/**
 * Completes the upload from the parts recorded in the ledger (ListParts may lack their checksums) and verifies the
 * result as every multipart copy is verified; returns the destination's ETag. An upload already completed (by a
 * delivery that stopped before recording it) counts when the destination holds exactly this copy; 'vanished' when
 * the upload is gone and the destination does not.
 */
export async function completeUpload(
  job: ObjectJob,
  options: SharedRange & { record: SharedUploadRecord },
): Promise<{ readonly etag: string } | 'vanished'> {
  const { ref, record, layout } = options;
  const parts = await job.context.memory.recallSharedParts(ref, {
    uploadId: record.uploadId,
    firstPart: 1,
    lastPart: layout.totalParts,
  });
  if (parts.length !== layout.totalParts) {
    throw new FerryError(
      'Internal',
      `${job.destinationUrl}: the ledger holds ${parts.length} of the ${layout.totalParts} parts of upload ${record.uploadId}`,
    );
  }
  const head = await headListed(job);
  try {
    return { etag: await completeVerified(job, { head, uploadId: record.uploadId, parts }) };
  } catch (error) {
    if (job.context.signal?.aborted || asFerryError(error).errorClass !== 'NotFound') throw error;
  }
  const checksum = fullObjectChecksum(job, parts, head);
  const verified = await verifyCompleted(job, { head, checksum });
  return 'etag' in verified ? verified : 'vanished';
}

/**
 * Replaces the record's vanished upload with a new one; when another worker replaced it first, this one's is aborted.
 * Returns what the ledger says: the new record and the ranges to copy again, or the record as it is.
 */
export async function replaceUpload(
  job: ObjectJob,
  options: { ref: SharedObjectRef; record: SharedUploadRecord },
): Promise<UploadReplacement> {
  const { memory, logger } = job.context;
  const head = await headListed(job);
  const uploadId = await createUpload(job, head);
  const replacement = await memory.replaceSharedUpload(options.ref, {
    fromUploadId: options.record.uploadId,
    toUploadId: uploadId,
  });
  if (replacement.replaced) {
    logger.warn('shared-upload.replaced', {
      key: job.item.destinationKey,
      vanished: options.record.uploadId,
      uploadId,
      rangesAgain: replacement.abandonedRanges.length,
    });
  } else {
    await abortUpload(job, uploadId);
  }
  return replacement;
}
