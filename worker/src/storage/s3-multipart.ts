// Multipart uploads through the AWS SDK: FULL_OBJECT checksums, sorted parts, paginated part listings.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type ListPartsOutput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { FerryError } from '../domain/errors.ts';
import type { CompletedPart, ObjectWriter, UploadRef } from '../ports/object-store.ts';
import { classified, sendOptions } from './s3-call.ts';
import { checksumFields, checksumValueFrom, rawWriteHeaders, s3WriteFields } from './s3-metadata.ts';
import { unsignedPayload, withRawHeaders } from './s3-request-headers.ts';
import { objectUri, quoteEtag, unquoteEtag } from './s3-wire.ts';

export type MultipartWriter = Pick<
  ObjectWriter,
  'startMultipart' | 'uploadPart' | 'completeMultipart' | 'abortMultipart' | 'listParts'
>;

function uploadUri(bucket: string, upload: UploadRef): string {
  return `${objectUri(bucket, upload.key)} upload ${upload.uploadId}`;
}

function partsOf(page: ListPartsOutput): CompletedPart[] {
  return (page.Parts ?? []).map((part) => {
    const checksum = checksumValueFrom(part)?.value;
    return {
      partNumber: part.PartNumber ?? 0,
      etag: unquoteEtag(part.ETag ?? ''),
      size: part.Size ?? 0,
      ...(checksum ? { checksum } : {}),
    };
  });
}

/** The multipart half of the S3 ObjectWriter for one bucket. */
export function createS3MultipartWriter(options: { client: S3Client; bucket: string }): MultipartWriter {
  const { client, bucket } = options;
  async function listPage(upload: UploadRef, partNumberMarker: string | undefined): Promise<ListPartsOutput> {
    return await classified(`ListParts ${uploadUri(bucket, upload)}`, () =>
      client.send(
        new ListPartsCommand({
          Bucket: bucket,
          Key: upload.key,
          UploadId: upload.uploadId,
          PartNumberMarker: partNumberMarker,
        }),
        sendOptions(upload.signal),
      ),
    );
  }

  return {
    async startMultipart(key, settings) {
      const command = new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ...s3WriteFields(settings),
        ChecksumAlgorithm: settings.checksumAlgorithm,
        ChecksumType: 'FULL_OBJECT',
      });
      withRawHeaders(command, rawWriteHeaders(settings.metadata));
      const created = await classified(`CreateMultipartUpload ${objectUri(bucket, key)}`, () =>
        client.send(command, sendOptions(settings.signal)),
      );
      if (!created.UploadId) {
        throw new FerryError(
          'Internal',
          `CreateMultipartUpload ${objectUri(bucket, key)}: no UploadId returned`,
        );
      }
      return created.UploadId;
    },

    async uploadPart(upload) {
      const algorithm = upload.checksumAlgorithm;
      const uploaded = await classified(
        `UploadPart ${uploadUri(bucket, upload)} part ${upload.partNumber}`,
        () =>
          client.send(
            withRawHeaders(
              new UploadPartCommand({
                Bucket: bucket,
                Key: upload.key,
                UploadId: upload.uploadId,
                PartNumber: upload.partNumber,
                Body: upload.bytes,
                ContentLength: upload.bytes.byteLength,
                ChecksumAlgorithm: algorithm,
                ...checksumFields(algorithm, upload.checksum),
              }),
              unsignedPayload,
            ),
            sendOptions(upload.signal),
          ),
      );
      return { etag: unquoteEtag(uploaded.ETag ?? '') };
    },

    async completeMultipart(upload) {
      const { algorithm, value } = upload.checksum;
      const parts = [...upload.parts].sort((a, b) => a.partNumber - b.partNumber);
      const completed = await classified(`CompleteMultipartUpload ${uploadUri(bucket, upload)}`, () =>
        client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: upload.key,
            UploadId: upload.uploadId,
            MultipartUpload: {
              Parts: parts.map((part) => ({
                PartNumber: part.partNumber,
                ETag: quoteEtag(part.etag),
                ...(part.checksum ? checksumFields(algorithm, part.checksum) : {}),
              })),
            },
            ChecksumType: 'FULL_OBJECT',
            ...checksumFields(algorithm, value),
            MpuObjectSize: parts.reduce((total, part) => total + part.size, 0),
          }),
          sendOptions(upload.signal),
        ),
      );
      return { etag: unquoteEtag(completed.ETag ?? '') };
    },

    /** Safe to repeat: an upload that is already gone counts as aborted. */
    async abortMultipart(upload) {
      try {
        await classified(`AbortMultipartUpload ${uploadUri(bucket, upload)}`, () =>
          client.send(
            new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.uploadId }),
            sendOptions(upload.signal),
          ),
        );
      } catch (error) {
        if (!(error instanceof FerryError && error.errorClass === 'NotFound')) throw error;
      }
    },

    async listParts(upload) {
      const parts: CompletedPart[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = await listPage(upload, marker);
        parts.push(...partsOf(page));
        if (!page.IsTruncated) return parts;
        if (!page.NextPartNumberMarker || page.NextPartNumberMarker === marker) {
          throw new FerryError(
            'Internal',
            `ListParts ${uploadUri(bucket, upload)}: truncated page without a next marker`,
          );
        }
        marker = page.NextPartNumberMarker;
      }
    },
  };
}
