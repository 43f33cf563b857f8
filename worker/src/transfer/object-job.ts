// What every transfer path shares for one object: where it goes, how its operations retry, how progress is reported.
import { FerryError } from '../domain/errors.ts';
import type { ObjectHead } from '../domain/object.ts';
import type { ObjectStore, WriteSettings } from '../ports/object-store.ts';
import { DEFAULT_BACKOFF, type TransferContext, type TransferItem } from './context.ts';
import { type RetryOptions, withRetries } from './retry.ts';

/** Bytes reported for one object, so a restart can take them back. */
export interface ObjectProgress {
  add(bytes: number): void;
  /** Reports the negative of everything added so far, and starts again from zero. */
  undo(): void;
}

export function createObjectProgress(onProgress: ((bytes: number) => void) | undefined): ObjectProgress {
  let reportedBytes = 0;
  return {
    add: (bytes) => {
      reportedBytes += bytes;
      if (bytes !== 0) onProgress?.(bytes);
    },
    undo: () => {
      if (reportedBytes !== 0) onProgress?.(-reportedBytes);
      reportedBytes = 0;
    },
  };
}

export interface ObjectJob {
  readonly item: TransferItem;
  readonly context: TransferContext;
  readonly progress: ObjectProgress;
  readonly sourceUrl: string;
  readonly destinationUrl: string;
}

/** The job of transferring one object: its progress starts from zero. */
export function newObjectJob(item: TransferItem, context: TransferContext): ObjectJob {
  return {
    item,
    context,
    progress: createObjectProgress(context.onProgress),
    sourceUrl: objectUrl(context.source, item.sourceKey),
    destinationUrl: objectUrl(context.destination, item.destinationKey),
  };
}

/** The s3:// address of a key in a store, for messages. */
export function objectUrl(store: ObjectStore, key: string): string {
  return `s3://${store.location.bucket}/${key}`;
}

function isNotSourceChanged(error: FerryError): boolean {
  return error.errorClass !== 'SourceChanged';
}

/** The retry settings of one request-level operation; SourceChanged is left to the object-level loop. */
export function operationRetries(
  job: ObjectJob,
  label: string,
  signal: AbortSignal | undefined = job.context.signal,
): RetryOptions {
  const { context } = job;
  return {
    ...(context.backoff ?? DEFAULT_BACKOFF),
    clock: context.clock,
    maxAttempts: context.settings.maxAttempts,
    label,
    logger: context.logger,
    retryOn: isNotSourceChanged,
    ...(signal ? { signal } : {}),
  };
}

/** Runs one request-level operation with Ferry's retries. */
export async function retrying<T>(
  job: ObjectJob,
  label: string,
  operation: () => Promise<T>,
  signal: AbortSignal | undefined = job.context.signal,
): Promise<T> {
  return await withRetries(operation, operationRetries(job, label, signal));
}

/** The destination's write settings for an object with this head: its metadata exactly, the mapping's storage. */
export function writeSettingsFor(
  job: ObjectJob,
  head: ObjectHead,
  signal: AbortSignal | undefined = job.context.signal,
): WriteSettings {
  return { ...job.context.write, metadata: head.metadata, ...(signal ? { signal } : {}) };
}

/** The source object's head now; NotFound when it no longer exists. */
export async function headSource(job: ObjectJob): Promise<ObjectHead> {
  const { source, signal } = job.context;
  const head = await retrying(job, `HEAD ${job.sourceUrl}`, async () =>
    source.head(job.item.sourceKey, signal ? { signal } : {}),
  );
  if (!head) throw new FerryError('NotFound', `${job.sourceUrl}: the source object no longer exists`);
  return head;
}
