// Classification of what S3 calls throw: SDK exception shapes, Node socket errors, and failures met on the wire.
import {
  GetObjectCommand,
  InvalidObjectState,
  NoSuchKey,
  NoSuchUpload,
  NotFound,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createS3Client } from '../../../worker/src/aws/clients.ts';
import { type ErrorClass, FerryError } from '../../../worker/src/domain/errors.ts';
import { classifyS3Error } from '../../../worker/src/storage/s3-errors.ts';
import { type LocalServer, s3ErrorXml, startLocalServer } from './local-http-server.ts';

function serviceError(
  name: string,
  httpStatusCode: number,
  message = `${name} happened`,
): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    message,
  });
}

function nodeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

const cases: [string, unknown, ErrorClass][] = [
  ['SlowDown 503', serviceError('SlowDown', 503), 'Throttled'],
  ['ThrottlingException 400', serviceError('ThrottlingException', 400), 'Throttled'],
  ['unnamed 503', serviceError('ServiceUnavailable', 503), 'Throttled'],
  ['TooManyRequests 429', serviceError('Unknown', 429), 'Throttled'],
  ['InternalError 500', serviceError('InternalError', 500), 'Transient'],
  ['502 Bad Gateway', serviceError('Unknown', 502), 'Transient'],
  ['504 Gateway Timeout', serviceError('Unknown', 504), 'Transient'],
  ['RequestTimeout 400', serviceError('RequestTimeout', 400), 'Transient'],
  ['ECONNRESET', nodeError('ECONNRESET', 'read ECONNRESET'), 'Transient'],
  ['EPIPE', nodeError('EPIPE', 'write EPIPE'), 'Transient'],
  ['ETIMEDOUT', nodeError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443'), 'Transient'],
  ['socket hang up', new Error('socket hang up'), 'Transient'],
  ['premature close', nodeError('ERR_STREAM_PREMATURE_CLOSE', 'Premature close'), 'Transient'],
  ['aborted body', new Error('aborted'), 'Transient'],
  ['SDK socket timeout', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), 'Transient'],
  [
    'cause is ECONNRESET',
    new Error('request failed', { cause: nodeError('ECONNRESET', 'reset') }),
    'Transient',
  ],
  [
    'NoSuchKey',
    new NoSuchKey({ ...metadata(404), message: 'The specified key does not exist.' }),
    'NotFound',
  ],
  ['HEAD 404 NotFound', new NotFound({ ...metadata(404), message: 'NotFound' }), 'NotFound'],
  ['NoSuchBucket', serviceError('NoSuchBucket', 404), 'NotFound'],
  ['NoSuchUpload', new NoSuchUpload({ ...metadata(404), message: 'gone' }), 'NotFound'],
  ['AccessDenied 403', serviceError('AccessDenied', 403), 'AccessDenied'],
  ['HEAD 403 Forbidden', serviceError('Forbidden', 403), 'AccessDenied'],
  ['InvalidAccessKeyId', serviceError('InvalidAccessKeyId', 403), 'AccessDenied'],
  ['SignatureDoesNotMatch', serviceError('SignatureDoesNotMatch', 403), 'AccessDenied'],
  [
    'archived object, 403',
    new InvalidObjectState({ ...metadata(403), message: 'archived' }),
    'InvalidObject',
  ],
  ['PreconditionFailed 412', serviceError('PreconditionFailed', 412), 'SourceChanged'],
  ['HEAD 412 without code', serviceError('Unknown', 412), 'SourceChanged'],
  ['BadDigest', serviceError('BadDigest', 400), 'ChecksumMismatch'],
  ['InvalidDigest', serviceError('InvalidDigest', 400), 'ChecksumMismatch'],
  ['XAmzContentChecksumMismatch', serviceError('XAmzContentChecksumMismatch', 400), 'ChecksumMismatch'],
  [
    'InvalidRequest about a checksum',
    serviceError('InvalidRequest', 400, 'Value for x-amz-checksum-crc32c header is invalid.'),
    'ChecksumMismatch',
  ],
  [
    'SDK response checksum',
    new Error('Checksum mismatch: expected "a" but received "b"'),
    'ChecksumMismatch',
  ],
  ['InvalidRequest', serviceError('InvalidRequest', 400), 'InvalidObject'],
  ['KeyTooLongError', serviceError('KeyTooLongError', 400), 'InvalidObject'],
  ['EntityTooLarge', serviceError('EntityTooLarge', 400), 'InvalidObject'],
  ['EntityTooSmall', serviceError('EntityTooSmall', 400), 'InvalidObject'],
  ['InvalidPart', serviceError('InvalidPart', 400), 'InvalidObject'],
  ['MalformedXML', serviceError('MalformedXML', 400), 'Internal'],
  ['plain TypeError', new TypeError('x is not a function'), 'Internal'],
  ['a string', 'something odd', 'Internal'],
];

