// Where a config comes from: a local file, or an SSM parameter (`ssm:/name`) for fleets, parsed the same way.
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { FerryError } from '../domain/errors.ts';
import { loadConfig, parseConfig } from './load-config.ts';
import type { FerryConfig } from './types.ts';

const ssmPrefix = 'ssm:';

export function isSsmSource(source: string): boolean {
  return source.startsWith(ssmPrefix);
}

/** Loads the config from a file path or `ssm:/parameter/name` (SecureString values are decrypted). */
export async function loadConfigFrom(
  source: string,
  options: { ssm: () => SSMClient },
): Promise<FerryConfig> {
  if (!isSsmSource(source)) return await loadConfig(source);
  const name = source.slice(ssmPrefix.length);
  if (!name.startsWith('/')) {
    throw new FerryError('Config', `${source}: an SSM parameter name starts with "/" (ssm:/ferry/mappings)`);
  }
  try {
    const { Parameter } = await options
      .ssm()
      .send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    if (Parameter?.Value === undefined)
      throw new FerryError('Config', `${source}: the parameter has no value`);
    return parseConfig(Parameter.Value, source);
  } catch (error) {
    if (error instanceof FerryError) throw error;
    throw new FerryError('Config', `${source}: cannot read the parameter: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
