// Pure conversions to and from S3's wire formats: listed keys, ETags, ranges, copy sources.
import { describe, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import {
  copySourceOf,
  decodeListedKey,
  quoteEtag,
  rangeHeader,
  totalSizeFromContentRange,
  unquoteEtag,
} from '../../../worker/src/storage/s3-wire.ts';

describe('decodeListedKey', () => {
  test.each([
    ['a+b', 'a b'], // S3 form-encodes spaces as '+'
    ['a%2Bb', 'a+b'],
    ['100%25', '100%'],
    ['dir/file%20name', 'dir/file name'],
    ['%E6%97%A5%F0%9F%98%80', '日😀'],
    ['cr%0Dlf%0A', 'cr\rlf\n'],
    ['plain/key', 'plain/key'],
  ])('%s → %j', (encoded, key) => {
    expect(decodeListedKey(encoded)).toBe(key);
  });

  test('a malformed encoding is an Internal FerryError', () => {
    expect(() => decodeListedKey('%E6%97')).toThrow(FerryError);
  });
});

test('ETags: quotes off for Ferry, on for conditional headers', () => {
  expect(unquoteEtag('"abc"')).toBe('abc');
  expect(unquoteEtag('abc-2')).toBe('abc-2');
  expect(quoteEtag('abc')).toBe('"abc"');
  expect(quoteEtag('"abc"')).toBe('"abc"');
});

test('ranges', () => {
  expect(rangeHeader({ start: 0, end: 9 })).toBe('bytes=0-9');
  expect(totalSizeFromContentRange('bytes 0-9/100')).toBe(100);
  expect(totalSizeFromContentRange('bytes 0-9/*')).toBeUndefined();
  expect(totalSizeFromContentRange(undefined)).toBeUndefined();
});

test('copy sources encode every reserved character of the key', () => {
  expect(copySourceOf({ bucket: 'b', key: 'a b/c+d?e#f%g' })).toBe('b/a%20b%2Fc%2Bd%3Fe%23f%25g');
});
