// The work message format: one batch of objects to copy, one range of a shared object, or one batch of destination
// objects to delete, encoded compactly and validated on receipt.
import { FerryError } from '../domain/errors.ts';
import type { DeleteItem } from '../ports/ledger.ts';
import { type RangeLayout, rangeLayout, spanAt, spanOf } from '../transfer/shared-ranges.ts';

/** One object to copy, as the lister saw it. */
export interface WorkItem {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

/** How a shared object is cut into ranges: see transfer/shared-ranges.ts. */
export interface SharedLayout {
  readonly partSizeBytes: number;
  readonly rangeCount: number;
}

export interface WorkBatch {
  readonly runId: string;
  readonly mappingId: string;
  /** Deterministic from the run and the batch's keys: a re-sent batch has the same id. */
  readonly batchId: string;
  readonly items: readonly WorkItem[];
  /** Present on a batch of one object that several workers share: it travels as one range message per range. */
  readonly shared?: SharedLayout;
}

/** One range of parts of a shared object: the object, its layout and which of its ranges this is. */
export interface RangeWork extends SharedLayout {
  readonly runId: string;
  readonly mappingId: string;
  /** The batch id of the object's batch: every range of the object carries it. */
  readonly batchId: string;
  readonly item: WorkItem;
  readonly firstPart: number;
  readonly lastPart: number;
}

/** Destination objects a sync run deletes, in one DeleteObjects request: released once its listing is complete. */
export interface DeleteBatch {
  readonly runId: string;
  readonly mappingId: string;
  readonly batchId: string;
  /** Destination keys, with the size and ETag listed. */
  readonly items: readonly DeleteItem[];
}

export type WorkMessage =
  | { readonly kind: 'batch'; readonly batch: WorkBatch }
  | { readonly kind: 'range'; readonly range: RangeWork }
  | { readonly kind: 'delete'; readonly batch: DeleteBatch };

/** Message version 1, with short field names: a million keys cost fewer 64 KiB request chunks. */
interface WireBatchV1 {
  v: 1;
  r: string;
  m: string;
  b: string;
  i: [string, number, string][];
}

/** Message version 2: one range, p = [key, size, etag, part size, first part, last part, range count]. */
interface WireRangeV2 {
  v: 2;
  r: string;
  m: string;
  b: string;
  p: [string, number, string, number, number, number, number];
}

/** Message version 3: destination objects to delete, d = [key, size, etag] each. */
interface WireDeleteV3 {
  v: 3;
  r: string;
  m: string;
  b: string;
  d: [string, number, string][];
}

/** SQS refuses U+FFFE and U+FFFF in a body; JSON lets them travel escaped. */
function toBody(wire: WireBatchV1 | WireRangeV2 | WireDeleteV3): string {
  return JSON.stringify(wire).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Items as they travel: [key, size, etag] each. */
function itemTuples(items: readonly WorkItem[]): [string, number, string][] {
  return items.map((item) => [item.key, item.size, item.etag]);
}

/** Version 1, whole objects (a batch's shared layout, if any, is not carried: see encodeWorkMessages). */
export function encodeWorkBatch(batch: WorkBatch): string {
  return toBody({
    v: 1,
    r: batch.runId,
    m: batch.mappingId,
    b: batch.batchId,
    i: itemTuples(batch.items),
  });
}

export function encodeDeleteBatch(batch: DeleteBatch): string {
  return toBody({
    v: 3,
    r: batch.runId,
    m: batch.mappingId,
    b: batch.batchId,
    d: itemTuples(batch.items),
  });
}

export function encodeRangeWork(range: RangeWork): string {
  const { item } = range;
  return toBody({
    v: 2,
    r: range.runId,
    m: range.mappingId,
    b: range.batchId,
    p: [
      item.key,
      item.size,
      item.etag,
      range.partSizeBytes,
      range.firstPart,
      range.lastPart,
      range.rangeCount,
    ],
  });
}

/** The ranges of a shared batch's object with these indexes (all of them when absent). */
export function rangesOfSharedBatch(batch: WorkBatch, indexes?: readonly number[]): RangeWork[] {
  const { runId, mappingId, batchId, shared, items } = batch;
  const [item] = items;
  if (!shared || !item || items.length !== 1) return [];
  const layout = rangeLayout({ size: item.size, ...shared });
  if (!layout) throw new FerryError('Internal', `no valid range layout for ${JSON.stringify(shared)}`);
  const chosen = indexes ?? Array.from({ length: layout.rangeCount }, (_, index) => index);
  return chosen.map((index) => {
    const { firstPart, lastPart } = spanAt(layout, index);
    return { runId, mappingId, batchId, item, ...shared, firstPart, lastPart };
  });
}

/** The messages a batch travels as: one, or for a shared object one per range. */
export function encodeWorkMessages(batch: WorkBatch): string[] {
  const ranges = rangesOfSharedBatch(batch);
  return ranges.length > 0 ? ranges.map(encodeRangeWork) : [encodeWorkBatch(batch)];
}

/** The layout a decoded range message describes (decoding guarantees there is one). */
export function layoutOfRange(range: RangeWork): RangeLayout {
  const layout = rangeLayout({ size: range.item.size, ...range });
  if (!layout) throw invalid('no valid range layout');
  return layout;
}

/** The bytes one item adds to an encoded batch, for keeping messages under the queue's size limit. */
export function encodedItemBytes(item: WorkItem): number {
  return Buffer.byteLength(JSON.stringify([item.key, item.size, item.etag])) + 1;
}

function invalid(reason: string): FerryError {
  return new FerryError('InvalidObject', `malformed work message: ${reason}`);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 256;
}

function decodeItemFields(fields: readonly unknown[], index: number): WorkItem {
  const [key, size, etag] = fields;
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > 1024) {
    throw invalid(`item ${index} has no valid key`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw invalid(`item ${index} has a bad size`);
  if (typeof etag !== 'string') throw invalid(`item ${index} has a bad etag`);
  return { key, size, etag };
}

function decodeItem(raw: unknown, index: number): WorkItem {
  if (!Array.isArray(raw) || raw.length !== 3) throw invalid(`item ${index} is not [key, size, etag]`);
  return decodeItemFields(raw, index);
}

function decodeRange(
  raw: unknown,
): Pick<RangeWork, 'item' | 'partSizeBytes' | 'firstPart' | 'lastPart' | 'rangeCount'> {
  if (!Array.isArray(raw) || raw.length !== 7) {
    throw invalid('range is not [key, size, etag, part size, first part, last part, range count]');
  }
  const item = decodeItemFields(raw, 0);
  if (item.etag.length === 0) throw invalid('range has no etag');
  const [partSizeBytes, firstPart, lastPart, rangeCount] = raw.slice(3) as unknown[];
  if (typeof partSizeBytes !== 'number' || typeof rangeCount !== 'number')
    throw invalid('range has a bad layout');
  if (typeof firstPart !== 'number' || typeof lastPart !== 'number')
    throw invalid('range has bad part numbers');
  const layout = rangeLayout({ size: item.size, partSizeBytes, rangeCount });
  if (!layout) throw invalid('range has no valid layout of size, part size and range count');
  if (!spanOf(layout, { firstPart, lastPart })) throw invalid('range parts are not a range of its layout');
  return { item, partSizeBytes, firstPart, lastPart, rangeCount };
}

function parseWire(body: string): Record<string, unknown> {
  let wire: unknown;
  try {
    wire = JSON.parse(body);
  } catch {
    throw invalid('not JSON');
  }
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) throw invalid('not an object');
  return wire as Record<string, unknown>;
}

function decodeIds(wire: Record<string, unknown>): { runId: string; mappingId: string; batchId: string } {
  const { r, m, b } = wire;
  if (!isId(r) || !isId(m) || !isId(b)) throw invalid('missing run, mapping or batch id');
  return { runId: r, mappingId: m, batchId: b };
}

/** The most objects one DeleteObjects request takes. */
export const maxDeleteBatchItems = 1000;

function decodeDeleteBatch(wire: Record<string, unknown>): DeleteBatch {
  const { d } = wire;
  if (!Array.isArray(d) || d.length === 0) throw invalid('no objects to delete');
  if (d.length > maxDeleteBatchItems) throw invalid(`more than ${maxDeleteBatchItems} objects to delete`);
  return { ...decodeIds(wire), items: d.map(decodeItem) };
}

/** Parses and validates a message body of any version; throws InvalidObject (a poison message) on anything malformed. */
export function decodeWorkMessage(body: string): WorkMessage {
  const wire = parseWire(body);
  if (wire.v === 2) return { kind: 'range', range: { ...decodeIds(wire), ...decodeRange(wire.p) } };
  if (wire.v === 3) return { kind: 'delete', batch: decodeDeleteBatch(wire) };
  return { kind: 'batch', batch: decodeWorkBatch(wire) };
}

/** Parses and validates a version 1 body (or its parsed form); throws InvalidObject (a poison message) on anything malformed. */
export function decodeWorkBatch(body: string | Record<string, unknown>): WorkBatch {
  const wire = typeof body === 'string' ? parseWire(body) : body;
  const { v, i } = wire;
  if (v !== 1) throw invalid(`unknown version ${JSON.stringify(v)}`);
  const ids = decodeIds(wire);
  if (!Array.isArray(i) || i.length === 0) throw invalid('no items');
  return { ...ids, items: i.map(decodeItem) };
}
