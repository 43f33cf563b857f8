// A source range's destination range: a source key and its destination counterpart always land in the same range.
import { describe, expect, test } from 'vitest';
import { destinationRange } from '../../../worker/src/list/destination-range.ts';
import {
  type KeyRange,
  keyAfter,
  rangeContains,
  rangesFromBoundaries,
} from '../../../worker/src/list/key-ranges.ts';
import { toDestinationKey } from '../../../worker/src/plan/key-mapping.ts';
import { compareKeys } from '../../../worker/src/plan/key-order.ts';
import { seededRandom } from '../../support/seeded-random.ts';
import { randomKey } from './awkward-keys.ts';
import { withoutLastCharacter } from './parallel-fake-lister.ts';

const prefixPairs: [string, string][] = [
  ['', 'copy/'],
  ['data/', ''],
  ['data/', 'archive/2026/'],
  ['zz/', 'a/'],
  ['a', 'zzz'],
  ['ab', 'a'],
  ['a', 'ab'],
  ['\u00e9t\u00e9/', 'x/'],
  ['\u{1f600}/', '\uffff/'],
  ['p/', 'p/'],
];

function mappingOf([source, destination]: [string, string]) {
  return { source: { prefix: source }, destination: { prefix: destination } };
}

describe('destinationRange', () => {
  test.each(prefixPairs)(
    'source prefix %j, destination prefix %j: every key in one range, on both sides',
    (...pair) => {
      const mapping = mappingOf(pair);
      const [sourcePrefix] = pair;
      const random = seededRandom(sourcePrefix.length * 31 + pair[1].length);
      for (let trial = 0; trial < 60; trial++) {
        // Boundaries under the prefix (as the sampler finds them) and a few outside it, on either side.
        const inside = Array.from({ length: 5 }, () => `${sourcePrefix}${randomKey(random, 3)}`);
        const outside = Array.from({ length: 2 }, () => randomKey(random, 3));
        const edges = sourcePrefix === '' ? [] : [sourcePrefix, withoutLastCharacter(sourcePrefix)];
        const boundaries = [...new Set([...inside, ...outside, ...edges].filter((key) => key !== ''))].sort(
          compareKeys,
        );
        const ranges = rangesFromBoundaries({ boundaries });
        const destinations = ranges.map((range) => destinationRange(range, mapping));
        const keys = [
          ...boundaries,
          ...boundaries.map(keyAfter),
          ...boundaries.map((boundary) => `${boundary}a`),
          ...boundaries.map(withoutLastCharacter),
          ...Array.from({ length: 30 }, () => randomKey(random, 4)),
        ].map((key) => (key.startsWith(sourcePrefix) ? key : `${sourcePrefix}${key}`));
        for (const key of keys) {
          const destinationKey = toDestinationKey(key, mapping);
          const sourceHolders = ranges.flatMap((range, index) => (rangeContains(range, key) ? [index] : []));
          const destinationHolders = destinations.flatMap((range, index) =>
            range !== undefined && rangeContains(range, destinationKey) ? [index] : [],
          );
          expect(sourceHolders, key).toHaveLength(1);
          expect(destinationHolders, `${key} -> ${destinationKey}`).toEqual(sourceHolders);
        }
      }
    },
  );

  test('bounds outside the source prefix: open, or no destination range at all', () => {
    const mapping = mappingOf(['m/', 'out/']);
    const below: KeyRange = { after: 'a', before: keyAfter('m/x') };
    expect(destinationRange(below, mapping)).toEqual({ before: keyAfter('out/x') });
    expect(destinationRange({ after: 'm', before: 'm/' }, mapping)).toEqual({ before: 'out/' });
    expect(destinationRange({ after: 'a', before: 'b' }, mapping)).toBeUndefined();
    expect(destinationRange({ after: 'm/x', before: 'n' }, mapping)).toEqual({ after: 'out/x' });
    expect(destinationRange({ after: 'n' }, mapping)).toBeUndefined();
    expect(destinationRange({}, mapping)).toEqual({});
  });
});
