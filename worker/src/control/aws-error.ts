// Classifies what a control-plane call (CloudFormation, ECS, Auto Scaling, S3, SSM) threw: bad input is a Config error.
import { FerryError } from '../domain/errors.ts';
import { classifyS3Error, failureFactsOf } from '../storage/s3-errors.ts';

/** Codes by which these services refuse what they were asked: a name, parameter or value to fix, not to retry. */
const refusedInputCodes: ReadonlySet<string> = new Set([
  'ValidationError',
  'ValidationException',
  'InvalidParameterException',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'ClientException',
  'ClusterNotFoundException',
  'InsufficientCapabilitiesException',
  'ParameterNotFound',
]);

/**
 * A FerryError whose message starts with the context (e.g. `CloudFormation CreateChangeSet ferry`) and names the
 * service's code; refused input is a Config error, everything else is classed as S3 failures are.
 */
export function classifyAwsError(error: unknown, context: string): FerryError {
  const classified = classifyS3Error(error, context);
  const code = failureFactsOf(error).code;
  if (code !== undefined && refusedInputCodes.has(code) && classified.errorClass !== 'Config')
    return new FerryError('Config', classified.message, { cause: error });
  return classified;
}

/** Runs one call, classifying what it throws. */
export async function awsCall<T>(context: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw classifyAwsError(error, context);
  }
}
