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
}

export interface FerryConfig {
  /** The file it was read from, for messages. */
  readonly file: string;
  readonly endpoints: Readonly<Record<string, EndpointConfig>>;
  readonly mappings: readonly MappingConfig[];
  readonly transfer: TransferSettings;
}
