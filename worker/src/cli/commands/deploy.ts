// `ferry deploy`: creates or updates the fleet stack (change sets), publishes the engine bundle and the config.
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { parseConfig } from '../../config/load-config.ts';
import { createControlPlaneClients, destroyControlPlaneClients } from '../../control/control-clients.ts';
import { deployStack } from '../../control/deploy-stack.ts';
import { normalizeSha256 } from '../../control/engine-bundle.ts';
import { requiredOutput } from '../../control/fleet-outputs.ts';
import { publishConfig } from '../../control/publish-config.ts';
import { parseParameterAssignments } from '../../control/stack-parameters.ts';
import { FerryError } from '../../domain/errors.ts';
import {
  type ControlPlaneFlags,
  controlPlaneEndpoint,
  requiredEnvOption,
  withControlPlaneOptions,
} from '../aws-options.ts';
import { positiveInteger } from '../options.ts';

interface DeployFlags extends ControlPlaneFlags {
  stack: string;
  template: string;
  parameter: string[];
  bundle?: string;
  bundleSha256?: string;
  config?: string;
  timeoutMinutes: number;
}

/** Collects repeated `--parameter Key=Value` flags; the environment variable holds one per line. */
function collectAssignments(value: string, previous: string[]): string[] {
  return [...previous, ...value.split('\n').filter((line) => line.trim() !== '')];
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new FerryError('Config', `cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

/** The bundle's SHA-256: as given, else the first word of `<bundle>.sha256` (as build-engine-bundle writes it). */
async function bundleSha256(flags: DeployFlags, bundle: string): Promise<string> {
  if (flags.bundleSha256 !== undefined) return normalizeSha256(flags.bundleSha256);
  const text = await readText(`${bundle}.sha256`, 'the bundle hash (or pass --bundle-sha256)');
  return normalizeSha256(text.trim().split(/\s+/)[0] ?? '');
}

async function deploy(flags: DeployFlags): Promise<number> {
  const templateBody = await readText(flags.template, 'the template');
  const parameters = parseParameterAssignments(flags.parameter);
  const config =
    flags.config === undefined
      ? undefined
      : { file: flags.config, text: await readText(flags.config, 'the config') };
  // Validated before the stack is touched; published once it is deployed (the parameter is one of its outputs).
  if (config !== undefined) parseConfig(config.text, config.file);
  const bundle =
    flags.bundle === undefined
      ? undefined
      : { path: flags.bundle, sha256: await bundleSha256(flags, flags.bundle) };
  const clients = createControlPlaneClients(controlPlaneEndpoint(flags));
  try {
    const result = await deployStack({
      cloudFormation: clients.cloudFormation,
      s3: clients.s3,
      stackName: flags.stack,
      templateBody,
      templateName: flags.template,
      parameters,
      ...(bundle ? { bundle } : {}),
      timeoutMinutes: flags.timeoutMinutes,
      onStep: (step) =>
        process.stderr.write(
          step.kind === 'bundle'
            ? `ferry deploy: engine bundle s3://${step.published.bucket}/${step.published.key} ${step.published.uploaded ? 'uploaded' : 'already there'}\n`
            : `ferry deploy: change set ${step.phase} (${step.type}) ${step.outcome}\n`,
        ),
    });
    const published =
      config === undefined
        ? undefined
        : await publishConfig({
            ssm: clients.ssm,
            parameterName: requiredOutput(flags.stack, result.outputs, 'ConfigParameterName'),
            configText: config.text,
            file: config.file,
          });
    const { parameterName, version } = published ?? {};
    const output = published === undefined ? result : { ...result, config: { parameterName, version } };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  } finally {
    destroyControlPlaneClients(clients);
  }
}

/** A whole number of at least 0, for counts and minutes where 0 means none. */
export function wholeNumber(value: string): number {
  return value === '0' ? 0 : positiveInteger(value);
}

/** `--stack`: which fleet the control-plane commands work on; they read its outputs. */
export function stackOption(): Option {
  return new Option('--stack <name>', 'the fleet stack').env('FERRY_STACK').default('ferry');
}

export function registerDeployCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('deploy')
    .summary('Create or update the fleet stack; publish the engine bundle and ferry.yaml.')
    .description(
      'Create or update the fleet stack through change sets; with --bundle, publish the engine bundle in between; with --config, publish ferry.yaml. Exit 0 deployed, 1 failed (the failed resources are named), 2 usage or configuration error.',
    )
    .addOption(stackOption())
    .addOption(
      requiredEnvOption(
        '--template <file>',
        'the CloudFormation template (templates/ferry.yaml)',
        'FERRY_TEMPLATE',
      ),
    )
    .addOption(
      new Option(
        '--parameter <Key=Value>',
        'a template parameter (repeat; others keep their deployed values)',
      )
        .env('FERRY_STACK_PARAMETERS')
        .argParser(collectAssignments)
        .default([]),
    )
    .addOption(
      new Option('--bundle <file>', 'the engine bundle ferry-engine.tgz to publish').env(
        'FERRY_ENGINE_BUNDLE',
      ),
    )
    .addOption(
      new Option('--bundle-sha256 <hex>', "the bundle's SHA-256 (default: <bundle>.sha256)").env(
        'FERRY_ENGINE_BUNDLE_SHA256',
      ),
    )
    .addOption(
      new Option(
        '--config <file>',
        'ferry.yaml to validate and publish to the ConfigParameterName parameter',
      ).env('FERRY_CONFIG_FILE'),
    )
    .addOption(
      new Option('--timeout-minutes <n>', 'give up waiting for CloudFormation after this long')
        .default(60)
        .argParser(positiveInteger),
    );
  withControlPlaneOptions(command).action(async (flags: DeployFlags) => {
    setExitCode(await deploy(flags));
  });
}
