// The ObjectStore port on S3 (or any S3-compatible service) through the AWS SDK.

import type { Readable } from 'node:stream';
import {
  type _Object,
  GetObjectCommand,
  type GetObjectOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FerryError } from '../domain/errors.ts';
import type { ObjectEntry } from '../domain/object.ts';
import type { ObjectStore, ReadOptions, ReadResult } from '../ports/object-store.ts';
import { readBody } from './read-body.ts';
import { classified, sendOptions } from './s3-call.ts';
import { createS3Deleter } from './s3-delete.ts';
import { classifyS3Error } from './s3-errors.ts';
import { checksumFields, headFrom, rawWriteHeaders, s3WriteFields } from './s3-metadata.ts';
import { createS3MultipartWriter } from './s3-multipart.ts';
import { unsignedPayload, withRawHeaders } from './s3-request-headers.ts';
import { createS3ServerSideCopier } from './s3-server-side-copy.ts';
import {
  decodeListedKey,
  objectUri,
  quoteEtag,
  rangeHeader,
  totalSizeFromContentRange,
  unquoteEtag,
} from './s3-wire.ts';

export interface S3ObjectStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** serviceIdOf(endpoint) of the client's endpoint: equal ids allow server-side copies between stores. */
  readonly serviceId: string;
}

/** Keys per ListObjectsV2 page (S3's maximum). */
export const listPageSize = 1000;

/** urlEncoded: the response says EncodingType=url (some S3-compatible servers ignore the request and send raw keys). */
function entryFrom(item: _Object & { Key: string }, urlEncoded: boolean): ObjectEntry {
  return {
    key: urlEncoded ? decodeListedKey(item.Key) : item.Key,
    size: item.Size ?? 0,
    etag: unquoteEtag(item.ETag ?? ''),
    lastModified: item.LastModified ?? new Date(0),
    ...(item.StorageClass ? { storageClass: item.StorageClass } : {}),
  };
}

/**
 * The requested bytes and the whole object's size from a GetObject response whose body was read. A service that
 * ignores Range answers 200 with the whole object: the range is cut out here.
 */
function bytesAndSizeOf(options: {
  response: GetObjectOutput;
  body: Uint8Array;
  range: ReadOptions['range'];
  context: string;
}): { bytes: Uint8Array; sizeBytes: number } {
  const { response, body, range, context } = options;
  if (response.ContentLength !== undefined && body.byteLength !== response.ContentLength) {
    throw new FerryError(
      'Transient',
      `${context}: body ended after ${body.byteLength} of ${response.ContentLength} bytes`,
    );
  }
  if (range && response.ContentRange !== undefined) {
    const sizeBytes = totalSizeFromContentRange(response.ContentRange);
    if (sizeBytes === undefined) {
      throw new FerryError('Internal', `${context}: unreadable Content-Range ${response.ContentRange}`);
    }
    return { bytes: body, sizeBytes };
  }
  if (range) return { bytes: body.subarray(range.start, range.end + 1), sizeBytes: body.byteLength };
  return { bytes: body, sizeBytes: body.byteLength };
}

export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  const { client, bucket, serviceId } = options;

  return {
    location: { serviceId, bucket },

    /** Keys are asked url-encoded (EncodingType=url) so that every legal key survives the XML response exactly. */
    async *list({ prefix, startAfter, signal }) {
      const context = `LIST ${objectUri(bucket, prefix)}`;
      let continuationToken: string | undefined;
      do {
        const token = continuationToken;
        const page = await classified(context, () =>
          client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix === '' ? undefined : prefix,
              StartAfter: token === undefined ? startAfter : undefined,
              ContinuationToken: token,
              MaxKeys: listPageSize,
              EncodingType: 'url',
            }),
            sendOptions(signal),
          ),
        );
        for (const item of page.Contents ?? []) {
          if (item.Key !== undefined)
            yield entryFrom({ ...item, Key: item.Key }, page.EncodingType === 'url');
        }
        if (page.IsTruncated && !page.NextContinuationToken) {
          throw new FerryError('Internal', `${context}: truncated page without a continuation token`);
        }
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken !== undefined);
    },

    async head(key, headOptions) {
      const context = `HEAD ${objectUri(bucket, key)}`;
      try {
        const response = await client.send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
          sendOptions(headOptions?.signal),
        );
        return headFrom({ key, sizeBytes: response.ContentLength ?? 0, fields: response });
      } catch (error) {
        const failure = classifyS3Error(error, context);
        if (failure.errorClass === 'NotFound') return undefined;
        throw failure;
      }
    },

    async read(key, readOptions = {}): Promise<ReadResult> {
      const { range, ifMatch, into, signal } = readOptions;
      const context = `GET ${objectUri(bucket, key)}${range ? ` ${rangeHeader(range)}` : ''}`;
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        Range: range ? rangeHeader(range) : undefined,
        IfMatch: ifMatch === undefined ? undefined : quoteEtag(ifMatch),
      });
      // The header, not ChecksumMode in the input: the stored checksum comes back, but the SDK does not re-CRC the
      // body in JavaScript (Ferry checks bytes against head.checksum itself).
      withRawHeaders(command, { 'x-amz-checksum-mode': 'ENABLED' });
      return await classified(context, async () => {
        const response = await client.send(command, sendOptions(signal));
        const body = response.Body
          ? // In Node the body is an IncomingMessage, a Readable.
            await readBody(response.Body as Readable, response.ContentLength, into)
          : new Uint8Array(0);
        const { bytes, sizeBytes } = bytesAndSizeOf({ response, body, range, context });
        return { bytes, head: headFrom({ key, sizeBytes, fields: response }) };
      });
    },

    async put(key, bytes, settings) {
      const { algorithm, value } = settings.checksum;
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: bytes,
        ContentLength: bytes.byteLength,
        ...s3WriteFields(settings),
        ChecksumAlgorithm: algorithm,
        ...checksumFields(algorithm, value),
      });
      withRawHeaders(command, { ...rawWriteHeaders(settings.metadata), ...unsignedPayload });
      const response = await classified(`PUT ${objectUri(bucket, key)}`, () =>
        client.send(command, sendOptions(settings.signal)),
      );
      return { etag: unquoteEtag(response.ETag ?? '') };
    },

    ...createS3MultipartWriter({ client, bucket }),

    ...createS3Deleter({ client, bucket }),

    serverSideCopy: createS3ServerSideCopier({ client, bucket }),
  };
}
