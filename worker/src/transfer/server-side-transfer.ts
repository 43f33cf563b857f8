// Transfers an object inside one service: CopyObject up to its limit, else a multipart upload of UploadPartCopy ranges.
import { FerryError } from '../domain/errors.ts';
import type { ObjectHead } from '../domain/object.ts';
import type { CopySource, ServerSideCopier } from '../ports/object-store.ts';
import type { TransferResult } from './context.ts';
import { type PartFiller, runMultipartUpload } from './multipart-upload.ts';
import { type ObjectJob, retrying, writeSettingsFor } from './object-job.ts';
import { partLength, partPlan } from './part-size.ts';
import { serverSideMethod } from './strategy.ts';
import { copyMismatch } from './verify.ts';

async function copyWhole(
  job: ObjectJob,
  options: { head: ObjectHead; copier: ServerSideCopier; copySource: CopySource },
): Promise<string> {
  const { context } = job;
  const { head, copier, copySource } = options;
  const { etag } = await retrying(job, `CopyObject ${job.sourceUrl} → ${job.destinationUrl}`, async () =>
    copier.copyObject(copySource, job.item.destinationKey, {
      ...writeSettingsFor(job, head),
      checksumAlgorithm: context.settings.checksumAlgorithm,
    }),
  );
  const destinationHead = await retrying(job, `HEAD ${job.destinationUrl}`, async () =>
    context.destination.head(job.item.destinationKey, context.signal ? { signal: context.signal } : {}),
  );
  const mismatch = destinationHead
    ? copyMismatch({
        sourceHead: head,
        destinationEtag: etag,
        destinationWrite: context.write,
        destinationHead,
      })
    : 'the destination object is missing after CopyObject';
  if (mismatch) {
    throw new FerryError('ChecksumMismatch', `${job.sourceUrl} → ${job.destinationUrl}: ${mismatch}`);
  }
  return etag;
}

/** Fills parts by having the service copy each byte range of the source (pinned to its ETag). */
export function copyingPartFiller(
  job: ObjectJob,
  options: { copier: ServerSideCopier; copySource: CopySource },
): PartFiller {
  const { context } = job;
  const { copier, copySource } = options;
  return (range, upload) =>
    context.parts(async () => {
      const copied = await retrying(
        job,
        `UploadPartCopy ${range.partNumber} ${job.destinationUrl}`,
        async () =>
          copier.uploadPartCopy(copySource, {
            ...upload,
            partNumber: range.partNumber,
            range: { start: range.start, end: range.end },
          }),
        upload.signal,
      );
      return {
        partNumber: range.partNumber,
        etag: copied.etag,
        size: partLength(range),
        ...(copied.checksum ? { checksum: copied.checksum } : {}),
      };
    });
}

/** The source as a server-side copy reads it: this bucket and key, pinned to this ETag. */
export function copySourceOf(job: ObjectJob, etag: string): CopySource {
  return { bucket: job.context.source.location.bucket, key: job.item.sourceKey, etag };
}

async function copyInParts(
  job: ObjectJob,
  options: { head: ObjectHead; copier: ServerSideCopier; copySource: CopySource },
): Promise<string> {
  const { head } = options;
  const plan = partPlan({ size: head.size, minPartSizeBytes: job.context.settings.partSizeBytes });
  const fillPart = copyingPartFiller(job, options);
  return await runMultipartUpload(job, { head, plan, fillPart });
}

/** Copies the version of the object this head describes without moving its bytes through Ferry. */
export async function transferServerSide(job: ObjectJob, head: ObjectHead): Promise<TransferResult> {
  const { context } = job;
  const copier = context.destination.serverSideCopy;
  if (!copier) {
    throw new FerryError('Internal', `${job.destinationUrl}: the destination cannot copy server-side`);
  }
  const copySource = copySourceOf(job, head.etag);
  const method = serverSideMethod({
    size: head.size,
    ...(context.maxCopyObjectBytes === undefined ? {} : { maxCopyObjectBytes: context.maxCopyObjectBytes }),
  });
  const options = { head, copier, copySource };
  const destinationEtag =
    method === 'copy-object' ? await copyWhole(job, options) : await copyInParts(job, options);
  if (method === 'copy-object') job.progress.add(head.size);
  return { strategy: 'server-side', bytes: head.size, sourceEtag: head.etag, destinationEtag };
}
