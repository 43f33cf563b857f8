// The IMDSv2 client against a fake metadata service on loopback: tokens, refresh, 404s, and "not on EC2".
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  createImdsClient,
  imdsBaseUrl,
  imdsPaths,
  parseInstanceIdentity,
  parseSpotInterruption,
  tokenRefreshAtMs,
} from '../../../worker/src/fleet/imds.ts';
import { createManualClock } from '../../support/manual-clock.ts';
import { freePort } from '../../support/moto.ts';
import { type FakeImds, found, notFound, startFakeImds } from './fake-imds.ts';

const identityDocument = JSON.stringify({
  accountId: '123456789012',
  architecture: 'x86_64',
  availabilityZone: 'eu-west-1b',
  instanceId: 'i-0123456789abcdef0',
  instanceType: 'c7gn.large',
  region: 'eu-west-1',
});

describe('against a fake IMDS', () => {
  let imds: FakeImds;
  beforeEach(async () => {
    imds = await startFakeImds();
  });
  afterEach(async () => {
    await imds.close();
  });

  test('the fake refuses a GET without a token, as IMDSv2 does', async () => {
    imds.route(imdsPaths.identityDocument, () => found(identityDocument));
    const response = await fetch(`${imds.url}${imdsPaths.identityDocument}`);
    expect(response.status).toBe(401);
    expect(imds.refused).toBe(1);
  });

  test('reads the instance identity with a session token', async () => {
    imds.route(imdsPaths.identityDocument, () => found(identityDocument));
    const client = createImdsClient({ clock: createManualClock(), baseUrl: imds.url, env: {} });
    expect(await client.instanceIdentity()).toEqual({
      instanceId: 'i-0123456789abcdef0',
      region: 'eu-west-1',
    });
    expect(imds.tokenRequests).toEqual([21_600]);
    expect(imds.refused).toBe(0);
  });

  test('honours AWS_EC2_METADATA_SERVICE_ENDPOINT', async () => {
    imds.route(imdsPaths.identityDocument, () => found(identityDocument));
    const client = createImdsClient({
      clock: createManualClock(),
      env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: `${imds.url}/` },
    });
    expect((await client.instanceIdentity())?.instanceId).toBe('i-0123456789abcdef0');
  });

  test('AWS_EC2_METADATA_DISABLED=true answers unavailable without asking', async () => {
    const client = createImdsClient({
      clock: createManualClock(),
      baseUrl: imds.url,
      env: { AWS_EC2_METADATA_DISABLED: 'true' },
    });
    expect((await client.read(imdsPaths.identityDocument)).kind).toBe('unavailable');
    expect(imds.tokenRequests).toEqual([]);
  });

  test('caches the token until shortly before it expires, on the injected clock', async () => {
    imds.route(imdsPaths.targetLifecycleState, () => found('InService'));
    const clock = createManualClock();
    const client = createImdsClient({ clock, baseUrl: imds.url, env: {}, tokenTtlSec: 600 });
    await Promise.all([client.autoScalingTargetLifecycleState(), client.autoScalingTargetLifecycleState()]);
    await client.autoScalingTargetLifecycleState();
    expect(imds.tokenRequests).toEqual([600]);
    await clock.advance(539_000);
    await client.autoScalingTargetLifecycleState();
    expect(imds.tokenRequests).toHaveLength(1);
    await clock.advance(1_000);
    expect(await client.autoScalingTargetLifecycleState()).toBe('InService');
    expect(imds.tokenRequests).toEqual([600, 600]);
    expect(imds.reads(imdsPaths.targetLifecycleState)).toBe(5);
  });

  test('a token IMDS no longer knows (401) is replaced once and the read retried', async () => {
    imds.route(imdsPaths.targetLifecycleState, () => found('InService\n'));
    const client = createImdsClient({ clock: createManualClock(), baseUrl: imds.url, env: {} });
    expect(await client.autoScalingTargetLifecycleState()).toBe('InService');
    imds.forgetTokens();
    expect(await client.autoScalingTargetLifecycleState()).toBe('InService');
    expect(imds.refused).toBe(1);
    expect(imds.tokenRequests).toHaveLength(2);
  });

  test('no spot notice is a 404, until the notice appears', async () => {
    const notice = { action: 'terminate', time: '2025-03-01T10:02:00Z' };
    imds.route(imdsPaths.spotInstanceAction, (read) => (read < 3 ? notFound : found(JSON.stringify(notice))));
    const client = createImdsClient({ clock: createManualClock(), baseUrl: imds.url, env: {} });
    expect(await client.spotInterruption()).toBeUndefined();
    expect(await client.read(imdsPaths.spotInstanceAction)).toEqual({ kind: 'absent' });
    expect(await client.spotInterruption()).toEqual({
      action: 'terminate',
      time: new Date('2025-03-01T10:02:00Z'),
    });
  });

  test('outside an Auto Scaling group the target lifecycle state is absent', async () => {
    const client = createImdsClient({ clock: createManualClock(), baseUrl: imds.url, env: {} });
    expect(await client.autoScalingTargetLifecycleState()).toBeUndefined();
    expect(imds.reads(imdsPaths.targetLifecycleState)).toBe(1);
  });

  test('a server error is unavailable, not absent', async () => {
    imds.route(imdsPaths.spotInstanceAction, () => ({ status: 503, body: 'busy' }));
    const client = createImdsClient({ clock: createManualClock(), baseUrl: imds.url, env: {} });
    const answer = await client.read(imdsPaths.spotInstanceAction);
    expect(answer).toEqual({ kind: 'unavailable', reason: `${imdsPaths.spotInstanceAction} answered 503` });
  });
});

