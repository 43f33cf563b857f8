// Turns schema-valid raw configuration into FerryConfig: sizes to bytes, credentials to sources, names cross-checked.
import { errorMessage } from '../domain/errors.ts';
import type { ConfigIssue } from './config-issue.ts';
import type {
  RawConfig,
  RawCredentials,
  RawDestination,
  RawEndpoint,
  RawManifest,
  RawMapping,
  RawTransfer,
} from './raw-config.ts';
import { formatSize, GiB, MiB, parseSize } from './size.ts';
import type {
  CredentialSource,
  DestinationConfig,
  EndpointConfig,
  FerryConfig,
  ManifestConfig,
  MappingConfig,
  TransferSettings,
} from './types.ts';

interface SizeLimits {
  readonly minBytes: number;
  readonly maxBytes: number;
}

/**
 * S3's limits: a single PUT carries at most 5GiB; parts are 5MiB to 5GiB (the last part may be smaller); an object
 * has at most 10,000 parts of 5GiB. A range holds at least one part.
 */
const sizeLimits: Readonly<
  Record<'multipartThreshold' | 'partSize' | 'sharedObjectThreshold' | 'rangeSize', SizeLimits>
> = {
  multipartThreshold: { minBytes: 0, maxBytes: 5 * GiB },
  partSize: { minBytes: 5 * MiB, maxBytes: 5 * GiB },
  sharedObjectThreshold: { minBytes: 0, maxBytes: 10_000 * 5 * GiB },
  rangeSize: { minBytes: 5 * MiB, maxBytes: 10_000 * 5 * GiB },
};

function rangeText(limits: SizeLimits): string {
  return limits.minBytes === 0
    ? `at most ${formatSize(limits.maxBytes)}`
    : `between ${formatSize(limits.minBytes)} and ${formatSize(limits.maxBytes)}`;
}

function sizeInBytes(transfer: RawTransfer, field: keyof typeof sizeLimits, issues: ConfigIssue[]): number {
  const path = ['transfer', field];
  const limits = sizeLimits[field];
  try {
    const bytes = parseSize(transfer[field] ?? 0);
    if (bytes < limits.minBytes || bytes > limits.maxBytes) {
      const message = `must be ${rangeText(limits)}, got ${formatSize(bytes)} (${bytes} bytes)`;
      issues.push({ path, anchor: 'value', message });
    }
    return bytes;
  } catch (error) {
    issues.push({ path, anchor: 'value', message: errorMessage(error) });
    return 0;
  }
}

function transferSettings(raw: RawTransfer, issues: ConfigIssue[]): TransferSettings {
  return {
    concurrency: raw.concurrency,
    multipartThresholdBytes: sizeInBytes(raw, 'multipartThreshold', issues),
    partSizeBytes: sizeInBytes(raw, 'partSize', issues),
    maxPartsInFlight: raw.maxPartsInFlight,
    checksumAlgorithm: raw.checksumAlgorithm,
    maxAttempts: raw.maxAttempts,
    ...(raw.sharedObjectThreshold === undefined
      ? {}
      : { sharedObjectThresholdBytes: sizeInBytes(raw, 'sharedObjectThreshold', issues) }),
    ...(raw.rangeSize === undefined ? {} : { rangeSizeBytes: sizeInBytes(raw, 'rangeSize', issues) }),
  };
}

function credentialSource(raw: RawCredentials | undefined): CredentialSource {
  if (raw?.env !== undefined) return { kind: 'env', prefix: raw.env };
  if (raw?.profile !== undefined) return { kind: 'profile', profile: raw.profile };
  return { kind: 'default' };
}

function endpointConfig(name: string, raw: RawEndpoint): EndpointConfig {
  return {
    name,
    ...(raw.url === undefined ? {} : { url: raw.url }),
    region: raw.region,
    forcePathStyle: raw.forcePathStyle,
    credentials: credentialSource(raw.credentials),
  };
}

type Encryption = NonNullable<DestinationConfig['encryption']>;

function encryptionConfig(raw: NonNullable<RawDestination['encryption']>): Encryption {
  if (raw.type === 'AES256') return { type: 'AES256' };
  return raw.kmsKeyId === undefined ? { type: 'aws:kms' } : { type: 'aws:kms', kmsKeyId: raw.kmsKeyId };
}

function destinationConfig(raw: RawDestination): DestinationConfig {
  return {
    endpoint: raw.endpoint,
    bucket: raw.bucket,
    prefix: raw.prefix,
    ...(raw.storageClass === undefined ? {} : { storageClass: raw.storageClass }),
    ...(raw.encryption === undefined ? {} : { encryption: encryptionConfig(raw.encryption) }),
    ...(raw.acl === undefined ? {} : { acl: raw.acl }),
  };
}

function mappingConfig(raw: RawMapping): MappingConfig {
  return {
    id: raw.id,
    source: { endpoint: raw.source.endpoint, bucket: raw.source.bucket, prefix: raw.source.prefix },
    destination: destinationConfig(raw.destination),
    include: [...raw.include],
    exclude: [...raw.exclude],
    ...(raw.schedule === undefined ? {} : { schedule: raw.schedule }),
    ...(raw.maxBytesPerRun === undefined ? {} : { maxBytesPerRun: parseSize(raw.maxBytesPerRun) }),
    mode: raw.mode,
    ...(raw.maxDeleteObjects === undefined ? {} : { maxDeleteObjects: raw.maxDeleteObjects }),
    ...(raw.maxDeleteBytes === undefined ? {} : { maxDeleteBytes: parseSize(raw.maxDeleteBytes) }),
  };
}

