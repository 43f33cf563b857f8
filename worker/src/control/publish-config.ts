// `publishConfig`: validates ferry.yaml and writes its text to the fleet's SSM parameter, where listers and workers read it.
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { parseConfig } from '../config/load-config.ts';
import type { FerryConfig } from '../config/types.ts';
import { FerryError } from '../domain/errors.ts';
import { utf8Bytes } from '../domain/utf8.ts';
import { awsCall } from './aws-error.ts';

/** An advanced-tier String parameter holds at most 8 KiB; Intelligent-Tiering picks advanced only when needed. */
export const maxConfigParameterBytes = 8_192;

export interface PublishedConfig {
  readonly parameterName: string;
  readonly version: number;
  readonly config: FerryConfig;
}

/**
 * Parses and validates the text as the engine will (a ConfigError names file, line and column), then overwrites the
 * String parameter with it.
 */
export async function publishConfig(options: {
  readonly ssm: SSMClient;
  readonly parameterName: string;
  readonly configText: string;
  /** Names the text in error messages, e.g. the file it came from; default "ferry.yaml". */
  readonly file?: string;
}): Promise<PublishedConfig> {
  const { ssm, parameterName, configText } = options;
  const config = parseConfig(configText, options.file ?? 'ferry.yaml');
  const bytes = utf8Bytes(configText);
  if (bytes > maxConfigParameterBytes) {
    throw new FerryError(
      'Config',
      `${options.file ?? 'ferry.yaml'} is ${bytes} bytes; an SSM parameter holds at most ${maxConfigParameterBytes}`,
    );
  }
  const output = await awsCall(`SSM PutParameter ${parameterName}`, () =>
    ssm.send(
      new PutParameterCommand({
        Name: parameterName,
        Value: configText,
        Type: 'String',
        Overwrite: true,
        Tier: 'Intelligent-Tiering',
      }),
    ),
  );
  return { parameterName, version: output.Version ?? 0, config };
}
