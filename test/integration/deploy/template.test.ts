// templates/ferry.yaml: cfn-lint clean, and deployed on moto (both phases, and with every option on) it creates what
// the contract promises: outputs, a ledger table like `ferry init`'s, a redriving queue, an IMDSv2-only launch template.
import { spawnSync } from 'node:child_process';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  type CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type Parameter,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import {
  createAutoScalingClient,
  createCloudFormationClient,
  createDynamoDbClient,
  createEcsClient,
  createSqsClient,
} from '../../../worker/src/aws/clients.ts';
import { createLedgerTable } from '../../../worker/src/distributed/create-table.ts';
import { motoClientOptions, motoEndpoint, testCredentials } from '../../support/aws.ts';
import { cleanEnv } from '../../support/moto.ts';
import {
  contractOutputs,
  ferryTemplatePath,
  ferryTemplateText,
} from '../../unit/templates/cloudformation-template.ts';

const hasCfnLint =
  spawnSync('sh', ['-c', 'command -v cfn-lint'], { env: cleanEnv(), stdio: 'ignore' }).status === 0;

describe('cfn-lint', () => {
  test.skipIf(!hasCfnLint)(
    'finds no error and no warning (skipped when cfn-lint is not installed)',
    () => {
      const result = spawnSync('cfn-lint', [ferryTemplatePath], { env: cleanEnv(), encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
    120_000,
  );
});

let counter = 0;
/** A fleet (and stack) name unique to this run: lower-case, a letter first, at most 32 characters. */
function uniqueFleetName(): string {
  counter += 1;
  return `t${process.pid.toString(36)}${counter}${Date.now().toString(36)}`.slice(0, 32);
}

function parametersOf(values: Readonly<Record<string, string>>): Parameter[] {
  return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

interface DeployedStack {
  readonly status: string | undefined;
  readonly outputs: Readonly<Record<string, string>>;
}

async function describeStack(client: CloudFormationClient, stackName: string): Promise<DeployedStack> {
  const stack = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  const outputs: Record<string, string> = {};
  for (const output of stack?.Outputs ?? []) {
    if (output.OutputKey !== undefined) outputs[output.OutputKey] = output.OutputValue ?? '';
  }
  return { status: stack?.StackStatus, outputs };
}

/**
 * A raw Query API call (the EC2 and IAM SDK clients are not dependencies); moto routes it by the service in the
 * credential scope and does not check the signature.
 */
async function queryApi(
  url: string,
  call: { service: 'ec2' | 'iam'; version: string; action: string; params: Record<string, string> },
): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${testCredentials.accessKeyId}/20250101/us-east-1/${call.service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Action: call.action, Version: call.version, ...call.params }).toString(),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${call.service} ${call.action}: HTTP ${response.status} ${text}`);
  return text;
}

async function ec2Query(url: string, action: string, params: Record<string, string>): Promise<string> {
  return await queryApi(url, { service: 'ec2', version: '2016-11-15', action, params });
}

function xmlValues(xml: string, element: string): string[] {
  return [...xml.matchAll(new RegExp(`<${element}>([^<]*)</${element}>`, 'g'))].map(
    (match) => match[1] ?? '',
  );
}

/** The text of the worker role's inline policy (moto writes it as a Python literal, AWS as URL-encoded JSON). */
async function workerPolicyText(
  client: CloudFormationClient,
  url: string,
  stackName: string,
): Promise<string> {
  // (moto answers DescribeStackResources with a LogicalResourceId by an error page.)
  const resources = await client.send(new ListStackResourcesCommand({ StackName: stackName }));
  const role = resources.StackResourceSummaries?.find((each) => each.LogicalResourceId === 'WorkerRole');
  const xml = await queryApi(url, {
    service: 'iam',
    version: '2010-05-08',
    action: 'GetRolePolicy',
    params: { RoleName: role?.PhysicalResourceId ?? '', PolicyName: 'copy-work' },
  });
  const [document = ''] = xmlValues(xml, 'PolicyDocument');
  return decodeURIComponent(document).replaceAll('&quot;', '"').replaceAll('&#39;', "'");
}

/** The parts of a table description that make it the ledger: keys, attributes, indexes, billing. */
function tableShape(table: TableDescription | undefined) {
  return {
    keys: table?.KeySchema,
    attributes: [...(table?.AttributeDefinitions ?? [])].sort((a, b) =>
      String(a.AttributeName).localeCompare(String(b.AttributeName)),
    ),
    globalIndexes: table?.GlobalSecondaryIndexes ?? [],
    localIndexes: table?.LocalSecondaryIndexes ?? [],
    billing: table?.BillingModeSummary?.BillingMode,
  };
}

describe('deployed on moto', () => {
  const url = inject('motoDestination');
  const endpoint = motoEndpoint(url);
  const cloudFormation = createCloudFormationClient(endpoint, motoClientOptions);
  const dynamodb: DynamoDBClient = createDynamoDbClient(endpoint, motoClientOptions);
  const sqs = createSqsClient(endpoint, motoClientOptions);
  const autoScaling = createAutoScalingClient(endpoint, motoClientOptions);
  const ecs = createEcsClient(endpoint, motoClientOptions);
  const fleetName = uniqueFleetName();
  const parameters = {
    FleetName: fleetName,
    SourceBucketNames: 'source-a,source-b',
    DestinationBucketNames: 'destination-a',
    MaxReceiveCount: '7',
    QueueRetentionDays: '6',
    DeadLetterRetentionDays: '9',
    WorkerMaxCapacity: '12',
  };
  let created: DeployedStack;

  beforeAll(async () => {
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: fleetName,
        TemplateBody: ferryTemplateText(),
        Parameters: parametersOf(parameters),
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    created = await describeStack(cloudFormation, fleetName);
  });

  test('the stack is CREATE_COMPLETE with every contract output', () => {
    expect(created.status).toBe('CREATE_COMPLETE');
    expect(Object.keys(created.outputs).sort()).toEqual([...contractOutputs].sort());
    for (const name of contractOutputs) expect([name, created.outputs[name]]).not.toEqual([name, '']);
    expect(created.outputs.ListerContainerName).toBe('ferry-lister');
    expect(created.outputs.ConfigParameterName).toBe(`/ferry/${fleetName}/config`);
    expect(created.outputs.ListerSubnetIds?.split(',')).toHaveLength(3);
  });

  test('the ledger table has the keys, indexes and billing of the one `ferry init` creates', async () => {
    const reference = `${fleetName}-init`;
    await createLedgerTable({ client: dynamodb, tableName: reference, deletionProtection: false });
    const [ours, theirs] = await Promise.all(
      [created.outputs.LedgerTableName, reference].map(
        async (TableName) => (await dynamodb.send(new DescribeTableCommand({ TableName }))).Table,
      ),
    );
    expect(tableShape(ours)).toEqual(tableShape(theirs));
    expect(tableShape(ours).keys).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    // moto's CloudFormation drops TimeToLiveSpecification, PointInTimeRecoverySpecification and the SSE settings:
    // test/unit/templates/ferry-template.test.ts checks those in the template.
  });

  test('the queue redrives after MaxReceiveCount receives into a dead-letter queue that keeps messages longer', async () => {
    const attributesOf = async (QueueUrl: string | undefined) =>
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
    const queue = await attributesOf(created.outputs.QueueUrl);
    const deadLetters = await attributesOf(created.outputs.DeadLetterQueueUrl);
    const redrive = JSON.parse(queue.RedrivePolicy ?? '{}');
    expect(Number(redrive.maxReceiveCount)).toBe(7);
    expect(redrive.deadLetterTargetArn).toBe(deadLetters.QueueArn);
    expect(queue.QueueArn).toBe(created.outputs.QueueArn);
    expect(Number(queue.MessageRetentionPeriod)).toBe(6 * 86_400);
    expect(Number(deadLetters.MessageRetentionPeriod)).toBe(9 * 86_400);
    expect(Number(deadLetters.MessageRetentionPeriod)).toBeGreaterThan(Number(queue.MessageRetentionPeriod));
    expect(queue.KmsMasterKeyId).toBeTruthy();
    expect(deadLetters.KmsMasterKeyId).toBe(queue.KmsMasterKeyId);
    expect(Number(queue.VisibilityTimeout)).toBe(300);
  });

  test('the workers launch with IMDSv2 only (hop limit 1), encrypted disks and a resolved AMI', async () => {
    const groups = await autoScaling.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: [created.outputs.WorkerGroupName ?? ''],
      }),
    );
    const group = groups.AutoScalingGroups?.[0];
    expect([group?.MinSize, group?.DesiredCapacity, group?.MaxSize]).toEqual([0, 0, 12]);
    expect(group?.VPCZoneIdentifier?.split(',').sort()).toEqual(
      created.outputs.ListerSubnetIds?.split(',').sort(),
    );
    const launchTemplateId = group?.LaunchTemplate?.LaunchTemplateId ?? '';
    const versions = await ec2Query(url, 'DescribeLaunchTemplateVersions', {
      LaunchTemplateId: launchTemplateId,
    });
    expect(xmlValues(versions, 'httpTokens')).toEqual(['required']);
    expect(xmlValues(versions, 'httpPutResponseHopLimit')).toEqual(['1']);
    expect(xmlValues(versions, 'encrypted')).toEqual(['true']);
    expect(xmlValues(versions, 'imageId')[0]).toMatch(/^ami-[0-9a-f]+$/);
    const userData = Buffer.from(xmlValues(versions, 'userData')[0] ?? '', 'base64').toString('utf8');
    expect(userData).toContain(`FERRY_QUEUE_URL=${created.outputs.QueueUrl}`);
    expect(userData).toContain(`FERRY_CONFIG=ssm:/ferry/${fleetName}/config`);
  });

  test('the lister task runs `node /ferry/ferry.cjs list` after the engine fetch, with the contract environment', async () => {
    const described = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: created.outputs.ListerTaskDefinitionArn }),
    );
    const containers = described.taskDefinition?.containerDefinitions ?? [];
    const lister = containers.find((each) => each.name === created.outputs.ListerContainerName);
    expect(lister?.command).toEqual(['node', '/ferry/ferry.cjs', 'list']);
    expect(lister?.dependsOn).toEqual([{ containerName: 'fetch-engine', condition: 'SUCCESS' }]);
    const env = Object.fromEntries((lister?.environment ?? []).map((pair) => [pair.name, pair.value]));
    expect(env).toEqual({
      FERRY_CONFIG: `ssm:${created.outputs.ConfigParameterName}`,
      FERRY_QUEUE_URL: created.outputs.QueueUrl,
      FERRY_TABLE: created.outputs.LedgerTableName,
      FERRY_REGION: 'us-east-1',
      FERRY_LOG_FORMAT: 'json',
    });
    expect(containers.every((each) => (each.memory ?? each.memoryReservation ?? 0) > 0)).toBe(true);
  });

  test('phase 2 of a deploy (the engine bundle set) is UPDATE_COMPLETE and keeps every output', async () => {
    const sha256 = 'ab'.repeat(32);
    await cloudFormation.send(
      new UpdateStackCommand({
        StackName: fleetName,
        TemplateBody: ferryTemplateText(),
        Parameters: parametersOf({
          ...parameters,
          EngineBundleKey: `engine/${sha256}/ferry-engine.tgz`,
          EngineBundleSha256: sha256,
        }),
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    const updated = await describeStack(cloudFormation, fleetName);
    expect(updated.status).toBe('UPDATE_COMPLETE');
    expect(updated.outputs).toEqual(created.outputs);
  });

  test('with every option on (Spot, both secrets, alarm e-mail, two zones, own config name) it deploys too', async () => {
    const optionsFleet = uniqueFleetName();
    const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: optionsFleet,
        TemplateBody: ferryTemplateText(),
        Parameters: parametersOf({
          FleetName: optionsFleet,
          SourceBucketNames: 'source-a',
          DestinationBucketNames: 'destination-a,destination-b',
          UseSpot: 'true',
          SourceCredentialsSecretArn: secret('source'),
          DestinationCredentialsSecretArn: secret('destination'),
          AlarmEmail: 'ops@example.com',
          AvailabilityZoneCount: '2',
          ConfigParameterName: `/${optionsFleet}/ferry.yaml`,
          AllowDeletes: 'true',
        }),
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    const stack = await describeStack(cloudFormation, optionsFleet);
    expect(stack.status).toBe('CREATE_COMPLETE');
    expect(stack.outputs.ListerSubnetIds?.split(',')).toHaveLength(2);
    expect(stack.outputs.ConfigParameterName).toBe(`/${optionsFleet}/ferry.yaml`);
    const groups = await autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [stack.outputs.WorkerGroupName ?? ''] }),
    );
    const group = groups.AutoScalingGroups?.[0];
    expect(group?.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity).toBe(0);
    expect(group?.LaunchTemplate).toBeUndefined();
    // AllowDeletes=true: the workers may delete destination objects (sync); without it (the first stack) they may not.
    const allowed = await workerPolicyText(cloudFormation, url, optionsFleet);
    expect(allowed).toMatch(
      /DeleteFromDestinations\W+Effect\W+Allow\W+Action\W+s3:DeleteObject\W+Resource\W+arn:aws:s3:::destination-a\/\*\W+arn:aws:s3:::destination-b\/\*\W/,
    );
    const withoutDeletes = await workerPolicyText(cloudFormation, url, fleetName);
    expect(withoutDeletes).toContain('WriteDestinations');
    expect(withoutDeletes).not.toContain('s3:DeleteObject');
  });
});
