// Transfers a large object through Ferry in parts: ranged GETs pinned to one ETag, UploadParts with part checksums.
import { FerryError } from '../domain/errors.ts';
import type { ObjectHead } from '../domain/object.ts';
import { checksumOf } from './checksum.ts';
import type { TransferResult } from './context.ts';
import { type PartFiller, runMultipartUpload } from './multipart-upload.ts';
import { type ObjectJob, retrying } from './object-job.ts';
import { type PartRange, partLength, partPlan } from './part-size.ts';
import type { ChecksummedPart } from './resume.ts';

/**
 * Fills parts by moving their bytes through Ferry: a ranged GET pinned to the source ETag (SourceChanged as soon as
 * a read finds another version), a checksum, an UploadPart carrying it.
 */
export function streamingPartFiller(job: ObjectJob, sourceEtag: string): PartFiller {
  const { item, context } = job;
  const { source, destination, settings } = context;
  /** Reads one part (into a pooled buffer when there is one), checksums it and uploads it. */
  const copyPart = async (
    range: PartRange,
    upload: Parameters<PartFiller>[1],
    into: Uint8Array | undefined,
  ): Promise<ChecksummedPart> => {
    const span = `bytes ${range.start}-${range.end}`;
    const bytes = await retrying(
      job,
      `GET ${job.sourceUrl} ${span}`,
      async () => {
        const read = await source.read(item.sourceKey, {
          range: { start: range.start, end: range.end },
          ifMatch: sourceEtag,
          signal: upload.signal,
          ...(into ? { into } : {}),
        });
        if (read.bytes.length !== partLength(range)) {
          throw new FerryError(
            'Transient',
            `${job.sourceUrl}: read ${read.bytes.length} of ${partLength(range)} bytes (${span})`,
          );
        }
        return read.bytes;
      },
      upload.signal,
    );
    const checksum = await checksumOf(settings.checksumAlgorithm, bytes);
    const { etag } = await retrying(
      job,
      `UploadPart ${range.partNumber} ${job.destinationUrl}`,
      async () =>
        destination.uploadPart({
          ...upload,
          partNumber: range.partNumber,
          bytes,
          checksum,
          checksumAlgorithm: settings.checksumAlgorithm,
        }),
      upload.signal,
    );
    return { partNumber: range.partNumber, etag, size: bytes.length, checksum };
  };
  // One slot per part: its bytes stay buffered from the read until its upload succeeds; then the buffer is reused.
  return (range, upload) =>
    context.parts(async () => {
      const into = context.buffers?.acquire(partLength(range));
      try {
        return await copyPart(range, upload, into);
      } finally {
        if (into) context.buffers?.release(into);
      }
    }, partLength(range));
}

/** Copies the version of the object this head describes; SourceChanged as soon as a part read finds another one. */
export async function transferMultipart(job: ObjectJob, head: ObjectHead): Promise<TransferResult> {
  const plan = partPlan({ size: head.size, minPartSizeBytes: job.context.settings.partSizeBytes });
  const fillPart = streamingPartFiller(job, head.etag);
  const destinationEtag = await runMultipartUpload(job, { head, plan, fillPart });
  return { strategy: 'multipart', bytes: head.size, sourceEtag: head.etag, destinationEtag };
}
