// A recorded upload is resumed only for the same version, layout and checksum algorithm, and only parts that match the plan are kept.
import { expect, test } from 'vitest';
import type { ObjectHead } from '../../../worker/src/domain/object.ts';
import type { UploadRecord } from '../../../worker/src/ports/ledger.ts';
import { partPlan } from '../../../worker/src/transfer/part-size.ts';
import { canResume, reusableParts } from '../../../worker/src/transfer/resume.ts';

const MiB = 1024 * 1024;
const plan = partPlan({ size: 12 * MiB, minPartSizeBytes: 5 * MiB });
const head: ObjectHead = {
  key: 'k',
  size: 12 * MiB,
  etag: 'e1',
  lastModified: new Date(0),
  metadata: { userMetadata: {} },
};

const record: UploadRecord = {
  key: 'k',
  uploadId: 'u',
  sourceEtag: 'e1',
  partSize: 5 * MiB,
  checksumAlgorithm: 'CRC32C',
};
const intent = { head, plan, checksumAlgorithm: 'CRC32C' } as const;

test('canResume needs the same source ETag and part size', () => {
  expect(canResume(record, intent)).toBe(true);
  expect(canResume({ ...record, sourceEtag: 'e0' }, intent)).toBe(false);
  expect(canResume({ ...record, partSize: 6 * MiB }, intent)).toBe(false);
});

test('canResume needs the same checksum algorithm: parts of one upload never mix algorithms', () => {
  expect(canResume(record, { ...intent, checksumAlgorithm: 'CRC64NVME' })).toBe(false);
  expect(canResume({ ...record, checksumAlgorithm: 'CRC32' }, intent)).toBe(false);
});

test('reusableParts keeps planned parts of the right size that have a checksum', () => {
  const stored = [
    { partNumber: 1, etag: 'a', size: 5 * MiB, checksum: 'c1' },
    { partNumber: 2, etag: 'b', size: 5 * MiB },
    { partNumber: 3, etag: 'c', size: 5 * MiB, checksum: 'c3' },
    { partNumber: 4, etag: 'd', size: 2 * MiB, checksum: 'c4' },
  ];
  const reusable = reusableParts(stored, plan);
  expect([...reusable.keys()]).toEqual([1]);
  expect(reusable.get(1)?.checksum).toBe('c1');
  const withLast = reusableParts([{ partNumber: 3, etag: 'c', size: 2 * MiB, checksum: 'c3' }], plan);
  expect([...withLast.keys()]).toEqual([3]);
});
