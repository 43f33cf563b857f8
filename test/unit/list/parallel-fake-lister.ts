// A fake ObjectLister over sorted keys (held or computed) that pages like S3 and counts requests, pages and entries.
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import type { KeyRange } from '../../../worker/src/list/key-ranges.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import type { ListOptions, ObjectLister } from '../../../worker/src/ports/object-store.ts';

/** Keys in UTF-8 byte order, by index: an array, or a formula for buckets too big to hold. */
export interface SortedKeys {
  readonly size: number;
  keyAt(index: number): string;
}

export function sortedKeys(keys: readonly string[]): SortedKeys {
  const sorted = [...new Set(keys)].sort(compareKeys);
  return { size: sorted.length, keyAt: (index) => sorted[index]! };
}

/** The first index from low on where holds (false until then, true after). */
function firstIndex(size: number, from: number, holds: (index: number) => boolean): number {
  let low = from;
  let high = size;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (holds(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The first index whose key is after (inclusive: at or after) the given one. */
export function indexAfter(keys: SortedKeys, key: string, options: { inclusive: boolean }): number {
  return firstIndex(keys.size, 0, (index) => {
    const order = compareKeys(keys.keyAt(index), key);
    return order > 0 || (options.inclusive && order === 0);
  });
}

/** How many of the keys under prefix lie in the range. */
export function keysInRange(keys: SortedKeys, range: KeyRange, prefix = ''): number {
  const prefixStart = indexAfter(keys, prefix, { inclusive: true });
  const prefixEnd = firstIndex(keys.size, prefixStart, (index) => !keys.keyAt(index).startsWith(prefix));
  const low = range.after === undefined ? 0 : indexAfter(keys, range.after, { inclusive: false });
  const high = range.before === undefined ? keys.size : indexAfter(keys, range.before, { inclusive: true });
  return Math.max(0, Math.min(high, prefixEnd) - Math.max(low, prefixStart));
}

const epoch = new Date(0);

export interface FakeListerOptions {
  /** Keys per page; default 1000 as S3. */
  readonly pageSize?: number;
  /** Awaited before each page is served (e.g. a macrotask, or a gate the test opens). */
  readonly beforePage?: () => Promise<void>;
  /** Throw instead of serving the page when this returns true (called with the page's first key). */
  readonly failPage?: (firstKey: string) => boolean;
  /** The entry listed for a key; default: size the key's length, ETag "e". */
  readonly entryFor?: (key: string) => ObjectEntry;
}

export class FakeLister implements ObjectLister {
  /** list() calls whose iteration began. */
  listCalls = 0;
  /** The startAfter of each list() call whose iteration began, in order. */
  readonly listStarts: (string | undefined)[] = [];
  /** Pages fetched: one list request each. */
  pages = 0;
  inFlightPages = 0;
  maxInFlightPages = 0;
  /** list() iterations started and not yet finished or abandoned. */
  openListings = 0;
  entriesGiven = 0;
  readonly #keys: SortedKeys;
  readonly #pageSize: number;
  readonly #options: FakeListerOptions;

  constructor(keys: SortedKeys, options: FakeListerOptions = {}) {
    this.#keys = keys;
    this.#pageSize = options.pageSize ?? 1000;
    this.#options = options;
  }

  async *list({ prefix, startAfter, signal }: ListOptions): AsyncGenerator<ObjectEntry> {
    const keys = this.#keys;
    let index = indexAfter(keys, prefix, { inclusive: true });
    if (startAfter !== undefined) index = Math.max(index, indexAfter(keys, startAfter, { inclusive: false }));
    this.listCalls += 1;
    this.listStarts.push(startAfter);
    this.openListings += 1;
    try {
      for (;;) {
        const page = await this.#page(index, prefix, signal);
        for (const key of page) {
          this.entriesGiven += 1;
          yield this.#options.entryFor?.(key) ?? { key, size: key.length, etag: 'e', lastModified: epoch };
        }
        index += page.length;
        if (page.length < this.#pageSize) return;
      }
    } finally {
      this.openListings -= 1;
    }
  }

  async #page(index: number, prefix: string, signal: AbortSignal | undefined): Promise<string[]> {
    this.pages += 1;
    this.inFlightPages += 1;
    this.maxInFlightPages = Math.max(this.maxInFlightPages, this.inFlightPages);
    try {
      await this.#options.beforePage?.();
      signal?.throwIfAborted();
      const page: string[] = [];
      for (let at = index; at < this.#keys.size && page.length < this.#pageSize; at++) {
        const key = this.#keys.keyAt(at);
        if (!key.startsWith(prefix)) break;
        page.push(key);
      }
      if (page[0] !== undefined && this.#options.failPage?.(page[0]))
        throw new Error(`page at ${page[0]} failed`);
      return page;
    } finally {
      this.inFlightPages -= 1;
    }
  }
}

/** Yields to the event loop once: lets other listings' pages interleave. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const pad = (value: number, width: number): string => value.toString().padStart(width, '0');
const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');

interface Segment {
  readonly size: number;
  keyAt(index: number): string;
}

/**
 * A 30-million-key bucket computed on demand, in key order: 4M hashed-looking asset names, 20M hourly log parts
 * (logs/2026/MM/DD/HH/part-NNNNN), 6M user avatars. Skewed like real buckets: two thirds under logs/.
 */
export function thirtyMillionKeys(): SortedKeys {
  const hours = 12 * 28 * 24;
  const partsPerHour = Math.ceil(20_000_000 / hours);
  const segments: Segment[] = [
    { size: 4_000_000, keyAt: (index) => `assets/${hex(index * 1031, 8)}.bin` },
    {
      size: hours * partsPerHour,
      keyAt: (index) => {
        const hour = Math.floor(index / partsPerHour);
        const day = Math.floor(hour / 24);
        const month = Math.floor(day / 28);
        const path = `${pad(month + 1, 2)}/${pad((day % 28) + 1, 2)}/${pad(hour % 24, 2)}`;
        return `logs/2026/${path}/part-${pad(index % partsPerHour, 5)}.json`;
      },
    },
    { size: 6_000_000, keyAt: (index) => `users/${pad(index * 7, 8)}/avatar.png` },
  ];
  const size = segments.reduce((total, segment) => total + segment.size, 0);
  return {
    size,
    keyAt: (index) => {
      let offset = index;
      for (const segment of segments) {
        if (offset < segment.size) return segment.keyAt(offset);
        offset -= segment.size;
      }
      throw new RangeError(`index ${index} is past the ${size} keys`);
    },
  };
}

/** The key without its last character (never half of a surrogate pair): a key just before a boundary's subtree. */
export function withoutLastCharacter(key: string): string {
  return Array.from(key).slice(0, -1).join('');
}
