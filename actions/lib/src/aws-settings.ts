// Where the actions reach AWS: the Region and an optional endpoint URL (moto, a VPC endpoint) from the inputs.
import { awsRegion, endpointUrl } from './input-rules.ts';
import { InputError, optionalInput } from './inputs.ts';

export interface AwsSettings {
  readonly region: string;
  readonly endpointUrl?: string;
}

/**
 * Inputs `aws-region` (else AWS_REGION / AWS_DEFAULT_REGION, which configure-aws-credentials sets) and
 * `aws-endpoint-url`. Credentials come from the default chain: the environment, web identity, the instance role.
 */
export function awsSettingsFromInputs(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AwsSettings {
  const region =
    optionalInput('aws-region', awsRegion) ??
    optionalEnvRegion(env.AWS_REGION, 'AWS_REGION') ??
    optionalEnvRegion(env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION');
  if (region === undefined)
    throw new InputError('aws-region', 'is required when neither AWS_REGION nor AWS_DEFAULT_REGION is set');
  const url = optionalInput('aws-endpoint-url', endpointUrl);
  return { region, ...(url === undefined ? {} : { endpointUrl: url }) };
}

function optionalEnvRegion(value: string | undefined, variable: string): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  try {
    return awsRegion(value.trim());
  } catch (error) {
    throw new InputError('aws-region', `(from ${variable}) ${(error as Error).message}`);
  }
}
