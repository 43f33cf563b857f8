// Transfers one object from source to destination, verified and resumable; restarts from HEAD when the source changes.
import { DEFAULT_BACKOFF, type TransferContext, type TransferItem, type TransferResult } from './context.ts';
import { transferMultipart } from './multipart-transfer.ts';
import { headSource, newObjectJob, type ObjectJob } from './object-job.ts';
import { AttemptedError, asFerryError, attemptsOf, withRetries } from './retry.ts';
import { transferServerSide } from './server-side-transfer.ts';
import { transferSingle } from './single-transfer.ts';
import { chooseStrategy, type TransferStrategy } from './strategy.ts';

function strategyFor(context: TransferContext, size: number): TransferStrategy {
  return chooseStrategy({
    size,
    source: context.source.location,
    destination: context.destination.location,
    destinationCanCopy: context.destination.serverSideCopy !== undefined,
    multipartThresholdBytes: context.settings.multipartThresholdBytes,
  });
}

/**
 * One attempt at the whole object. The first trusts the listing for a small object (its GET is pinned to the listed
 * ETag); any other attempt starts from a HEAD, so a changed object is copied whole in its new version.
 */
async function attemptObject(job: ObjectJob, attempt: number): Promise<TransferResult> {
  const { item, context } = job;
  if (attempt === 1 && strategyFor(context, item.size) === 'single')
    return await transferSingle(job, item.etag);
  const head = await headSource(job);
  switch (strategyFor(context, head.size)) {
    case 'single':
      return await transferSingle(job, head.etag);
    case 'multipart':
      return await transferMultipart(job, head);
    case 'server-side':
      return await transferServerSide(job, head);
  }
}

/**
 * Transfers one object. Every error that escapes is an AttemptedError (a FerryError with its class and attempt
 * count) whose message names the object, except an abort of context.signal, whose reason is thrown as it is.
 */
export async function transferObject(item: TransferItem, context: TransferContext): Promise<TransferResult> {
  const job = newObjectJob(item, context);
  try {
    return await withRetries(
      async (attempt) => {
        job.progress.undo();
        return await attemptObject(job, attempt);
      },
      {
        ...(context.backoff ?? DEFAULT_BACKOFF),
        clock: context.clock,
        maxAttempts: context.settings.maxAttempts,
        label: `transfer ${job.sourceUrl}`,
        logger: context.logger,
        retryOn: (error) => error.errorClass === 'SourceChanged',
        ...(context.signal ? { signal: context.signal } : {}),
      },
    );
  } catch (error) {
    if (context.signal?.aborted) throw context.signal.reason;
    const ferry = asFerryError(error);
    const where = `${job.sourceUrl} → ${job.destinationUrl}`;
    const message = ferry.message.includes(job.sourceUrl) ? ferry.message : `${where}: ${ferry.message}`;
    throw new AttemptedError({ error: ferry, attempts: attemptsOf(ferry), message });
  }
}
