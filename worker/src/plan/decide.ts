// Whether one source object needs copying, from its listing entries and Ferry's record of the last copy.
import { isContentMd5Etag, type ObjectEntry } from '../domain/object.ts';
import type { CopyRecord, RunMode } from '../ports/ledger.ts';
import type { CopyReason, SkipReason } from './reasons.ts';

export type CopyDecision =
  | { readonly action: 'copy'; readonly reason: CopyReason }
  | { readonly action: 'skip'; readonly reason: SkipReason };

export interface DecideInput {
  readonly source: ObjectEntry;
  readonly destination?: ObjectEntry | undefined;
  /** Ferry's record for the destination key, when it has one. */
  readonly remembered?: CopyRecord | undefined;
  readonly mode: RunMode;
}

/** ETags compare case-insensitively (hex digits). */
export function sameEtag(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * True when the decision depends on Ferry's record of the last copy: the sizes match but the ETags don't,
 * so only the record can show the object unchanged. The planner recalls records for these keys only.
 */
export function needsRecall(input: Omit<DecideInput, 'remembered'>): boolean {
  const { source, destination, mode } = input;
  return (
    mode !== 'full' &&
    destination !== undefined &&
    source.size === destination.size &&
    !sameEtag(source.etag, destination.etag)
  );
}

/**
 * Copy or skip. Never skips on size and modification time alone: a same-size edit changes the source ETag,
 * which either differs from the destination's or from the one Ferry recorded when it last copied.
 */
export function decide(input: DecideInput): CopyDecision {
  const { source, destination, remembered, mode } = input;
  if (mode === 'full') return { action: 'copy', reason: 'full-mode' };
  if (destination === undefined) return { action: 'copy', reason: 'new' };
  if (source.size !== destination.size) return { action: 'copy', reason: 'size-differs' };
  // Equal single-part ETags are equal MD5s; equal multipart ETags are equal part MD5s in the same layout.
  if (sameEtag(source.etag, destination.etag)) return { action: 'skip', reason: 'same-etag' };
  // Checked before comparing MD5s: a KMS-encrypted destination's ETag looks like an MD5 but is not one.
  if (remembered !== undefined) {
    if (remembered.sourceSize !== source.size || !sameEtag(remembered.sourceEtag, source.etag)) {
      return { action: 'copy', reason: 'changed-since-copy' };
    }
    if (!sameEtag(remembered.destinationEtag, destination.etag)) {
      return { action: 'copy', reason: 'destination-changed' };
    }
    return { action: 'skip', reason: 'same-as-copied' };
  }
  if (isContentMd5Etag(source.etag) && isContentMd5Etag(destination.etag)) {
    return { action: 'copy', reason: 'etag-differs' };
  }
  return { action: 'copy', reason: 'unverifiable' };
}
