// Options shared by the distributed commands: where the control-plane services are, every flag also from FERRY_* env.
import { type Command, Option } from 'commander';
import type { EndpointConfig } from '../config/types.ts';

export interface ControlPlaneFlags {
  region?: string;
  awsEndpointUrl?: string;
}

/** Adds --region and --aws-endpoint-url (for emulators and private endpoints). */
export function withControlPlaneOptions(command: Command): Command {
  return command
    .addOption(new Option('--region <region>', 'AWS Region of the queue and table').env('FERRY_REGION'))
    .addOption(
      new Option(
        '--aws-endpoint-url <url>',
        'endpoint for SQS, DynamoDB and SSM (emulators, VPC endpoints)',
      ).env('FERRY_AWS_ENDPOINT_URL'),
    );
}

/** The control-plane endpoint: Ferry's own AWS account, default credential chain. */
export function controlPlaneEndpoint(flags: ControlPlaneFlags): EndpointConfig {
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return {
    name: 'control-plane',
    region,
    forcePathStyle: false,
    credentials: { kind: 'default' },
    ...(flags.awsEndpointUrl ? { url: flags.awsEndpointUrl } : {}),
  };
}

/** A required option that may also come from the environment, with the variable named in help. */
export function requiredEnvOption(flags: string, description: string, envName: string): Option {
  return new Option(flags, description).env(envName).makeOptionMandatory();
}
