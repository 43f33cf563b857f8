// The ledger table's key layout: every key fits DynamoDB's limits, S3-sized keys are kept verbatim and in byte order.
import { describe, expect, test } from 'vitest';
import {
  assertLedgerId,
  batchMarkerKey,
  copyKey,
  failureKey,
  fitUtf8,
  MAX_LEDGER_ID_BYTES,
  MAX_PARTITION_KEY_BYTES,
  MAX_SORT_KEY_BYTES,
  mappingRunKey,
  truncateUtf8,
  uploadKey,
  utf8Bytes,
} from '../../../worker/src/distributed/dynamodb-keys.ts';
import { compareUtf8 } from '../../contract/ledger.contract.ts';

/** 256 emoji: 1024 bytes of UTF-8 (4 each), 512 UTF-16 code units: the longest key S3 stores. */
const longestS3Key = '\u{1F600}'.repeat(256);
const longestMappingId = 'm'.repeat(MAX_LEDGER_ID_BYTES);

describe('keys of S3-sized object keys', () => {
  test('the 1024-byte key built of 4-byte characters is exactly S3 limit', () => {
    expect(utf8Bytes(longestS3Key)).toBe(1024);
  });

  test('a failure keeps a 1024-byte key verbatim as its sort key, within the sort key limit', () => {
    const key = failureKey('run-1', longestS3Key);
    expect(key).toEqual({ pk: 'FAILURES#run-1', sk: longestS3Key, exact: true });
    expect(utf8Bytes(key.sk)).toBeLessThanOrEqual(MAX_SORT_KEY_BYTES);
  });

  test('copies and uploads keep a 1024-byte key verbatim in the partition key, even with the longest mapping id', () => {
    for (const key of [copyKey(longestMappingId, longestS3Key), uploadKey(longestMappingId, longestS3Key)]) {
      expect(key.exact).toBe(true);
      expect(key.pk.endsWith(`#${longestS3Key}`)).toBe(true);
      expect(utf8Bytes(key.pk)).toBeLessThanOrEqual(MAX_PARTITION_KEY_BYTES);
    }
  });

  test('failure sort keys of S3-sized keys sort in UTF-8 byte order, not UTF-16 order', () => {
    const keys = ['b', 'a/\uFFFD', 'a/\u{1F600}', 'A', longestS3Key, 'a/é'];
    const bySortKey = [...keys].sort((left, right) =>
      compareUtf8(failureKey('r', left).sk, failureKey('r', right).sk),
    );
    expect(bySortKey).toEqual([...keys].sort(compareUtf8));
    // JavaScript's own order differs: the emoji (surrogates 0xD83D...) sorts before U+FFFD in UTF-16.
    expect([...keys].sort()).not.toEqual(bySortKey);
  });
});

describe('keys longer than any S3 key (from non-S3 sources)', () => {
  const over = `${'x'.repeat(1000)}${'\u{1F600}'.repeat(100)}`;

  test('a failure sort key is shortened to the limit, cut between characters, with a digest', () => {
    const key = failureKey('run-1', over);
    expect(key.exact).toBe(false);
    expect(utf8Bytes(key.sk)).toBeLessThanOrEqual(MAX_SORT_KEY_BYTES);
    expect(key.sk.startsWith('x'.repeat(900))).toBe(true);
    expect(key.sk).not.toContain('\uFFFD');
    expect(key.sk).toMatch(/#[A-Za-z0-9_-]{43}$/);
  });

  test('two long keys sharing their first kilobyte get different sort keys', () => {
    const first = failureKey('r', `${over}/a`);
    const second = failureKey('r', `${over}/b`);
    expect(first.sk).not.toBe(second.sk);
  });

  test('a shortened key keeps its place against keys that do not share its prefix', () => {
    const shortened = fitUtf8(`m${'y'.repeat(2000)}`, MAX_SORT_KEY_BYTES).value;
    expect(compareUtf8('l', shortened)).toBeLessThan(0);
    expect(compareUtf8(shortened, 'n')).toBeLessThan(0);
  });

  test('copy and upload partition keys of a 3000-byte key fit', () => {
    const huge = '\u{1F600}'.repeat(750);
    for (const key of [copyKey(longestMappingId, huge), uploadKey(longestMappingId, huge)]) {
      expect(key.exact).toBe(false);
      expect(utf8Bytes(key.pk)).toBeLessThanOrEqual(MAX_PARTITION_KEY_BYTES);
    }
  });
});

describe('truncateUtf8', () => {
  test('never cuts through a character', () => {
    expect(truncateUtf8('\u{1F600}\u{1F600}', 7)).toBe('\u{1F600}');
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('abc', 10)).toBe('abc');
  });
});

describe('run and batch keys', () => {
  test('batch markers are keyed by a digest of the batch id, so an id embedding a 1024-byte key fits', () => {
    const batchId = `skip:run-1:${longestS3Key}`;
    const planned = batchMarkerKey({ runId: 'run-1', batchId, kind: 'PLANNED' });
    const done = batchMarkerKey({ runId: 'run-1', batchId, kind: 'DONE' });
    expect(planned.pk).toBe(done.pk);
    expect([planned.sk, done.sk]).toEqual(['PLANNED', 'DONE']);
    expect(utf8Bytes(planned.pk)).toBeLessThan(100);
    expect(batchMarkerKey({ runId: 'run-1', batchId: `${batchId}!`, kind: 'DONE' }).pk).not.toBe(done.pk);
  });

  test("a mapping's run index sorts by start time", () => {
    const older = mappingRunKey({
      mappingId: 'm',
      startedAt: new Date('2025-03-02T00:00:00Z'),
      runId: 'zzz',
    });
    const newer = mappingRunKey({
      mappingId: 'm',
      startedAt: new Date('2025-03-10T00:00:00Z'),
      runId: 'aaa',
    });
    expect(older.pk).toBe(newer.pk);
    expect(compareUtf8(older.sk, newer.sk)).toBeLessThan(0);
  });

  test('ids must be short, non-empty and free of #', () => {
    expect(() => assertLedgerId('run', 'photos-20250301T100000Z-a1b2c3')).not.toThrow();
    expect(() => assertLedgerId('mapping', longestMappingId)).not.toThrow();
    for (const bad of ['', 'a#b', `${longestMappingId}m`]) {
      expect(() => assertLedgerId('mapping', bad)).toThrow(/cannot store mapping id/);
    }
  });
});
