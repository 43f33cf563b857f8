// The manifest's composition root: where it goes (flag over config), its S3 store, and the outcome recorder workers feed.
import { randomBytes } from 'node:crypto';
import { createS3Client, serviceIdOf } from '../aws/clients.ts';
import type { EndpointConfig, FerryConfig } from '../config/types.ts';
import { errorMessage, FerryError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { createS3ObjectStore } from '../storage/s3-object-store.ts';
import type { DetailedBatchOutcome } from '../worker/process-batch.ts';
import { defaultManifestBounds } from './manifest-bounds.ts';
import { manifestLinesOf } from './manifest-line.ts';
import {
  folderPrefix,
  type ManifestLocation,
  manifestWorkerId,
  parseManifestUrl,
} from './manifest-location.ts';
import { createManifestWriter, type ManifestWriter } from './manifest-writer.ts';

export interface ManifestTarget {
  readonly location: ManifestLocation;
  readonly endpoint: EndpointConfig;
  readonly flushAfterSec: number;
}

/** The control plane as an S3 endpoint: an emulator or private endpoint URL is addressed path-style. */
export function controlPlaneS3Endpoint(control: EndpointConfig): EndpointConfig {
  return { ...control, forcePathStyle: control.forcePathStyle || control.url !== undefined };
}

/**
 * Where the manifest goes: `--manifest s3://bucket/prefix` over the config's `manifest` section; written with the
 * config's `manifest.endpoint`, else the command's default endpoint. Undefined when neither asks for a manifest.
 */
export function manifestTarget(options: {
  flag?: string | undefined;
  config?: FerryConfig;
  defaultEndpoint: () => EndpointConfig;
}): ManifestTarget | undefined {
  const configured = options.config?.manifest;
  if (options.flag === undefined && configured === undefined) return undefined;
  const location =
    options.flag === undefined
      ? { bucket: configured?.bucket ?? '', prefix: folderPrefix(configured?.prefix ?? '') }
      : parseManifestUrl(options.flag);
  const endpointName = configured?.endpoint;
  const endpoint =
    endpointName === undefined ? options.defaultEndpoint() : options.config?.endpoints[endpointName];
  if (!endpoint) throw new FerryError('Config', `manifest.endpoint: unknown endpoint ${endpointName}`);
  return {
    location,
    endpoint,
    flushAfterSec: configured?.flushAfterSec ?? defaultManifestBounds.maxAgeMs / 1000,
  };
}

/** The manifest bucket as an object store (its own client: a few requests a minute). */
export function manifestStore(target: ManifestTarget): ObjectStore {
  return createS3ObjectStore({
    client: createS3Client(target.endpoint, { maxSockets: 4 }),
    bucket: target.location.bucket,
    serviceId: serviceIdOf(target.endpoint),
  });
}

export interface ManifestRecorder {
  readonly workerId: string;
  /** Feed it every recorded batch outcome (the worker loop's onOutcome); it never throws. */
  onOutcome(runId: string, mappingId: string, outcome: DetailedBatchOutcome): void;
  /** Writes what is buffered: call it on every way out, SIGTERM included. */
  close(): Promise<void>;
  readonly writer: ManifestWriter;
}

/** One writer per process; `host` names the machine in part names (the EC2 instance id, or the host name). */
export function openManifestRecorder(options: {
  target: ManifestTarget;
  host: string;
  clock: Clock;
  logger: Logger;
}): ManifestRecorder {
  const { target, clock, logger } = options;
  const workerId = manifestWorkerId({
    host: options.host,
    pid: process.pid,
    randomHex: randomBytes(4).toString('hex'),
  });
  const writer = createManifestWriter({
    store: manifestStore(target),
    prefix: target.location.prefix,
    workerId,
    clock,
    logger,
    bounds: { maxAgeMs: target.flushAfterSec * 1000 },
  });
  logger.info('manifest.open', {
    bucket: target.location.bucket,
    prefix: target.location.prefix,
    workerId,
  });
  return {
    workerId,
    writer,
    onOutcome(runId, mappingId, outcome) {
      try {
        writer.record(manifestLinesOf({ runId, mappingId, results: outcome.results, time: clock.now() }));
      } catch (error) {
        logger.error('manifest.record-failed', { runId, mappingId, error: errorMessage(error) });
      }
    },
    close: () => writer.close(),
  };
}
