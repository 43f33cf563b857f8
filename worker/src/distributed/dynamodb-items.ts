// The ledger table's items: each record as the attributes stored for it, and back. Keys come from dynamodb-keys.ts.
import { errorClasses } from '../domain/errors.ts';
import {
  type CopyRecord,
  type Counts,
  checksumAlgorithms,
  type DeleteItem,
  deleteStates,
  type FailureRecord,
  type HeldDeletes,
  listerStates,
  type RunMode,
  type RunRecord,
  runModes,
  type SharedObjectRef,
  type SharedUploadRecord,
  type SharedUploadStart,
  sharedUploadStates,
  type UploadRecord,
} from '../ports/ledger.ts';
import type { CompletedPart } from '../ports/object-store.ts';
import {
  dateAttribute,
  enumAttribute,
  integerAttribute,
  numberSetAttribute,
  optionalDateAttribute,
  optionalIntegerAttribute,
  optionalStringAttribute,
  type StoredItem,
  stringAttribute,
} from './dynamodb-attributes.ts';
import type { ScalarItem } from './dynamodb-item-size.ts';
import {
  batchMarkerKey,
  copyKey,
  failureKey,
  heldDeletesKey,
  type ItemKey,
  mappingRunKey,
  type ObjectItemKey,
  runKey,
  sharedPartKey,
  sharedUploadKey,
  truncateUtf8,
  uploadKey,
  utf8Bytes,
} from './dynamodb-keys.ts';

export type StoredCounter = 'planned' | 'skipped' | 'copied' | 'failed' | 'toDelete' | 'deleted';

/** Failure messages are cut to this many UTF-8 bytes, so that a transaction of failures stays far below 4 MB. */
export const MAX_FAILURE_MESSAGE_BYTES = 4096;

/** The attributes that add the counts to a run's counter (for an ADD update). */
export function counterIncrements(counter: StoredCounter, counts: Counts): Record<string, number> {
  return { [`${counter}Objects`]: counts.objects, [`${counter}Bytes`]: counts.bytes };
}

function counterOf(item: StoredItem, counter: StoredCounter): Counts {
  return {
    objects: integerAttribute(item, `${counter}Objects`),
    bytes: integerAttribute(item, `${counter}Bytes`),
  };
}

/** A counter that run items written before it existed lack, and that only ADD creates: absent is zero. */
function addedCounterOf(item: StoredItem, counter: StoredCounter): Counts {
  return {
    objects: optionalIntegerAttribute(item, `${counter}Objects`) ?? 0,
    bytes: optionalIntegerAttribute(item, `${counter}Bytes`) ?? 0,
  };
}

const zero: Counts = { objects: 0, bytes: 0 };

export function newRunItem(run: {
  runId: string;
  mappingId: string;
  mode: RunMode;
  startedAt: Date;
}): ScalarItem & ItemKey {
  return {
    ...runKey(run.runId),
    runId: run.runId,
    mappingId: run.mappingId,
    mode: run.mode,
    listerState: 'LISTING',
    startedAt: run.startedAt.toISOString(),
    ...counterIncrements('planned', zero),
    ...counterIncrements('skipped', zero),
    ...counterIncrements('copied', zero),
    ...counterIncrements('failed', zero),
    ...(run.mode === 'sync' ? { deleteState: 'HELD' } : {}),
  };
}

export function runFromItem(item: StoredItem): RunRecord {
  const reason = optionalStringAttribute(item, 'reason');
  const listedAt = optionalDateAttribute(item, 'listedAt');
  const checkpoint = optionalStringAttribute(item, 'checkpoint');
  const deleteState =
    item.deleteState === undefined ? undefined : enumAttribute(item, 'deleteState', deleteStates);
  const deleteReason = optionalStringAttribute(item, 'deleteReason');
  return {
    runId: stringAttribute(item, 'runId'),
    mappingId: stringAttribute(item, 'mappingId'),
    mode: enumAttribute(item, 'mode', runModes),
    listerState: enumAttribute(item, 'listerState', listerStates),
    ...(reason === undefined ? {} : { reason }),
    startedAt: dateAttribute(item, 'startedAt'),
    ...(listedAt === undefined ? {} : { listedAt }),
    ...(checkpoint === undefined ? {} : { checkpoint }),
    planned: counterOf(item, 'planned'),
    skipped: counterOf(item, 'skipped'),
    copied: counterOf(item, 'copied'),
    failed: counterOf(item, 'failed'),
    toDelete: addedCounterOf(item, 'toDelete'),
    deleted: addedCounterOf(item, 'deleted'),
    ...(deleteState === undefined ? {} : { deleteState }),
    ...(deleteReason === undefined ? {} : { deleteReason }),
  };
}

