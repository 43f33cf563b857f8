// The lister as an ECS Fargate task: run it with the run's overrides, find it by run id, read how it stopped.
import {
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { FerryError } from '../domain/errors.ts';
import type { RunMode } from '../ports/ledger.ts';
import { awsCall } from './aws-error.ts';
import type { FleetOutputs } from './fleet-outputs.ts';

/** Set on the tasks Ferry starts (ECS allows up to 36 letters, digits, `-`, `/`, `_`). */
export const listerStartedBy = 'ferry-start';
export const runIdEnvName = 'FERRY_RUN_ID';

export type ListerFleet = Pick<
  FleetOutputs,
  | 'ClusterName'
  | 'ListerTaskDefinitionArn'
  | 'ListerContainerName'
  | 'ListerSubnetIds'
  | 'ListerSecurityGroupId'
>;

export interface ListerTaskState {
  readonly taskArn: string;
  readonly lastStatus: string;
  /** Stopped for good: ECS says STOPPED as both its last and its desired status. */
  readonly stopped: boolean;
  /** The lister container's exit code, once it has one. */
  readonly exitCode?: number;
  /** Why ECS stopped the task (e.g. "Essential container in task exited", CannotPullContainerError...). */
  readonly stoppedReason?: string;
  /** The container's own reason, when ECS gives one (e.g. OutOfMemoryError). */
  readonly containerReason?: string;
}

/** The environment the lister container runs with, on top of its task definition's. */
export function listerEnvironment(run: {
  mappingId: string;
  runId: string;
  mode: RunMode;
}): { name: string; value: string }[] {
  return [
    { name: 'FERRY_MAPPING', value: run.mappingId },
    { name: runIdEnvName, value: run.runId },
    { name: 'FERRY_MODE', value: run.mode },
  ];
}

/** Starts the lister task for one run; a placement failure ECS reports is an error naming it. */
export async function runListerTask(options: {
  readonly ecs: ECSClient;
  readonly fleet: ListerFleet;
  readonly mappingId: string;
  readonly runId: string;
  readonly mode: RunMode;
}): Promise<string> {
  const { ecs, fleet } = options;
  const output = await awsCall(`ECS RunTask ${fleet.ClusterName}`, () =>
    ecs.send(
      new RunTaskCommand({
        cluster: fleet.ClusterName,
        taskDefinition: fleet.ListerTaskDefinitionArn,
        launchType: 'FARGATE',
        count: 1,
        startedBy: listerStartedBy,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: [...fleet.ListerSubnetIds],
            securityGroups: [fleet.ListerSecurityGroupId],
            assignPublicIp: 'ENABLED',
          },
        },
        overrides: {
          containerOverrides: [{ name: fleet.ListerContainerName, environment: listerEnvironment(options) }],
        },
      }),
    ),
  );
  const failures = (output.failures ?? []).map(
    (failure) =>
      `${failure.arn ?? 'task'}: ${failure.reason ?? 'failed'}${failure.detail ? ` (${failure.detail})` : ''}`,
  );
  const taskArn = output.tasks?.[0]?.taskArn;
  if (failures.length > 0 || taskArn === undefined) {
    throw new FerryError(
      'Transient',
      `ECS RunTask in cluster ${fleet.ClusterName} started no lister for run ${options.runId}: ${failures.join('; ') || 'no task returned'}`,
    );
  }
  return taskArn;
}

async function describeTasks(ecs: ECSClient, cluster: string, taskArns: readonly string[]): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let start = 0; start < taskArns.length; start += 100) {
    const output = await awsCall(`ECS DescribeTasks ${cluster}`, () =>
      ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(start, start + 100) })),
    );
    tasks.push(...(output.tasks ?? []));
  }
  return tasks;
}

function runIdOf(task: Task, containerName: string): string | undefined {
  const override = task.overrides?.containerOverrides?.find((container) => container.name === containerName);
  return override?.environment?.find((variable) => variable.name === runIdEnvName)?.value;
}

/** A lister task of that run that ECS still wants running (pending, provisioning or running), if there is one. */
export async function findRunningListerTask(options: {
  readonly ecs: ECSClient;
  readonly fleet: ListerFleet;
  readonly runId: string;
}): Promise<string | undefined> {
  const { ecs, fleet } = options;
  const taskArns: string[] = [];
  let nextToken: string | undefined;
  do {
    const output = await awsCall(`ECS ListTasks ${fleet.ClusterName}`, () =>
      ecs.send(
        new ListTasksCommand({
          cluster: fleet.ClusterName,
          desiredStatus: 'RUNNING',
          ...(nextToken !== undefined ? { nextToken } : {}),
        }),
      ),
    );
    taskArns.push(...(output.taskArns ?? []));
    nextToken = output.nextToken;
  } while (nextToken !== undefined);
  const tasks = await describeTasks(ecs, fleet.ClusterName, taskArns);
  const found = tasks.find(
    (task) => task.desiredStatus === 'RUNNING' && runIdOf(task, fleet.ListerContainerName) === options.runId,
  );
  return found?.taskArn;
}

/** Which lister task to describe: its ARN, its cluster and its container's name. */
export interface ListerTaskRef {
  readonly ecs: ECSClient;
  readonly fleet: Pick<ListerFleet, 'ClusterName' | 'ListerContainerName'>;
  readonly taskArn: string;
}

/** Where the task is now, and how its lister container ended if it has. */
export async function describeListerTask(options: ListerTaskRef): Promise<ListerTaskState> {
  const { fleet, taskArn } = options;
  const [task] = await describeTasks(options.ecs, fleet.ClusterName, [taskArn]);
  if (task === undefined)
    throw new FerryError('Internal', `ECS has no task ${taskArn} in cluster ${fleet.ClusterName}`);
  const container = task.containers?.find((candidate) => candidate.name === fleet.ListerContainerName);
  const lastStatus = task.lastStatus ?? 'UNKNOWN';
  return {
    taskArn,
    lastStatus,
    stopped: lastStatus === 'STOPPED' && task.desiredStatus === 'STOPPED',
    ...(container?.exitCode !== undefined ? { exitCode: container.exitCode } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    ...(container?.reason ? { containerReason: container.reason } : {}),
  };
}
