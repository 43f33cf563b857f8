// Decides whether a written object provably differs from its source, from ETags, sizes and checksums (no I/O).
import type { ObjectChecksum, ObjectHead } from '../domain/object.ts';
import { isContentMd5Etag } from '../domain/object.ts';
import type { DestinationWrite } from './context.ts';

function isKmsEncryption(type: string | undefined): boolean {
  return type?.startsWith('aws:kms') ?? false;
}

function sameChecksum(a: ObjectChecksum, b: ObjectChecksum | undefined): boolean | undefined {
  if (b?.type !== 'FULL_OBJECT' || b.algorithm !== a.algorithm) return undefined;
  return a.value === b.value;
}

/** A full-object checksum of the source that can be compared with the destination's, if it has one. */
export function comparableSourceChecksum(head: ObjectHead): ObjectChecksum | undefined {
  return head.checksum?.type === 'FULL_OBJECT' ? head.checksum : undefined;
}

/**
 * Why the bytes Ferry read are not the source's, or undefined: the source's full-object checksum of the same
 * algorithm differs from the one Ferry computed. Checked before a multipart upload completes, so nothing wrong
 * becomes visible.
 */
export function sentChecksumMismatch(evidence: {
  sourceHead: ObjectHead;
  sentChecksum: ObjectChecksum | undefined;
}): string | undefined {
  const { sentChecksum } = evidence;
  const sourceChecksum = comparableSourceChecksum(evidence.sourceHead);
  if (sentChecksum && sameChecksum(sentChecksum, sourceChecksum) === false) {
    return `${sentChecksum.algorithm} differs: source ${sourceChecksum?.value}, computed ${sentChecksum.value}`;
  }
  return undefined;
}

export interface CopyEvidence {
  readonly sourceHead: ObjectHead;
  /** The full-object checksum Ferry computed and sent, when it moved the bytes itself. */
  readonly sentChecksum?: ObjectChecksum;
  readonly destinationEtag: string;
  readonly destinationWrite: DestinationWrite;
  /** The destination's head after the write, when it was read. */
  readonly destinationHead?: ObjectHead;
}

/**
 * Why the copy is wrong, or undefined when nothing shows it is:
 * - both ETags are content MD5s (single-part, not KMS-encrypted on either side) and differ;
 * - the source's full-object checksum of the same algorithm differs from the one Ferry computed;
 * - the destination's size differs from the source's;
 * - the destination's full-object checksum differs from the one expected (Ferry's, else the source's).
 */
export function copyMismatch(evidence: CopyEvidence): string | undefined {
  const { sourceHead, sentChecksum, destinationHead } = evidence;
  const etagsAreMd5 =
    isContentMd5Etag(sourceHead.etag) &&
    isContentMd5Etag(evidence.destinationEtag) &&
    !isKmsEncryption(sourceHead.serverSideEncryption) &&
    !isKmsEncryption(evidence.destinationWrite.encryption?.type);
  if (etagsAreMd5 && sourceHead.etag.toLowerCase() !== evidence.destinationEtag.toLowerCase()) {
    return `content MD5 differs: source ETag ${sourceHead.etag}, destination ETag ${evidence.destinationEtag}`;
  }
  const sentMismatch = sentChecksumMismatch({ sourceHead, sentChecksum });
  if (sentMismatch) return sentMismatch;
  if (!destinationHead) return undefined;
  if (destinationHead.size !== sourceHead.size) {
    return `size differs: source ${sourceHead.size} bytes, destination ${destinationHead.size} bytes`;
  }
  const expected = sentChecksum ?? comparableSourceChecksum(sourceHead);
  if (expected && sameChecksum(expected, destinationHead.checksum) === false) {
    return `${expected.algorithm} differs: expected ${expected.value}, destination has ${destinationHead.checksum?.value}`;
  }
  return undefined;
}
