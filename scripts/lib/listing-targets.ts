// What the listing benchmark lists from: buckets on s3rver or moto behind a latency proxy, or an in-process model of S3.
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { motoClientOptions, motoEndpoint, testS3 } from '../../test/support/aws.ts';
import { startMoto } from '../../test/support/moto.ts';
import { createS3Client } from '../../worker/src/aws/clients.ts';
import type { EndpointConfig } from '../../worker/src/config/types.ts';
import type { ObjectEntry } from '../../worker/src/domain/object.ts';
import { compareKeys } from '../../worker/src/plan/key-order.ts';
import type { ListOptions, ObjectLister } from '../../worker/src/ports/object-store.ts';
import { createS3ObjectStore } from '../../worker/src/storage/s3-object-store.ts';
import type { Cleanup } from './cleanup.ts';
import { type DelayProxy, startDelayProxy } from './delay-proxy.ts';
import { processCpuSeconds } from './process-cpu.ts';
import { s3rverClient } from './s3-client.ts';
import { s3rverCredentials, startS3rver } from './s3rver-process.ts';

export const targetNames = ['s3rver', 'moto', 'model'] as const;
export type TargetName = (typeof targetNames)[number];

/** The two buckets' objects: key to body (equal bodies: equal ETags). */
export interface BenchBuckets {
  readonly source: ReadonlyMap<string, string>;
  readonly destination: ReadonlyMap<string, string>;
}

/** The two sides to list at one added latency, and what listing them cost. */
export interface ListingSides {
  readonly source: ObjectLister;
  readonly destination: ObjectLister;
  listRequests(): number;
  /** CPU seconds the server has used so far; undefined when not known. */
  serverCpuSeconds(): Promise<number | undefined>;
  close(): Promise<void>;
}

/** A target holding the benchmark's buckets, listed with any added latency. */
export interface ListingTarget {
  sidesAt(latencyMs: number): Promise<ListingSides>;
}

export const bucketNames = { source: 'bench-list-src', destination: 'bench-list-dst' } as const;

/** The model's page: what S3 returns per ListObjectsV2 request. */
const pageKeys = 1000;
const epoch = new Date(0);

/** S3 as seen from far away: sorted keys, a page per request, each page taking latencyMs, no server CPU counted. */
class ModelLister implements ObjectLister {
  requests = 0;
  readonly #keys: string[];
  readonly #bodies: ReadonlyMap<string, string>;
  readonly #latencyMs: number;

  constructor(bodies: ReadonlyMap<string, string>, latencyMs: number) {
    this.#bodies = bodies;
    this.#keys = [...bodies.keys()].sort(compareKeys);
    this.#latencyMs = latencyMs;
  }

  async *list({ prefix, startAfter, signal }: ListOptions): AsyncGenerator<ObjectEntry> {
    const fromPrefix = this.#firstAfter(prefix, true);
    let index =
      startAfter === undefined ? fromPrefix : Math.max(fromPrefix, this.#firstAfter(startAfter, false));
    for (;;) {
      this.requests += 1;
      await new Promise((resolve) => setTimeout(resolve, this.#latencyMs));
      signal?.throwIfAborted();
      const page = this.#keys.slice(index, index + pageKeys).filter((key) => key.startsWith(prefix));
      for (const key of page) {
        const body = this.#bodies.get(key) ?? '';
        yield { key, size: Buffer.byteLength(body), etag: body, lastModified: epoch };
      }
      index += pageKeys;
      if (page.length < pageKeys) return;
    }
  }

  /** The index of the first key after from (at or after it, when inclusive). */
  #firstAfter(from: string, inclusive: boolean): number {
    let low = 0;
    let high = this.#keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const order = compareKeys(this.#keys[middle] ?? '', from);
      if (order > 0 || (inclusive && order === 0)) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}

function modelTarget(buckets: BenchBuckets): ListingTarget {
  return {
    sidesAt: async (latencyMs) => {
      const source = new ModelLister(buckets.source, latencyMs);
      const destination = new ModelLister(buckets.destination, latencyMs);
      return {
        source,
        destination,
        listRequests: () => source.requests + destination.requests,
        serverCpuSeconds: async () => undefined,
        close: async () => undefined,
      };
    },
  };
}

async function seed(client: S3Client, bucket: string, objects: ReadonlyMap<string, string>): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const limit = pLimit(32);
  let stored = 0;
  await Promise.all(
    [...objects].map(([key, body]) =>
      limit(async () => {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        stored += 1;
        if (stored % 5000 === 0) process.stderr.write(`  ${bucket}: ${stored} / ${objects.size}\n`);
      }),
    ),
  );
}

/** A fake S3 server: its URL, its process (for CPU), an admin client for seeding, how Ferry signs for it. */
interface FakeServer {
  readonly url: string;
  readonly pid?: number;
  readonly admin: S3Client;
  readonly endpointAt: (url: string) => EndpointConfig;
  /** With the SDK's retries, as Ferry runs: s3rver answers a rare 500 under concurrent listings. */
  readonly clientOptions: { env: Record<string, string>; maxAttempts: number };
}

async function startFakeServer(name: 's3rver' | 'moto', cleanup: Cleanup): Promise<FakeServer> {
  if (name === 'moto') {
    const moto = await startMoto();
    cleanup.add(() => moto.stop());
    return {
      url: moto.url,
      admin: testS3(moto.url),
      endpointAt: (url) => motoEndpoint(url),
      clientOptions: { ...motoClientOptions, maxAttempts: 3 },
    };
  }
  const s3rver = await startS3rver({ label: 'bench-listing' });
  cleanup.add(() => s3rver.stop());
  return {
    url: s3rver.url,
    pid: s3rver.pid,
    admin: s3rverClient(s3rver.url),
    endpointAt: (url) => ({ ...motoEndpoint(url, 's3rver'), credentials: { kind: 'env', prefix: 'S3RVER' } }),
    clientOptions: {
      env: {
        S3RVER_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
        S3RVER_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
      },
      maxAttempts: 3,
    },
  };
}

function sidesThrough(server: FakeServer, proxy: DelayProxy): ListingSides {
  const client = createS3Client(server.endpointAt(proxy.url), server.clientOptions);
  const storeOf = (bucket: string) => createS3ObjectStore({ client, bucket, serviceId: 'bench' });
  return {
    source: storeOf(bucketNames.source),
    destination: storeOf(bucketNames.destination),
    listRequests: () => proxy.listRequests(),
    serverCpuSeconds: async () => (server.pid === undefined ? undefined : processCpuSeconds(server.pid)),
    close: async () => {
      client.destroy();
      await proxy.stop();
    },
  };
}

/** Starts the target and puts the buckets on it (a server is seeded over HTTP; the model holds them as they are). */
export async function startListingTarget(options: {
  name: TargetName;
  buckets: BenchBuckets;
  cleanup: Cleanup;
}): Promise<ListingTarget> {
  const { name, buckets } = options;
  if (name === 'model') return modelTarget(buckets);
  const server = await startFakeServer(name, options.cleanup);
  process.stderr.write(`seeding ${buckets.source.size} + ${buckets.destination.size} objects on ${name}\n`);
  await seed(server.admin, bucketNames.source, buckets.source);
  await seed(server.admin, bucketNames.destination, buckets.destination);
  return {
    sidesAt: async (latencyMs) =>
      sidesThrough(server, await startDelayProxy({ upstreamUrl: server.url, latencyMs })),
  };
}
