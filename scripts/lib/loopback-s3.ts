// One fake S3 endpoint as the scripts use it: an s3rver child process behind a counting proxy child process.
import { type CountingProxy, startCountingProxy } from './counting-proxy.ts';
import type { RequestCounts } from './request-counts.ts';
import { type S3rverProcess, startS3rver } from './s3rver-process.ts';

export interface LoopbackS3 {
  readonly label: string;
  /** The proxy's URL: what copiers are pointed at, so every request is counted. */
  readonly url: string;
  /** s3rver's own URL, for seeding and verifying without touching the counts. */
  readonly serverUrl: string;
  /** s3rver's data directory. */
  readonly directory: string;
  readonly serverPid: number;
  readonly proxyPid: number;
  counts(): Promise<RequestCounts>;
  stop(): Promise<void>;
}

export async function startLoopbackS3(options: { label: string }): Promise<LoopbackS3> {
  const server: S3rverProcess = await startS3rver(options);
  let proxy: CountingProxy;
  try {
    proxy = await startCountingProxy({ label: options.label, targetUrl: server.url });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    label: options.label,
    url: proxy.url,
    serverUrl: server.url,
    directory: server.directory,
    serverPid: server.pid,
    proxyPid: proxy.pid,
    counts: () => proxy.counts(),
    stop: async () => {
      await proxy.stop();
      await server.stop();
    },
  };
}

/** Starts several endpoints at once; if one fails, the others are stopped again. */
export async function startLoopbackEndpoints(labels: readonly string[]): Promise<LoopbackS3[]> {
  const started = await Promise.allSettled(labels.map((label) => startLoopbackS3({ label })));
  const endpoints = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(endpoints.map((endpoint) => endpoint.stop()));
    throw failure.reason;
  }
  return endpoints;
}
