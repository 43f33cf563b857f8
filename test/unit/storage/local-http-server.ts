// A throwaway HTTP server on loopback whose behaviour each test sets, to make the SDK meet real wire failures.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void;

export interface LocalServer {
  readonly url: string;
  /** What the next requests get. */
  handle(handler: Handler): void;
  /** Every request seen so far: method, url, headers and the client's port (one per connection). */
  readonly requests: {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    clientPort: number;
  }[];
  close(): Promise<void>;
}

export async function startLocalServer(): Promise<LocalServer> {
  let current: Handler = (_request, response) => response.writeHead(500).end();
  const requests: LocalServer['requests'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        clientPort: request.socket.remotePort ?? 0,
      });
      current(request, response, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handle: (handler) => {
      current = handler;
    },
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An S3 error document. */
export function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>r1</RequestId></Error>`;
}
