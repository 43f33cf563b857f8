// A loopback HTTP proxy that holds every request a fixed time before forwarding it (a network's latency), counting lists.
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DelayProxy {
  readonly url: string;
  /** ListObjectsV2 requests forwarded so far. */
  listRequests(): number;
  stop(): Promise<void>;
}

export async function startDelayProxy(options: {
  upstreamUrl: string;
  latencyMs: number;
}): Promise<DelayProxy> {
  const upstream = new URL(options.upstreamUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let lists = 0;
  const server: Server = createServer((incoming, outgoing) => {
    if (incoming.method === 'GET' && (incoming.url ?? '').includes('list-type=2')) lists += 1;
    setTimeout(() => {
      const forwarded = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
          agent,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on('error', () => outgoing.destroy());
      incoming.pipe(forwarded);
    }, options.latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    listRequests: () => lists,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
