// `deployStack`: creates or updates a fleet stack through change sets, publishing the engine bundle in between.
import { randomUUID } from 'node:crypto';
import {
  type CloudFormationClient,
  GetTemplateSummaryCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { FerryError } from '../domain/errors.ts';
import { utf8Bytes } from '../domain/utf8.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { awsCall } from './aws-error.ts';
import { applyChangeSet, type ChangeSetOutcome } from './change-set.ts';
import {
  type EngineBundle,
  type PublishedBundle,
  publishEngineBundle,
  readVerifiedBundle,
} from './engine-bundle.ts';
import { requiredOutput } from './fleet-outputs.ts';
import { deadlineAfterMinutes } from './poll.ts';
import { assertDeclaredParameters, changeSetParameters } from './stack-parameters.ts';
import { findStack, outputsOf, parametersOf } from './stack-reader.ts';
import { type ChangeSetType, deployStartFor } from './stack-status.ts';
import { waitForSettledStack } from './stack-wait.ts';

export interface DeployStackOptions {
  readonly cloudFormation: CloudFormationClient;
  /** For the engine bundle upload; needed only with `bundle`. */
  readonly s3?: S3Client;
  readonly stackName: string;
  /** The template text (YAML or JSON). */
  readonly templateBody: string;
  /** Names the template in messages; default "the template". */
  readonly templateName?: string;
  /** Template parameters; on an update, those not given keep their deployed values. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Published to the artifact bucket, then set as EngineBundleKey / EngineBundleSha256 (two-phase deploy). */
  readonly bundle?: EngineBundle;
  readonly clock?: Clock;
  /** Give up waiting after this long; default 60 minutes. */
  readonly timeoutMinutes?: number;
  /** Between DescribeChangeSet calls; default 5 s. */
  readonly changeSetPollMs?: number;
  /** Between DescribeStacks calls; default 10 s. */
  readonly stackPollMs?: number;
  /** Told of each step, for a log line. */
  readonly onStep?: (step: DeployStep) => void;
}

export type DeployStep =
  | {
      readonly kind: 'change-set';
      readonly phase: 1 | 2;
      readonly type: ChangeSetType;
      readonly outcome: ChangeSetOutcome;
    }
  | { readonly kind: 'bundle'; readonly published: PublishedBundle };

export interface DeployStackResult {
  readonly stackName: string;
  readonly stackStatus: string;
  readonly outputs: Readonly<Record<string, string>>;
  /** One per change set: executed, or unchanged (an empty change set). */
  readonly changeSets: readonly ChangeSetOutcome[];
  readonly bundle?: PublishedBundle;
}

/** The largest template CloudFormation takes inline (TemplateBody). */
export const maxTemplateBodyBytes = 51_200;
export const bundleKeyParameter = 'EngineBundleKey';
export const bundleSha256Parameter = 'EngineBundleSha256';
const defaultTimeoutMinutes = 60;
const capabilities = ['CAPABILITY_NAMED_IAM' as const];

async function declaredParameters(client: CloudFormationClient, templateBody: string): Promise<string[]> {
  const summary = await awsCall('CloudFormation GetTemplateSummary', () =>
    client.send(new GetTemplateSummaryCommand({ TemplateBody: templateBody })),
  );
  return (summary.Parameters ?? [])
    .map((parameter) => parameter.ParameterKey)
    .filter((name): name is string => name !== undefined);
}

/** A change set name: a letter first, then letters, digits and hyphens; unique per deploy and phase. */
function changeSetName(clock: Clock, phase: number): string {
  const stamp = clock.now().toISOString().replace(/[-:.]/g, '').toLowerCase();
  return `ferry-${stamp}-${phase}-${randomUUID().slice(0, 8)}`;
}

function checkInputs(options: DeployStackOptions): void {
  const bytes = utf8Bytes(options.templateBody);
  if (bytes > maxTemplateBodyBytes) {
    throw new FerryError(
      'Config',
      `${options.templateName ?? 'the template'} is ${bytes} bytes; CloudFormation takes at most ${maxTemplateBodyBytes} inline`,
    );
  }
  if (options.bundle === undefined) return;
  if (options.s3 === undefined)
    throw new FerryError('Config', 'deploying an engine bundle needs an S3 client');
  for (const name of [bundleKeyParameter, bundleSha256Parameter]) {
    if (Object.hasOwn(options.parameters ?? {}, name)) {
      throw new FerryError(
        'Config',
        `${name} is set from the engine bundle: give the bundle or the parameter, not both`,
      );
    }
  }
}

function parameterNames(stack: Stack | undefined): Set<string> {
  return new Set(stack === undefined ? [] : Object.keys(parametersOf(stack)));
}

/**
 * Creates or updates the stack with a change set (an empty one is success). With a bundle: after that first change
 * set, uploads the bundle to the ArtifactBucketName output's bucket (skipped when it is there already), then a second
 * change set sets EngineBundleKey and EngineBundleSha256. A failure names the failed resources and their reasons.
 */
export async function deployStack(options: DeployStackOptions): Promise<DeployStackResult> {
  checkInputs(options);
  const { cloudFormation: client, stackName } = options;
  const clock = options.clock ?? systemClock;
  const deadlineMs = deadlineAfterMinutes(clock, options.timeoutMinutes ?? defaultTimeoutMinutes);
  const stackPollMs = options.stackPollMs ?? 10_000;
  const templateName = options.templateName ?? 'the template';
  const given = options.parameters ?? {};
  if (options.bundle !== undefined) await readVerifiedBundle(options.bundle);
  const declared = await declaredParameters(client, options.templateBody);
  const bundleNames = options.bundle ? { [bundleKeyParameter]: '', [bundleSha256Parameter]: '' } : {};
  assertDeclaredParameters({ templateName, declared, given: { ...given, ...bundleNames } });

  const existing = await waitForSettledStack({
    client,
    stackName,
    clock,
    pollMs: stackPollMs,
    deadlineMs,
    waitingFor: 'a change already under way',
  });
  const start = deployStartFor(stackName, existing?.StackStatus);
  if (start.kind === 'refuse') throw new FerryError('Config', start.reason);

  const apply = async (
    phase: 1 | 2,
    type: ChangeSetType,
    values: Readonly<Record<string, string>>,
    previous: ReadonlySet<string>,
  ): Promise<ChangeSetOutcome> => {
    const outcome = await applyChangeSet({
      client,
      stackName,
      changeSetName: changeSetName(clock, phase),
      type,
      templateBody: options.templateBody,
      parameters: changeSetParameters({ declared, given: values, previous }),
      capabilities,
      clock,
      changeSetPollMs: options.changeSetPollMs ?? 5_000,
      stackPollMs,
      deadlineMs,
    });
    options.onStep?.({ kind: 'change-set', phase, type, outcome });
    return outcome;
  };

  const creating = start.kind === 'create';
  const changeSets = [
    await apply(1, creating ? 'CREATE' : 'UPDATE', given, creating ? new Set() : parameterNames(existing)),
  ];
  let stack = await findStack({ client, stackName });
  let bundle: PublishedBundle | undefined;
  if (options.bundle !== undefined && options.s3 !== undefined) {
    const bucket = requiredOutput(stackName, stack ? outputsOf(stack) : {}, 'ArtifactBucketName');
    bundle = await publishEngineBundle({ s3: options.s3, bucket, bundle: options.bundle });
    options.onStep?.({ kind: 'bundle', published: bundle });
    const withBundle = { ...given, [bundleKeyParameter]: bundle.key, [bundleSha256Parameter]: bundle.sha256 };
    changeSets.push(await apply(2, 'UPDATE', withBundle, parameterNames(stack)));
    stack = await findStack({ client, stackName });
  }
  return {
    stackName,
    stackStatus: stack?.StackStatus ?? 'UNKNOWN',
    outputs: stack ? outputsOf(stack) : {},
    changeSets,
    ...(bundle ? { bundle } : {}),
  };
}
