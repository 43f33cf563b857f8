// Key-space arithmetic for range discovery: code points, common prefixes and a rough position of a key in [0, 1].
import { compareKeys } from '../plan/key-order.ts';

/** One past the largest Unicode code point. */
export const codePointLimit = 0x110000;
const firstSurrogate = 0xd800;
const afterSurrogates = 0xe000;

/** The key's code points (never lone surrogates for keys that came from a listing). */
export function codePointsOf(key: string): number[] {
  return Array.from(key, (character) => character.codePointAt(0) ?? 0);
}

/** The next code point that can appear in a key (surrogates skipped), or undefined after U+10FFFF. */
export function nextCodePoint(codePoint: number): number | undefined {
  const next = codePoint + 1;
  if (next >= firstSurrogate && next < afterSurrogates) return afterSurrogates;
  return next < codePointLimit ? next : undefined;
}

/** How many leading code points a and b share. */
export function commonCodePointCount(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  let count = 0;
  while (count < length && a[count] === b[count]) count += 1;
  return count;
}

/** The longest common prefix of a and b, never cutting a surrogate pair in two. */
export function commonPrefix(a: string, b: string): string {
  return String.fromCodePoint(...codePointsOf(a).slice(0, commonCodePointCount(codePointsOf(a), codePointsOf(b))));
}

/**
 * A rough model of where keys' characters fall: printable ASCII takes most of the space, evenly; control
 * characters and the multibyte planes share the rest. Only used to rank and split ranges, never for correctness.
 */
const blocks: readonly { readonly first: number; readonly end: number; readonly weight: number }[] = [
  { first: 0x00, end: 0x20, weight: 0.02 },
  { first: 0x20, end: 0x7f, weight: 0.86 },
  { first: 0x7f, end: 0x800, weight: 0.05 },
  { first: 0x800, end: 0x10000, weight: 0.05 },
  { first: 0x10000, end: codePointLimit, weight: 0.02 },
];

interface Cell {
  readonly start: number;
  readonly width: number;
}

/** Where code point's share of the model starts, and how wide it is. */
function cellOf(codePoint: number): Cell {
  let before = 0;
  for (const block of blocks) {
    if (codePoint < block.end) {
      const width = block.weight / (block.end - block.first);
      return { start: before + (codePoint - block.first) * width, width };
    }
    before += block.weight;
  }
  return { start: 1, width: 0 };
}

/** The model's fraction below code point (1 for codePointLimit). */
export function fractionBelow(codePoint: number): number {
  return cellOf(codePoint).start;
}

/** The code point whose share of the model contains fraction (a valid, non-surrogate code point). */
export function codePointAtFraction(fraction: number): number {
  let before = 0;
  for (const block of blocks) {
    if (fraction < before + block.weight) {
      const offset = Math.floor(((fraction - before) / block.weight) * (block.end - block.first));
      const codePoint = block.first + Math.max(0, offset);
      return codePoint >= firstSurrogate && codePoint < afterSurrogates ? afterSurrogates : codePoint;
    }
    before += block.weight;
  }
  return codePointLimit - 1;
}

/** Characters after a frame that still change a position at double precision. */
const positionDigits = 10;

/** The key's position among all keys starting with frame: 0 at the frame itself, 1 past its last key. */
function positionIn(frame: string, key: string): number {
  if (!key.startsWith(frame)) return compareKeys(key, frame) < 0 ? 0 : 1;
  let position = 0;
  let scale = 1;
  for (const digit of codePointsOf(key.slice(frame.length)).slice(0, positionDigits)) {
    const cell = cellOf(digit);
    position += scale * cell.start;
    scale *= cell.width;
  }
  return position;
}

/** The natural log of the share of the model taken by all keys starting with frame. */
function logShareOf(frame: string): number {
  return codePointsOf(frame).reduce((total, codePoint) => total + Math.log(cellOf(codePoint).width), 0);
}

/** The model's share between a and b (a before b; b undefined: the end of prefix), as log scale and span. */
function spanBetween(options: { prefix: string; from: string; to: string | undefined }): {
  logScale: number;
  span: number;
} {
  const { prefix, from, to } = options;
  const frame = commonPrefix(from, to ?? prefix);
  const end = to === undefined ? 1 : positionIn(frame, to);
  return { logScale: logShareOf(frame), span: Math.max(0, end - positionIn(frame, from)) };
}

/** The largest ratio remainderRatio reports: a sample too dense to measure against the rest of its range. */
export const maximumRatio = 1e9;

/**
 * How many times the sample's share of the key space (pageFirst..lastSampled) the rest of its range
 * (lastSampled..end) is, by the model: with uniform density, the rest holds this many pages more. end
 * undefined: the end of prefix. Precise however deep the keys' common prefixes are; clamped to [0, maximumRatio].
 */
export function remainderRatio(options: {
  prefix: string;
  pageFirst: string;
  lastSampled: string;
  end: string | undefined;
}): number {
  const { prefix, pageFirst, lastSampled, end } = options;
  const sample = spanBetween({ prefix, from: pageFirst, to: lastSampled });
  const rest = spanBetween({ prefix, from: lastSampled, to: end });
  if (rest.span <= 0) return 0;
  if (sample.span <= 0) return maximumRatio;
  const ratio = Math.exp(rest.logScale - sample.logScale) * (rest.span / sample.span);
  return Math.min(maximumRatio, ratio);
}
