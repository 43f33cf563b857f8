// Key-space arithmetic for range discovery: code points, and keys as mixed-radix numbers shaped like sampled keys.
import { compareKeys } from '../plan/key-order.ts';

/** One past the largest Unicode code point. */
const codePointLimit = 0x110000;
const firstSurrogate = 0xd800;
const afterSurrogates = 0xe000;

/** The key's code points (never lone surrogates for keys that came from a listing). */
export function codePointsOf(key: string): number[] {
  return Array.from(key, (character) => character.codePointAt(0) ?? 0);
}

/** The next character a split point may use (see everything), or undefined after U+10FFFF. */
export function nextCodePoint(codePoint: number): number | undefined {
  const next = Math.max(codePoint + 1, 0x20);
  if (next === firstSurrogate) return afterSurrogates;
  if (next === 0xfffe) return 0x10000;
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
  const points = codePointsOf(a);
  return String.fromCodePoint(...points.slice(0, commonCodePointCount(points, codePointsOf(b))));
}

/** A set of characters a key position probably draws from: ascending [first, end) code point intervals. */
interface CharClass {
  readonly intervals: readonly (readonly [number, number])[];
  readonly size: number;
}

function charClass(intervals: readonly (readonly [number, number])[]): CharClass {
  return { intervals, size: intervals.reduce((total, [first, end]) => total + end - first, 0) };
}

const digits = charClass([[0x30, 0x3a]]);
const lowerAlphanumerics = charClass([
  [0x30, 0x3a],
  [0x61, 0x7b],
]);
const upperAlphanumerics = charClass([
  [0x30, 0x3a],
  [0x41, 0x5b],
]);
const alphanumerics = charClass([
  [0x30, 0x3a],
  [0x41, 0x5b],
  [0x61, 0x7b],
]);
const printable = charClass([[0x20, 0x7f]]);
/** Every character a split point may use: no control characters, surrogates or the non-characters U+FFFE/F. */
const everything = charClass([
  [0x20, firstSurrogate],
  [afterSurrogates, 0xfffe],
  [0x10000, codePointLimit],
]);
const widening = [digits, lowerAlphanumerics, upperAlphanumerics, alphanumerics, printable, everything];
/** Printable ASCII, then one stand-in for each longer UTF-8 length: for a position open up to the prefix's end. */
const openEnded = charClass([
  [0x20, 0x7f],
  [0x80, 0x81],
  [0x800, 0x801],
  [0x10000, 0x10001],
]);

function contains(set: CharClass, codePoint: number): boolean {
  return set.intervals.some(([first, end]) => codePoint >= first && codePoint < end);
}

/** How many members of the class sort before code point. */
function membersBelow(set: CharClass, codePoint: number): number {
  let count = 0;
  for (const [first, end] of set.intervals) {
    if (codePoint <= first) break;
    count += Math.min(codePoint, end) - first;
  }
  return count;
}

/** The class member with the given index. */
function memberAt(set: CharClass, index: number): number {
  let remaining = index;
  for (const [first, end] of set.intervals) {
    if (remaining < end - first) return first + remaining;
    remaining -= end - first;
  }
  throw new RangeError(`no member ${index} in a class of ${set.size}`);
}

/** A digit varies over digits; any other character repeated across a sample is taken as fixed text. */
function naturalClass(codePoint: number): CharClass {
  return contains(digits, codePoint) ? digits : charClass([[codePoint, codePoint + 1]]);
}

/** The narrowest class holding two different characters seen at one position. */
function classOfBoth(codePoint: number, other: number): CharClass {
  return widening.find((set) => contains(set, codePoint) && contains(set, other)) ?? everything;
}

/** The first position's class: from lastSampled's character to the range end's, or to the end of the prefix. */
function leadingClass(codePoint: number, endCodePoint: number | undefined): CharClass {
  if (endCodePoint !== undefined) return classOfBoth(codePoint, endCodePoint);
  return openEnded;
}

/** Positions a shape models at most: deeper characters do not change where a key falls. */
const maxShapeDigits = 40;

/**
 * Keys after a frame (a common prefix) seen as numbers: each position after the frame is a digit in the class
 * of the sampled key's character there. Orders keys as compareKeys does (never reversing two keys).
 */
export interface KeyShape {
  readonly frame: string;
  readonly classes: readonly CharClass[];
  /** How many numbers the shape spans: a key after the whole frame's subtree has this value. */
  readonly total: bigint;
}

/**
 * The shape of keys like lastSampled after frame, judged from the sample page (pageFirst..lastSampled) and the
 * range's end: the first position spans from lastSampled's character to the end's; where the page's first and
 * last keys differ, the narrowest class holding both; elsewhere digits vary and other characters are fixed.
 */
export function keyShape(options: {
  frame: string;
  lastSampled: string;
  pageFirst: string;
  end: string | undefined;
}): KeyShape {
  const { frame, lastSampled, pageFirst, end } = options;
  const skip = codePointsOf(frame).length;
  const last = codePointsOf(lastSampled).slice(skip, skip + maxShapeDigits);
  const first = pageFirst.startsWith(frame) ? codePointsOf(pageFirst).slice(skip) : [];
  const endFirst = end === undefined ? undefined : codePointsOf(end)[skip];
  const classes = last.map((codePoint, index) => {
    if (index === 0) return leadingClass(codePoint, endFirst);
    const other = first[index];
    return other === undefined || other === codePoint
      ? naturalClass(codePoint)
      : classOfBoth(codePoint, other);
  });
  return { frame, classes, total: classes.reduce((total, set) => total * BigInt(set.size), 1n) };
}

/** The key's number in the shape: 0 at the frame, total past the frame's subtree; monotone in key order. */
export function shapeValueOf(shape: KeyShape, key: string): bigint {
  if (!key.startsWith(shape.frame)) return compareKeys(key, shape.frame) < 0 ? 0n : shape.total;
  const rest = codePointsOf(key.slice(shape.frame.length));
  let value = 0n;
  for (const [index, set] of shape.classes.entries()) {
    const codePoint = rest[index];
    if (codePoint === undefined) return value * weightAfter(shape, index - 1);
    const below = membersBelow(set, codePoint);
    value = value * BigInt(set.size) + BigInt(below);
    if (!contains(set, codePoint)) return value * weightAfter(shape, index);
  }
  return value;
}

/** How many numbers one unit of the digit at index stands for. */
function weightAfter(shape: KeyShape, index: number): bigint {
  return shape.classes.slice(index + 1).reduce((weight, set) => weight * BigInt(set.size), 1n);
}

/** The key whose number is value (0 <= value < total): the frame followed by one character per position. */
export function shapeKeyAt(shape: KeyShape, value: bigint): string {
  const characters: number[] = [];
  let remaining = value;
  for (let index = shape.classes.length - 1; index >= 0; index--) {
    const set = shape.classes[index]!;
    const size = BigInt(set.size);
    characters.push(memberAt(set, Number(remaining % size)));
    remaining /= size;
  }
  return shape.frame + String.fromCodePoint(...characters.reverse());
}

/** value scaled by fraction (0..1), exactly enough for fractions far below double precision's step near 1. */
export function scaleBy(value: bigint, fraction: number): bigint {
  if (!(fraction > 0)) return 0n;
  const exponent = Math.max(18, Math.ceil(-Math.log10(fraction)) + 18);
  return (
    (value * BigInt(Math.round(fraction * 10 ** Math.min(exponent, 300)))) /
    10n ** BigInt(Math.min(exponent, 300))
  );
}