describe('off EC2', () => {
  test('a closed port answers unavailable at once, not after the timeout', async () => {
    const port = await freePort();
    // A long timeout: only a refused connection can produce this answer.
    const client = createImdsClient({
      clock: createManualClock(),
      baseUrl: `http://127.0.0.1:${port}`,
      env: {},
      timeoutMs: 60_000,
    });
    const answer = await client.read(imdsPaths.spotInstanceAction);
    expect(answer).toEqual({ kind: 'unavailable', reason: 'token request failed: ECONNREFUSED' });
    expect(await client.instanceIdentity()).toBeUndefined();
    expect(await client.spotInterruption()).toBeUndefined();
    expect(await client.autoScalingTargetLifecycleState()).toBeUndefined();
  });

  describe('a service that accepts connections and never answers', () => {
    let silent: Server;
    const sockets: Socket[] = [];
    beforeEach(async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    test('times out into unavailable', async () => {
      const address = silent.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const client = createImdsClient({
        clock: createManualClock(),
        baseUrl: `http://127.0.0.1:${port}`,
        env: {},
        timeoutMs: 200,
      });
      expect(await client.read(imdsPaths.identityDocument)).toEqual({
        kind: 'unavailable',
        reason: 'token request failed: timed out',
      });
    });
  });
});

describe('pure helpers', () => {
  test('base URL: option, then environment, then the link-local default; no trailing slash', () => {
    expect(
      imdsBaseUrl({ baseUrl: 'http://a:1/', env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://b' } }),
    ).toBe('http://a:1');
    expect(imdsBaseUrl({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://[fd00:ec2::254]/' } })).toBe(
      'http://[fd00:ec2::254]',
    );
    expect(imdsBaseUrl({ env: {} })).toBe('http://169.254.169.254');
  });

  test('token refresh: a minute early, or halfway through a short lifetime', () => {
    expect(tokenRefreshAtMs(1_000, 21_600)).toBe(1_000 + 21_600_000 - 60_000);
    expect(tokenRefreshAtMs(0, 60)).toBe(30_000);
  });

  test('malformed documents parse to undefined', () => {
    expect(parseInstanceIdentity('not json')).toBeUndefined();
    expect(parseInstanceIdentity('{"instanceId":"i-1"}')).toBeUndefined();
    expect(parseSpotInterruption('{"action":"stop","time":"soon"}')).toBeUndefined();
    expect(parseSpotInterruption('[]')).toBeUndefined();
    expect(parseSpotInterruption('{"action":"stop","time":"2025-01-01T00:00:00Z"}')).toEqual({
      action: 'stop',
      time: new Date('2025-01-01T00:00:00Z'),
    });
  });
});
