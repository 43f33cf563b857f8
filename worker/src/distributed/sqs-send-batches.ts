// Pure rules for putting message bodies on SQS: what SQS accepts, and how bodies are cut into SendMessageBatch calls.
import { truncateUtf8, utf8Bytes } from '../domain/utf8.ts';

export { truncateUtf8, utf8Bytes };

import { FerryError } from '../domain/errors.ts';

/** SendMessageBatch takes at most this many entries. */
export const maxEntriesPerBatch = 10;
/**
 * The most message bytes one batch carries. SQS's limit is the queue's MaximumMessageSize summed over the batch:
 * 256 KiB on queues made before August 2025, 1 MiB since. 256 KiB works everywhere and costs nothing extra, since
 * SQS bills every 64 KiB of payload as one request whatever the batching.
 */
export const defaultMaxBatchBytes = 262_144;
/** The queues `ferry init` makes take messages up to this size. */
export const queueMaximumMessageBytes = 262_144;
/**
 * Room kept in every message for the attributes deadLetter adds (reason, receive count, id), so that any message
 * that was sent can also be dead-lettered into a queue of the same maximum size.
 */
export const deadLetterAttributeReserveBytes = 4_096;
/** The largest body send accepts by default. */
export const defaultMaxBodyBytes = queueMaximumMessageBytes - deadLetterAttributeReserveBytes;
/** SQS bills one request per started 64 KiB of payload. */
export const billedChunkBytes = 65_536;

export interface BatchLimits {
  readonly maxBatchBytes: number;
  readonly maxBodyBytes: number;
}

/** One body in a batch: its entry id is unique within the batch, its index points into the bodies sent. */
export interface BatchEntry {
  readonly id: string;
  readonly index: number;
  readonly body: string;
  readonly bytes: number;
}

/** The requests SQS bills for a call carrying payloadBytes of messages: one per started 64 KiB, at least one. */
export function billedRequests(payloadBytes: number): number {
  return Math.max(1, Math.ceil(payloadBytes / billedChunkBytes));
}

/** Characters SQS refuses in a body or string attribute (XML 1.0's excluded ones, and lone surrogates). */
const forbiddenCharacter = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The index and code point of the first character SQS refuses, if any. */
export function forbiddenCharacterIn(text: string): { index: number; codePoint: number } | undefined {
  const match = forbiddenCharacter.exec(text);
  if (match === null) return undefined;
  return { index: match.index, codePoint: match[0].codePointAt(0) ?? 0 };
}

/** Replaces characters SQS refuses with U+FFFD, for free text such as a dead-letter reason. */
export function withoutForbiddenCharacters(text: string): string {
  return text.replace(new RegExp(forbiddenCharacter.source, 'gu'), '\uFFFD');
}

function hex(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Throws an Internal FerryError for a body SQS would refuse: empty, too large, or with a forbidden character. */
export function assertSendableBody(body: string, options: { index: number; maxBodyBytes: number }): number {
  const where = `message ${options.index}`;
  if (body === '') throw new FerryError('Internal', `${where}: SQS cannot carry an empty message body`);
  const bytes = utf8Bytes(body);
  if (bytes > options.maxBodyBytes) {
    throw new FerryError(
      'Internal',
      `${where}: body is ${bytes} bytes, more than the ${options.maxBodyBytes} an SQS work message may have`,
    );
  }
  const forbidden = forbiddenCharacterIn(body);
  if (forbidden) {
    throw new FerryError(
      'Internal',
      `${where}: body has ${hex(forbidden.codePoint)} at index ${forbidden.index}, which SQS refuses`,
    );
  }
  return bytes;
}

/**
 * Cuts bodies, in order, into batches of at most 10 entries and maxBatchBytes bytes. Every body is checked first,
 * so nothing is cut (or sent) when any body would be refused.
 */
export function planSendBatches(bodies: readonly string[], limits: BatchLimits): BatchEntry[][] {
  if (limits.maxBodyBytes > limits.maxBatchBytes) {
    throw new RangeError(
      `maxBodyBytes (${limits.maxBodyBytes}) must not exceed maxBatchBytes (${limits.maxBatchBytes})`,
    );
  }
  const sized = bodies.map((body, index) => ({
    body,
    index,
    bytes: assertSendableBody(body, { index, maxBodyBytes: limits.maxBodyBytes }),
  }));
  const batches: BatchEntry[][] = [];
  let current: BatchEntry[] = [];
  let currentBytes = 0;
  for (const item of sized) {
    if (current.length === maxEntriesPerBatch || currentBytes + item.bytes > limits.maxBatchBytes) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push({ ...item, id: String(current.length) });
    currentBytes += item.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
