// deployStack and publishConfig against moto's CloudFormation, S3 and SSM: create, update with the engine bundle,
// empty change sets, refused input, a failing update; the config parameter.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, describe, expect, test } from 'vitest';
import { destroyControlPlaneClients } from '../../../worker/src/control/control-clients.ts';
import { deployStack } from '../../../worker/src/control/deploy-stack.ts';
import { describeFleet } from '../../../worker/src/control/fleet-outputs.ts';
import { publishConfig } from '../../../worker/src/control/publish-config.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { tempDir } from '../../support/ferry-cli.ts';
import { fixtureText, motoControlPlane, uniqueStackName } from './control-fixture.ts';

const clients = motoControlPlane();
afterAll(() => destroyControlPlaneClients(clients));
const templateBody = fixtureText('deploy-stack.yaml');
const fast = { changeSetPollMs: 50, stackPollMs: 50, timeoutMinutes: 2 };

async function stackParameters(stackName: string): Promise<Record<string, string>> {
  const output = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries(
    (output.Stacks?.[0]?.Parameters ?? []).map((parameter) => [
      parameter.ParameterKey,
      parameter.ParameterValue,
    ]),
  );
}

function writeBundle(content: string): { path: string; sha256: string } {
  const path = join(tempDir('bundle'), 'ferry-engine.tgz');
  writeFileSync(path, content);
  return { path, sha256: createHash('sha256').update(content).digest('hex') };
}

async function caught(promise: Promise<unknown>): Promise<FerryError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof FerryError)) throw new Error(`expected a FerryError, got ${String(error)}`);
  return error;
}

describe('deployStack on moto', () => {
  test('creates a new stack through a CREATE change set', async () => {
    const stackName = uniqueStackName('create');
    const result = await deployStack({
      cloudFormation: clients.cloudFormation,
      stackName,
      templateBody,
      parameters: { Name: stackName },
      ...fast,
    });
    expect(result.changeSets).toEqual(['executed']);
    expect(result.stackStatus).toBe('CREATE_COMPLETE');
    expect(await stackParameters(stackName)).toMatchObject({ Name: stackName, EngineBundleKey: '' });
    const queue = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: `${stackName}-work` }));
    expect(queue.QueueUrl).toContain(`${stackName}-work`);
    const table = await clients.dynamodb.send(new DescribeTableCommand({ TableName: `${stackName}-ledger` }));
    expect(table.Table?.TableStatus).toBe('ACTIVE');
  });

  describe('an existing stack', () => {
    const stackName = uniqueStackName('update');
    const bundle = writeBundle(`engine bundle for ${stackName}`);
    const key = `engine/${bundle.sha256}/ferry-engine.tgz`;
    const deploy = (parameters: Record<string, string>, withBundle = true, body = templateBody) =>
      deployStack({
        cloudFormation: clients.cloudFormation,
        s3: clients.s3,
        stackName,
        templateBody: body,
        parameters,
        ...(withBundle ? { bundle } : {}),
        ...fast,
      });

    test('is updated, the bundle uploaded to the artifact bucket, then set by a second change set', async () => {
      // Created with CreateStack: moto's change-set-created stacks have no outputs, and phase two needs one.
      await clients.cloudFormation.send(
        new CreateStackCommand({
          StackName: stackName,
          TemplateBody: templateBody,
          Parameters: [{ ParameterKey: 'Name', ParameterValue: stackName }],
        }),
      );
      const steps: string[] = [];
      const result = await deployStack({
        cloudFormation: clients.cloudFormation,
        s3: clients.s3,
        stackName,
        templateBody,
        parameters: { Note: 'second' },
        bundle,
        ...fast,
        onStep: (step) =>
          steps.push(
            step.kind === 'bundle'
              ? `bundle ${step.published.uploaded}`
              : `${step.phase} ${step.type} ${step.outcome}`,
          ),
      });
      expect(steps).toEqual(['1 UPDATE executed', 'bundle true', '2 UPDATE executed']);
      expect(result.changeSets).toEqual(['executed', 'executed']);
      const bucket = result.outputs.ArtifactBucketName ?? '';
      expect(result.bundle).toEqual({ bucket, key, sha256: bundle.sha256, uploaded: true });
      const stored = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await stored.Body?.transformToString()).toBe(`engine bundle for ${stackName}`);
      // Name was not given: it kept its value rather than falling back to the template's (none).
      expect(await stackParameters(stackName)).toMatchObject({
        Name: stackName,
        Note: 'second',
        EngineBundleKey: key,
        EngineBundleSha256: bundle.sha256,
      });
    });

    test('deploying the same again is two empty change sets and no upload', async () => {
      const result = await deploy({ Note: 'second' });
      expect(result.changeSets).toEqual(['unchanged', 'unchanged']);
      expect(result.bundle?.uploaded).toBe(false);
    });

    test('a deploy without a bundle keeps the deployed bundle parameters', async () => {
      const result = await deploy({ Note: 'third' }, false);
      expect(result.changeSets).toEqual(['executed']);
      expect(await stackParameters(stackName)).toMatchObject({ Note: 'third', EngineBundleKey: key });
    });

    test('a bundle whose bytes do not match its hash is refused before anything changes', async () => {
      const other = writeBundle('tampered');
      const error = await caught(
        deployStack({
          cloudFormation: clients.cloudFormation,
          s3: clients.s3,
          stackName,
          templateBody,
          parameters: { Note: 'fourth' },
          bundle: { path: other.path, sha256: bundle.sha256 },
          ...fast,
        }),
      );
      expect(error.errorClass).toBe('Config');
      expect(error.message).toContain(other.sha256);
      expect(error.message).toContain(bundle.sha256);
      expect(await stackParameters(stackName)).toMatchObject({ Note: 'third' });
    });

    test('a parameter the template does not declare is refused, naming it', async () => {
      const error = await caught(deploy({ Note: 'x', WorkerCount: '3' }));
      expect(error.errorClass).toBe('Config');
      expect(error.message).toMatch(
        /has no parameter WorkerCount; it declares: EngineBundleKey, EngineBundleSha256, Name, Note/,
      );
    });

    test('a failing update is an error that says what failed', async () => {
      // A FIFO queue whose name lacks .fifo: moto refuses it when the change set is executed.
      const refused = `  Refused:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: ${stackName}-refused\n      FifoQueue: true\nOutputs:`;
      const error = await caught(deploy({}, false, templateBody.replace('Outputs:', refused)));
      expect(error.errorClass).not.toBe('Config');
      expect(error.message).toContain(`ExecuteChangeSet ${stackName}`);
      expect(error.message).toMatch(/must end in \.fifo/);
    });

    test('describeFleet names the fleet outputs this stack lacks', async () => {
      const error = await caught(describeFleet({ cloudFormation: clients.cloudFormation, stackName }));
      expect(error.errorClass).toBe('Config');
      expect(error.message).toContain(
        `stack ${stackName} has no output QueueArn, DeadLetterQueueUrl, ClusterName`,
      );
      expect(error.message).not.toContain('ArtifactBucketName');
    });
  });

  test('a stack that does not exist is named', async () => {
    const error = await caught(
      describeFleet({ cloudFormation: clients.cloudFormation, stackName: 'no-such-ferry' }),
    );
    expect(error.message).toContain('no CloudFormation stack no-such-ferry');
  });
});

