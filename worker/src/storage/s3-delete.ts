// Deletes through the AWS SDK: DeleteObjects for up to 1,000 keys, each pinned to its listed ETag; a key XML cannot
// carry goes alone through DeleteObject (key in the URL, If-Match header).
import { DeleteObjectCommand, DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DeleteOutcome, DeleteTarget, ObjectDeleter } from '../ports/object-store.ts';
import {
  alreadyGoneCode,
  assertDeleteTargetCount,
  type DeleteError,
  deleteOutcomeOf,
  mergeDeleteOutcomes,
} from './delete-outcome.ts';
import { classified, sendOptions } from './s3-call.ts';
import { classifyS3Error, failureFactsOf } from './s3-errors.ts';
import { objectUri, quoteEtag, xmlCarriesKey } from './s3-wire.ts';

const noneDeleted: DeleteOutcome = { deleted: [], errors: [] };

/** One DeleteObjects request (Quiet off: every key is confirmed); a failure of the whole request throws, classified. */
async function deleteInOneRequest(
  options: { client: S3Client; bucket: string; signal: AbortSignal | undefined },
  targets: readonly DeleteTarget[],
): Promise<DeleteOutcome> {
  const { client, bucket, signal } = options;
  if (targets.length === 0) return noneDeleted;
  const context = `DeleteObjects ${objectUri(bucket, '')} (${targets.length} keys from ${JSON.stringify(targets[0]?.key)})`;
  const response = await classified(context, () =>
    client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Quiet: false,
          Objects: targets.map(({ key, etag }) => ({
            Key: key,
            ...(etag === undefined ? {} : { ETag: quoteEtag(etag) }),
          })),
        },
      }),
      sendOptions(signal),
    ),
  );
  const deleted = (response.Deleted ?? []).flatMap((entry) => (entry.Key === undefined ? [] : [entry.Key]));
  const errors = (response.Errors ?? []).flatMap((entry): DeleteError[] =>
    entry.Key === undefined
      ? []
      : [{ key: entry.Key, code: entry.Code ?? 'error', message: entry.Message ?? entry.Code ?? '' }],
  );
  return deleteOutcomeOf(targets, { deleted, errors });
}

/** One DeleteObject request; what the service refuses for this key is the key's error, an abort is thrown. */
async function deleteAlone(
  options: { client: S3Client; bucket: string; signal: AbortSignal | undefined },
  target: DeleteTarget,
): Promise<DeleteOutcome> {
  const { client, bucket, signal } = options;
  const { key, etag } = target;
  try {
    await client.send(
      new DeleteObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(etag === undefined ? {} : { IfMatch: quoteEtag(etag) }),
      }),
      sendOptions(signal),
    );
    return { deleted: [key], errors: [] };
  } catch (error) {
    if (signal?.aborted) throw classifyS3Error(error, `DeleteObject ${objectUri(bucket, key)}`);
    const facts = failureFactsOf(error);
    const code = facts.code ?? (facts.httpStatus === 404 ? alreadyGoneCode : 'error');
    return deleteOutcomeOf([target], { deleted: [], errors: [{ key, code, message: facts.message }] });
  }
}

/** The deleter for one bucket. */
export function createS3Deleter(options: { client: S3Client; bucket: string }): ObjectDeleter {
  const { client, bucket } = options;
  return {
    async deleteObjects(targets, deleteOptions) {
      assertDeleteTargetCount(targets, `DeleteObjects ${objectUri(bucket, '')}`);
      const request = { client, bucket, signal: deleteOptions?.signal };
      let outcome = await deleteInOneRequest(
        request,
        targets.filter((target) => xmlCarriesKey(target.key)),
      );
      for (const target of targets.filter((each) => !xmlCarriesKey(each.key))) {
        outcome = mergeDeleteOutcomes(outcome, await deleteAlone(request, target));
      }
      return outcome;
    },
  };
}
