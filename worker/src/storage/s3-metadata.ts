// Maps Ferry's metadata, write settings and checksums to S3 request fields and back from S3 response fields.
import type {
  HeadObjectOutput,
  ObjectCannedACL,
  PutObjectRequest,
  ServerSideEncryption,
  StorageClass,
} from '@aws-sdk/client-s3';
import type { ChecksumAlgorithm, ObjectChecksum, ObjectHead, ObjectMetadata } from '../domain/object.ts';
import type { WriteSettings } from '../ports/object-store.ts';
import { unquoteEtag } from './s3-wire.ts';

/** The request fields PutObject, CreateMultipartUpload and CopyObject share for how an object is stored. */
export type S3WriteFields = Pick<
  PutObjectRequest,
  | 'ContentType'
  | 'ContentEncoding'
  | 'ContentDisposition'
  | 'ContentLanguage'
  | 'CacheControl'
  | 'Metadata'
  | 'StorageClass'
  | 'ServerSideEncryption'
  | 'SSEKMSKeyId'
  | 'ACL'
>;

/** The checksum fields of requests and responses, one per algorithm. */
export type S3ChecksumFields = { readonly [Field in `Checksum${ChecksumAlgorithm}`]?: string | undefined };

/** The response fields HeadObject and GetObject share that describe an object. */
export type S3HeadFields = Pick<
  HeadObjectOutput,
  | 'ETag'
  | 'LastModified'
  | 'StorageClass'
  | 'ContentType'
  | 'ContentEncoding'
  | 'ContentDisposition'
  | 'ContentLanguage'
  | 'CacheControl'
  | 'Expires'
  | 'ExpiresString'
  | 'Metadata'
  | 'ServerSideEncryption'
  | 'ChecksumCRC32C'
  | 'ChecksumCRC32'
  | 'ChecksumCRC64NVME'
  | 'ChecksumType'
>;

function optional<Name extends string>(name: Name, value: string | undefined): Partial<Record<Name, string>> {
  return value === undefined ? {} : ({ [name]: value } as Partial<Record<Name, string>>);
}

/**
 * The request fields for settings.metadata and the storage settings. Expires is not among them: the SDK only
 * takes a Date, so the raw string travels as a header (see rawWriteHeaders) and round-trips unchanged.
 */
export function s3WriteFields(settings: WriteSettings): S3WriteFields {
  const { metadata, encryption } = settings;
  return {
    ...optional('ContentType', metadata.contentType),
    ...optional('ContentEncoding', metadata.contentEncoding),
    ...optional('ContentDisposition', metadata.contentDisposition),
    ...optional('ContentLanguage', metadata.contentLanguage),
    ...optional('CacheControl', metadata.cacheControl),
    Metadata: { ...metadata.userMetadata },
    ...(settings.storageClass ? { StorageClass: settings.storageClass as StorageClass } : {}),
    ...(encryption ? { ServerSideEncryption: encryption.type as ServerSideEncryption } : {}),
    ...(encryption?.type === 'aws:kms' && encryption.kmsKeyId ? { SSEKMSKeyId: encryption.kmsKeyId } : {}),
    ...(settings.acl ? { ACL: settings.acl as ObjectCannedACL } : {}),
  };
}

/** Headers a write request carries verbatim, outside the SDK's typed fields. */
export function rawWriteHeaders(metadata: ObjectMetadata): Record<string, string> {
  return metadata.expires === undefined ? {} : { expires: metadata.expires };
}

/** The Checksum<ALG> field carrying one base64 checksum value. */
export function checksumFields(algorithm: ChecksumAlgorithm, value: string): S3ChecksumFields {
  return { [`Checksum${algorithm}`]: value };
}

/** Checked in this order; an object carries at most one of them. */
const responseAlgorithms: readonly ChecksumAlgorithm[] = ['CRC64NVME', 'CRC32C', 'CRC32'];

/** The one CRC checksum value in a response's fields, with its algorithm. */
export function checksumValueFrom(
  fields: S3ChecksumFields,
): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  for (const algorithm of responseAlgorithms) {
    const value = fields[`Checksum${algorithm}`];
    if (value) return { algorithm, value };
  }
  return undefined;
}

/**
 * The object's stored checksum. S3 suffixes composite (per-part) checksums with `-<parts>`: the suffix is dropped
 * and the type says COMPOSITE.
 */
export function checksumFrom(
  fields: S3ChecksumFields & Pick<S3HeadFields, 'ChecksumType'>,
): ObjectChecksum | undefined {
  const found = checksumValueFrom(fields);
  if (!found) return undefined;
  const partSuffix = /-\d+$/.exec(found.value);
  const value = partSuffix ? found.value.slice(0, partSuffix.index) : found.value;
  const type = fields.ChecksumType ?? (partSuffix ? 'COMPOSITE' : 'FULL_OBJECT');
  return { algorithm: found.algorithm, value, type };
}

/** The metadata Ferry preserves, from response fields; Expires stays the raw header string. */
export function metadataFrom(fields: S3HeadFields): ObjectMetadata {
  const expires = fields.ExpiresString ?? fields.Expires?.toUTCString();
  return {
    ...optional('contentType', fields.ContentType),
    ...optional('contentEncoding', fields.ContentEncoding),
    ...optional('contentDisposition', fields.ContentDisposition),
    ...optional('contentLanguage', fields.ContentLanguage),
    ...optional('cacheControl', fields.CacheControl),
    ...optional('expires', expires),
    userMetadata: { ...fields.Metadata },
  };
}

/** An ObjectHead from HeadObject/GetObject response fields and the whole object's size. */
export function headFrom(options: { key: string; sizeBytes: number; fields: S3HeadFields }): ObjectHead {
  const { key, sizeBytes, fields } = options;
  const checksum = checksumFrom(fields);
  return {
    key,
    size: sizeBytes,
    etag: unquoteEtag(fields.ETag ?? ''),
    lastModified: fields.LastModified ?? new Date(0),
    ...optional('storageClass', fields.StorageClass),
    metadata: metadataFrom(fields),
    ...(checksum ? { checksum } : {}),
    ...optional('serverSideEncryption', fields.ServerSideEncryption),
  };
}
