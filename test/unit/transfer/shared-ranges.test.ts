// Range layouts of shared objects: when an object is shared, how its parts are cut, and which layouts are valid.
import { describe, expect, test } from 'vitest';
import { partPlan } from '../../../worker/src/transfer/part-size.ts';
import {
  partsOfSpan,
  planSharing,
  rangeLayout,
  spanAt,
  spanOf,
  spansOf,
} from '../../../worker/src/transfer/shared-ranges.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const settings = { thresholdBytes: 4 * GiB, rangeSizeBytes: GiB, minPartSizeBytes: 8 * MiB };

describe('planSharing', () => {
  test('objects below the threshold travel whole', () => {
    expect(planSharing(4 * GiB - 1, settings)).toBeUndefined();
    expect(planSharing(0, { ...settings, thresholdBytes: 0 })).toBeUndefined();
  });

  test('an object at the threshold is cut into ranges of whole parts of the configured size', () => {
    expect(planSharing(4 * GiB, settings)).toEqual({
      size: 4 * GiB,
      partSizeBytes: 8 * MiB,
      totalParts: 512,
      rangeCount: 4,
      partsPerRange: 128,
    });
  });

  test('ranges are evened out: 10 parts with room for 6 a range make 5 + 5', () => {
    const layout = planSharing(50 * MiB, {
      thresholdBytes: 0,
      rangeSizeBytes: 30 * MiB,
      minPartSizeBytes: 5 * MiB,
    });
    expect(layout && spansOf(layout)).toEqual([
      { index: 0, firstPart: 1, lastPart: 5 },
      { index: 1, firstPart: 6, lastPart: 10 },
    ]);
  });

  test('a range smaller than a part holds one part; an object of one range travels whole', () => {
    const small = { thresholdBytes: 0, rangeSizeBytes: 5 * MiB, minPartSizeBytes: 8 * MiB };
    expect(planSharing(20 * MiB, small)?.partsPerRange).toBe(1);
    expect(planSharing(20 * MiB, small)?.rangeCount).toBe(3);
    expect(planSharing(8 * MiB, small)).toBeUndefined();
    expect(planSharing(30 * MiB, { ...small, rangeSizeBytes: 64 * MiB })).toBeUndefined();
  });

  test('a huge object uses the part size any multipart upload of it would, within 10,000 parts', () => {
    const size = 100_000 * MiB + 7;
    const layout = planSharing(size, settings);
    expect(layout?.partSizeBytes).toBe(partPlan({ size, minPartSizeBytes: 8 * MiB }).partSizeBytes);
    expect(layout?.totalParts).toBeLessThanOrEqual(10_000);
    expect(layout && spansOf(layout).at(-1)?.lastPart).toBe(layout?.totalParts);
  });

  test('for many sizes, the ranges cover every part once, in order, none empty', () => {
    for (let parts = 2; parts <= 60; parts++) {
      for (const rangeParts of [1, 2, 3, 7, 16]) {
        const size = parts * 5 * MiB - 3;
        const layout = planSharing(size, {
          thresholdBytes: 0,
          rangeSizeBytes: rangeParts * 5 * MiB,
          minPartSizeBytes: 5 * MiB,
        });
        if (!layout) {
          expect(Math.ceil(parts / rangeParts)).toBeLessThan(2);
          continue;
        }
        const covered = spansOf(layout).flatMap((span) => partsOfSpan(layout, span).map((p) => p.partNumber));
        expect(covered).toEqual(Array.from({ length: parts }, (_, i) => i + 1));
        expect(layout.partsPerRange).toBeLessThanOrEqual(rangeParts);
      }
    }
  });
});

describe('rangeLayout and spanOf', () => {
  test('valid values give the layout; part size outside S3 limits, too many parts or ranges do not', () => {
    expect(rangeLayout({ size: 40 * MiB, partSizeBytes: 5 * MiB, rangeCount: 3 })).toEqual({
      size: 40 * MiB,
      partSizeBytes: 5 * MiB,
      totalParts: 8,
      rangeCount: 3,
      partsPerRange: 3,
    });
    expect(rangeLayout({ size: 40 * MiB, partSizeBytes: 5 * MiB - 1, rangeCount: 3 })).toBeUndefined();
    expect(rangeLayout({ size: 40 * MiB, partSizeBytes: 6 * GiB, rangeCount: 2 })).toBeUndefined();
    expect(rangeLayout({ size: 10_001 * 5 * MiB, partSizeBytes: 5 * MiB, rangeCount: 2 })).toBeUndefined();
    expect(rangeLayout({ size: 40 * MiB, partSizeBytes: 5 * MiB, rangeCount: 1 })).toBeUndefined();
    expect(rangeLayout({ size: 40 * MiB, partSizeBytes: 5 * MiB, rangeCount: 9 })).toBeUndefined();
    // 9 parts in 4 ranges of 3 would leave the fourth empty.
    expect(rangeLayout({ size: 45 * MiB, partSizeBytes: 5 * MiB, rangeCount: 4 })).toBeUndefined();
    expect(rangeLayout({ size: 1.5, partSizeBytes: 5 * MiB, rangeCount: 2 })).toBeUndefined();
  });

  test('spanOf finds exactly the layout ranges', () => {
    const layout = rangeLayout({ size: 40 * MiB, partSizeBytes: 5 * MiB, rangeCount: 3 });
    if (!layout) throw new Error('no layout');
    expect(spanOf(layout, { firstPart: 4, lastPart: 6 })).toEqual(spanAt(layout, 1));
    expect(spanOf(layout, { firstPart: 7, lastPart: 8 })).toEqual({ index: 2, firstPart: 7, lastPart: 8 });
    expect(spanOf(layout, { firstPart: 7, lastPart: 9 })).toBeUndefined();
    expect(spanOf(layout, { firstPart: 2, lastPart: 4 })).toBeUndefined();
    expect(spanOf(layout, { firstPart: 10, lastPart: 12 })).toBeUndefined();
    expect(spanOf(layout, { firstPart: 0, lastPart: 0 })).toBeUndefined();
    expect(spanOf(layout, { firstPart: 1.5, lastPart: 3 })).toBeUndefined();
    expect(partsOfSpan(layout, spanAt(layout, 2))).toEqual([
      { partNumber: 7, start: 30 * MiB, end: 35 * MiB - 1 },
      { partNumber: 8, start: 35 * MiB, end: 40 * MiB - 1 },
    ]);
  });
});
