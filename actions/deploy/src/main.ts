// Ferry deploy action: creates or updates the fleet stack with the engine bundle, then publishes ferry.yaml to SSM.
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import * as core from '@actions/core';
import {
  type DeployStackResult,
  type DeployStep,
  deployStack,
  type EngineBundle,
  FerryError,
  normalizeSha256,
  parseConfig,
  publishConfig,
} from '@ferry/worker';
import { fleetFromInputs, withControlPlaneClients } from '../../lib/src/fleet.ts';
import { bucketNames, positiveInteger, stackParameters, workspaceFile } from '../../lib/src/input-rules.ts';
import {
  checkInputValue,
  InputError,
  optionalInput,
  readInputFile,
  requiredInput,
  workspaceDirectory,
} from '../../lib/src/inputs.ts';
import { setKebabCaseOutputs, setOutputs } from '../../lib/src/outputs.ts';
import { runAction } from '../../lib/src/run-action.ts';
import { writeJobSummary } from '../../lib/src/summary.ts';

const defaultTemplate = 'templates/ferry.yaml';
/**
 * Where this action's dist/index.js runs from, and the template and engine bundle that ship with it. The paths are
 * joined at run time from parts: ncc would otherwise take a path expression for an asset and copy the file into dist/.
 */
const distDirectory = import.meta.dirname;
const shippedPath = (...parts: string[]): string => resolve([distDirectory, ...parts].join(sep));
const ownTemplate = shippedPath('..', '..', '..', 'templates', 'ferry.yaml');
const ownBundle = shippedPath('engine', 'ferry-engine.tgz');

/** The template: the input's file in the workspace; the default falls back to the one next to this action. */
function templatePath(workspace: string): string {
  const path = requiredInput('template', workspaceFile(workspace));
  const isDefault = core.getInput('template') === defaultTemplate;
  return !existsSync(path) && isDefault && existsSync(ownTemplate) ? ownTemplate : path;
}

/** `parameters`, with `source-buckets` / `destination-buckets` as SourceBucketNames / DestinationBucketNames. */
function templateParameters(): Record<string, string> {
  const parameters = optionalInput('parameters', stackParameters) ?? {};
  const buckets = {
    SourceBucketNames: { input: 'source-buckets', given: optionalInput('source-buckets', bucketNames) },
    DestinationBucketNames: {
      input: 'destination-buckets',
      given: optionalInput('destination-buckets', bucketNames),
    },
  };
  for (const [parameter, { input, given }] of Object.entries(buckets)) {
    const listed = parameters[parameter];
    if (given !== undefined && listed !== undefined)
      throw new InputError(input, `give the buckets here or as ${parameter} in parameters, not both`);
    const names =
      given ?? (listed === undefined ? undefined : checkInputValue('parameters', listed, bucketNames));
    if (names !== undefined) parameters[parameter] = names.join(',');
  }
  return parameters;
}

/** The bundle and its SHA-256, from `<bundle>.sha256` (sha256sum's format: the hash first). */
function engineBundle(workspace: string): EngineBundle {
  const path = optionalInput('engine-bundle', workspaceFile(workspace)) ?? ownBundle;
  const hashText = readInputFile('engine-bundle', `${path}.sha256`);
  return { path, sha256: normalizeSha256(hashText.trim().split(/\s+/)[0] ?? '') };
}

function describeStep(step: DeployStep): string {
  if (step.kind === 'bundle') {
    const { bucket, key, uploaded } = step.published;
    return `engine bundle s3://${bucket}/${key}: ${uploaded ? 'uploaded' : 'already there'}`;
  }
  return `change set ${step.phase} (${step.type}): ${step.outcome}`;
}

function deploySummary(result: DeployStackResult, configVersion: number | undefined): string {
  const rows = Object.entries(result.outputs)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `| ${name} | \`${value.replaceAll('|', '\\|').replaceAll('`', "'")}\` |`);
  return [
    `## Ferry fleet \`${result.stackName}\`: ${result.stackStatus}`,
    '',
    `Change sets: ${result.changeSets.join(', ')}.` +
      (result.bundle ? ` Engine bundle \`${result.bundle.key}\`.` : '') +
      (configVersion !== undefined ? ` ferry.yaml published as version ${configVersion}.` : ''),
    '',
    '| output | value |',
    '| --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

await runAction(async () => {
  const fleet = fleetFromInputs();
  const workspace = workspaceDirectory();
  const template = templatePath(workspace);
  const templateBody = readInputFile('template', template);
  const parameters = templateParameters();
  const configPath = optionalInput('config', workspaceFile(workspace));
  const configText = configPath === undefined ? undefined : readInputFile('config', configPath);
  const configName = configPath === undefined ? undefined : relative(workspace, configPath);
  // The config is checked before anything is deployed: a bad ferry.yaml leaves the fleet as it was.
  if (configText !== undefined) parseConfig(configText, configName ?? 'ferry.yaml');
  const bundle = engineBundle(workspace);
  const timeoutMinutes = requiredInput('timeout-minutes', positiveInteger);

  const { result, configVersion } = await withControlPlaneClients(fleet.aws, async (clients) => {
    const deployed = await deployStack({
      cloudFormation: clients.cloudFormation,
      s3: clients.s3,
      stackName: fleet.stackName,
      templateBody,
      templateName:
        template === ownTemplate ? 'the template shipped with the action' : relative(workspace, template),
      parameters,
      bundle,
      timeoutMinutes,
      onStep: (step) => core.info(describeStep(step)),
    });
    if (configText === undefined) return { result: deployed, configVersion: undefined };
    const parameterName = deployed.outputs.ConfigParameterName;
    if (!parameterName)
      throw new FerryError(
        'Config',
        `stack ${fleet.stackName} has no ConfigParameterName output to publish to`,
      );
    const published = await publishConfig({
      ssm: clients.ssm,
      parameterName,
      configText,
      file: configName ?? 'ferry.yaml',
    });
    core.info(`${configName} published to ${published.parameterName} (version ${published.version})`);
    return { result: deployed, configVersion: published.version };
  });

  setKebabCaseOutputs(result.outputs);
  setOutputs({
    'stack-status': result.stackStatus,
    'engine-bundle-key': result.bundle?.key ?? '',
    'engine-bundle-sha256': result.bundle?.sha256 ?? '',
    'config-version': configVersion ?? '',
  });
  await writeJobSummary(deploySummary(result, configVersion));
});
