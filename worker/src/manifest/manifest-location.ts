// Where manifest parts live: s3:// locations, part names that never collide, and the worker ids inside them.
import { FerryError } from '../domain/errors.ts';

export interface ManifestLocation {
  readonly bucket: string;
  /** Empty, or ending with '/'. */
  readonly prefix: string;
}

/** The prefix as a folder: '' stays '', anything else ends with exactly one '/'. */
export function folderPrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/** Parses `s3://bucket/prefix` (the prefix may be empty); Config error otherwise. */
export function parseManifestUrl(url: string): ManifestLocation {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  const bucket = match?.[1];
  if (!bucket) {
    throw new FerryError(
      'Config',
      `--manifest: expected s3://bucket/prefix, e.g. s3://my-artifacts/manifests/, got ${JSON.stringify(url)}`,
    );
  }
  return { bucket, prefix: folderPrefix(match[2] ?? '') };
}

export function manifestUrl(location: ManifestLocation): string {
  return `s3://${location.bucket}/${location.prefix}`;
}

/** A run id or mapping id as one key segment: '/' and other reserved characters escaped, so it stays one level. */
function segment(id: string): string {
  return encodeURIComponent(id);
}

/** The folder of a run's parts, or of one mapping's parts in it. */
export function manifestRunPrefix(options: { prefix: string; runId: string; mappingId?: string }): string {
  const run = `${folderPrefix(options.prefix)}${segment(options.runId)}/`;
  return options.mappingId === undefined ? run : `${run}${segment(options.mappingId)}/`;
}

export const manifestPartSuffix = '.jsonl.gz';

/** `<prefix><runId>/<mappingId>/<workerId>-<sequence>.jsonl.gz`, the sequence zero-padded so names sort. */
export function manifestPartKey(options: {
  prefix: string;
  runId: string;
  mappingId: string;
  workerId: string;
  sequence: number;
}): string {
  const folder = manifestRunPrefix(options);
  return `${folder}${options.workerId}-${String(options.sequence).padStart(6, '0')}${manifestPartSuffix}`;
}

/**
 * A worker id unique to this process: where it runs (instance id or host name), its pid, and random hex, so a
 * worker restarted on the same machine (same pid possible in a new container) never overwrites earlier parts.
 */
export function manifestWorkerId(options: { host: string; pid: number; randomHex: string }): string {
  const host = options.host.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64) || 'host';
  return `${host}-${options.pid}-${options.randomHex}`;
}
