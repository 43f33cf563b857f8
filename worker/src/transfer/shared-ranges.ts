// Splits a large object's parts into ranges of whole parts, so that several workers can share its one upload.
import {
  MAX_PART_SIZE_BYTES,
  MAX_PARTS,
  MIN_PART_SIZE_BYTES,
  type PartRange,
  partPlan,
} from './part-size.ts';

/** When an object is shared, and how big its ranges are. */
export interface SharingSettings {
  /** Objects at or above this size are shared (when they make at least two ranges). */
  readonly thresholdBytes: number;
  /** Bytes per range, rounded down to whole parts (at least one part). */
  readonly rangeSizeBytes: number;
  /** The smallest part size, as for any multipart upload. */
  readonly minPartSizeBytes: number;
}

/** How a shared object is cut: its parts, and ranges of partsPerRange parts each (the last may have fewer). */
export interface RangeLayout {
  readonly size: number;
  readonly partSizeBytes: number;
  readonly totalParts: number;
  readonly rangeCount: number;
  readonly partsPerRange: number;
}

/** One range: its 0-based index and its first and last part numbers (1-based, inclusive). */
export interface PartSpan {
  readonly index: number;
  readonly firstPart: number;
  readonly lastPart: number;
}

/**
 * The layout of an object of this size, part size and range count: ranges of ceil(totalParts / rangeCount) parts.
 * Undefined when those values make no valid layout (part size outside S3's limits, more than 10,000 parts, fewer
 * than two ranges, more ranges than parts, or a last range left empty).
 */
export function rangeLayout(options: {
  size: number;
  partSizeBytes: number;
  rangeCount: number;
}): RangeLayout | undefined {
  const { size, partSizeBytes, rangeCount } = options;
  const integers = [size, partSizeBytes, rangeCount].every((value) => Number.isSafeInteger(value));
  if (!integers || partSizeBytes < MIN_PART_SIZE_BYTES || partSizeBytes > MAX_PART_SIZE_BYTES)
    return undefined;
  const totalParts = Math.ceil(size / partSizeBytes);
  if (totalParts > MAX_PARTS || rangeCount < 2 || rangeCount > totalParts) return undefined;
  const partsPerRange = Math.ceil(totalParts / rangeCount);
  if ((rangeCount - 1) * partsPerRange >= totalParts) return undefined;
  return { size, partSizeBytes, totalParts, rangeCount, partsPerRange };
}

/**
 * How an object is shared, or undefined when it travels whole: below the threshold, or too small for two ranges.
 * The part size is the one any multipart upload of the object would use; ranges are as even as whole parts allow.
 */
export function planSharing(size: number, settings: SharingSettings): RangeLayout | undefined {
  if (size < settings.thresholdBytes || size === 0) return undefined;
  const { partSizeBytes, parts } = partPlan({ size, minPartSizeBytes: settings.minPartSizeBytes });
  const targetPartsPerRange = Math.max(1, Math.floor(settings.rangeSizeBytes / partSizeBytes));
  const rangeCount = Math.ceil(parts.length / targetPartsPerRange);
  return rangeLayout({ size, partSizeBytes, rangeCount });
}

/** The range at this index. */
export function spanAt(layout: RangeLayout, index: number): PartSpan {
  const firstPart = index * layout.partsPerRange + 1;
  return { index, firstPart, lastPart: Math.min(firstPart + layout.partsPerRange - 1, layout.totalParts) };
}

/** Every range of the layout, in order. */
export function spansOf(layout: RangeLayout): PartSpan[] {
  return Array.from({ length: layout.rangeCount }, (_, index) => spanAt(layout, index));
}

/** The range that starts at firstPart and ends at lastPart, or undefined when the layout has no such range. */
export function spanOf(
  layout: RangeLayout,
  parts: { firstPart: number; lastPart: number },
): PartSpan | undefined {
  const offset = parts.firstPart - 1;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % layout.partsPerRange !== 0) return undefined;
  const index = offset / layout.partsPerRange;
  if (index >= layout.rangeCount) return undefined;
  const span = spanAt(layout, index);
  return span.lastPart === parts.lastPart ? span : undefined;
}

/** The parts (byte ranges) of one range. */
export function partsOfSpan(layout: RangeLayout, span: PartSpan): PartRange[] {
  const plan = partPlan({ size: layout.size, minPartSizeBytes: layout.partSizeBytes });
  return plan.parts.slice(span.firstPart - 1, span.lastPart);
}
