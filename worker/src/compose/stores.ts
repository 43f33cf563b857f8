// Builds the object stores of mappings from the config, on first use: one SDK client per endpoint, shared by its buckets.
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, serviceIdOf } from '../aws/clients.ts';
import type { FerryConfig } from '../config/types.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { createS3ObjectStore } from '../storage/s3-object-store.ts';
import type { MappingRuntime } from '../worker/process-batch.ts';

export type MappingResolver = (mappingId: string) => MappingRuntime | undefined;

/** Resolves a mapping id to its stores, building clients only for endpoints actually used. */
export function createMappingResolver(config: FerryConfig): MappingResolver {
  const { transfer } = config;
  const maxSockets = transfer.concurrency + transfer.maxPartsInFlight + 8;
  const clients = new Map<string, S3Client>();
  const runtimes = new Map<string, MappingRuntime>();
  const storeOf = (endpointName: string, bucket: string): ObjectStore => {
    const endpoint = config.endpoints[endpointName];
    if (!endpoint) throw new Error(`unknown endpoint ${endpointName}`);
    let client = clients.get(endpointName);
    if (!client) {
      client = createS3Client(endpoint, { maxSockets, maxAttempts: transfer.maxAttempts });
      clients.set(endpointName, client);
    }
    return createS3ObjectStore({ client, bucket, serviceId: serviceIdOf(endpoint) });
  };
  return (mappingId) => {
    const known = runtimes.get(mappingId);
    if (known) return known;
    const mapping = config.mappings.find((candidate) => candidate.id === mappingId);
    if (!mapping) return undefined;
    const runtime = {
      mapping,
      source: storeOf(mapping.source.endpoint, mapping.source.bucket),
      destination: storeOf(mapping.destination.endpoint, mapping.destination.bucket),
    };
    runtimes.set(mappingId, runtime);
    return runtime;
  };
}
