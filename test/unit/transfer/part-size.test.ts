// Part plans stay within S3's limits at the edges: empty, tiny, exactly full, huge, and too large.
import { describe, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import {
  MAX_OBJECT_SIZE_BYTES,
  MAX_PART_SIZE_BYTES,
  MIN_PART_SIZE_BYTES,
  type PartPlan,
  partLength,
  partPlan,
} from '../../../worker/src/transfer/part-size.ts';

const MiB = 1024 * 1024;
const TiB = 1024 * 1024 * MiB;

/** Every plan must tile the object exactly, in order, with no part larger than the part size. */
function expectTiles(plan: PartPlan, size: number): void {
  let next = 0;
  plan.parts.forEach((part, index) => {
    expect(part.partNumber).toBe(index + 1);
    expect(part.start).toBe(next);
    expect(partLength(part)).toBeGreaterThan(0);
    expect(partLength(part)).toBeLessThanOrEqual(plan.partSizeBytes);
    next = part.end + 1;
  });
  expect(next).toBe(size);
  expect(plan.parts.length).toBeLessThanOrEqual(10_000);
  expect(plan.partSizeBytes).toBeGreaterThanOrEqual(MIN_PART_SIZE_BYTES);
  expect(plan.partSizeBytes).toBeLessThanOrEqual(MAX_PART_SIZE_BYTES);
}

describe('partPlan', () => {
  test('0 bytes: no parts', () => {
    const plan = partPlan({ size: 0, minPartSizeBytes: 8 * MiB });
    expect(plan.parts).toEqual([]);
    expect(plan.partSizeBytes).toBe(8 * MiB);
  });

  test('1 byte: one part of one byte', () => {
    const plan = partPlan({ size: 1, minPartSizeBytes: 8 * MiB });
    expect(plan.parts).toEqual([{ partNumber: 1, start: 0, end: 0 }]);
  });

  test('a part size below 5 MiB is raised to 5 MiB; above 5 GiB capped', () => {
    expect(partPlan({ size: 12 * MiB, minPartSizeBytes: MiB }).partSizeBytes).toBe(5 * MiB);
    expect(partPlan({ size: 12 * MiB, minPartSizeBytes: 6 * 1024 * MiB }).partSizeBytes).toBe(
      MAX_PART_SIZE_BYTES,
    );
  });

  test('an object of exactly partSize and of partSize + 1', () => {
    expect(partPlan({ size: 8 * MiB, minPartSizeBytes: 8 * MiB }).parts).toHaveLength(1);
    const plan = partPlan({ size: 8 * MiB + 1, minPartSizeBytes: 8 * MiB });
    expect(plan.parts).toHaveLength(2);
    expect(partLength(plan.parts[1]!)).toBe(1);
    expectTiles(plan, 8 * MiB + 1);
  });

  test('exactly maxParts parts keeps the part size; one byte more grows it by 1 MiB', () => {
    const full = partPlan({ size: 10_000 * 8 * MiB, minPartSizeBytes: 8 * MiB });
    expect(full.partSizeBytes).toBe(8 * MiB);
    expect(full.parts).toHaveLength(10_000);
    const over = partPlan({ size: 10_000 * 8 * MiB + 1, minPartSizeBytes: 8 * MiB });
    expect(over.partSizeBytes).toBe(9 * MiB);
    expectTiles(over, 10_000 * 8 * MiB + 1);
  });

  test('a smaller maxParts makes the part size grow in whole MiB', () => {
    const plan = partPlan({ size: 100 * MiB + 1, minPartSizeBytes: 5 * MiB, maxParts: 10 });
    expect(plan.partSizeBytes).toBe(11 * MiB);
    expect(plan.parts).toHaveLength(10);
    expectTiles(plan, 100 * MiB + 1);
  });

  test('5 TiB fits in 10,000 parts of whole MiB', () => {
    const plan = partPlan({ size: 5 * TiB, minPartSizeBytes: 8 * MiB });
    expect(plan.partSizeBytes % MiB).toBe(0);
    expect(plan.partSizeBytes).toBe(525 * MiB);
    expectTiles(plan, 5 * TiB);
  });

  test('the largest object (10,000 × 5 GiB ≈ 48.8 TiB) uses 5 GiB parts', () => {
    const plan = partPlan({ size: MAX_OBJECT_SIZE_BYTES, minPartSizeBytes: 8 * MiB });
    expect(plan.partSizeBytes).toBe(MAX_PART_SIZE_BYTES);
    expect(plan.parts).toHaveLength(10_000);
    expectTiles(plan, MAX_OBJECT_SIZE_BYTES);
  });

  test('one byte more than the largest object is an InvalidObject', () => {
    const attempt = () => partPlan({ size: MAX_OBJECT_SIZE_BYTES + 1, minPartSizeBytes: 8 * MiB });
    expect(attempt).toThrow(FerryError);
    expect(attempt).toThrow(expect.objectContaining({ errorClass: 'InvalidObject' }));
  });

  test('a negative or fractional size is an InvalidObject', () => {
    expect(() => partPlan({ size: -1, minPartSizeBytes: 8 * MiB })).toThrow(/not a byte count/);
    expect(() => partPlan({ size: 1.5, minPartSizeBytes: 8 * MiB })).toThrow(/not a byte count/);
  });
});
