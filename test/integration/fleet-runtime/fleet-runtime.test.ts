// The local ECS/EC2 stand-in against a hand-made moto cluster and Auto Scaling group: listers run, workers follow capacity.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, inject, onTestFailed, test } from 'vitest';
import {
  createAutoScalingClient,
  createDynamoDbClient,
  createEcsClient,
  createSsmClient,
} from '../../../worker/src/aws/clients.ts';
import { createDynamoDbLedger } from '../../../worker/src/distributed/dynamodb-ledger.ts';
import { motoClientOptions, motoEndpoint, testS3, uniqueBucket } from '../../support/aws.ts';
import { controlPlaneEnv, initQueueAndTable } from '../../support/distributed-run.ts';
import { mappingYaml, tempDir, writeConfig } from '../../support/ferry-cli.ts';
import { type FleetRuntime, listerStopReason, startFleetRuntime } from '../../support/fleet-runtime.ts';
import { type RunningServer, startMoto } from '../../support/moto.ts';
import { bytesFor, createBucket, fingerprint, listKeys, putObject } from '../../support/objects.ts';

const MiB = 1024 * 1024;
const source = testS3(inject('motoSource'));
const destination = testS3(inject('motoDestination'));

/** The queue URL as CloudFormation in moto reports it: on the real AWS host, not on moto. */
function onAwsHost(motoQueueUrl: string): string {
  return `https://sqs.us-east-1.amazonaws.com${new URL(motoQueueUrl).pathname}`;
}

