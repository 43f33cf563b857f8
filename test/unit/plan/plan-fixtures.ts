// Shared helpers for the planner's unit tests: listing entries, async iterables and seeded random keys.

import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import { seededRandom } from '../../support/seeded-random.ts';

export const md5A = '0cc175b9c0f1b6a831c399e269772661';
export const md5B = '92eb5ffee6ae2fec3ad71c777531578f';
export const md5C = '4a8a08f09d37b73795649038408b5f33';

export function entry(key: string, options: { size?: number; etag?: string } = {}): ObjectEntry {
  return {
    key,
    size: options.size ?? 10,
    etag: options.etag ?? md5A,
    lastModified: new Date('2024-01-01T00:00:00Z'),
  };
}

export function listingOf<T>(items: readonly T[]): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* items;
    },
  };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** A listing that counts how many entries were pulled from it and whether it was closed. */
export function instrumentedListing<T>(make: (index: number) => T, length: number) {
  const stats = { pulled: 0, closed: false };
  const listing: AsyncIterable<T> = {
    async *[Symbol.asyncIterator]() {
      try {
        for (let index = 0; index < length; index++) {
          stats.pulled++;
          yield make(index);
        }
      } finally {
        stats.closed = true;
      }
    },
  };
  return { listing, stats };
}

export { seededRandom };

/** Code point ranges where UTF-16 and UTF-8 orders agree and disagree, weighted toward their edges. */
const codePointRanges: readonly (readonly [number, number])[] = [
  [0x20, 0x7e],
  [0x00, 0x1f],
  [0x80, 0x7ff],
  [0x800, 0xd7ff],
  [0xd7f0, 0xd7ff],
  [0xe000, 0xe00f],
  [0xe000, 0xffff],
  [0xfff0, 0xffff],
  [0x10000, 0x1000f],
  [0x10000, 0x10ffff],
  [0x1f600, 0x1f64f],
  [0x10fff0, 0x10ffff],
];

/** A well-formed random string (no lone surrogates: S3 keys are valid UTF-8). */
export function randomKey(random: () => number, maxLength: number): string {
  const length = Math.floor(random() * (maxLength + 1));
  let key = '';
  for (let index = 0; index < length; index++) {
    const range = codePointRanges[Math.floor(random() * codePointRanges.length)]!;
    key += String.fromCodePoint(range[0] + Math.floor(random() * (range[1] - range[0] + 1)));
  }
  return key;
}
