// Transfers a small object in one buffered GET and one PUT that carries its checksum, then verifies the copy.
import { FerryError } from '../domain/errors.ts';
import type { ObjectChecksum } from '../domain/object.ts';
import { checksumOf } from './checksum.ts';
import type { TransferResult } from './context.ts';
import { type ObjectJob, retrying, writeSettingsFor } from './object-job.ts';
import { copyMismatch } from './verify.ts';

/** Copies the object's version with this ETag; SourceChanged when it has another one by now. */
export async function transferSingle(job: ObjectJob, etag: string): Promise<TransferResult> {
  const { item, context } = job;
  const { source, destination, settings } = context;
  const signalOption = context.signal ? { signal: context.signal } : {};
  // One slot for the whole object: its bytes stay buffered from the read until the PUT succeeds.
  const written = await context.parts(async () => {
    const into = context.buffers?.acquire(item.size);
    try {
      return await readAndPut(into);
    } finally {
      if (into) context.buffers?.release(into);
    }
  }, item.size);
  async function readAndPut(into: Uint8Array | undefined) {
    const { bytes, head } = await retrying(job, `GET ${job.sourceUrl}`, async () => {
      const read = await source.read(item.sourceKey, {
        ifMatch: etag,
        ...signalOption,
        ...(into ? { into } : {}),
      });
      if (read.bytes.length !== read.head.size) {
        throw new FerryError(
          'Transient',
          `${job.sourceUrl}: read ${read.bytes.length} of ${read.head.size} bytes`,
        );
      }
      return read;
    });
    const checksum: ObjectChecksum = {
      algorithm: settings.checksumAlgorithm,
      value: await checksumOf(settings.checksumAlgorithm, bytes),
      type: 'FULL_OBJECT',
    };
    const { etag: destinationEtag } = await retrying(job, `PUT ${job.destinationUrl}`, async () =>
      destination.put(item.destinationKey, bytes, { ...writeSettingsFor(job, head), checksum }),
    );
    return { head, checksum, destinationEtag };
  }
  const mismatch = copyMismatch({
    sourceHead: written.head,
    sentChecksum: written.checksum,
    destinationEtag: written.destinationEtag,
    destinationWrite: context.write,
  });
  if (mismatch) {
    throw new FerryError('ChecksumMismatch', `${job.sourceUrl} → ${job.destinationUrl}: ${mismatch}`);
  }
  job.progress.add(written.head.size);
  return {
    strategy: 'single',
    bytes: written.head.size,
    sourceEtag: written.head.etag,
    destinationEtag: written.destinationEtag,
  };
}
