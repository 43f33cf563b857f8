// Turns a configured CredentialSource into what the AWS SDK accepts, reading environment variables once, never printing them.

import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-providers';
import type { CredentialSource } from '../config/types.ts';
import { FerryError } from '../domain/errors.ts';

/** Static credentials or a provider, as every SDK client accepts them. */
export type SdkCredentials = NonNullable<S3ClientConfig['credentials']>;

/** The environment variable names an 'env' credential source reads. */
export function credentialVariableNames(prefix: string): {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
} {
  return {
    accessKeyId: `${prefix}_ACCESS_KEY_ID`,
    secretAccessKey: `${prefix}_SECRET_ACCESS_KEY`,
    sessionToken: `${prefix}_SESSION_TOKEN`,
  };
}

function credentialsFromEnv(options: {
  prefix: string;
  endpointName: string;
  env: Readonly<Record<string, string | undefined>>;
}): SdkCredentials {
  const names = credentialVariableNames(options.prefix);
  const accessKeyId = options.env[names.accessKeyId];
  const secretAccessKey = options.env[names.secretAccessKey];
  const missing = [
    accessKeyId ? undefined : names.accessKeyId,
    secretAccessKey ? undefined : names.secretAccessKey,
  ].filter((name) => name !== undefined);
  if (!accessKeyId || !secretAccessKey) {
    throw new FerryError(
      'Config',
      `endpoint "${options.endpointName}": environment variable ${missing.join(' and ')} is not set`,
    );
  }
  const sessionToken = options.env[names.sessionToken];
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/**
 * What the SDK client gets as `credentials` (undefined: the SDK's default provider chain).
 * Throws a Config FerryError naming any missing variable.
 */
export function resolveCredentials(options: {
  source: CredentialSource;
  endpointName: string;
  env?: Readonly<Record<string, string | undefined>>;
}): SdkCredentials | undefined {
  const { source } = options;
  switch (source.kind) {
    case 'env':
      return credentialsFromEnv({
        prefix: source.prefix,
        endpointName: options.endpointName,
        env: options.env ?? process.env,
      });
    case 'profile':
      return fromIni({ profile: source.profile });
    case 'default':
      return undefined;
  }
}

/** A stable description of where credentials come from (never the credentials themselves). */
export function describeCredentialSource(source: CredentialSource): string {
  switch (source.kind) {
    case 'env':
      return `env:${source.prefix}`;
    case 'profile':
      return `profile:${source.profile}`;
    case 'default':
      return 'default';
  }
}
