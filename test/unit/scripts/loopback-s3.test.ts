// s3rver in a child process behind the counting proxy: bytes pass through intact and every request is counted.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackS3, startLoopbackS3 } from '../../../scripts/lib/loopback-s3.ts';
import { processCpuSeconds } from '../../../scripts/lib/process-cpu.ts';
import { countsSince } from '../../../scripts/lib/request-counts.ts';
import { s3rverClient } from '../../../scripts/lib/s3-client.ts';

describe('startLoopbackS3', () => {
  let endpoint: LoopbackS3;
  beforeAll(async () => {
    endpoint = await startLoopbackS3({ label: 'test' });
  });
  afterAll(async () => {
    await endpoint?.stop();
  });

  it('forwards requests and bodies through the proxy and counts them by method', async () => {
    const viaProxy = s3rverClient(endpoint.url);
    const before = await endpoint.counts();
    const body = randomBytes(3 * 1024 * 1024 + 7);
    await viaProxy.send(new CreateBucketCommand({ Bucket: 'counted' }));
    await viaProxy.send(new PutObjectCommand({ Bucket: 'counted', Key: 'a b/ü.bin', Body: body }));
    const head = await viaProxy.send(new HeadObjectCommand({ Bucket: 'counted', Key: 'a b/ü.bin' }));
    const got = await viaProxy.send(new GetObjectCommand({ Bucket: 'counted', Key: 'a b/ü.bin' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    viaProxy.destroy();
    expect(head.ContentLength).toBe(body.length);
    expect(bytes.equals(body)).toBe(true);
    const counts = countsSince(before, await endpoint.counts());
    expect(counts.byMethod).toEqual({ PUT: 2, HEAD: 1, GET: 1 });
    expect(counts.requestBodyBytes).toBe(body.length);
    expect(counts.responseBodyBytes).toBeGreaterThanOrEqual(body.length);
    expect(counts.proxyErrors).toBe(0);
    expect(counts.requestSeconds).toBeGreaterThan(0);
    expect(counts.peakInFlight).toBeGreaterThanOrEqual(1);
  });

  it('runs server and proxy as separate processes whose CPU time can be read', async () => {
    expect(endpoint.serverPid).not.toBe(endpoint.proxyPid);
    expect(endpoint.serverPid).not.toBe(process.pid);
    expect(await processCpuSeconds(endpoint.serverPid)).toBeGreaterThan(0);
    expect(existsSync(endpoint.directory)).toBe(true);
  });

  it('removes its data directory and ends both processes on stop', async () => {
    const other = await startLoopbackS3({ label: 'stopped' });
    await other.stop();
    expect(existsSync(other.directory)).toBe(false);
    expect(() => process.kill(other.serverPid, 0)).toThrow();
    expect(() => process.kill(other.proxyPid, 0)).toThrow();
  });
});
