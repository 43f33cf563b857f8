// The configuration exactly as ferry.schema.json guarantees it, defaults filled in, before sizes and names are resolved.
import type { ChecksumAlgorithm } from '../domain/object.ts';

export interface RawCredentials {
  readonly env?: string;
  readonly profile?: string;
}

export interface RawEndpoint {
  readonly url?: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly credentials?: RawCredentials;
}

/** A size as written: bytes, or a string such as '16MiB'. */
export type RawSize = number | string;

export interface RawTransfer {
  readonly concurrency: number;
  readonly multipartThreshold: RawSize;
  readonly partSize: RawSize;
  readonly maxPartsInFlight: number;
  readonly checksumAlgorithm: ChecksumAlgorithm;
  readonly maxAttempts: number;
  readonly sharedObjectThreshold?: RawSize;
  readonly rangeSize?: RawSize;
}

export interface RawLocation {
  readonly endpoint: string;
  readonly bucket: string;
  readonly prefix: string;
}

export interface RawDestination extends RawLocation {
  readonly storageClass?: string;
  readonly encryption?:
    | { readonly type: 'AES256' }
    | { readonly type: 'aws:kms'; readonly kmsKeyId?: string };
  readonly acl?: string;
}

export interface RawMapping {
  readonly id: string;
  readonly source: RawLocation;
  readonly destination: RawDestination;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly schedule?: 'nightly';
  readonly maxBytesPerRun?: RawSize;
  readonly mode: 'copy' | 'sync';
  readonly maxDeleteObjects?: number;
  readonly maxDeleteBytes?: RawSize;
}

export interface RawManifest {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint?: string;
  readonly flushAfterSec: number;
}

export interface RawConfig {
  readonly endpoints: Readonly<Record<string, RawEndpoint>>;
  readonly transfer: RawTransfer;
  readonly mappings: readonly RawMapping[];
  readonly manifest?: RawManifest;
}