describe('classifyS3Error', () => {
  test.each(cases)('%s → %s', (_label, error, expected) => {
    const classified = classifyS3Error(error, 'GET s3://bucket/key');
    expect(classified).toBeInstanceOf(FerryError);
    expect(classified.errorClass).toBe(expected);
    expect(classified.cause).toBe(error);
    expect(classified.message.startsWith('GET s3://bucket/key: ')).toBe(true);
  });

  test("the message names the service's code and status", () => {
    const classified = classifyS3Error(
      serviceError('SlowDown', 503, 'Please reduce your request rate.'),
      'PUT s3://b/k',
    );
    expect(classified.message).toBe('PUT s3://b/k: SlowDown (HTTP 503): Please reduce your request rate.');
    expect(classified.retryability).toBe('retry');
  });

  test('a FerryError passes through unchanged', () => {
    const original = new FerryError('SourceChanged', 'already classified');
    expect(classifyS3Error(original, 'GET s3://b/k')).toBe(original);
  });
});

describe('classifyS3Error on what the SDK really throws', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer();
  });
  afterAll(async () => {
    await server.close();
  });

  async function classOfGet(): Promise<FerryError> {
    const client = createS3Client(
      {
        name: 'local',
        url: server.url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { kind: 'env', prefix: 'LOCAL' },
      },
      { maxAttempts: 1, env: { LOCAL_ACCESS_KEY_ID: 'id', LOCAL_SECRET_ACCESS_KEY: 'secret' } },
    );
    try {
      const response = await client.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'key' }));
      await response.Body?.transformToByteArray();
    } catch (error) {
      return classifyS3Error(error, 'GET s3://bucket/key');
    } finally {
      client.destroy();
    }
    throw new Error('the GET did not fail');
  }

  const xmlHeaders = { 'content-type': 'application/xml' };
  const wireCases: [string, Parameters<LocalServer['handle']>[0], ErrorClass][] = [
    [
      '503 SlowDown',
      (_q, r) => r.writeHead(503, xmlHeaders).end(s3ErrorXml('SlowDown', 'Reduce rate')),
      'Throttled',
    ],
    [
      '500 InternalError',
      (_q, r) => r.writeHead(500, xmlHeaders).end(s3ErrorXml('InternalError', 'oops')),
      'Transient',
    ],
    [
      '404 NoSuchKey',
      (_q, r) => r.writeHead(404, xmlHeaders).end(s3ErrorXml('NoSuchKey', 'no key')),
      'NotFound',
    ],
    [
      '403 AccessDenied',
      (_q, r) => r.writeHead(403, xmlHeaders).end(s3ErrorXml('AccessDenied', 'no')),
      'AccessDenied',
    ],
    [
      '412 PreconditionFailed',
      (_q, r) => r.writeHead(412, xmlHeaders).end(s3ErrorXml('PreconditionFailed', 'x')),
      'SourceChanged',
    ],
    [
      '502 from a proxy, HTML body',
      (_q, r) => r.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>'),
      'Transient',
    ],
    ['connection reset before answering', (q) => q.socket.resetAndDestroy(), 'Transient'],
    ['connection closed before answering', (q) => q.socket.destroy(), 'Transient'],
    [
      'body cut off half way',
      (_q, r) => {
        r.writeHead(200, { 'content-length': '1000', 'content-type': 'binary/octet-stream' });
        r.write(Buffer.alloc(100));
        setTimeout(() => r.socket?.destroy(), 20);
      },
      'Transient',
    ],
  ];

  test.each(wireCases)('%s → %s', async (_label, handler, expected) => {
    server.handle(handler);
    const classified = await classOfGet();
    expect(classified.errorClass).toBe(expected);
  });
});
