// The work message format: one batch of objects to copy, encoded compactly and validated on receipt.
import { FerryError } from '../domain/errors.ts';

/** One object to copy, as the lister saw it. */
export interface WorkItem {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

export interface WorkBatch {
  readonly runId: string;
  readonly mappingId: string;
  /** Deterministic from the run and the batch's keys: a re-sent batch has the same id. */
  readonly batchId: string;
  readonly items: readonly WorkItem[];
}

/** Message version 1, with short field names: a million keys cost fewer 64 KiB request chunks. */
interface WireBatchV1 {
  v: 1;
  r: string;
  m: string;
  b: string;
  i: [string, number, string][];
}

export function encodeWorkBatch(batch: WorkBatch): string {
  const wire: WireBatchV1 = {
    v: 1,
    r: batch.runId,
    m: batch.mappingId,
    b: batch.batchId,
    i: batch.items.map((item) => [item.key, item.size, item.etag]),
  };
  // SQS refuses U+FFFE and U+FFFF in a body; JSON lets them travel escaped.
  return JSON.stringify(wire).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
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

function decodeItem(raw: unknown, index: number): WorkItem {
  if (!Array.isArray(raw) || raw.length !== 3) throw invalid(`item ${index} is not [key, size, etag]`);
  const [key, size, etag] = raw as unknown[];
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > 1024) {
    throw invalid(`item ${index} has no valid key`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw invalid(`item ${index} has a bad size`);
  if (typeof etag !== 'string') throw invalid(`item ${index} has a bad etag`);
  return { key, size, etag };
}

/** Parses and validates a message body; throws InvalidObject (a poison message) on anything malformed. */
export function decodeWorkBatch(body: string): WorkBatch {
  let wire: unknown;
  try {
    wire = JSON.parse(body);
  } catch {
    throw invalid('not JSON');
  }
  if (typeof wire !== 'object' || wire === null) throw invalid('not an object');
  const { v, r, m, b, i } = wire as Record<string, unknown>;
  if (v !== 1) throw invalid(`unknown version ${JSON.stringify(v)}`);
  if (!isId(r) || !isId(m) || !isId(b)) throw invalid('missing run, mapping or batch id');
  if (!Array.isArray(i) || i.length === 0) throw invalid('no items');
  return { runId: r, mappingId: m, batchId: b, items: i.map(decodeItem) };
}
