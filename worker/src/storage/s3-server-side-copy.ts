// Server-side copies through the AWS SDK: CopyObject and UploadPartCopy, pinned to the source's ETag.
import { CopyObjectCommand, type S3Client, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import type { CopySource, ServerSideCopier } from '../ports/object-store.ts';
import { classified, sendOptions } from './s3-call.ts';
import { checksumValueFrom, rawWriteHeaders, s3WriteFields } from './s3-metadata.ts';
import { withRawHeaders } from './s3-request-headers.ts';
import { copySourceOf, objectUri, quoteEtag, rangeHeader, unquoteEtag } from './s3-wire.ts';

function copyContext(operation: string, source: CopySource, target: string): string {
  return `${operation} ${objectUri(source.bucket, source.key)} -> ${target}`;
}

/**
 * The copier for one destination bucket. CopyObject uses MetadataDirective REPLACE with settings.metadata, so a
 * copied object ends up exactly like a put or multipart one with the same settings (COPY would ignore the
 * settings, and UploadPartCopy cannot copy metadata at all).
 */
export function createS3ServerSideCopier(options: { client: S3Client; bucket: string }): ServerSideCopier {
  const { client, bucket } = options;
  return {
    async copyObject(source, key, settings) {
      const command = new CopyObjectCommand({
        Bucket: bucket,
        Key: key,
        CopySource: copySourceOf(source),
        CopySourceIfMatch: quoteEtag(source.etag),
        MetadataDirective: 'REPLACE',
        ...s3WriteFields(settings),
        ChecksumAlgorithm: settings.checksumAlgorithm,
      });
      withRawHeaders(command, rawWriteHeaders(settings.metadata));
      const copied = await classified(copyContext('CopyObject', source, objectUri(bucket, key)), () =>
        client.send(command, sendOptions(settings.signal)),
      );
      return { etag: unquoteEtag(copied.CopyObjectResult?.ETag ?? '') };
    },

    async uploadPartCopy(source, part) {
      const target = `${objectUri(bucket, part.key)} upload ${part.uploadId} part ${part.partNumber}`;
      const copied = await classified(copyContext('UploadPartCopy', source, target), () =>
        client.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: part.key,
            UploadId: part.uploadId,
            PartNumber: part.partNumber,
            CopySource: copySourceOf(source),
            CopySourceIfMatch: quoteEtag(source.etag),
            CopySourceRange: rangeHeader(part.range),
          }),
          sendOptions(part.signal),
        ),
      );
      const result = copied.CopyPartResult ?? {};
      const checksum = checksumValueFrom(result)?.value;
      return { etag: unquoteEtag(result.ETag ?? ''), ...(checksum ? { checksum } : {}) };
    },
  };
}
