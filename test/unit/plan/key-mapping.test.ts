import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import {
  assertStorableKey,
  destinationKeyProblem,
  MAX_KEY_BYTES,
  type MappedPrefixes,
  relativeSourceKey,
  toDestinationKey,
  toSourceKey,
} from '../../../worker/src/plan/key-mapping.ts';

const prefixes = (source: string, destination: string): MappedPrefixes => ({
  source: { prefix: source },
  destination: { prefix: destination },
});

const longKey = `${'k'.repeat(MAX_KEY_BYTES - 10)}/123456789`;

describe('toDestinationKey and toSourceKey', () => {
  it.each([
    ['', '', 'a/b.txt', 'a/b.txt'],
    ['data/', 'backup/', 'data/a/b.txt', 'backup/a/b.txt'],
    ['data/', '', 'data/x', 'x'],
    ['', 'copy/', 'x', 'copy/x'],
    ['data', 'archive', 'data2/x', 'archive2/x'],
    ['data/', 'backup/', 'data/a//b', 'backup/a//b'],
    ['data/', 'backup/', 'data/../x', 'backup/../x'],
    ['data/', 'backup/', 'data/./x/', 'backup/./x/'],
    ['data/', 'backup/', 'data/dir/', 'backup/dir/'],
    ['data/', 'backup/', 'data//', 'backup//'],
    ['data/', 'backup/', 'data/data/x', 'backup/data/x'],
    ['data/', 'data/', 'data/x', 'data/x'],
    ['données/', 'ü/', 'données/\u{1F600} ☃/\uFFFD', 'ü/\u{1F600} ☃/\uFFFD'],
    ['', '', longKey, longKey],
    ['a/', 'b/', `a/${longKey.slice(2)}`, `b/${longKey.slice(2)}`],
    ['p/', 'q/', 'p/with space+plus%25&?#', 'q/with space+plus%25&?#'],
  ])('maps source %j -> destination %j: %j <-> %j', (source, destination, sourceKey, destinationKey) => {
    const mapping = prefixes(source, destination);
    expect(toDestinationKey(sourceKey, mapping)).toBe(destinationKey);
    expect(toSourceKey(destinationKey, mapping)).toBe(sourceKey);
  });

  it('throws an Internal error for a source key outside the source prefix', () => {
    expect(() => toDestinationKey('other/x', prefixes('data/', 'backup/'))).toThrow(FerryError);
    expect(() => toDestinationKey('other/x', prefixes('data/', 'backup/'))).toThrow(
      /not under the source prefix/,
    );
  });

  it.each([
    ['backup/', 'other/x'],
    ['backup/', 'backup'],
    ['backup/', 'Backup/x'],
  ])('toSourceKey is undefined for %j outside destination prefix %j', (destination, key) => {
    expect(toSourceKey(key, prefixes('data/', destination))).toBeUndefined();
  });

  it('relativeSourceKey strips the source prefix', () => {
    expect(relativeSourceKey('data/a/b', prefixes('data/', 'x/'))).toBe('a/b');
    expect(relativeSourceKey('data/', prefixes('data/', 'x/'))).toBe('');
  });

  it('accepts a MappingConfig', () => {
    const mapping = {
      id: 'm',
      source: { endpoint: 's', bucket: 'b1', prefix: 'in/' },
      destination: { endpoint: 'd', bucket: 'b2', prefix: 'out/' },
      include: [],
      exclude: [],
    };
    expect(toDestinationKey('in/x', mapping)).toBe('out/x');
  });
});

describe('destinationKeyProblem', () => {
  const euro = '€'; // 3 bytes in UTF-8
  it.each([
    ['a', undefined],
    ['k'.repeat(MAX_KEY_BYTES), undefined],
    [`${euro.repeat(341)}a`, undefined],
    ['\u{1F600}'.repeat(256), undefined],
  ])('accepts %#: a key of at most 1024 UTF-8 bytes', (key, expected) => {
    expect(destinationKeyProblem(key)).toBe(expected);
  });

  it.each([
    ['k'.repeat(MAX_KEY_BYTES + 1), 1025],
    [`${euro.repeat(341)}ab`, 1025],
    ['\u{1F600}'.repeat(257), 1028],
  ])('refuses %#: a key longer than 1024 UTF-8 bytes, saying how long', (key, bytes) => {
    expect(destinationKeyProblem(key)).toBe(`the key is ${bytes} bytes in UTF-8, over S3's limit of 1024`);
  });

  it('refuses an empty key', () => {
    expect(destinationKeyProblem('')).toBe('the key is empty');
  });

  it('detects a storable source key that a longer destination prefix makes too long', () => {
    const mapping = prefixes('s/', 'a-longer-destination-prefix/');
    const sourceKey = `s/${'x'.repeat(MAX_KEY_BYTES - 2)}`;
    expect(destinationKeyProblem(sourceKey)).toBeUndefined();
    const destinationKey = toDestinationKey(sourceKey, mapping);
    expect(destinationKeyProblem(destinationKey)).toMatch(/1050 bytes/);
    expect(toSourceKey(destinationKey, mapping)).toBe(sourceKey);
  });

  it('assertStorableKey throws InvalidObject for an unstorable key and nothing for a good one', () => {
    expect(() => assertStorableKey('fine')).not.toThrow();
    try {
      assertStorableKey('k'.repeat(2000));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FerryError);
      expect((error as FerryError).errorClass).toBe('InvalidObject');
    }
  });
});
