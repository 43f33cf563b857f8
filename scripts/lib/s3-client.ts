// SDK clients for the scripts' s3rver endpoints: path-style, us-east-1, S3RVER credentials, keep-alive sockets.
import { Agent } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { s3rverCredentials } from './s3rver-process.ts';

export function s3rverClient(url: string, options: { maxSockets?: number } = {}): S3Client {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`scripts only talk to 127.0.0.1, not ${url}`);
  return new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3rverCredentials,
    // s3rver stores aws-chunked bodies verbatim, so the SDK must not switch to trailing checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 }),
    }),
  });
}