describe('publishConfig on moto', () => {
  const valid = [
    'endpoints:',
    '  src: { url: "http://127.0.0.1:9000", region: us-east-1, forcePathStyle: true, credentials: { env: SRC } }',
    '  dst: { region: us-east-1 }',
    'mappings:',
    '  - id: media',
    '    source: { endpoint: src, bucket: media-prod }',
    '    destination: { endpoint: dst, bucket: media-archive }',
    '',
  ].join('\n');

  test('writes the validated text, overwriting the previous value', async () => {
    const parameterName = `/ferry/${uniqueStackName('cfg')}/config`;
    const first = await publishConfig({ ssm: clients.ssm, parameterName, configText: valid });
    expect(first.config.mappings.map((mapping) => mapping.id)).toEqual(['media']);
    const changed = valid.replace('media-archive', 'media-archive-2');
    const second = await publishConfig({ ssm: clients.ssm, parameterName, configText: changed });
    expect(second.version).toBe(first.version + 1);
    const stored = await clients.ssm.send(new GetParameterCommand({ Name: parameterName }));
    expect(stored.Parameter?.Value).toBe(changed);
  });

  test('an invalid config is refused with its location and nothing is written', async () => {
    const parameterName = `/ferry/${uniqueStackName('bad')}/config`;
    const error = await caught(
      publishConfig({
        ssm: clients.ssm,
        parameterName,
        configText: valid.replace('bucket: media-prod', 'bucket: 7'),
        file: 'ferry.yaml',
      }),
    );
    expect(error.message).toMatch(/^ferry\.yaml:6:\d+: /);
    const missing = await clients.ssm
      .send(new GetParameterCommand({ Name: parameterName }))
      .catch((thrown: Error) => thrown.name);
    expect(missing).toBe('ParameterNotFound');
  });
});
