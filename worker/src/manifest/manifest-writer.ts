// Buffers manifest lines per run and mapping and writes them as gzipped JSON Lines parts; never fails a copy.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { classOf, errorMessage } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectWriter } from '../ports/object-store.ts';
import { checksumOf } from '../transfer/checksum.ts';
import { type BackoffSettings, withRetries } from '../transfer/retry.ts';
import {
  ageCheckIntervalMs,
  defaultManifestBounds,
  isPartDue,
  isPartFull,
  type ManifestBounds,
} from './manifest-bounds.ts';
import { encodeManifestLine, type ManifestLine } from './manifest-line.ts';
import { manifestPartKey } from './manifest-location.ts';

const gzipAsync = promisify(gzip);

export interface ManifestRetry extends BackoffSettings {
  /** Attempts per part, on top of the SDK's own retries of each request. */
  readonly maxAttempts: number;
}

export const defaultManifestRetry: ManifestRetry = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 20_000 };

export interface ManifestWriterOptions {
  /** Where parts are put (an S3 object store on the manifest bucket). */
  readonly store: Pick<ObjectWriter, 'put'>;
  /** Key prefix of every part: '' or ending with '/'. */
  readonly prefix: string;
  /** Unique to this process (manifestWorkerId): part names never collide across workers. */
  readonly workerId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bounds?: Partial<ManifestBounds>;
  readonly retry?: ManifestRetry;
}

export interface ManifestWriterStats {
  readonly linesRecorded: number;
  /** Lines in parts still open (not yet sealed for writing). */
  readonly linesBuffered: number;
  readonly linesWritten: number;
  /** Lines in parts that could not be written (after retries) or were dropped to bound memory. */
  readonly linesLost: number;
  readonly partsWritten: number;
  readonly partsFailed: number;
}

export interface ManifestWriter {
  /** Buffers lines (all of one run and mapping); a part that fills up is written in the background. */
  record(lines: readonly ManifestLine[]): void;
  /** Writes every open part and waits until all parts are written or given up. */
  flush(): Promise<void>;
  /** Stops the age timer, then flushes. Lines recorded afterwards (a batch finishing late) are written at once. */
  close(): Promise<void>;
  stats(): ManifestWriterStats;
}

interface OpenPart {
  readonly runId: string;
  readonly mappingId: string;
  readonly openedAtMs: number;
  readonly chunks: string[];
  lines: number;
  bytes: number;
}

/** Parts are uploaded one at a time in the order they were sealed; the writer holds at most maxPendingParts of them. */
export function createManifestWriter(options: ManifestWriterOptions): ManifestWriter {
  const { store, clock, logger } = options;
  const bounds: ManifestBounds = { ...defaultManifestBounds, ...options.bounds };
  const retry = options.retry ?? defaultManifestRetry;
  const open = new Map<string, OpenPart>();
  const counts = { linesRecorded: 0, linesWritten: 0, linesLost: 0, partsWritten: 0, partsFailed: 0 };
  let sequence = 0;
  let pendingParts = 0;
  let uploads: Promise<void> = Promise.resolve();
  let closed = false;

  const lose = (lines: number, event: string, fields: Record<string, string | number>): void => {
    counts.linesLost += lines;
    counts.partsFailed += 1;
    logger.error(event, { lines, linesLost: counts.linesLost, ...fields });
  };

  const upload = async (key: string, body: Promise<Uint8Array>, lines: number): Promise<void> => {
    try {
      const bytes = await body;
      const checksum = { algorithm: 'CRC32C' as const, value: await checksumOf('CRC32C', bytes) };
      await withRetries(
        () =>
          store.put(key, bytes, {
            metadata: { contentType: 'application/gzip', userMetadata: {} },
            checksum: { ...checksum, type: 'FULL_OBJECT' },
          }),
        { ...retry, clock, logger, label: `manifest part ${key}` },
      );
      counts.linesWritten += lines;
      counts.partsWritten += 1;
      logger.debug('manifest.part', { key, lines, bytes: bytes.byteLength });
    } catch (error) {
      lose(lines, 'manifest.part-failed', { key, errorClass: classOf(error), error: errorMessage(error) });
    }
  };

  const seal = (name: string, part: OpenPart): void => {
    open.delete(name);
    const key = manifestPartKey({
      prefix: options.prefix,
      runId: part.runId,
      mappingId: part.mappingId,
      workerId: options.workerId,
      sequence: sequence++,
    });
    if (pendingParts >= bounds.maxPendingParts) {
      lose(part.lines, 'manifest.part-dropped', { key, reason: 'earlier parts are still uploading' });
      return;
    }
    pendingParts += 1;
    // Compression starts now, so the uncompressed text is released while earlier parts upload.
    const body = gzipAsync(part.chunks.join(''));
    body.catch(() => undefined);
    uploads = uploads.then(async () => {
      await upload(key, body, part.lines);
      pendingParts -= 1;
    });
  };

  const sealDue = (all: boolean): void => {
    const nowMs = clock.now().getTime();
    for (const [name, part] of [...open]) {
      if (all || isPartDue(part, nowMs, bounds)) seal(name, part);
    }
  };

  const stopTimer = new AbortController();
  const timer = (async () => {
    const intervalMs = ageCheckIntervalMs(bounds);
    while (!stopTimer.signal.aborted) {
      await clock.sleep(intervalMs, stopTimer.signal).catch(() => undefined);
      if (!stopTimer.signal.aborted) sealDue(false);
    }
  })();

  const flush = async (): Promise<void> => {
    sealDue(true);
    // Parts sealed while waiting (a record() from a late outcome) are awaited too.
    for (let last: Promise<void> | undefined; last !== uploads; ) {
      last = uploads;
      await last;
    }
  };

  return {
    record(lines) {
      for (const line of lines) {
        const name = `${line.runId}\n${line.mappingId}`;
        let part = open.get(name);
        if (!part) {
          const openedAtMs = clock.now().getTime();
          part = { runId: line.runId, mappingId: line.mappingId, openedAtMs, chunks: [], lines: 0, bytes: 0 };
          open.set(name, part);
        }
        const encoded = encodeManifestLine(line);
        part.chunks.push(encoded);
        part.lines += 1;
        part.bytes += Buffer.byteLength(encoded);
        counts.linesRecorded += 1;
        if (isPartFull(part, bounds)) seal(name, part);
      }
      if (closed) sealDue(true);
    },
    flush,
    async close() {
      closed = true;
      stopTimer.abort();
      await timer;
      await flush();
      logger.info('manifest.closed', { ...counts });
    },
    stats: () => ({
      ...counts,
      linesBuffered: [...open.values()].reduce((sum, part) => sum + part.lines, 0),
    }),
  };
}