describe('local fleet runtime', () => {
  const dir = tempDir('fleet-runtime');
  const name = uniqueBucket('fleet-rt');
  const sourceBucket = uniqueBucket('fleet-rt-src');
  const destinationBucket = uniqueBucket('fleet-rt-dst');
  const keys = Array.from({ length: 40 }, (_, i) => `in/${String(i).padStart(3, '0')}.bin`);
  const bigKey = 'in/big.bin';
  let moto: RunningServer;
  let ecs: ECSClient;
  let runtime: FleetRuntime;
  let taskDefinitionArn = '';
  let controlEnv: Record<string, string> = {};
  const autoscaling = () => createAutoScalingClient(motoEndpoint(moto.url), motoClientOptions);
  const ledger = () =>
    createDynamoDbLedger({
      client: createDynamoDbClient(motoEndpoint(moto.url), motoClientOptions),
      tableName: name,
    });
  const runListerTask = async (environment: Record<string, string>): Promise<string> => {
    const run = await ecs.send(
      new RunTaskCommand({
        cluster: name,
        taskDefinition: taskDefinitionArn,
        launchType: 'FARGATE',
        overrides: {
          containerOverrides: [
            {
              name: 'ferry-lister',
              environment: Object.entries(environment).map(([key, value]) => ({ name: key, value })),
            },
          ],
        },
      }),
    );
    return run.tasks?.[0]?.taskArn ?? '';
  };
  const stoppedReasonOf = async (taskArn: string): Promise<string | undefined> => {
    const described = await ecs.send(new DescribeTasksCommand({ cluster: name, tasks: [taskArn] }));
    const task = described.tasks?.[0];
    return task?.lastStatus === 'STOPPED' ? task.stoppedReason : undefined;
  };
  const awaitStopped = async (taskArn: string): Promise<string> => {
    for (let i = 0; i < 600; i++) {
      const reason = await stoppedReasonOf(taskArn);
      if (reason !== undefined) return reason;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`task ${taskArn} did not stop`);
  };

  beforeAll(async () => {
    moto = await startMoto();
    ecs = createEcsClient(motoEndpoint(moto.url), motoClientOptions);
    controlEnv = controlPlaneEnv(moto.url);
    const { queueUrl } = await initQueueAndTable({ name, env: controlEnv });
    await createBucket(source, sourceBucket);
    await createBucket(destination, destinationBucket);
    const limit = pLimit(8);
    await Promise.all(
      keys.map((key, i) =>
        limit(() => putObject(source, { bucket: sourceBucket, key, body: bytesFor(key, 500 + i * 101) })),
      ),
    );
    await putObject(source, { bucket: sourceBucket, key: bigKey, body: bytesFor(bigKey, 7 * MiB + 5) });
    const configFile = writeConfig({
      dir,
      sourceUrl: inject('motoSource'),
      destinationUrl: inject('motoDestination'),
      mappingsYaml: mappingYaml({
        id: 'rt',
        sourceBucket,
        sourcePrefix: 'in/',
        destinationBucket,
        destinationPrefix: 'out/',
      }),
    });
    const parameterName = `/ferry/${name}/config`;
    await createSsmClient(motoEndpoint(moto.url), motoClientOptions).send(
      new PutParameterCommand({
        Name: parameterName,
        Type: 'String',
        Value: readFileSync(configFile, 'utf8'),
      }),
    );
    // The runtime environment the template gives the lister container and the worker unit.
    const fleetEnv = {
      FERRY_CONFIG: `ssm:${parameterName}`,
      FERRY_QUEUE_URL: onAwsHost(queueUrl),
      FERRY_TABLE: name,
      FERRY_REGION: 'us-east-1',
      FERRY_LOG_FORMAT: 'json',
    };
    await ecs.send(new CreateClusterCommand({ clusterName: name }));
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `${name}-lister`,
        containerDefinitions: [
          { name: 'bundle-init', image: 'public.ecr.aws/x/init', cpu: 256, memory: 512, essential: false },
          {
            name: 'ferry-lister',
            image: 'public.ecr.aws/x/node',
            cpu: 256,
            memory: 512,
            command: ['node', '/ferry/ferry.cjs', 'list'],
            environment: Object.entries(fleetEnv).map(([key, value]) => ({ name: key, value })),
          },
        ],
      }),
    );
    taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn ?? '';
    await autoscaling().send(
      new CreateLaunchConfigurationCommand({
        LaunchConfigurationName: name,
        ImageId: 'ami-12c6146b',
        InstanceType: 'c6in.xlarge',
      }),
    );
    await autoscaling().send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchConfigurationName: name,
        MinSize: 0,
        MaxSize: 4,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    runtime = await startFleetRuntime({
      endpointUrl: moto.url,
      clusterName: name,
      workerGroupName: name,
      workerEnv: fleetEnv,
      workerArgs: ['--visibility-timeout', '30'],
      logDir: join(dir, 'logs'),
    });
  });

  afterAll(async () => {
    await runtime?.stop();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a RUNNING lister task runs `ferry list` with its overrides; the task stops with the exit code', async () => {
    onTestFailed(() => console.log(runtime.logs()));
    const taskArn = await runListerTask({ FERRY_MAPPING: 'rt', FERRY_RUN_ID: 'rt-1', FERRY_MODE: 'full' });
    expect(await awaitStopped(taskArn)).toBe(listerStopReason(0));
    expect(runtime.listerExitCode(taskArn)).toBe(0);
    const run = await ledger().getRun('rt-1');
    expect(run).toMatchObject({ mappingId: 'rt', mode: 'full', listerState: 'LISTED' });
    const allBytes = keys.reduce((sum, _, i) => sum + 500 + i * 101, 0) + 7 * MiB + 5;
    expect(run?.planned).toEqual({ objects: keys.length + 1, bytes: allBytes });
    expect(run?.copied.objects).toBe(0);

    const broken = await runListerTask({ FERRY_MAPPING: 'no-such-mapping', FERRY_RUN_ID: 'rt-bad' });
    expect(await awaitStopped(broken)).toBe(listerStopReason(2));
    expect(runtime.listerExitCode(broken)).toBe(2);
  });

  test('desired capacity 2: two workers drain the queue; one that dies is replaced; capacity 0 drains them', async () => {
    onTestFailed(() => console.log(runtime.logs()));
    await autoscaling().send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 2 }),
    );
    await runtime.waitFor((fleet) => fleet.workers.length === 2, { timeoutMs: 10_000 });
    const first = runtime.snapshot().workers;
    expect(new Set(first.map((worker) => worker.pid)).size).toBe(2);
    for (let i = 0; ; i++) {
      const run = await ledger().getRun('rt-1');
      if (run && run.copied.objects + run.failed.objects >= run.planned.objects) break;
      if (i > 600) throw new Error(`run rt-1 not done: ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const run = await ledger().getRun('rt-1');
    expect(run?.copied.objects).toBe(keys.length + 1);
    expect(run?.copied).toEqual(run?.planned);
    expect(run?.failed.objects).toBe(0);
    expect((await listKeys(destination, destinationBucket, 'out/')).sort()).toEqual(
      [...keys, bigKey].map((key) => `out/${key.slice(3)}`).sort(),
    );
    expect(await fingerprint(destination, destinationBucket, 'out/big.bin')).toEqual(
      await fingerprint(source, sourceBucket, bigKey),
    );

    const victim = first[0];
    process.kill(victim?.pid ?? 0, 'SIGKILL');
    await runtime.waitFor(
      (fleet) => fleet.workers.length === 2 && !fleet.workers.some((worker) => worker.id === victim?.id),
      { timeoutMs: 15_000 },
    );
    expect(runtime.snapshot().exitedWorkers).toEqual([
      { id: victim?.id, exitCode: 137, started: true, expected: false },
    ]);
    // Until it has started, a worker has no SIGTERM handler: a signal then just ends it (143), as on a booting instance.
    await runtime.waitFor((fleet) => fleet.workers.every((worker) => worker.started), { timeoutMs: 30_000 });

    await autoscaling().send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 0 }),
    );
    await runtime.waitFor((fleet) => fleet.workers.length === 0, { timeoutMs: 60_000 });
    const drained = runtime.snapshot().exitedWorkers.filter((worker) => worker.expected);
    expect(drained).toHaveLength(2);
    for (const worker of drained) expect(worker.exitCode).toBe(0);
  });
});
