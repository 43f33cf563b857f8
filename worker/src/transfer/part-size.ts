// Splits an object into multipart-upload parts within S3's limits: 5 MiB to 5 GiB per part, at most 10,000 parts.
import { FerryError } from '../domain/errors.ts';

const MiB = 1024 * 1024;
export const MIN_PART_SIZE_BYTES = 5 * MiB;
export const MAX_PART_SIZE_BYTES = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
/** The largest object S3 accepts: 10,000 parts of 5 GiB (48.8 TiB). */
export const MAX_OBJECT_SIZE_BYTES = MAX_PARTS * MAX_PART_SIZE_BYTES;

/** One part: its 1-based number and its byte range, both ends inclusive as in HTTP Range. */
export interface PartRange {
  readonly partNumber: number;
  readonly start: number;
  readonly end: number;
}

export interface PartPlan {
  readonly partSizeBytes: number;
  readonly parts: readonly PartRange[];
}

/** The number of bytes a part covers. */
export function partLength(part: PartRange): number {
  return part.end - part.start + 1;
}

/**
 * The part size for an object: the requested minimum (raised to 5 MiB, capped at 5 GiB), grown in whole MiB
 * until the object fits in maxParts parts; and the parts themselves. A 0-byte object has no parts.
 */
export function partPlan(options: { size: number; minPartSizeBytes: number; maxParts?: number }): PartPlan {
  const { size, minPartSizeBytes, maxParts = MAX_PARTS } = options;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new FerryError('InvalidObject', `object size ${size} is not a byte count`);
  }
  if (size > maxParts * MAX_PART_SIZE_BYTES) {
    throw new FerryError(
      'InvalidObject',
      `object of ${size} bytes exceeds the largest S3 object (${maxParts} parts of ${MAX_PART_SIZE_BYTES} bytes)`,
    );
  }
  let partSizeBytes = Math.min(Math.max(minPartSizeBytes, MIN_PART_SIZE_BYTES), MAX_PART_SIZE_BYTES);
  if (Math.ceil(size / partSizeBytes) > maxParts) {
    partSizeBytes = Math.min(Math.ceil(size / maxParts / MiB) * MiB, MAX_PART_SIZE_BYTES);
  }
  const parts: PartRange[] = [];
  for (let start = 0; start < size; start += partSizeBytes) {
    parts.push({ partNumber: parts.length + 1, start, end: Math.min(start + partSizeBytes, size) - 1 });
  }
  return { partSizeBytes, parts };
}
