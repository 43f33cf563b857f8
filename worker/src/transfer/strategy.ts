// Decides how one object travels: copied inside the service, buffered in one PUT, or streamed as multipart parts.
import type { StoreLocation } from '../ports/object-store.ts';
import { MAX_PART_SIZE_BYTES } from './part-size.ts';

/**
 * - server-side: source and destination share a service that can copy; no bytes pass through Ferry.
 * - single: one buffered GET, one PUT carrying the checksum (a retried PUT needs no re-read).
 * - multipart: ranged GETs and UploadParts in parallel, resumable.
 */
export type TransferStrategy = 'server-side' | 'single' | 'multipart';

/** CopyObject copies objects up to 5 GiB; larger ones need a multipart upload of UploadPartCopy ranges. */
export const MAX_COPY_OBJECT_BYTES = MAX_PART_SIZE_BYTES;

export function chooseStrategy(options: {
  size: number;
  source: StoreLocation;
  destination: StoreLocation;
  destinationCanCopy: boolean;
  multipartThresholdBytes: number;
}): TransferStrategy {
  if (options.destinationCanCopy && options.source.serviceId === options.destination.serviceId) {
    return 'server-side';
  }
  // A 0-byte object has no parts to upload, whatever the threshold.
  if (options.size < options.multipartThresholdBytes || options.size === 0) return 'single';
  return 'multipart';
}

/** How a server-side copy proceeds for an object of this size. */
export function serverSideMethod(options: {
  size: number;
  maxCopyObjectBytes?: number;
}): 'copy-object' | 'upload-part-copy' {
  return options.size <= (options.maxCopyObjectBytes ?? MAX_COPY_OBJECT_BYTES)
    ? 'copy-object'
    : 'upload-part-copy';
}
