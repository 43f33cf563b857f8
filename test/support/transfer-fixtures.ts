// Transfer settings and a mapping for unit tests of the engine: small defaults, each test overriding what it needs.
import type { MappingConfig, TransferSettings } from '../../worker/src/config/types.ts';

const MiB = 1024 * 1024;

/** 4 objects at once, 8 MiB parts above 16 MiB, 4 parts in flight, CRC32C, 2 attempts, unless overridden. */
export function testTransferSettings(overrides: Partial<TransferSettings> = {}): TransferSettings {
  return {
    concurrency: 4,
    multipartThresholdBytes: 16 * MiB,
    partSizeBytes: 8 * MiB,
    maxPartsInFlight: 4,
    checksumAlgorithm: 'CRC32C',
    maxAttempts: 2,
    ...overrides,
  };
}

/** Mapping `m`: s3 `src` under `in/` to `dst` under `out/`, no filters, unless overridden. */
export function testMapping(overrides: Partial<MappingConfig> = {}): MappingConfig {
  return {
    id: 'm',
    source: { endpoint: 's', bucket: 'src', prefix: 'in/' },
    destination: { endpoint: 'd', bucket: 'dst', prefix: 'out/' },
    include: [],
    exclude: [],
    ...overrides,
  };
}
