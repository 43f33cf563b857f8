// S3's key order (UTF-8 bytes) for JavaScript strings, and guards that reject listings which break it.
import { FerryError } from '../domain/errors.ts';

const FIRST_SURROGATE = 0xd800;
const LAST_SURROGATE = 0xdfff;

/**
 * Where a UTF-16 code unit at or above U+D800 ranks in code point order. Surrogates encode code points
 * above U+FFFF, so they must rank after U+E000..U+FFFF, which in UTF-16 they precede.
 */
function codePointRank(codeUnit: number): number {
  return codeUnit <= LAST_SURROGATE ? codeUnit + 0x2000 : codeUnit - 0x800;
}

/**
 * Compares keys as S3 orders them: by their UTF-8 bytes, which is the order of their code points.
 * Negative when a sorts first, zero when equal, positive when b sorts first. Allocation-free.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const unitA = a.charCodeAt(index);
    const unitB = b.charCodeAt(index);
    if (unitA !== unitB) {
      if (unitA >= FIRST_SURROGATE && unitB >= FIRST_SURROGATE) {
        return codePointRank(unitA) < codePointRank(unitB) ? -1 : 1;
      }
      return unitA < unitB ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}

/** Throws unless key sorts strictly after previousKey (undefined: key is the first one). */
export function assertAscending(options: {
  previousKey: string | undefined;
  key: string;
  label: string;
}): void {
  const { previousKey, key, label } = options;
  if (previousKey === undefined) return;
  const order = compareKeys(previousKey, key);
  if (order < 0) return;
  const problem =
    order === 0
      ? `lists the key ${JSON.stringify(key)} twice`
      : `is not in UTF-8 byte order: ${JSON.stringify(previousKey)} came before ${JSON.stringify(key)}`;
  throw new FerryError('Internal', `The ${label} listing ${problem}`);
}

/** Passes a listing through unchanged, throwing when a key is out of order or repeated. */
export async function* ordered<T extends { readonly key: string }>(
  listing: AsyncIterable<T>,
  label: string,
): AsyncGenerator<T, void, undefined> {
  let previousKey: string | undefined;
  for await (const entry of listing) {
    assertAscending({ previousKey, key: entry.key, label });
    previousKey = entry.key;
    yield entry;
  }
}
