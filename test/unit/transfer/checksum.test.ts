// The CRCs match S3's published test vectors, encode big-endian in base64, and combine from parts to the whole.

import { crc32 } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import type { ChecksumAlgorithm } from '../../../worker/src/domain/object.ts';
import { checksumOf, combineChecksums, createChecksum } from '../../../worker/src/transfer/checksum.ts';
import { seededRandom } from '../../support/seeded-random.ts';

const algorithms: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME'];
const vectors: Readonly<Record<ChecksumAlgorithm, string>> = {
  CRC32: 'cbf43926',
  CRC32C: 'e3069283',
  CRC64NVME: 'ae8b14860a799888',
};

function randomBytes(random: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

function randomSplit(random: () => number, length: number, pieces: number): number[] {
  const cuts = Array.from({ length: pieces - 1 }, () => Math.floor(random() * (length + 1))).sort(
    (a, b) => a - b,
  );
  return [0, ...cuts, length];
}

describe.each(algorithms)('%s', (algorithm) => {
  test('matches the check value of "123456789", base64 of the big-endian bytes', async () => {
    const value = await checksumOf(algorithm, new TextEncoder().encode('123456789'));
    expect(Buffer.from(value, 'base64').toString('hex')).toBe(vectors[algorithm]);
  });

  test('incremental updates give the same value as one update', async () => {
    const bytes = randomBytes(seededRandom(1), 10_000);
    const checksum = createChecksum(algorithm);
    checksum.update(bytes.subarray(0, 1));
    checksum.update(bytes.subarray(1, 4321));
    checksum.update(bytes.subarray(4321));
    expect(await checksum.digest()).toBe(await checksumOf(algorithm, bytes));
  });

  test('combining the checksums of random splits gives the checksum of the whole', async () => {
    const random = seededRandom(42);
    for (let round = 0; round < 25; round += 1) {
      const bytes = randomBytes(random, Math.floor(random() * 5000));
      const bounds = randomSplit(random, bytes.length, 1 + Math.floor(random() * 6));
      const parts = [];
      for (let index = 0; index + 1 < bounds.length; index += 1) {
        const piece = bytes.subarray(bounds[index]!, bounds[index + 1]!);
        parts.push({ value: await checksumOf(algorithm, piece), length: piece.length });
      }
      expect(combineChecksums(algorithm, parts)).toBe(await checksumOf(algorithm, bytes));
    }
  });

  test('combining equal-sized parts (the multipart case) gives the checksum of the whole', async () => {
    const bytes = randomBytes(seededRandom(7), 3 * 65_536 + 123);
    const parts = [];
    for (let start = 0; start < bytes.length; start += 65_536) {
      const piece = bytes.subarray(start, start + 65_536);
      parts.push({ value: await checksumOf(algorithm, piece), length: piece.length });
    }
    expect(parts).toHaveLength(4);
    expect(combineChecksums(algorithm, parts)).toBe(await checksumOf(algorithm, bytes));
  });

  test('no parts is the checksum of nothing', async () => {
    expect(combineChecksums(algorithm, [])).toBe(await checksumOf(algorithm, new Uint8Array(0)));
  });

  test('a malformed part checksum is refused', () => {
    expect(() => combineChecksums(algorithm, [{ value: 'AAA=', length: 3 }])).toThrow(/not a/);
  });
});

test('CRC32 agrees with zlib on data whose CRC has the top bit set (encoded unsigned)', async () => {
  const bytes = new TextEncoder().encode('123456789');
  const expected = Buffer.alloc(4);
  expected.writeUInt32BE(crc32(bytes));
  expect(expected[0]! & 0x80).toBe(0x80);
  expect(await checksumOf('CRC32', bytes)).toBe(expected.toString('base64'));
});
