import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { mergeListings } from '../../../worker/src/plan/merge-listings.ts';
import { collect, entry, instrumentedListing, listingOf, md5B } from './plan-fixtures.ts';

/** The merge as rows of [key, source key or '-', destination key or '-'] for compact expectations. */
async function mergedRows(
  sourceKeys: readonly string[],
  destinationKeys: readonly string[],
  destinationKeyToSource?: (key: string) => string | undefined,
): Promise<string[][]> {
  const merged = await collect(
    mergeListings({
      source: listingOf(sourceKeys.map((key) => entry(key))),
      destination: listingOf(destinationKeys.map((key) => entry(key, { etag: md5B }))),
      ...(destinationKeyToSource ? { destinationKeyToSource } : {}),
    }),
  );
  return merged.map((row) => [row.key, row.source?.key ?? '-', row.destination?.key ?? '-']);
}

describe('mergeListings', () => {
  it.each([
    [[], [], []],
    [['a'], [], [['a', 'a', '-']]],
    [[], ['a'], [['a', '-', 'a']]],
    [['a'], ['a'], [['a', 'a', 'a']]],
    [
      ['a', 'c', 'e'],
      ['b', 'c', 'd', 'f'],
      [
        ['a', 'a', '-'],
        ['b', '-', 'b'],
        ['c', 'c', 'c'],
        ['d', '-', 'd'],
        ['e', 'e', '-'],
        ['f', '-', 'f'],
      ],
    ],
    [
      ['a', 'a/', 'a/b', 'a0'],
      ['a/', 'a0'],
      [
        ['a', 'a', '-'],
        ['a/', 'a/', 'a/'],
        ['a/b', 'a/b', '-'],
        ['a0', 'a0', 'a0'],
      ],
    ],
    [
      ['\uE000', '\uFFFD', '\u{1F600}'],
      ['\uFFFD', '\u{1F600}'],
      [
        ['\uE000', '\uE000', '-'],
        ['\uFFFD', '\uFFFD', '\uFFFD'],
        ['\u{1F600}', '\u{1F600}', '\u{1F600}'],
      ],
    ],
    [
      ['x', 'y', 'z'],
      ['a', 'b'],
      [
        ['a', '-', 'a'],
        ['b', '-', 'b'],
        ['x', 'x', '-'],
        ['y', 'y', '-'],
        ['z', 'z', '-'],
      ],
    ],
  ])('merges source %j with destination %j', async (sourceKeys, destinationKeys, expected) => {
    expect(await mergedRows(sourceKeys, destinationKeys)).toEqual(expected);
  });

  it('pairs entries by mapped key and keeps each side its own entry', async () => {
    const toSource = (key: string) => (key.startsWith('backup/') ? `data/${key.slice(7)}` : undefined);
    expect(await mergedRows(['data/a', 'data/b'], ['backup/b', 'backup/c'], toSource)).toEqual([
      ['data/a', 'data/a', '-'],
      ['data/b', 'data/b', 'backup/b'],
      ['data/c', '-', 'backup/c'],
    ]);
  });

  it('keeps the entries themselves', async () => {
    const source = entry('k', { size: 1 });
    const destination = entry('k', { size: 2, etag: md5B });
    const [row] = await collect(
      mergeListings({ source: listingOf([source]), destination: listingOf([destination]) }),
    );
    expect(row).toEqual({ key: 'k', source, destination });
  });

  it('throws when the destination lists a key the mapping cannot take back', async () => {
    const merge = mergeListings({
      source: listingOf([entry('data/a')]),
      destination: listingOf([entry('elsewhere/a')]),
      destinationKeyToSource: () => undefined,
    });
    await expect(collect(merge)).rejects.toThrow(/destination listing returned "elsewhere\/a"/);
  });

  it.each([
    ['source', ['b', 'a'], ['a', 'b']],
    ['destination', ['a', 'b'], ['b', 'a']],
    ['source', ['a', 'a'], []],
    ['destination', [], ['\u{1F600}', '\uFFFD']],
  ])(
    'throws when the %s listing is out of order or repeats a key',
    async (side, sourceKeys, destinationKeys) => {
      const merge = mergeListings({
        source: listingOf(sourceKeys.map((key) => entry(key))),
        destination: listingOf(destinationKeys.map((key) => entry(key))),
      });
      const error = await collect(merge).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(FerryError);
      expect((error as FerryError).message).toContain(`The ${side} listing`);
    },
  );

  it('streams: pulls only one entry ahead on each side, and closes both listings when stopped early', async () => {
    const source = instrumentedListing((index) => entry(`k${String(index).padStart(8, '0')}`), 1_000_000);
    const destination = instrumentedListing(
      (index) => entry(`k${String(index * 2).padStart(8, '0')}`),
      1_000_000,
    );
    const keys: string[] = [];
    for await (const row of mergeListings({ source: source.listing, destination: destination.listing })) {
      keys.push(row.key);
      if (keys.length === 1000) break;
    }
    expect(keys[999]).toBe('k00000999');
    expect(source.stats.pulled).toBeLessThanOrEqual(1001);
    expect(destination.stats.pulled).toBeLessThanOrEqual(501);
    expect(source.stats.closed).toBe(true);
    expect(destination.stats.closed).toBe(true);
  });

  it('closes both listings when one side fails', async () => {
    const healthy = instrumentedListing((index) => entry(`k${index}`), 10);
    const failing: AsyncIterable<ReturnType<typeof entry>> = {
      async *[Symbol.asyncIterator]() {
        yield entry('k0');
        throw new Error('listing broke');
      },
    };
    await expect(collect(mergeListings({ source: healthy.listing, destination: failing }))).rejects.toThrow(
      'listing broke',
    );
    expect(healthy.stats.closed).toBe(true);
  });
});
