// Decides what of an unfinished multipart upload can be kept: the upload itself, and which of its stored parts.
import type { ChecksumAlgorithm, ObjectHead } from '../domain/object.ts';
import type { UploadRecord } from '../ports/ledger.ts';
import type { CompletedPart } from '../ports/object-store.ts';
import { type PartPlan, partLength } from './part-size.ts';

/** What the upload would be started with now: the source version, the part layout and the checksum algorithm. */
export interface UploadIntent {
  readonly head: ObjectHead;
  readonly plan: PartPlan;
  readonly checksumAlgorithm: ChecksumAlgorithm;
}

/** A recorded upload continues only for the same source version, part layout and checksum algorithm. */
export function canResume(record: UploadRecord, intent: UploadIntent): boolean {
  return (
    record.sourceEtag === intent.head.etag &&
    record.partSize === intent.plan.partSizeBytes &&
    record.checksumAlgorithm === intent.checksumAlgorithm
  );
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