/** maxBytesPerRun must be a size of at least one byte; maxDeleteBytes a size (0: delete nothing). */
function guardrailSizeIssues(raw: RawConfig): ConfigIssue[] {
  return raw.mappings.flatMap((mapping, index): ConfigIssue[] => {
    const sized = [
      { field: 'maxBytesPerRun', value: mapping.maxBytesPerRun, least: 1 },
      { field: 'maxDeleteBytes', value: mapping.maxDeleteBytes, least: 0 },
    ] as const;
    return sized.flatMap(({ field, value, least }): ConfigIssue[] => {
      if (value === undefined) return [];
      const path = ['mappings', index, field];
      try {
        if (parseSize(value) >= least) return [];
        return [{ path, anchor: 'value', message: 'must be at least 1 byte; omit it for no limit' }];
      } catch (error) {
        return [{ path, anchor: 'value', message: errorMessage(error) }];
      }
    });
  });
}

/** Same endpoint and bucket, and one prefix starts the other: a sync of one would delete the other's objects. */
function destinationsOverlap(a: RawMapping, b: RawMapping): boolean {
  const [x, y] = [a.destination, b.destination];
  return (
    x.endpoint === y.endpoint &&
    x.bucket === y.bucket &&
    (x.prefix.startsWith(y.prefix) || y.prefix.startsWith(x.prefix))
  );
}

/** A sync mapping must own its destination prefix: no other mapping may write inside it or around it. */
function syncOverlapIssues(raw: RawConfig): ConfigIssue[] {
  return raw.mappings.flatMap((mapping, index): ConfigIssue[] => {
    if (mapping.mode !== 'sync') return [];
    const other = raw.mappings.find(
      (candidate, at) => at !== index && destinationsOverlap(mapping, candidate),
    );
    if (other === undefined) return [];
    return [
      {
        path: ['mappings', index, 'mode'],
        anchor: 'value',
        message: `a sync mapping's destination must not overlap another mapping's: mapping ${other.id} also writes to s3://${other.destination.bucket}/${other.destination.prefix}, and this sync would delete its objects`,
      },
    ];
  });
}

function unknownEndpointIssues(raw: RawConfig): ConfigIssue[] {
  const known = Object.keys(raw.endpoints);
  return raw.mappings.flatMap((mapping, index) =>
    (['source', 'destination'] as const).flatMap((side): ConfigIssue[] =>
      Object.hasOwn(raw.endpoints, mapping[side].endpoint)
        ? []
        : [
            {
              path: ['mappings', index, side, 'endpoint'],
              anchor: 'value',
              message: `unknown endpoint "${mapping[side].endpoint}"; defined endpoints: ${known.join(', ')}`,
            },
          ],
    ),
  );
}

function manifestConfig(raw: RawManifest): ManifestConfig {
  const { bucket, prefix, endpoint, flushAfterSec } = raw;
  return { bucket, prefix, ...(endpoint === undefined ? {} : { endpoint }), flushAfterSec };
}

function manifestEndpointIssues(raw: RawConfig): ConfigIssue[] {
  const name = raw.manifest?.endpoint;
  if (name === undefined || Object.hasOwn(raw.endpoints, name)) return [];
  const known = Object.keys(raw.endpoints).join(', ');
  const message = `unknown endpoint "${name}"; defined endpoints: ${known}`;
  return [{ path: ['manifest', 'endpoint'], anchor: 'value', message }];
}

function duplicateIdIssues(raw: RawConfig): ConfigIssue[] {
  const firstIndexOf = new Map<string, number>();
  const issues: ConfigIssue[] = [];
  raw.mappings.forEach((mapping, index) => {
    const firstIndex = firstIndexOf.get(mapping.id);
    if (firstIndex === undefined) {
      firstIndexOf.set(mapping.id, index);
    } else {
      const message = `duplicate mapping id "${mapping.id}": mappings[${firstIndex}] already uses it`;
      issues.push({ path: ['mappings', index, 'id'], anchor: 'value', message });
    }
  });
  return issues;
}

export type BuildResult =
  | { readonly ok: true; readonly config: FerryConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** The typed configuration, or every problem the schema cannot express (sizes, references, uniqueness). */
export function buildConfig(raw: RawConfig, file: string): BuildResult {
  const issues: ConfigIssue[] = [];
  const transfer = transferSettings(raw.transfer, issues);
  issues.push(...unknownEndpointIssues(raw), ...manifestEndpointIssues(raw), ...duplicateIdIssues(raw));
  issues.push(...guardrailSizeIssues(raw), ...syncOverlapIssues(raw));
  if (issues.length > 0) return { ok: false, issues };
  const endpoints = Object.fromEntries(
    Object.entries(raw.endpoints).map(([name, endpoint]) => [name, endpointConfig(name, endpoint)]),
  );
  const mappings = raw.mappings.map(mappingConfig);
  const manifest = raw.manifest === undefined ? {} : { manifest: manifestConfig(raw.manifest) };
  return { ok: true, config: { file, endpoints, mappings, transfer, ...manifest } };
}
