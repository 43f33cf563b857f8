import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { assertAscending, compareKeys, ordered } from '../../../worker/src/plan/key-order.ts';
import { collect, entry, listingOf, randomKey, seededRandom } from './plan-fixtures.ts';

const byteOrder = (a: string, b: string): number => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('compareKeys', () => {
  const emoji = '\u{1F600}';
  it.each([
    ['a', 'b', -1],
    ['b', 'a', 1],
    ['a', 'a', 0],
    ['', '', 0],
    ['', 'a', -1],
    ['a', 'a/', -1],
    ['a/b', 'a0', -1],
    ['A', 'a', -1],
    ['z', 'é', -1],
    ['é', 'ü', -1],
    [emoji, '\uFFFD', 1],
    ['\uFFFD', emoji, -1],
    [emoji, '\uE000', 1],
    ['\uE000', emoji, -1],
    ['\uD7FF', emoji, -1],
    [emoji, '\u{1F601}', -1],
    ['\u{10000}', '\u{10FFFF}', -1],
    [`x/${emoji}/1`, 'x/\uFFFD/2', 1],
    ['\uFFFF', '\u{10000}', -1],
    [`${emoji}`, `${emoji}a`, -1],
  ])('compareKeys(%j, %j) is %i, as their UTF-8 bytes compare', (a, b, expected) => {
    expect(Math.sign(compareKeys(a, b))).toBe(expected);
    expect(byteOrder(a, b)).toBe(expected);
  });

  it('disagrees with JavaScript < exactly where UTF-16 order differs from byte order', () => {
    expect(emoji < '\uFFFD').toBe(true);
    expect(compareKeys(emoji, '\uFFFD')).toBeGreaterThan(0);
  });

  it('agrees with Buffer.compare on random strings, including where < does not', () => {
    const random = seededRandom(20240601);
    let disagreementsWithLessThan = 0;
    const mismatches: { a: string; b: string }[] = [];
    for (let round = 0; round < 20_000; round++) {
      const a = randomKey(random, 6);
      // Half the pairs share a prefix, so comparisons reach deep into the strings.
      const b =
        random() < 0.5
          ? a.slice(0, Math.floor(random() * a.length)) + randomKey(random, 3)
          : randomKey(random, 6);
      const expected = byteOrder(a, b);
      const agrees =
        Math.sign(compareKeys(a, b)) === expected && Math.sign(compareKeys(b, a)) === byteOrder(b, a);
      if (!agrees) mismatches.push({ a, b });
      const lessThan = a === b ? 0 : a < b ? -1 : 1;
      if (lessThan !== expected) disagreementsWithLessThan++;
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(disagreementsWithLessThan).toBeGreaterThan(100);
  });

  it('sorts like Buffer.compare', () => {
    const random = seededRandom(7);
    const keys = Array.from({ length: 2000 }, () => randomKey(random, 5));
    const bySort = [...keys].sort(compareKeys);
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(bySort).toEqual(byBytes);
  });
});

describe('assertAscending', () => {
  it('accepts the first key and strictly ascending keys', () => {
    expect(() => assertAscending({ previousKey: undefined, key: 'z', label: 'source' })).not.toThrow();
    expect(() => assertAscending({ previousKey: '\uFFFD', key: '\u{1F600}', label: 'source' })).not.toThrow();
  });

  it('rejects a key that sorts before the previous one, naming the listing and both keys', () => {
    const error = catchError(() =>
      assertAscending({ previousKey: '\u{1F600}', key: '\uFFFD', label: 'destination' }),
    );
    expect(error).toBeInstanceOf(FerryError);
    expect(error.errorClass).toBe('Internal');
    expect(error.message).toContain('destination');
    expect(error.message).toContain('\u{1F600}');
    expect(error.message).toContain('\uFFFD');
  });

  it('rejects a repeated key', () => {
    const error = catchError(() => assertAscending({ previousKey: 'a/b', key: 'a/b', label: 'source' }));
    expect(error.message).toMatch(/source listing lists the key "a\/b" twice/);
  });
});

describe('ordered', () => {
  it('passes an ascending listing through unchanged', async () => {
    const entries = ['a', 'a/', 'a/b', 'b', '\uFFFD', '\u{1F600}'].map((key) => entry(key));
    expect(await collect(ordered(listingOf(entries), 'source'))).toEqual(entries);
  });

  it('throws when the listing goes backwards, after yielding what came before', async () => {
    const seen: string[] = [];
    const run = async () => {
      for await (const item of ordered(listingOf([entry('a'), entry('c'), entry('b')]), 'source'))
        seen.push(item.key);
    };
    await expect(run()).rejects.toThrow('The source listing is not in UTF-8 byte order: "c" came before "b"');
    expect(seen).toEqual(['a', 'c']);
  });

  it('throws on a listing in UTF-16 order rather than byte order', async () => {
    const utf16Sorted = [entry('\u{1F600}'), entry('\uFFFD')];
    await expect(collect(ordered(listingOf(utf16Sorted), 'destination'))).rejects.toThrow(FerryError);
  });

  it('throws on a duplicate key', async () => {
    await expect(collect(ordered(listingOf([entry('a'), entry('a')]), 'source'))).rejects.toThrow('twice');
  });
});

function catchError(action: () => void): FerryError {
  try {
    action();
  } catch (error) {
    if (error instanceof FerryError) return error;
    throw error;
  }
  throw new Error('expected a FerryError');
}
