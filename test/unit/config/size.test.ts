// Size strings from configuration: units, exactness and the messages for what is not a size.
import { describe, expect, test } from 'vitest';
import { formatSize, GiB, KiB, MiB, parseSize } from '../../../worker/src/config/size.ts';

describe('parseSize', () => {
  test.each([
    ['0', 0],
    ['512', 512],
    ['512B', 512],
    ['1KiB', 1024],
    ['16MiB', 16_777_216],
    ['5GiB', 5_368_709_120],
    ['1KB', 1000],
    ['100MB', 100_000_000],
    ['2GB', 2_000_000_000],
    ['1.5KiB', 1536],
    ['0.5GiB', 536_870_912],
    ['1.005KB', 1005],
    ['8 MiB', 8_388_608],
    [' 8mib ', 8_388_608],
    ['8mb', 8_000_000],
  ])('%j is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test('numbers are bytes', () => {
    expect(parseSize(8_388_608)).toBe(8_388_608);
    expect(parseSize(0)).toBe(0);
  });

  test.each(['', 'MiB', '8 megs', '16MiBs', '16TiB', '-1MiB', '1e6', '1,5MiB', '0x10', '8 M iB'])(
    '%j is not a size',
    (text) => {
      expect(() => parseSize(text)).toThrow(/^invalid size .*expected a whole number of bytes/);
    },
  );

  test('a fraction of a byte is rejected', () => {
    expect(() => parseSize('1.1KiB')).toThrow('invalid size "1.1KiB": not a whole number of bytes');
    expect(() => parseSize('0.5B')).toThrow('not a whole number of bytes');
  });

  test('numbers that are not whole, non-negative and safe are rejected', () => {
    expect(() => parseSize(-1)).toThrow(RangeError);
    expect(() => parseSize(1.5)).toThrow(RangeError);
    expect(() => parseSize(2 ** 53)).toThrow(RangeError);
  });

  test('sizes beyond the safe integer range are rejected, not rounded', () => {
    expect(() => parseSize('9007199254740992')).toThrow('too large');
    expect(parseSize('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('formatSize', () => {
  test.each([
    [0, '0B'],
    [1000, '1000B'],
    [KiB, '1KiB'],
    [1536, '1536B'],
    [8 * MiB, '8MiB'],
    [5 * GiB, '5GiB'],
    [1536 * MiB, '1536MiB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  test('round-trips through parseSize', () => {
    for (const bytes of [0, 1, 999, KiB, 3 * MiB + KiB, 7 * GiB]) {
      expect(parseSize(formatSize(bytes))).toBe(bytes);
    }
  });
});
