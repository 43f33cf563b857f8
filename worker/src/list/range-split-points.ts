// Where to cut a dense range: probe points between its last sampled key and its end, from the key's own shape.
import { compareKeys } from '../plan/key-order.ts';
import {
  codePointAtFraction,
  codePointLimit,
  codePointsOf,
  commonCodePointCount,
  fractionBelow,
  nextCodePoint,
} from './range-key-space.ts';

export interface SplitPointsInput {
  /** The search prefix: every point starts with it. */
  readonly prefix: string;
  /** The first key of the range's latest sample page: with lastSampled it shows where keys cluster. */
  readonly pageFirst: string;
  /** The last key sampled; points lie strictly after it. */
  readonly lastSampled: string;
  /** The range's inclusive upper boundary (undefined: the end of the prefix); points lie strictly before it. */
  readonly through: string | undefined;
  readonly maxPoints: number;
}

/** Up to count indices spread evenly over first..last, both included. */
function spreadIndices(first: number, last: number, count: number): number[] {
  if (count <= 0 || last < first) return [];
  const available = last - first + 1;
  if (available <= count) return Array.from({ length: available }, (_, index) => first + index);
  if (count === 1) return [last];
  const step = (last - first) / (count - 1);
  return [...new Set(Array.from({ length: count }, (_, index) => first + Math.round(index * step)))];
}

/**
 * Ends of the sibling subtrees after lastSampled ("logs/2026/01/02", "logs/2026/02", "logs/2027", ...): in
 * hierarchical keys these split the rest of the range where its keys are, deepest where the sample clustered.
 */
function ladderPoints(options: {
  last: readonly number[];
  shallowestDepth: number;
  deepestDepth: number;
  count: number;
}): string[] {
  const { last, shallowestDepth, deepestDepth, count } = options;
  const points: string[] = [];
  for (const depth of spreadIndices(shallowestDepth, deepestDepth, count)) {
    const codePoint = last[depth];
    const next = codePoint === undefined ? undefined : nextCodePoint(codePoint);
    if (next !== undefined) points.push(String.fromCodePoint(...last.slice(0, depth), next));
  }
  return points;
}

/** Points spread over the characters strictly between low and high at one position after head. */
function alphabetPoints(options: { head: readonly number[]; low: number; high: number; count: number }): string[] {
  const { head, low, high, count } = options;
  const from = fractionBelow(low + 1);
  const to = fractionBelow(high);
  const points: string[] = [];
  for (let index = 1; index <= count; index++) {
    const codePoint = codePointAtFraction(from + ((to - from) * index) / (count + 1));
    if (codePoint > low && codePoint < high) points.push(String.fromCodePoint(...head, codePoint));
  }
  return points;
}

/**
 * Sorted, distinct points strictly between lastSampled and through, at most maxPoints: half on the ladder of
 * lastSampled's subtrees, the rest spread over the characters where lastSampled and through first differ.
 */
export function splitPoints(input: SplitPointsInput): string[] {
  const { lastSampled, through, maxPoints } = input;
  const last = codePointsOf(lastSampled);
  const end = through === undefined ? undefined : codePointsOf(through);
  const differAt = end === undefined ? codePointsOf(input.prefix).length : commonCodePointCount(last, end);
  const clusterDepth = commonCodePointCount(codePointsOf(input.pageFirst), last);
  const ladder = ladderPoints({
    last,
    shallowestDepth: differAt,
    deepestDepth: Math.min(last.length - 1, Math.max(clusterDepth, differAt)),
    count: Math.ceil(maxPoints / 2),
  });
  const alphabet = alphabetPoints({
    head: last.slice(0, differAt),
    low: last[differAt] ?? -1,
    high: end?.[differAt] ?? codePointLimit,
    count: maxPoints - ladder.length,
  });
  const inside = [...new Set([...ladder, ...alphabet])].filter(
    (point) =>
      compareKeys(lastSampled, point) < 0 && (through === undefined || compareKeys(point, through) < 0),
  );
  return inside.sort(compareKeys).slice(0, maxPoints);
}
