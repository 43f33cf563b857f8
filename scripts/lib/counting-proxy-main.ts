// Child-process entry: a streaming reverse proxy to one upstream that counts requests by method.
// Prints "listening <proxyPort> <controlPort>"; GET http://127.0.0.1:<controlPort>/counts returns the counts as JSON
// (and starts a new peak-in-flight measurement).
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { exitWithParent } from './exit-with-parent.ts';

const { values } = parseArgs({ options: { target: { type: 'string' } } });
if (!values.target) throw new Error('usage: counting-proxy-main.ts --target http://127.0.0.1:<port>');
const target = new URL(values.target);
if (target.hostname !== '127.0.0.1')
  throw new Error(`the proxy only forwards to 127.0.0.1, not ${target.hostname}`);

const byMethod: Record<string, number> = {};
let requestBodyBytes = 0;
let responseBodyBytes = 0;
let proxyErrors = 0;
let requestSeconds = 0;
let inFlight = 0;
let peakInFlight = 0;
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

function forward(incoming: IncomingMessage, outgoing: ServerResponse): void {
  const method = incoming.method ?? 'GET';
  byMethod[method] = (byMethod[method] ?? 0) + 1;
  const startedNs = process.hrtime.bigint();
  inFlight += 1;
  peakInFlight = Math.max(peakInFlight, inFlight);
  // Node answers "Expect: 100-continue" itself; the upstream need not see it. Host stays: it is signed.
  const { expect: _expect, ...headers } = incoming.headers;
  const upstream = request({
    host: target.hostname,
    port: target.port,
    method,
    path: incoming.url,
    headers,
    agent,
  });
  upstream.on('response', (response) => {
    outgoing.writeHead(response.statusCode ?? 502, response.statusMessage, response.rawHeaders);
    response.on('data', (chunk: Buffer) => {
      responseBodyBytes += chunk.length;
    });
    response.on('error', () => {
      proxyErrors += 1;
      outgoing.destroy();
    });
    response.pipe(outgoing);
  });
  upstream.on('error', (error) => {
    proxyErrors += 1;
    if (outgoing.headersSent) {
      outgoing.destroy(error);
      return;
    }
    outgoing.writeHead(502, { 'content-type': 'text/plain' });
    outgoing.end(`counting proxy: upstream failed: ${error.message}`);
  });
  incoming.on('data', (chunk: Buffer) => {
    requestBodyBytes += chunk.length;
  });
  incoming.on('error', () => upstream.destroy());
  outgoing.on('close', () => {
    inFlight -= 1;
    requestSeconds += Number(process.hrtime.bigint() - startedNs) / 1e9;
    if (!outgoing.writableFinished) upstream.destroy();
  });
  incoming.pipe(upstream);
}

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

const proxy = createServer(forward);
proxy.keepAliveTimeout = 60_000;
const control = createServer((incoming, outgoing) => {
  if (incoming.url !== '/counts') {
    outgoing.writeHead(404).end();
    return;
  }
  outgoing.writeHead(200, { 'content-type': 'application/json' });
  outgoing.end(
    JSON.stringify({
      byMethod,
      requestBodyBytes,
      responseBodyBytes,
      proxyErrors,
      requestSeconds,
      peakInFlight,
    }),
  );
  // Each reading starts a new peak.
  peakInFlight = inFlight;
});
const [proxyPort, controlPort] = await Promise.all([listen(proxy), listen(control)]);
process.stdout.write(`listening ${proxyPort} ${controlPort}\n`);
exitWithParent();
