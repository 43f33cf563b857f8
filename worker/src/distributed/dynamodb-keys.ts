// The ledger table's key layout: the partition and sort key of every kind of item, always within DynamoDB's key limits.
import { truncateUtf8, utf8Bytes } from '../domain/utf8.ts';

export { truncateUtf8, utf8Bytes };

//
// DynamoDB compares string keys by their UTF-8 bytes, which is S3's key order. A partition key may hold 2048 bytes
// and a sort key 1024, an S3 key up to 1024: an object key that does not fit where it goes (only possible for the
// over-long keys of a non-S3 source) is cut to its longest prefix that leaves room for `#` and its SHA-256 digest,
// and the full key is kept in the item's `key` attribute. See docs/ledger.md.
import { createHash } from 'node:crypto';
import { FerryError } from '../domain/errors.ts';

export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;
/** Run and mapping ids are parts of keys: at most this long, and without `#`. */
export const MAX_LEDGER_ID_BYTES = 255;

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** The key of an item that stands for one object; `exact` is false when the object key had to be shortened. */
export interface ObjectItemKey extends ItemKey {
  readonly exact: boolean;
}

export type BatchMarkerKind = 'PLANNED' | 'DONE';

export const RUN_SORT_KEY = 'RUN';
export const COPY_SORT_KEY = 'COPY';
export const UPLOAD_SORT_KEY = 'UPLOAD';
export const SHARED_PART_SORT_KEY_PREFIX = 'PART#';
/** Part numbers in sort keys are zero-padded to this many digits (S3 numbers parts 1 to 10,000). */
const PART_NUMBER_DIGITS = 5;

const digestSeparator = '#';
/** base64url of a SHA-256 digest. */
const digestChars = 43;

export function digestOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

/**
 * The text when it fits in maxBytes; else its longest prefix leaving room for `#` and its digest, then those. A fitted
 * text keeps its place in byte order against every text that does not share that prefix.
 */
export function fitUtf8(text: string, maxBytes: number): { value: string; exact: boolean } {
  if (utf8Bytes(text) <= maxBytes) return { value: text, exact: true };
  const room = maxBytes - digestSeparator.length - digestChars;
  return { value: `${truncateUtf8(text, room)}${digestSeparator}${digestOf(text)}`, exact: false };
}

/** Whether the id can be part of a key: not empty, no `#`, at most MAX_LEDGER_ID_BYTES. */
export function isLedgerId(id: string): boolean {
  return id.length > 0 && !id.includes('#') && utf8Bytes(id) <= MAX_LEDGER_ID_BYTES;
}

export function assertLedgerId(kind: 'run' | 'mapping', id: string): void {
  if (!isLedgerId(id)) {
    throw new FerryError(
      'Internal',
      `the DynamoDB ledger cannot store ${kind} id ${JSON.stringify(id)}: ids must be 1 to ${MAX_LEDGER_ID_BYTES} bytes without '#'`,
    );
  }
}

export function runKey(runId: string): ItemKey {
  return { pk: `RUN#${runId}`, sk: RUN_SORT_KEY };
}

/** The partition holding one index item per run of the mapping. */
export function mappingRunsPartition(mappingId: string): string {
  return `MAPPING#${mappingId}`;
}

/** Sorts the mapping's runs by start time (ISO 8601 sorts as time), then run id. */
export function mappingRunKey(run: { mappingId: string; startedAt: Date; runId: string }): ItemKey {
  return { pk: mappingRunsPartition(run.mappingId), sk: `RUN#${run.startedAt.toISOString()}#${run.runId}` };
}

/** Batch ids are hashed: they can embed an object key (the lister's skip batches) and must fit whatever it is. */
export function batchMarkerKey(marker: { runId: string; batchId: string; kind: BatchMarkerKind }): ItemKey {
  return { pk: `BATCH#${marker.runId}#${digestOf(marker.batchId)}`, sk: marker.kind };
}

export function failuresPartition(runId: string): string {
  return `FAILURES#${runId}`;
}

/** The sort key of a failure: the object key itself, so a Query returns failures in S3's key order. */
export function failureSortKey(objectKey: string): { value: string; exact: boolean } {
  return fitUtf8(objectKey, MAX_SORT_KEY_BYTES);
}

export function failureKey(runId: string, objectKey: string): ObjectItemKey {
  const { value, exact } = failureSortKey(objectKey);
  return { pk: failuresPartition(runId), sk: value, exact };
}

function objectPartitionKey(prefix: string, objectKey: string, sk: string): ObjectItemKey {
  const { value, exact } = fitUtf8(objectKey, MAX_PARTITION_KEY_BYTES - utf8Bytes(prefix));
  return { pk: `${prefix}${value}`, sk, exact };
}

/** One partition per copied object: 10⁹ copies spread over as many partitions. */
export function copyKey(mappingId: string, objectKey: string): ObjectItemKey {
  return objectPartitionKey(`COPY#${mappingId}#`, objectKey, COPY_SORT_KEY);
}

export function uploadKey(mappingId: string, objectKey: string): ObjectItemKey {
  return objectPartitionKey(`UPLOAD#${mappingId}#`, objectKey, UPLOAD_SORT_KEY);
}

/** One partition per shared object: its upload item and one item per recorded part. Batch ids are hashed like markers'. */
export function sharedPartition(ref: { runId: string; batchId: string }): string {
  return `SHARED#${ref.runId}#${digestOf(ref.batchId)}`;
}

export function sharedUploadKey(ref: { runId: string; batchId: string }): ItemKey {
  return { pk: sharedPartition(ref), sk: UPLOAD_SORT_KEY };
}

/** The sort key of a recorded part: `PART#` and the zero-padded part number, so parts sort by number. */
export function sharedPartSortKey(partNumber: number): string {
  return `${SHARED_PART_SORT_KEY_PREFIX}${String(partNumber).padStart(PART_NUMBER_DIGITS, '0')}`;
}

export function sharedPartKey(ref: { runId: string; batchId: string }, partNumber: number): ItemKey {
  return { pk: sharedPartition(ref), sk: sharedPartSortKey(partNumber) };
}

/** The partition of a sync run's held deletes: one item per batch, in batchId order. */
export function heldDeletesPartition(runId: string): string {
  return `HELD#${runId}`;
}

/** The sort key of a held batch: its batchId (Ferry's are 32 hex digits), shortened only past DynamoDB's limit. */
export function heldDeletesSortKey(batchId: string): { value: string; exact: boolean } {
  return fitUtf8(batchId, MAX_SORT_KEY_BYTES);
}

export function heldDeletesKey(runId: string, batchId: string): ItemKey {
  return { pk: heldDeletesPartition(runId), sk: heldDeletesSortKey(batchId).value };
}
