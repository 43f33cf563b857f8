// copyMismatch flags only provable differences: comparable MD5 ETags, same-algorithm full-object checksums, sizes.
import { describe, expect, test } from 'vitest';
import type { ObjectHead } from '../../../worker/src/domain/object.ts';
import { copyMismatch } from '../../../worker/src/transfer/verify.ts';

const md5a = '0cc175b9c0f1b6a831c399e269772661';
const md5b = '92eb5ffee6ae2fec3ad71c777531578f';

function head(extra: Partial<ObjectHead> = {}): ObjectHead {
  return {
    key: 'k',
    size: 10,
    etag: md5a,
    lastModified: new Date(0),
    metadata: { userMetadata: {} },
    ...extra,
  };
}

const crc = (value: string) => ({ algorithm: 'CRC32C' as const, value, type: 'FULL_OBJECT' as const });

describe('copyMismatch', () => {
  test('equal MD5 ETags pass, different ones fail', () => {
    expect(copyMismatch({ sourceHead: head(), destinationEtag: md5a, destinationWrite: {} })).toBeUndefined();
    expect(copyMismatch({ sourceHead: head(), destinationEtag: md5b, destinationWrite: {} })).toMatch(/MD5/);
  });

  test('ETags are not compared when either is composite or KMS is involved', () => {
    expect(
      copyMismatch({ sourceHead: head({ etag: `${md5b}-3` }), destinationEtag: md5a, destinationWrite: {} }),
    ).toBeUndefined();
    expect(
      copyMismatch({
        sourceHead: head({ serverSideEncryption: 'aws:kms' }),
        destinationEtag: md5b,
        destinationWrite: {},
      }),
    ).toBeUndefined();
    expect(
      copyMismatch({
        sourceHead: head(),
        destinationEtag: md5b,
        destinationWrite: { encryption: { type: 'aws:kms' } },
      }),
    ).toBeUndefined();
  });

  test("the source's full-object checksum of the same algorithm must equal Ferry's", () => {
    const sourceHead = head({ etag: `${md5b}-2`, checksum: crc('AAAAAA==') });
    const base = { sourceHead, destinationEtag: md5a, destinationWrite: {} };
    expect(copyMismatch({ ...base, sentChecksum: crc('AAAAAA==') })).toBeUndefined();
    expect(copyMismatch({ ...base, sentChecksum: crc('AAAAAQ==') })).toMatch(/CRC32C differs/);
    const other = { algorithm: 'CRC32' as const, value: 'AAAAAQ==', type: 'FULL_OBJECT' as const };
    expect(copyMismatch({ ...base, sentChecksum: other })).toBeUndefined();
    const composite = head({ checksum: { ...crc('AAAAAA=='), type: 'COMPOSITE' } });
    expect(copyMismatch({ ...base, sourceHead: composite, sentChecksum: crc('AAAAAQ==') })).toBeUndefined();
  });

  test("the destination's size and full-object checksum must match", () => {
    const base = {
      sourceHead: head(),
      sentChecksum: crc('AAAAAA=='),
      destinationEtag: `${md5b}-2`,
      destinationWrite: {},
    };
    expect(copyMismatch({ ...base, destinationHead: head({ size: 10 }) })).toBeUndefined();
    expect(copyMismatch({ ...base, destinationHead: head({ size: 11 }) })).toMatch(/size differs/);
    expect(copyMismatch({ ...base, destinationHead: head({ checksum: crc('AAAAAA==') }) })).toBeUndefined();
    expect(copyMismatch({ ...base, destinationHead: head({ checksum: crc('AAAAAg==') }) })).toMatch(
      /differs/,
    );
  });

  test("without Ferry's checksum, the destination's is compared with the source's", () => {
    const sourceHead = head({ etag: `${md5a}-2`, checksum: crc('AAAAAA==') });
    const base = { sourceHead, destinationEtag: md5a, destinationWrite: {} };
    expect(copyMismatch({ ...base, destinationHead: head({ checksum: crc('AAAAAA==') }) })).toBeUndefined();
    expect(copyMismatch({ ...base, destinationHead: head({ checksum: crc('AAAAAg==') }) })).toMatch(
      /differs/,
    );
  });
});
