// Runs one resumable multipart upload: resume or start it, fill the missing parts in parallel, complete, verify.
import { FerryError } from '../domain/errors.ts';
import type { ObjectChecksum, ObjectHead } from '../domain/object.ts';
import type { CompletedPart, UploadRef } from '../ports/object-store.ts';
import { combineChecksums } from './checksum.ts';
import { type ObjectJob, retrying, writeSettingsFor } from './object-job.ts';
import type { PartPlan, PartRange } from './part-size.ts';
import { canResume, reusableParts } from './resume.ts';
import { asFerryError } from './retry.ts';
import { comparableSourceChecksum, copyMismatch, sentChecksumMismatch } from './verify.ts';

/** Stores one part of the upload: by moving its bytes through Ferry, or by having the service copy the range. */
export type PartFiller = (
  part: PartRange,
  upload: UploadRef & { readonly signal: AbortSignal },
) => Promise<CompletedPart>;

/** An upload to fill: its id and the parts it already holds, by number. */
export interface OpenUpload {
  readonly uploadId: string;
  readonly storedParts: ReadonlyMap<number, CompletedPart>;
}

/**
 * Aborts an upload (retried like any request) and reports whether it is gone. An upload that cannot be aborted
 * stays recorded, so a later attempt aborts or resumes it instead of leaving it open and forgotten.
 */
export async function abortUpload(job: ObjectJob, uploadId: string): Promise<boolean> {
  const { destination, logger } = job.context;
  try {
    await retrying(job, `AbortMultipartUpload ${job.destinationUrl}`, async () =>
      destination.abortMultipart({ key: job.item.destinationKey, uploadId }),
    );
    return true;
  } catch (error) {
    const ferry = asFerryError(error);
    if (ferry.errorClass === 'NotFound') return true;
    logger.warn('abort-upload-failed', { key: job.item.destinationKey, uploadId, message: ferry.message });
    return false;
  }
}

/** Aborts the upload and forgets it once it is gone. */
async function discardUpload(job: ObjectJob, uploadId: string): Promise<void> {
  const { memory, mappingId } = job.context;
  if (await abortUpload(job, uploadId)) await memory.forgetUpload(mappingId, job.item.destinationKey);
}

/** The parts already stored by a recorded upload of this same version, layout and algorithm; undefined when none is usable. */
async function resumeRecorded(
  job: ObjectJob,
  head: ObjectHead,
  plan: PartPlan,
): Promise<OpenUpload | undefined> {
  const { memory, mappingId, destination, logger, settings } = job.context;
  const key = job.item.destinationKey;
  const recorded = await memory.recallUpload(mappingId, key);
  if (!recorded) return undefined;
  if (canResume(recorded, { head, plan, checksumAlgorithm: settings.checksumAlgorithm })) {
    try {
      const stored = await retrying(job, `ListParts ${job.destinationUrl}`, async () =>
        destination.listParts({ key, uploadId: recorded.uploadId }),
      );
      const storedParts = reusableParts(stored, plan);
      logger.info('upload-resumed', { key, uploadId: recorded.uploadId, storedParts: storedParts.size });
      return { uploadId: recorded.uploadId, storedParts };
    } catch (error) {
      if (asFerryError(error).errorClass !== 'NotFound') throw error;
    }
    await memory.forgetUpload(mappingId, key);
  } else {
    await discardUpload(job, recorded.uploadId);
  }
  return undefined;
}

/** Starts a multipart upload for the object of this head: its metadata, the mapping's storage, the job's algorithm. */
export async function createUpload(job: ObjectJob, head: ObjectHead): Promise<string> {
  const { destination, settings } = job.context;
  return await retrying(job, `CreateMultipartUpload ${job.destinationUrl}`, async () =>
    destination.startMultipart(job.item.destinationKey, {
      ...writeSettingsFor(job, head),
      checksumAlgorithm: settings.checksumAlgorithm,
    }),
  );
}

async function openUpload(job: ObjectJob, head: ObjectHead, plan: PartPlan): Promise<OpenUpload> {
  const resumed = await resumeRecorded(job, head, plan);
  if (resumed) return resumed;
  const { memory, mappingId, settings } = job.context;
  const key = job.item.destinationKey;
  const uploadId = await createUpload(job, head);
  await memory.rememberUpload(mappingId, {
    key,
    uploadId,
    sourceEtag: head.etag,
    partSize: plan.partSizeBytes,
    checksumAlgorithm: settings.checksumAlgorithm,
  });
  return { uploadId, storedParts: new Map() };
}

/**
 * Fills every part not stored yet, in parallel (the filler takes the shared slots). On the first failure the other
 * parts are stopped and awaited, so nothing is still writing when the error is thrown.
 */
export async function fillMissingParts(
  job: ObjectJob,
  options: { parts: readonly PartRange[]; upload: OpenUpload; fillPart: PartFiller },
): Promise<CompletedPart[]> {
  const stop = new AbortController();
  const { signal: outer } = job.context;
  const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
  let firstError: unknown;
  let failed = false;
  const settled = await Promise.allSettled(
    options.parts.map(async (range) => {
      const stored = options.upload.storedParts.get(range.partNumber);
      if (stored) {
        job.progress.add(stored.size);
        return stored;
      }
      try {
        if (signal.aborted) throw signal.reason;
        const upload = { key: job.item.destinationKey, uploadId: options.upload.uploadId, signal };
        const part = await options.fillPart(range, upload);
        job.progress.add(part.size);
        return part;
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
          stop.abort(error);
        }
        throw error;
      }
    }),
  );
  if (outer?.aborted) throw outer.reason;
  if (failed) throw firstError;
  return settled.map((outcome) => {
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  });
}

