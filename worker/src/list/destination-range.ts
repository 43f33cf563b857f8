// A range of source keys as the range of destination keys that map into it, so both sides of a range are merged alone.

import { type MappedPrefixes, toDestinationKey } from '../plan/key-mapping.ts';
import { compareKeys } from '../plan/key-order.ts';
import type { KeyRange } from './key-ranges.ts';

/** Where a bound lies against the keys under a prefix: mapped, or below or above all of them. */
type BoundPlace = { readonly at: string } | 'below' | 'above';

/**
 * Keys under a prefix are one contiguous stretch of key order: a bound not under it sorts before all of them (it
 * is below the prefix, or a prefix of it) or after all of them.
 */
function placeOf(bound: string, mapping: MappedPrefixes): BoundPlace {
  if (bound.startsWith(mapping.source.prefix)) return { at: toDestinationKey(bound, mapping) };
  return compareKeys(bound, mapping.source.prefix) < 0 ? 'below' : 'above';
}

/**
 * The destination keys whose source keys lie in the range; undefined when no key under the source prefix does.
 * Replacing one prefix by another keeps the order of the keys under it, so a source key and its destination
 * counterpart are always in corresponding ranges, whatever the two prefixes.
 */
export function destinationRange(range: KeyRange, mapping: MappedPrefixes): KeyRange | undefined {
  const after = range.after === undefined ? 'below' : placeOf(range.after, mapping);
  const before = range.before === undefined ? 'above' : placeOf(range.before, mapping);
  if (after === 'above' || before === 'below') return undefined;
  return {
    ...(after !== 'below' ? { after: after.at } : {}),
    ...(before !== 'above' ? { before: before.at } : {}),
  };
}
