// The SDK clients the control plane uses (CloudFormation, ECS, Auto Scaling, SQS, DynamoDB, S3, SSM), built in clients.ts.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  type ClientOptions,
  createAutoScalingClient,
  createCloudFormationClient,
  createDynamoDbClient,
  createEcsClient,
  createS3Client,
  createSqsClient,
  createSsmClient,
} from '../aws/clients.ts';
import type { EndpointConfig } from '../config/types.ts';

export interface ControlPlaneClients {
  readonly cloudFormation: CloudFormationClient;
  readonly ecs: ECSClient;
  readonly autoScaling: AutoScalingClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly ssm: SSMClient;
}

/**
 * Ferry's own AWS account and Region, default credential chain. An endpoint URL (an emulator, a VPC endpoint) is
 * used for every service, and S3 is then addressed path-style (bucket names in the path, not the host).
 */
export function controlPlaneEndpointOf(settings: { region: string; endpointUrl?: string }): EndpointConfig {
  return {
    name: 'control-plane',
    region: settings.region,
    forcePathStyle: settings.endpointUrl !== undefined,
    credentials: { kind: 'default' },
    ...(settings.endpointUrl !== undefined ? { url: settings.endpointUrl } : {}),
  };
}

export function createControlPlaneClients(
  endpoint: EndpointConfig,
  options?: ClientOptions,
): ControlPlaneClients {
  return {
    cloudFormation: createCloudFormationClient(endpoint, options),
    ecs: createEcsClient(endpoint, options),
    autoScaling: createAutoScalingClient(endpoint, options),
    sqs: createSqsClient(endpoint, options),
    dynamodb: createDynamoDbClient(endpoint, options),
    // A control-plane endpoint URL is an emulator or a VPC endpoint: both take path-style bucket addresses.
    s3: createS3Client(
      { ...endpoint, forcePathStyle: endpoint.forcePathStyle || endpoint.url !== undefined },
      options,
    ),
    ssm: createSsmClient(endpoint, options),
  };
}

/** Closes every client's sockets. */
export function destroyControlPlaneClients(clients: ControlPlaneClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
