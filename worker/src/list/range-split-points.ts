// Reading a dense range's sample: how much of the range the rest probably holds, and where to cut that rest.
import { compareKeys } from '../plan/key-order.ts';
import {
  codePointsOf,
  commonCodePointCount,
  commonPrefix,
  type KeyShape,
  keyShape,
  nextCodePoint,
  scaleBy,
  shapeKeyAt,
  shapeValueOf,
} from './range-key-space.ts';

/** What a range's latest sample page showed: keys from pageFirst to lastSampled, the range ending at through. */
export interface RangeSample {
  /** The search prefix (the range's end when through is undefined). */
  readonly prefix: string;
  readonly pageFirst: string;
  readonly lastSampled: string;
  /** The range's inclusive upper boundary; undefined: the end of the prefix. */
  readonly through: string | undefined;
}

/** The sample in numbers: its span (pageFirst..lastSampled) and the unsampled rest (lastSampled..end). */
interface SampleGeometry {
  readonly shape: KeyShape;
  readonly last: bigint;
  readonly sampleSpan: bigint;
  readonly rest: bigint;
}

function geometryOf(sample: RangeSample): SampleGeometry {
  const { prefix, pageFirst, lastSampled, through } = sample;
  const frame = through === undefined ? prefix : commonPrefix(lastSampled, through);
  const shape = keyShape({ frame, lastSampled, pageFirst, end: through });
  const last = shapeValueOf(shape, lastSampled);
  const end = through === undefined ? shape.total : shapeValueOf(shape, through);
  const rest = end > last ? end - last : 0n;
  const first = shapeValueOf(shape, pageFirst);
  return { shape, last, sampleSpan: last > first ? last - first : 0n, rest };
}

/** The largest ratio restToSampleRatio reports: a sample too dense to measure against the rest of its range. */
const maximumRatio = 1e12;

/** How many times the sample's share of the key space the rest of the range is: at even density, its pages. */
export function restToSampleRatio(sample: RangeSample): number {
  const { sampleSpan, rest } = geometryOf(sample);
  if (rest === 0n) return 0;
  if (sampleSpan === 0n) return maximumRatio;
  return Math.min(maximumRatio, Number(rest) / Number(sampleSpan));
}

/** Fractions of the rest to cut at: half spread evenly, half growing geometrically from a few pages ahead. */
function cutFractions(options: { ratio: number; count: number }): number[] {
  const { ratio, count } = options;
  const evenCount = Math.floor(count / 2);
  const even = Array.from({ length: evenCount }, (_, index) => (index + 1) / (evenCount + 1));
  const geometricCount = count - evenCount;
  const pagesAhead = 4;
  const span = ratio / pagesAhead;
  const geometric =
    span > 1 && Number.isFinite(span)
      ? Array.from(
          { length: geometricCount },
          (_, index) => span ** ((index - geometricCount) / geometricCount),
        )
      : [];
  return [...even, ...geometric];
}

/** The model's points: keys shaped like the sample, cutting the rest of the range at cutFractions. */
function modelPoints(sample: RangeSample & { readonly maxPoints: number }): string[] {
  const geometry = geometryOf(sample);
  if (geometry.rest <= 1n) return [];
  const ratio =
    geometry.sampleSpan === 0n ? maximumRatio : Number(geometry.rest) / Number(geometry.sampleSpan);
  return cutFractions({ ratio, count: sample.maxPoints }).map((fraction) =>
    shapeKeyAt(geometry.shape, geometry.last + scaleBy(geometry.rest, fraction)),
  );
}

/** Characters appended to lastSampled as a last resort: the smallest allowed, then one of each kind. */
const extensionCharacters = [0x20, 0x30, 0x41, 0x61, 0x80, 0x800, 0x10000];

/**
 * Points that always exist when anything lies between lastSampled and through, shallowest first: right after
 * lastSampled's subtrees ("b", then "ab" after "aa..."), through's own prefixes past where the two differ
 * (which sort after lastSampled and before through), then lastSampled extended by one character. For ranges
 * the model cannot cut.
 */
function fallbackPoints(sample: RangeSample & { readonly maxPoints: number }): string[] {
  const last = codePointsOf(sample.lastSampled);
  const end = sample.through === undefined ? undefined : codePointsOf(sample.through);
  const differAt = end === undefined ? codePointsOf(sample.prefix).length : commonCodePointCount(last, end);
  const points: string[] = [];
  for (let depth = differAt; depth < last.length; depth++) {
    const next = nextCodePoint(last[depth]!);
    if (next !== undefined) points.push(String.fromCodePoint(...last.slice(0, depth), next));
  }
  for (let length = differAt + 1; end !== undefined && length < end.length; length++) {
    points.push(String.fromCodePoint(...end.slice(0, length)));
  }
  for (const codePoint of extensionCharacters)
    points.push(sample.lastSampled + String.fromCodePoint(codePoint));
  return points;
}

/**
 * Sorted, distinct points strictly between lastSampled and through, at most maxPoints: keys shaped like the
 * sample, cutting the rest of the range evenly (right for hashed or evenly numbered keys) and geometrically
 * from a few pages ahead (right when the sample's density does not last, as in dated paths); when the model
 * finds no room, points that always exist.
 */
export function splitPoints(sample: RangeSample & { readonly maxPoints: number }): string[] {
  const { lastSampled, through, maxPoints } = sample;
  const inside = (candidates: readonly string[]): string[] =>
    [...new Set(candidates)].filter(
      (point) =>
        compareKeys(lastSampled, point) < 0 && (through === undefined || compareKeys(point, through) < 0),
    );
  const modelled = inside(modelPoints(sample));
  const points = modelled.length > 0 ? modelled : inside(fallbackPoints(sample)).slice(0, maxPoints);
  return points.sort(compareKeys);
}

/**
 * A point halfway through the rest of a range (after lastSampled, before its end), by the sample's shape; when the
 * shape finds no room, the first point that always exists. Undefined when nothing can lie between.
 */
export function restMidpoint(sample: RangeSample): string | undefined {
  const { lastSampled, through } = sample;
  const inside = (point: string): boolean =>
    compareKeys(lastSampled, point) < 0 && (through === undefined || compareKeys(point, through) < 0);
  const geometry = geometryOf(sample);
  if (geometry.rest > 1n) {
    const middle = shapeKeyAt(geometry.shape, geometry.last + geometry.rest / 2n);
    if (inside(middle)) return middle;
  }
  return fallbackPoints({ ...sample, maxPoints: 1 }).find(inside);
}
