// Mapping Ferry's metadata and checksums to S3 request fields and back.
import { describe, expect, test } from 'vitest';
import {
  checksumFields,
  checksumFrom,
  headFrom,
  metadataFrom,
  rawWriteHeaders,
  s3WriteFields,
} from '../../../worker/src/storage/s3-metadata.ts';

describe('s3WriteFields', () => {
  test('metadata, storage class, KMS encryption and ACL; absent fields stay absent', () => {
    expect(
      s3WriteFields({
        metadata: {
          contentType: 'text/plain',
          cacheControl: 'no-cache',
          expires: 'x',
          userMetadata: { a: '1' },
        },
        storageClass: 'STANDARD_IA',
        encryption: { type: 'aws:kms', kmsKeyId: 'key-1' },
        acl: 'bucket-owner-full-control',
      }),
    ).toEqual({
      ContentType: 'text/plain',
      CacheControl: 'no-cache',
      Metadata: { a: '1' },
      StorageClass: 'STANDARD_IA',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'key-1',
      ACL: 'bucket-owner-full-control',
    });
  });

  test('Expires travels as a raw header, not a typed field', () => {
    expect(s3WriteFields({ metadata: { expires: '0', userMetadata: {} } })).not.toHaveProperty('Expires');
    expect(rawWriteHeaders({ expires: '0', userMetadata: {} })).toEqual({ expires: '0' });
    expect(rawWriteHeaders({ userMetadata: {} })).toEqual({});
  });

  test('AES256 has no key id', () => {
    expect(s3WriteFields({ metadata: { userMetadata: {} }, encryption: { type: 'AES256' } })).toEqual({
      Metadata: {},
      ServerSideEncryption: 'AES256',
    });
  });
});

describe('checksums', () => {
  test('the field is named after the algorithm', () => {
    expect(checksumFields('CRC64NVME', 'AAAAAAAAAAA=')).toEqual({ ChecksumCRC64NVME: 'AAAAAAAAAAA=' });
  });

  test('a full-object checksum', () => {
    expect(checksumFrom({ ChecksumCRC32C: 'yZRlqg==', ChecksumType: 'FULL_OBJECT' })).toEqual({
      algorithm: 'CRC32C',
      value: 'yZRlqg==',
      type: 'FULL_OBJECT',
    });
  });

  test('a composite checksum loses its part-count suffix and says COMPOSITE', () => {
    expect(checksumFrom({ ChecksumCRC32: 'abcdEF==-3' })).toEqual({
      algorithm: 'CRC32',
      value: 'abcdEF==',
      type: 'COMPOSITE',
    });
  });

  test('none', () => {
    expect(checksumFrom({})).toBeUndefined();
  });
});

describe('reading heads', () => {
  test('ExpiresString is kept raw, even when it is not a date', () => {
    expect(metadataFrom({ ExpiresString: '-1', Metadata: { k: 'v' } })).toEqual({
      expires: '-1',
      userMetadata: { k: 'v' },
    });
  });

  test('a head from response fields', () => {
    const lastModified = new Date('2024-01-02T03:04:05Z');
    expect(
      headFrom({
        key: 'k',
        sizeBytes: 12,
        fields: {
          ETag: '"0123"',
          LastModified: lastModified,
          ContentType: 'a/b',
          ServerSideEncryption: 'AES256',
          ChecksumCRC32C: 'yZRlqg==',
        },
      }),
    ).toEqual({
      key: 'k',
      size: 12,
      etag: '0123',
      lastModified,
      metadata: { contentType: 'a/b', userMetadata: {} },
      checksum: { algorithm: 'CRC32C', value: 'yZRlqg==', type: 'FULL_OBJECT' },
      serverSideEncryption: 'AES256',
    });
  });
});
