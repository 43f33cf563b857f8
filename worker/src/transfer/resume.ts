// Decides what of an unfinished multipart upload can be kept: the upload itself, and which of its stored parts.
import type { ObjectHead } from '../domain/object.ts';
import type { UploadRecord } from '../ports/ledger.ts';
import type { CompletedPart } from '../ports/object-store.ts';
import { type PartPlan, partLength } from './part-size.ts';

/** A recorded upload continues only for the same source version and the same part layout. */
export function canResume(record: UploadRecord, head: ObjectHead, plan: PartPlan): boolean {
  return record.sourceEtag === head.etag && record.partSize === plan.partSizeBytes;
}

export type ChecksummedPart = CompletedPart & { readonly checksum: string };

/** The stored parts that match the plan exactly and carry a checksum (needed for the full-object checksum), by number. */
export function reusableParts(
  stored: readonly CompletedPart[],
  plan: PartPlan,
): Map<number, ChecksummedPart> {
  const reusable = new Map<number, ChecksummedPart>();
  for (const part of stored) {
    const planned = plan.parts[part.partNumber - 1];
    if (!planned || partLength(planned) !== part.size) continue;
    const { checksum } = part;
    if (checksum === undefined || checksum === '') continue;
    reusable.set(part.partNumber, { ...part, checksum });
  }
  return reusable;
}
