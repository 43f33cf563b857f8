// The shared part budget: by count without a part size, by bytes with one; FIFO; an oversized task runs alone.
import { describe, expect, test } from 'vitest';
import { createPartSlots } from '../../../worker/src/transfer/context.ts';

const MiB = 1024 * 1024;

/** Runs the tasks through the slots, each holding its slot until released, and reports the most held at once. */
async function peak(
  run: ReturnType<typeof createPartSlots>,
  weights: (number | undefined)[],
): Promise<number> {
  let held = 0;
  let most = 0;
  await Promise.all(
    weights.map((weight) =>
      run(async () => {
        held += weight ?? 8 * MiB;
        most = Math.max(most, held);
        await new Promise((resolve) => setTimeout(resolve, 5));
        held -= weight ?? 8 * MiB;
      }, weight),
    ),
  );
  return most;
}

describe('createPartSlots', () => {
  test('by bytes: many small objects share the room of one part', async () => {
    const slots = createPartSlots(2, { partSizeBytes: 8 * MiB });
    const smalls = Array.from({ length: 100 }, () => 16 * 1024);
    expect(await peak(slots, smalls)).toBe(100 * 16 * 1024);
  });

  test('by bytes: parts never exceed the budget', async () => {
    const slots = createPartSlots(2, { partSizeBytes: 8 * MiB });
    expect(
      await peak(
        slots,
        Array.from({ length: 10 }, () => 8 * MiB),
      ),
    ).toBe(16 * MiB);
    expect(await peak(slots, [5 * MiB, 5 * MiB, 5 * MiB, 5 * MiB])).toBe(15 * MiB);
  });

  test('a task heavier than the whole budget runs, alone', async () => {
    const slots = createPartSlots(2, { partSizeBytes: 8 * MiB });
    expect(await peak(slots, [40 * MiB, 1 * MiB])).toBe(40 * MiB);
  });

  test('without a part size each task is one slot, whatever its weight', async () => {
    let held = 0;
    let most = 0;
    const slots = createPartSlots(3);
    await Promise.all(
      Array.from({ length: 9 }, () =>
        slots(async () => {
          most = Math.max(most, ++held);
          await new Promise((resolve) => setTimeout(resolve, 5));
          held--;
        }, 1),
      ),
    );
    expect(most).toBe(3);
  });
});
