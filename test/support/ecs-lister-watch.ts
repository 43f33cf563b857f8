// Reads moto's ECS for the local fleet: the RUNNING tasks of a cluster that run the lister container, and what each runs.
import {
  type ContainerDefinition,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { type ListerProcessSpec, listerProcessSpec } from './ecs-lister-task.ts';

export interface ListerTaskWatch {
  /** The lister tasks ECS wants running now; undefined when they could not be read (no cluster yet, an error). */
  running(): Promise<string[] | undefined>;
  /** The process a lister task runs, once running() has seen the task. */
  specOf(taskArn: string): ListerProcessSpec | undefined;
}

function isNotFound(error: unknown): boolean {
  return /NotFound/.test((error as { name?: string }).name ?? '');
}

export function watchListerTasks(options: {
  ecs: ECSClient;
  clusterName: string;
  containerName: string;
  /** Told of errors other than a missing cluster. */
  note: (line: string) => void;
}): ListerTaskWatch {
  const { ecs, clusterName } = options;
  /** Per task, once classified: what it runs, or null when it is not a lister task. */
  const specs = new Map<string, ListerProcessSpec | null>();
  const containersByDefinition = new Map<string, ContainerDefinition[]>();

  async function containersOf(taskDefinitionArn: string): Promise<ContainerDefinition[]> {
    let containers = containersByDefinition.get(taskDefinitionArn);
    if (!containers) {
      const described = await ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }),
      );
      containers = described.taskDefinition?.containerDefinitions ?? [];
      containersByDefinition.set(taskDefinitionArn, containers);
    }
    return containers;
  }

  /** Learns, once per task, whether it runs the lister container and with what command and environment. */
  async function classify(taskArns: readonly string[]): Promise<void> {
    const unknown = taskArns.filter((arn) => !specs.has(arn));
    for (let start = 0; start < unknown.length; start += 100) {
      const described = await ecs.send(
        new DescribeTasksCommand({ cluster: clusterName, tasks: unknown.slice(start, start + 100) }),
      );
      for (const task of described.tasks ?? []) {
        // Not RUNNING yet (PENDING, PROVISIONING): looked at again next time.
        if (!task.taskArn || !task.taskDefinitionArn || task.lastStatus !== 'RUNNING') continue;
        const spec = listerProcessSpec({
          containers: await containersOf(task.taskDefinitionArn),
          overrides: task.overrides,
          containerName: options.containerName,
        });
        specs.set(task.taskArn, spec ?? null);
      }
    }
  }

  async function listRunning(): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecs.send(
        new ListTasksCommand({
          cluster: clusterName,
          desiredStatus: 'RUNNING',
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return arns;
  }

  return {
    async running() {
      try {
        const arns = await listRunning();
        await classify(arns);
        return arns.filter((arn) => specs.get(arn));
      } catch (error) {
        if (!isNotFound(error)) options.note(`ecs: ${(error as Error).message}`);
        return undefined;
      }
    },
    specOf: (taskArn) => specs.get(taskArn) ?? undefined,
  };
}
