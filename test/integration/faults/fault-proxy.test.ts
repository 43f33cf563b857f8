// The fault proxy itself: it forwards, and each fault breaks exactly what it says, exactly as often as asked.
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { testS3, uniqueBucket } from '../../support/aws.ts';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.ts';
import { createBucket, putObject } from '../../support/objects.ts';

const motoSource = inject('motoSource');
const direct = testS3(motoSource);
const body = Buffer.alloc(256 * 1024, 7);
let proxy: FaultProxy;
/** Through the proxy, one attempt per request (testS3): every fault reaches the test. */
let proxied: S3Client;
let bucket: string;

beforeAll(async () => {
  proxy = await startFaultProxy(motoSource);
  proxied = testS3(proxy.url);
  bucket = uniqueBucket('proxy');
  await createBucket(direct, bucket);
  await putObject(direct, { bucket, key: 'blob', body });
});

afterEach(async () => {
  await proxy.reset();
});

afterAll(async () => {
  proxied?.destroy();
  await proxy?.stop();
});

/** What a caller gets back: the status, or the error's code. */
async function outcomeOf(
  call: Promise<{ $metadata: { httpStatusCode?: number } }>,
): Promise<number | string> {
  try {
    return (await call).$metadata.httpStatusCode ?? 0;
  } catch (error) {
    const { code, name } = error as { code?: string; name?: string };
    return code ?? name ?? String(error);
  }
}

async function getBlob(): Promise<number | string> {
  return await outcomeOf(
    proxied.send(new GetObjectCommand({ Bucket: bucket, Key: 'blob' })).then(async (response) => {
      await response.Body?.transformToByteArray();
      return response;
    }),
  );
}

async function put(key: string, sizeBytes: number): Promise<number | string> {
  return await outcomeOf(
    proxied.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(sizeBytes, 1) })),
  );
}

async function existsDirectly(key: string): Promise<boolean> {
  return await direct.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );
}

describe('the fault proxy', () => {
  test('forwards requests unchanged and counts them', async () => {
    expect(await getBlob()).toBe(200);
    expect(proxy.requestCounts()).toEqual({ GET: 1 });
    expect(proxy.statusCounts()).toEqual({ 200: 1 });
  });

  test('failNext fails exactly `count` of many concurrent matching requests, then forwards', async () => {
    const fault = proxy.failNext({ method: 'GET', pathMatches: /\/blob$/, count: 3, status: 503 });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => getBlob()));
    expect(outcomes.filter((outcome) => outcome === 200)).toHaveLength(7);
    expect(await fault.seen()).toHaveLength(3);
    expect(proxy.statusCounts()).toEqual({ 200: 7, 503: 3 });
  });

  test('cutBodyAfter sends the real status and headers, then closes the connection mid-body', async () => {
    const fault = proxy.cutBodyAfter({ method: 'GET', pathMatches: /\/blob$/, bytes: 1000, count: 1 });
    const response = await proxied.send(new GetObjectCommand({ Bucket: bucket, Key: 'blob' }));
    expect(response.$metadata.httpStatusCode).toBe(200);
    expect(response.ContentLength).toBe(body.length);
    let receivedBytes = 0;
    const ending = await (async () => {
      try {
        for await (const chunk of response.Body as Readable) receivedBytes += (chunk as Buffer).length;
        return 'ended';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    })();
    expect({ receivedBytes, ending }).toEqual({ receivedBytes: 1000, ending: 'ECONNRESET' });
    expect(await fault.seen()).toHaveLength(1);
    expect(await getBlob()).toBe(200);
  });

  test('resetDuringRequest breaks the connection before the upstream sees the request', async () => {
    const fault = await proxy.resetDuringRequest({ method: 'PUT', pathMatches: /\/reset-me$/, count: 1 });
    expect(await put('reset-me', 4 * 1024 * 1024)).toMatch(/^(ECONNRESET|EPIPE)$/);
    expect(await fault.seen()).toHaveLength(1);
    expect(await existsDirectly('reset-me')).toBe(false);
    expect(await put('reset-me', 1000)).toBe(200);
  });

  test('loseResponse lets the upstream act, then resets the connection', async () => {
    const fault = proxy.loseResponse({ method: 'PUT', pathMatches: /\/lost$/, count: 1 });
    expect(await put('lost', 1000)).toMatch(/^(ECONNRESET|EPIPE)$/);
    expect(await fault.seen()).toHaveLength(1);
    expect(await existsDirectly('lost')).toBe(true);
  });

  test('onRequest runs its hook before forwarding, up to `count` times', async () => {
    const hooked: { key: string; existedYet: boolean }[] = [];
    proxy.onRequest({ method: 'PUT', pathMatches: /\/hooked-/, count: 2 }, async (seen) => {
      const key = new URL(seen.path, 'http://proxy').pathname.split('/').at(-1) ?? '';
      hooked.push({ key, existedYet: await existsDirectly(key) });
    });
    for (const key of ['hooked-a', 'hooked-b', 'hooked-c']) expect(await put(key, 10)).toBe(200);
    expect(hooked).toEqual([
      { key: 'hooked-a', existedYet: false },
      { key: 'hooked-b', existedYet: false },
    ]);
    expect(await existsDirectly('hooked-c')).toBe(true);
    expect(proxy.requestCounts()).toEqual({ PUT: 3 });
  });
});
