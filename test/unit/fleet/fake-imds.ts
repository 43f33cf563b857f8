// A fake EC2 metadata service on loopback that enforces IMDSv2 tokens like the real one and counts every read.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAnswer {
  readonly status: number;
  readonly body?: string;
}

/** Answers a metadata path; `read` is 1 on the first authorised GET of that path, 2 on the next ... */
export type FakeRoute = (read: number) => FakeAnswer;

export interface FakeImds {
  readonly url: string;
  route(path: string, answer: FakeRoute): void;
  /** Authorised GETs of the path so far. */
  reads(path: string): number;
  /** Token PUTs so far, with the TTL each asked for. */
  readonly tokenRequests: number[];
  /** GETs refused with 401 (no token, or one the service no longer knows). */
  readonly refused: number;
  /** Forgets every token handed out, as IMDS does when they expire. */
  forgetTokens(): void;
  close(): Promise<void>;
}

export const found = (body: string): FakeAnswer => ({ status: 200, body });
export const notFound: FakeAnswer = { status: 404, body: 'Not Found' };

function send(response: ServerResponse, answer: FakeAnswer): void {
  response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
}

export async function startFakeImds(): Promise<FakeImds> {
  const routes = new Map<string, FakeRoute>();
  const readCounts = new Map<string, number>();
  const tokens = new Set<string>();
  const tokenRequests: number[] = [];
  let refused = 0;

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = request.url ?? '';
    if (path === '/latest/api/token') {
      const ttl = Number(request.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (request.method !== 'PUT' || !Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) {
        send(response, { status: 400, body: 'Bad Request' });
        return;
      }
      tokenRequests.push(ttl);
      const token = `token-${tokenRequests.length}`;
      tokens.add(token);
      send(response, found(token));
      return;
    }
    const token = request.headers['x-aws-ec2-metadata-token'];
    if (typeof token !== 'string' || !tokens.has(token)) {
      refused += 1;
      send(response, { status: 401, body: 'Unauthorized' });
      return;
    }
    const read = (readCounts.get(path) ?? 0) + 1;
    readCounts.set(path, read);
    const route = routes.get(path);
    send(response, route ? route(read) : notFound);
  };

  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => handle(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    route: (path, answer) => {
      routes.set(path, answer);
    },
    reads: (path) => readCounts.get(path) ?? 0,
    tokenRequests,
    get refused() {
      return refused;
    },
    forgetTokens: () => tokens.clear(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
