// The SDK client factories: credentials from each source, shared settings, keep-alive sockets, service ids.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  createDynamoDbClient,
  createS3Client,
  createSqsClient,
  serviceIdOf,
} from '../../../worker/src/aws/clients.ts';
import type { EndpointConfig } from '../../../worker/src/config/types.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { type LocalServer, startLocalServer } from './local-http-server.ts';

const env = {
  SRC_ACCESS_KEY_ID: 'AKIDSOURCE',
  SRC_SECRET_ACCESS_KEY: 'source-secret-value',
  SRC_SESSION_TOKEN: 'source-session-token',
};

function endpoint(overrides: Partial<EndpointConfig> = {}): EndpointConfig {
  return {
    name: 'source',
    url: 'http://127.0.0.1:9000',
    region: 'eu-central-1',
    forcePathStyle: true,
    credentials: { kind: 'env', prefix: 'SRC' },
    ...overrides,
  };
}

function thrownBy(run: () => unknown): FerryError {
  try {
    run();
  } catch (error) {
    if (error instanceof FerryError) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('credentials', () => {
  const savedEnv = { ...process.env };
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  test('env prefix: the three variables, read at construction', async () => {
    const client = createS3Client(endpoint(), { env });
    expect(await client.config.credentials()).toMatchObject({
      accessKeyId: 'AKIDSOURCE',
      secretAccessKey: 'source-secret-value',
      sessionToken: 'source-session-token',
    });
  });

  test('env prefix from process.env by default; the session token is optional', async () => {
    process.env.PROC_ACCESS_KEY_ID = 'AKIDPROC';
    process.env.PROC_SECRET_ACCESS_KEY = 'proc-secret';
    const client = createS3Client(endpoint({ credentials: { kind: 'env', prefix: 'PROC' } }));
    delete process.env.PROC_ACCESS_KEY_ID;
    const credentials = await client.config.credentials();
    expect(credentials.accessKeyId).toBe('AKIDPROC');
    expect(credentials.sessionToken).toBeUndefined();
  });

  test('a missing variable is a Config error naming it, never showing values', () => {
    const failure = thrownBy(() => createS3Client(endpoint(), { env: { SRC_ACCESS_KEY_ID: 'AKIDSOURCE' } }));
    expect(failure.errorClass).toBe('Config');
    expect(failure.message).toContain('SRC_SECRET_ACCESS_KEY');
    expect(failure.message).toContain('"source"');
    expect(failure.message).not.toContain('AKIDSOURCE');
    const both = thrownBy(() => createSqsClient(endpoint(), { env: {} }));
    expect(both.message).toContain('SRC_ACCESS_KEY_ID and SRC_SECRET_ACCESS_KEY');
  });

  test('profile: read from the shared credentials file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ferry-profile-'));
    try {
      const file = join(directory, 'credentials');
      writeFileSync(
        file,
        '[ferry-test]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n',
      );
      process.env.AWS_SHARED_CREDENTIALS_FILE = file;
      process.env.AWS_CONFIG_FILE = join(directory, 'missing-config');
      const client = createS3Client(endpoint({ credentials: { kind: 'profile', profile: 'ferry-test' } }));
      expect(await client.config.credentials()).toMatchObject({
        accessKeyId: 'AKIDPROFILE',
        secretAccessKey: 'profile-secret',
      });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("default: the SDK's provider chain (here: AWS_* environment variables)", async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDDEFAULT';
    process.env.AWS_SECRET_ACCESS_KEY = 'default-secret';
    const client = createS3Client(endpoint({ credentials: { kind: 'default' } }));
    expect((await client.config.credentials()).accessKeyId).toBe('AKIDDEFAULT');
  });
});

describe('client settings', () => {
  test('S3: endpoint, region, path style, standard retries, checksums only when required', async () => {
    const client = createS3Client(endpoint(), { env, maxAttempts: 3 });
    expect(await client.config.region()).toBe('eu-central-1');
    expect(client.config.forcePathStyle).toBe(true);
    expect(await client.config.maxAttempts()).toBe(3);
    expect(client.config.retryMode).toBe('standard');
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    const resolved = await client.config.endpoint?.();
    expect(resolved?.hostname).toBe('127.0.0.1');
    expect(resolved?.port).toBe(9000);
    expect(await createS3Client(endpoint(), { env }).config.maxAttempts()).toBe(5);
  });

  test('SQS and DynamoDB share the endpoint and credential logic', async () => {
    for (const client of [createSqsClient(endpoint(), { env }), createDynamoDbClient(endpoint(), { env })]) {
      expect(await client.config.region()).toBe('eu-central-1');
      expect((await client.config.credentials()).accessKeyId).toBe('AKIDSOURCE');
      expect((await client.config.endpoint?.())?.port).toBe(9000);
      expect(await client.config.maxAttempts()).toBe(5);
    }
  });
});

describe('sockets', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer();
    server.handle((_request, response) => {
      setTimeout(() => response.writeHead(200, { 'content-length': '0', etag: '"e"' }).end(), 30);
    });
  });
  afterAll(async () => {
    await server.close();
  });

  test('connections are kept alive and bounded by maxSockets', async () => {
    const client = createS3Client(endpoint({ url: server.url }), { env, maxSockets: 2, maxAttempts: 1 });
    const head = () => client.send(new HeadObjectCommand({ Bucket: 'bucket', Key: 'key' }));
    await Promise.all(Array.from({ length: 6 }, head));
    await head();
    client.destroy();
    const ports = new Set(server.requests.map((request) => request.clientPort));
    expect(server.requests).toHaveLength(7);
    expect(ports.size).toBe(2);
  });
});

describe('serviceIdOf', () => {
  test('same url, region and credential source: same service', () => {
    expect(serviceIdOf(endpoint({ name: 'a' }))).toBe(
      serviceIdOf(endpoint({ name: 'b', url: 'http://127.0.0.1:9000/' })),
    );
  });

  test('a different url, region or credential source: another service', () => {
    const base = serviceIdOf(endpoint());
    expect(serviceIdOf(endpoint({ url: 'http://127.0.0.1:9001' }))).not.toBe(base);
    expect(serviceIdOf(endpoint({ region: 'us-east-1' }))).not.toBe(base);
    expect(serviceIdOf(endpoint({ credentials: { kind: 'env', prefix: 'DST' } }))).not.toBe(base);
    expect(serviceIdOf(endpoint({ credentials: { kind: 'profile', profile: 'x' } }))).not.toBe(base);
    const { url: _url, ...withoutUrl } = endpoint();
    expect(serviceIdOf(withoutUrl)).not.toBe(base);
  });

  test('never contains credential values', () => {
    expect(serviceIdOf(endpoint())).not.toContain(env.SRC_SECRET_ACCESS_KEY);
    expect(serviceIdOf(endpoint())).not.toContain(env.SRC_ACCESS_KEY_ID);
  });
});