/** The FULL_OBJECT checksum to complete with: combined from the parts', else the source's own of that algorithm. */
export function fullObjectChecksum(
  job: ObjectJob,
  parts: readonly CompletedPart[],
  head: ObjectHead,
): ObjectChecksum {
  const algorithm = job.context.settings.checksumAlgorithm;
  const partChecksums = parts.flatMap((part) =>
    part.checksum ? [{ value: part.checksum, length: part.size }] : [],
  );
  if (partChecksums.length === parts.length) {
    return { algorithm, value: combineChecksums(algorithm, partChecksums), type: 'FULL_OBJECT' };
  }
  const sourceChecksum = comparableSourceChecksum(head);
  if (sourceChecksum?.algorithm === algorithm) return sourceChecksum;
  throw new FerryError(
    'Internal',
    `${job.destinationUrl}: no ${algorithm} checksum for some parts and none for the source ${job.sourceUrl}`,
  );
}

/** Whether a failed upload is dropped: yes unless it may succeed later (retryable), when resuming saves work. */
function abandons(error: unknown): boolean {
  const ferry = asFerryError(error);
  return ferry.retryability !== 'retry' || ferry.errorClass === 'SourceChanged';
}

/**
 * Reads the destination object and checks it is the copy of this head with this checksum: its ETag, or why not
 * (the ETag compared is the one CompleteMultipartUpload returned, else the destination's own).
 */
export async function verifyCompleted(
  job: ObjectJob,
  options: { head: ObjectHead; checksum: ObjectChecksum; destinationEtag?: string },
): Promise<{ readonly etag: string } | { readonly mismatch: string }> {
  const { context } = job;
  const destinationHead = await retrying(job, `HEAD ${job.destinationUrl}`, async () =>
    context.destination.head(job.item.destinationKey, context.signal ? { signal: context.signal } : {}),
  );
  if (!destinationHead)
    return { mismatch: 'the destination object is missing after CompleteMultipartUpload' };
  const etag = options.destinationEtag ?? destinationHead.etag;
  const mismatch = copyMismatch({
    sourceHead: options.head,
    sentChecksum: options.checksum,
    destinationEtag: etag,
    destinationWrite: context.write,
    destinationHead,
  });
  return mismatch === undefined ? { etag } : { mismatch };
}

/**
 * Completes the upload with its full-object checksum, refusing to when the bytes read are not the source's, then
 * verifies the destination as every copy is verified; returns the destination's ETag. onCompleted runs as soon as
 * CompleteMultipartUpload has succeeded, before the verification.
 */
export async function completeVerified(
  job: ObjectJob,
  options: {
    head: ObjectHead;
    uploadId: string;
    parts: readonly CompletedPart[];
    onCompleted?: () => void;
  },
): Promise<string> {
  const { head, parts } = options;
  const { context } = job;
  const checksum = fullObjectChecksum(job, parts, head);
  const sentMismatch = sentChecksumMismatch({ sourceHead: head, sentChecksum: checksum });
  if (sentMismatch) {
    throw new FerryError('ChecksumMismatch', `${job.sourceUrl} → ${job.destinationUrl}: ${sentMismatch}`);
  }
  const { etag } = await retrying(job, `CompleteMultipartUpload ${job.destinationUrl}`, async () =>
    context.destination.completeMultipart({
      key: job.item.destinationKey,
      uploadId: options.uploadId,
      parts,
      checksum,
      ...(context.signal ? { signal: context.signal } : {}),
    }),
  );
  options.onCompleted?.();
  const verified = await verifyCompleted(job, { head, checksum, destinationEtag: etag });
  if ('mismatch' in verified) {
    throw new FerryError(
      'ChecksumMismatch',
      `${job.sourceUrl} → ${job.destinationUrl}: ${verified.mismatch}`,
    );
  }
  return etag;
}

/** Uploads the object of this head in the planned parts; returns the destination's ETag once verified. */
export async function runMultipartUpload(
  job: ObjectJob,
  options: { head: ObjectHead; plan: PartPlan; fillPart: PartFiller },
): Promise<string> {
  const { head, plan } = options;
  const { context } = job;
  const { memory, mappingId } = context;
  const key = job.item.destinationKey;
  const upload = await openUpload(job, head, plan);
  let completed = false;
  try {
    const parts = await fillMissingParts(job, { parts: plan.parts, upload, fillPart: options.fillPart });
    const etag = await completeVerified(job, {
      head,
      uploadId: upload.uploadId,
      parts,
      onCompleted: () => {
        completed = true;
      },
    });
    await memory.forgetUpload(mappingId, key);
    return etag;
  } catch (error) {
    // An abort is a crash: the recorded upload stays, so the next attempt resumes it.
    if (context.signal?.aborted) throw context.signal.reason;
    if (completed) {
      await memory.forgetUpload(mappingId, key);
    } else if (abandons(error)) {
      await discardUpload(job, upload.uploadId);
    }
    throw error;
  }
}
