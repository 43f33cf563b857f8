// The validated, typed configuration every other module reads; produced only by the config loader.
import type { ChecksumAlgorithm } from '../domain/object.ts';

export type CredentialSource =
  /** Reads <PREFIX>_ACCESS_KEY_ID, <PREFIX>_SECRET_ACCESS_KEY and optional <PREFIX>_SESSION_TOKEN. */
  | { readonly kind: 'env'; readonly prefix: string }
  /** A named profile from the shared AWS config and credentials files. */
  | { readonly kind: 'profile'; readonly profile: string }
  /** The AWS SDK's default provider chain (environment, web identity, SSO, instance role ...). */
  | { readonly kind: 'default' };

export interface EndpointConfig {
  readonly name: string;
  /** Absent: AWS's own endpoint for the region. */
  readonly url?: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly credentials: CredentialSource;
}

export interface SourceConfig {
  readonly endpoint: string;
  readonly bucket: string;
  readonly prefix: string;
}

export interface DestinationConfig {
  readonly endpoint: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly storageClass?: string;
  readonly encryption?:
    | { readonly type: 'AES256' }
    | { readonly type: 'aws:kms'; readonly kmsKeyId?: string };
  readonly acl?: string;
}

export interface MappingConfig {
  readonly id: string;
  readonly source: SourceConfig;
  readonly destination: DestinationConfig;
  /** Glob patterns matched against the key relative to the source prefix; empty: everything. */
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** 'nightly': the nightly workflow runs this mapping (incremental) every night; absent: only on demand. */
  readonly schedule?: 'nightly';
  /** A guardrail: a run whose plan copies more bytes than this is refused (see docs/workflows.md). */
  readonly maxBytesPerRun?: number;
  /**
   * What a scheduled run does: 'copy' (new and changed objects; the default) or 'sync' (also delete destination
   * objects gone from the source). A run started by hand names its own mode. Absent: copy.
   */
  readonly mode?: 'copy' | 'sync';
  /** Sync guardrail: a sync that would delete more objects than this deletes none. Absent: no limit. */
  readonly maxDeleteObjects?: number;
  /** Sync guardrail: a sync that would delete more bytes than this deletes none. Absent: no limit. */
  readonly maxDeleteBytes?: number;
}

export interface TransferSettings {
  /** Objects transferred at once. */
  readonly concurrency: number;
  /** Objects at or above this size go multipart. */
  readonly multipartThresholdBytes: number;
  /** Smallest part size; it grows so that any object fits in 10,000 parts. */
  readonly partSizeBytes: number;
  /** Parts in flight across all objects: with partSizeBytes, this bounds memory. */
  readonly maxPartsInFlight: number;
  readonly checksumAlgorithm: ChecksumAlgorithm;
  /** Attempts per request-level operation before the object fails (on top of the SDK's own retries). */
  readonly maxAttempts: number;
  /** Objects at or above this size are shared by several workers, a range of parts each; absent: 4 GiB. */
  readonly sharedObjectThresholdBytes?: number;
  /** Bytes per range of a shared object, rounded down to whole parts (at least one); absent: 1 GiB. */
  readonly rangeSizeBytes?: number;
}

/** Where the optional per-object manifest goes (docs/manifest.md). */
export interface ManifestConfig {
  readonly bucket: string;
  /** Parts go under <prefix><runId>/<mappingId>/. */
  readonly prefix: string;
  /** The endpoint whose client writes it; absent: the control plane (ferry worker), the destination (ferry run). */
  readonly endpoint?: string;
  /** A part is written at the latest this long after its first line. */
  readonly flushAfterSec: number;
}

export interface FerryConfig {
  /** The file it was read from, for messages. */
  readonly file: string;
  readonly endpoints: Readonly<Record<string, EndpointConfig>>;
  readonly mappings: readonly MappingConfig[];
  readonly transfer: TransferSettings;
  /** Absent: no manifest unless a command-line flag asks for one. */
  readonly manifest?: ManifestConfig;
}