/** What a batch of held deletes adds to the run's toDelete. */
export function countsOfDeletes(deletes: HeldDeletes): Counts {
  return { objects: deletes.items.length, bytes: deletes.items.reduce((sum, item) => sum + item.size, 0) };
}

/**
 * A sync run's batch of deletes, held until the listing is complete: the items are one string attribute, a compact
 * JSON array of [key, size, etag] (a batch is encoded under the queue's 200 KB message limit, so it fits DynamoDB's
 * 400 KB item). It expires (TTL) with the batch markers.
 */
export function heldDeletesItem(runId: string, deletes: HeldDeletes, expiresAt: Date): ScalarItem & ItemKey {
  return {
    ...heldDeletesKey(runId, deletes.batchId),
    batchId: deletes.batchId,
    items: JSON.stringify(deletes.items.map((item) => [item.key, item.size, item.etag])),
    expiresAt: Math.floor(expiresAt.getTime() / 1000),
  };
}

function heldItemOf(raw: unknown, index: number): DeleteItem {
  if (Array.isArray(raw) && raw.length === 3) {
    const [key, size, etag]: unknown[] = raw;
    if (
      typeof key === 'string' &&
      typeof etag === 'string' &&
      Number.isSafeInteger(size) &&
      Number(size) >= 0
    ) {
      return { key, size: Number(size), etag };
    }
  }
  throw new TypeError(`ledger item attribute items: element ${index} is not [key, size, etag]`);
}

export function heldDeletesFromItem(item: StoredItem): HeldDeletes {
  const items: unknown = JSON.parse(stringAttribute(item, 'items'));
  if (!Array.isArray(items)) throw new TypeError('ledger item attribute items: expected a JSON array');
  return { batchId: stringAttribute(item, 'batchId'), items: items.map(heldItemOf) };
}

/** The mapping's index entry for a run: latestRun reads the last one. */
export function mappingRunItem(run: {
  runId: string;
  mappingId: string;
  startedAt: Date;
}): ScalarItem & ItemKey {
  return { ...mappingRunKey(run), runId: run.runId };
}

/**
 * The item that records a batch once. It expires (DynamoDB TTL on expiresAt, epoch seconds) long after any
 * redelivery could come. failuresPending marks an outcome whose failures did not all fit in its transaction.
 */
export function batchMarkerItem(marker: {
  runId: string;
  batchId: string;
  kind: 'PLANNED' | 'DONE';
  expiresAt: Date;
  failuresPending?: boolean;
}): ScalarItem & ItemKey {
  return {
    ...batchMarkerKey(marker),
    expiresAt: Math.floor(marker.expiresAt.getTime() / 1000),
    ...(marker.failuresPending ? { failuresPending: true } : {}),
  };
}

/** An object's item carries its full key only when the item key had to shorten it. */
function fullKeyAttribute(itemKey: ObjectItemKey, objectKey: string): { key?: string } {
  return itemKey.exact ? {} : { key: objectKey };
}

/** Whether a stored item is the one for this object key (a shortened key can be shared by two objects). */
export function isItemOf(item: StoredItem, itemKey: ObjectItemKey, objectKey: string): boolean {
  const stored = optionalStringAttribute(item, 'key');
  return stored === undefined ? itemKey.exact : stored === objectKey;
}

/** A failure message cut to MAX_FAILURE_MESSAGE_BYTES, marked where it was cut. */
export function truncatedMessage(message: string): string {
  if (utf8Bytes(message) <= MAX_FAILURE_MESSAGE_BYTES) return message;
  const marker = ' …';
  return `${truncateUtf8(message, MAX_FAILURE_MESSAGE_BYTES - utf8Bytes(marker))}${marker}`;
}

export function failureItem(runId: string, failure: FailureRecord): ScalarItem & ItemKey {
  const itemKey = failureKey(runId, failure.key);
  return {
    pk: itemKey.pk,
    sk: itemKey.sk,
    ...fullKeyAttribute(itemKey, failure.key),
    errorClass: failure.errorClass,
    message: truncatedMessage(failure.message),
    attempts: failure.attempts,
  };
}

export function failureFromItem(item: StoredItem): FailureRecord {
  return {
    key: optionalStringAttribute(item, 'key') ?? stringAttribute(item, 'sk'),
    errorClass: enumAttribute(item, 'errorClass', errorClasses),
    message: stringAttribute(item, 'message'),
    attempts: integerAttribute(item, 'attempts'),
  };
}

