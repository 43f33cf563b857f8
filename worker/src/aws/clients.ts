// The one place AWS SDK clients are built: endpoint, credentials, keep-alive sockets, retries and checksum policy.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { EndpointConfig } from '../config/types.ts';
import { describeCredentialSource, resolveCredentials, type SdkCredentials } from './credentials.ts';

export interface ClientOptions {
  /** Sockets per agent (http and https each); bounds concurrent requests to the endpoint. Default 64. */
  readonly maxSockets?: number;
  /** SDK-level attempts per request, with the 'standard' retry mode. Default 5. */
  readonly maxAttempts?: number;
  /** Where 'env' credentials are read from; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export const defaultMaxSockets = 64;
export const defaultMaxAttempts = 5;
/** Time allowed to open a TCP/TLS connection. */
export const connectionTimeoutMs = 10_000;
/** A socket silent this long (no bytes either way) fails the request as a TimeoutError. */
export const socketIdleTimeoutMs = 60_000;

interface CommonClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: SdkCredentials;
  readonly requestHandler: NodeHttpHandler;
  readonly retryMode: 'standard';
  readonly maxAttempts: number;
}

function createHttpHandler(maxSockets: number): NodeHttpHandler {
  const agentOptions = { keepAlive: true, maxSockets };
  return new NodeHttpHandler({
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    connectionTimeout: connectionTimeoutMs,
    socketTimeout: socketIdleTimeoutMs,
  });
}

/** The settings every Ferry client shares; credentials are resolved (and env variables read) here. */
function commonClientConfig(endpoint: EndpointConfig, options: ClientOptions = {}): CommonClientConfig {
  const credentials = resolveCredentials({
    source: endpoint.credentials,
    endpointName: endpoint.name,
    ...(options.env ? { env: options.env } : {}),
  });
  return {
    region: endpoint.region,
    ...(endpoint.url ? { endpoint: endpoint.url } : {}),
    ...(credentials ? { credentials } : {}),
    requestHandler: createHttpHandler(options.maxSockets ?? defaultMaxSockets),
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? defaultMaxAttempts,
  };
}

/**
 * An S3 client for the endpoint. Checksums are computed and verified by Ferry itself, so the SDK only adds
 * them where an operation requires one (its default would CRC every body a second time in JavaScript).
 */
export function createS3Client(endpoint: EndpointConfig, options?: ClientOptions): S3Client {
  return new S3Client({
    ...commonClientConfig(endpoint, options),
    forcePathStyle: endpoint.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function createSqsClient(endpoint: EndpointConfig, options?: ClientOptions): SQSClient {
  return new SQSClient(commonClientConfig(endpoint, options));
}

export function createDynamoDbClient(endpoint: EndpointConfig, options?: ClientOptions): DynamoDBClient {
  return new DynamoDBClient(commonClientConfig(endpoint, options));
}

export function createAutoScalingClient(
  endpoint: EndpointConfig,
  options?: ClientOptions,
): AutoScalingClient {
  return new AutoScalingClient(commonClientConfig(endpoint, options));
}

export function createSsmClient(endpoint: EndpointConfig, options?: ClientOptions): SSMClient {
  return new SSMClient(commonClientConfig(endpoint, options));
}

export function createCloudFormationClient(
  endpoint: EndpointConfig,
  options?: ClientOptions,
): CloudFormationClient {
  return new CloudFormationClient(commonClientConfig(endpoint, options));
}

export function createEcsClient(endpoint: EndpointConfig, options?: ClientOptions): ECSClient {
  return new ECSClient(commonClientConfig(endpoint, options));
}

function normalizedUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/**
 * Identifies "the same service as seen with the same credentials": endpoints with equal ids can copy objects
 * server-side between their buckets. Built from url, region and credential source, never from secrets.
 */
export function serviceIdOf(endpoint: EndpointConfig): string {
  const where = endpoint.url ? normalizedUrl(endpoint.url) : 'aws';
  return `${where}|${endpoint.region}|${describeCredentialSource(endpoint.credentials)}`;
}
