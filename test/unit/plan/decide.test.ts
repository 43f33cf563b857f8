import { describe, expect, it } from 'vitest';
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import { type DecideInput, decide, needsRecall } from '../../../worker/src/plan/decide.ts';
import type { CopyRecord, RunMode } from '../../../worker/src/ports/ledger.ts';
import { entry, md5A, md5B, md5C } from './plan-fixtures.ts';

const composite3 = '9b2cf535f27731c974343645a3985328-3';
const composite4 = 'e7a0b3a2d1c9f8e6b5a4d3c2b1a09f8e-4';
const compositeOther3 = '1111c535f27731c974343645a3985328-3';

const object = (etag: string, size = 100, lastModified = '2024-01-01T00:00:00Z'): ObjectEntry => ({
  ...entry('k', { size, etag }),
  lastModified: new Date(lastModified),
});
const record = (sourceEtag: string, destinationEtag: string, sourceSize = 100): CopyRecord => ({
  key: 'k',
  sourceEtag,
  sourceSize,
  destinationEtag,
});

interface Case {
  readonly name: string;
  readonly mode?: RunMode;
  readonly source: ObjectEntry;
  readonly destination?: ObjectEntry;
  readonly remembered?: CopyRecord;
  readonly expected: ReturnType<typeof decide>;
}

const cases: readonly Case[] = [
  {
    name: 'full mode copies even an identical object',
    mode: 'full',
    source: object(md5A),
    destination: object(md5A),
    expected: { action: 'copy', reason: 'full-mode' },
  },
  {
    name: 'full mode copies without a destination',
    mode: 'full',
    source: object(md5A),
    expected: { action: 'copy', reason: 'full-mode' },
  },
  { name: 'no destination object', source: object(md5A), expected: { action: 'copy', reason: 'new' } },
  {
    name: 'no destination object, though Ferry copied it once',
    source: object(md5A),
    remembered: record(md5A, md5A),
    expected: { action: 'copy', reason: 'new' },
  },
  {
    name: 'sizes differ, same ETag',
    source: object(md5A, 100),
    destination: object(md5A, 101),
    expected: { action: 'copy', reason: 'size-differs' },
  },
  {
    name: 'sizes differ although the record matches the source',
    source: object(md5A, 100),
    destination: object(md5B, 99),
    remembered: record(md5A, md5B),
    expected: { action: 'copy', reason: 'size-differs' },
  },
  {
    name: 'same MD5 ETag',
    source: object(md5A),
    destination: object(md5A),
    expected: { action: 'skip', reason: 'same-etag' },
  },
  {
    name: 'same MD5 ETag in different letter case',
    source: object(md5A.toUpperCase()),
    destination: object(md5A),
    expected: { action: 'skip', reason: 'same-etag' },
  },
  {
    name: 'identical composite ETags',
    source: object(composite3),
    destination: object(composite3),
    expected: { action: 'skip', reason: 'same-etag' },
  },
  {
    name: 'same size, different MD5s: a same-size edit',
    source: object(md5A),
    destination: object(md5B),
    expected: { action: 'copy', reason: 'etag-differs' },
  },
  {
    name: 'same size, different MD5s, destination newer: time never justifies a skip',
    source: object(md5A, 100, '2024-01-01T00:00:00Z'),
    destination: object(md5B, 100, '2025-01-01T00:00:00Z'),
    expected: { action: 'copy', reason: 'etag-differs' },
  },
  {
    name: 'composite source, differently partitioned destination, no record',
    source: object(composite3),
    destination: object(composite4),
    expected: { action: 'copy', reason: 'unverifiable' },
  },
  {
    name: 'composite source, MD5 destination, no record',
    source: object(composite3),
    destination: object(md5A),
    expected: { action: 'copy', reason: 'unverifiable' },
  },
  {
    name: 'same part count, different composite ETags, no record',
    source: object(composite3),
    destination: object(compositeOther3),
    expected: { action: 'copy', reason: 'unverifiable' },
  },
  {
    name: 'composite source unchanged since Ferry copied it',
    source: object(composite3),
    destination: object(composite4),
    remembered: record(composite3, composite4),
    expected: { action: 'skip', reason: 'same-as-copied' },
  },
  {
    name: 'KMS-encrypted destination whose ETag is not the MD5, unchanged since copied',
    source: object(md5A),
    destination: object(md5C),
    remembered: record(md5A, md5C),
    expected: { action: 'skip', reason: 'same-as-copied' },
  },
  {
    name: 'same-size edit of a composite source since the last copy',
    source: object(compositeOther3),
    destination: object(composite4),
    remembered: record(composite3, composite4),
    expected: { action: 'copy', reason: 'changed-since-copy' },
  },
  {
    name: 'source ETag same as recorded but its size changed since (record from another size)',
    source: object(composite3, 100),
    destination: object(composite4, 100),
    remembered: record(composite3, composite4, 200),
    expected: { action: 'copy', reason: 'changed-since-copy' },
  },
  {
    name: 'destination overwritten by someone else since Ferry copied it',
    source: object(composite3),
    destination: object(compositeOther3),
    remembered: record(composite3, composite4),
    expected: { action: 'copy', reason: 'destination-changed' },
  },
  {
    name: 'MD5 ETags differ and the record shows the source changed',
    source: object(md5B),
    destination: object(md5A),
    remembered: record(md5A, md5A),
    expected: { action: 'copy', reason: 'changed-since-copy' },
  },
];

describe('decide', () => {
  it.each(cases)('$name', ({ mode = 'incremental', source, destination, remembered, expected }) => {
    const input: DecideInput = { source, destination, remembered, mode };
    expect(decide(input)).toEqual(expected);
  });
});

describe('needsRecall', () => {
  it.each([
    ['incremental', md5A, md5B, 100, 100, true],
    ['incremental', composite3, composite4, 100, 100, true],
    ['incremental', md5A, md5A, 100, 100, false],
    ['incremental', md5A, md5B, 100, 101, false],
    ['full', md5A, md5B, 100, 100, false],
  ] as const)(
    '%s, %s vs %s, sizes %i/%i: %s',
    (mode, sourceEtag, destinationEtag, sourceSize, destinationSize, expected) => {
      expect(
        needsRecall({
          mode,
          source: object(sourceEtag, sourceSize),
          destination: object(destinationEtag, destinationSize),
        }),
      ).toBe(expected);
    },
  );

  it('is false without a destination', () => {
    expect(needsRecall({ mode: 'incremental', source: object(md5A) })).toBe(false);
  });

  it('is false only where the record cannot change the decision', () => {
    // For every case, deciding without the record differs from deciding with it only where needsRecall says so.
    for (const { mode = 'incremental', source, destination, remembered } of cases) {
      if (remembered === undefined) continue;
      const withRecord = decide({ mode, source, destination, remembered });
      const withoutRecord = decide({ mode, source, destination });
      if (!needsRecall({ mode, source, destination })) expect(withRecord).toEqual(withoutRecord);
    }
  });
});