export function copyItem(mappingId: string, record: CopyRecord): ScalarItem & ItemKey {
  const itemKey = copyKey(mappingId, record.key);
  return {
    pk: itemKey.pk,
    sk: itemKey.sk,
    ...fullKeyAttribute(itemKey, record.key),
    sourceEtag: record.sourceEtag,
    sourceSize: record.sourceSize,
    destinationEtag: record.destinationEtag,
  };
}

export function copyFromItem(item: StoredItem, key: string): CopyRecord {
  return {
    key,
    sourceEtag: stringAttribute(item, 'sourceEtag'),
    sourceSize: integerAttribute(item, 'sourceSize'),
    destinationEtag: stringAttribute(item, 'destinationEtag'),
  };
}

export function uploadItem(mappingId: string, upload: UploadRecord): ScalarItem & ItemKey {
  const itemKey = uploadKey(mappingId, upload.key);
  return {
    pk: itemKey.pk,
    sk: itemKey.sk,
    ...fullKeyAttribute(itemKey, upload.key),
    uploadId: upload.uploadId,
    sourceEtag: upload.sourceEtag,
    partSize: upload.partSize,
    checksumAlgorithm: upload.checksumAlgorithm,
  };
}

export function uploadFromItem(item: StoredItem, key: string): UploadRecord {
  return {
    key,
    uploadId: stringAttribute(item, 'uploadId'),
    sourceEtag: stringAttribute(item, 'sourceEtag'),
    partSize: integerAttribute(item, 'partSize'),
    checksumAlgorithm: enumAttribute(item, 'checksumAlgorithm', checksumAlgorithms),
  };
}

/** A shared object's upload as claimed: OPEN, no range done; it expires (TTL) like a batch marker. */
export function sharedUploadItem(
  ref: SharedObjectRef,
  start: SharedUploadStart,
  expiresAt: Date,
): ScalarItem & ItemKey {
  return {
    ...sharedUploadKey(ref),
    key: start.key,
    uploadId: start.uploadId,
    sourceEtag: start.sourceEtag,
    sourceSize: start.sourceSize,
    partSize: start.partSize,
    checksumAlgorithm: start.checksumAlgorithm,
    rangeCount: start.rangeCount,
    state: 'OPEN',
    expiresAt: Math.floor(expiresAt.getTime() / 1000),
  };
}

function sharedFailureOf(item: StoredItem): FailureRecord | undefined {
  const key = optionalStringAttribute(item, 'failureKey');
  const attempts = optionalIntegerAttribute(item, 'attempts');
  if (key === undefined || attempts === undefined) return undefined;
  return {
    key,
    errorClass: enumAttribute(item, 'errorClass', errorClasses),
    message: stringAttribute(item, 'message'),
    attempts,
  };
}

export function sharedUploadFromItem(item: StoredItem): SharedUploadRecord {
  const failure = sharedFailureOf(item);
  return {
    key: stringAttribute(item, 'key'),
    uploadId: stringAttribute(item, 'uploadId'),
    sourceEtag: stringAttribute(item, 'sourceEtag'),
    sourceSize: integerAttribute(item, 'sourceSize'),
    partSize: integerAttribute(item, 'partSize'),
    checksumAlgorithm: enumAttribute(item, 'checksumAlgorithm', checksumAlgorithms),
    rangeCount: integerAttribute(item, 'rangeCount'),
    state: enumAttribute(item, 'state', sharedUploadStates),
    doneRanges: numberSetAttribute(item, 'doneRanges'),
    ...(failure ? { failure } : {}),
  };
}

/** One part recorded for a shared upload; a part recorded again (for any upload) replaces it. */
export function sharedPartItem(
  ref: SharedObjectRef,
  part: CompletedPart & { uploadId: string },
  expiresAt: Date,
): ScalarItem & ItemKey {
  return {
    ...sharedPartKey(ref, part.partNumber),
    uploadId: part.uploadId,
    partNumber: part.partNumber,
    etag: part.etag,
    size: part.size,
    ...(part.checksum === undefined ? {} : { checksum: part.checksum }),
    expiresAt: Math.floor(expiresAt.getTime() / 1000),
  };
}

export function sharedPartFromItem(item: StoredItem): CompletedPart & { uploadId: string } {
  const checksum = optionalStringAttribute(item, 'checksum');
  return {
    uploadId: stringAttribute(item, 'uploadId'),
    partNumber: integerAttribute(item, 'partNumber'),
    etag: stringAttribute(item, 'etag'),
    size: integerAttribute(item, 'size'),
    ...(checksum === undefined ? {} : { checksum }),
  };
}
