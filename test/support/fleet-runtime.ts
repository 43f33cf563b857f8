// Local stand-in for ECS and EC2 on top of moto: runs `ferry list` for lister tasks, keeps `ferry worker`s at capacity.
//
// What it plays, and what it substitutes:
// - ECS: each task RUNNING in the cluster whose task definition has the lister container gets a `ferry list` process
//   with that container's command (the words after ferry.cjs) and environment, the task's container overrides on top.
//   When it exits, StopTask with the exit code in the reason; listerExitCode() and listerContainer() have the real code
//   (moto records 0 and has no SubmitTaskStateChange; the ECS facade shows it in DescribeTasks). A task stopped from
//   outside has its process SIGTERMed. moto's own task clock (a state per DescribeTasks) is switched off.
// - EC2 Auto Scaling: as many `ferry worker` processes as the group's DesiredCapacity; extras get SIGTERM and drain; a
//   worker that dies is replaced (not sooner than restartDelayMs after). The instances moto launches are not used.
// - Every child gets FERRY_AWS_ENDPOINT_URL=<moto> and test credentials, so `ssm:` configs, the SQS queue URL that
//   CloudFormation reports on the real AWS host, and the DynamoDB table all resolve in moto. Source and destination
//   credentials come as SRC_/DST_ variables (the template's credential secrets are not emulated).
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { createAutoScalingClient, createEcsClient } from '../../worker/src/aws/clients.ts';
import { systemClock } from '../../worker/src/ports/clock.ts';
import { motoClientOptions, motoEndpoint, testCredentials } from './aws.ts';
import type { ContainerState } from './ecs-facade.ts';
import { watchListerTasks } from './ecs-lister-watch.ts';
import {
  type FerryProcess,
  signalProcess,
  sourceFerryScript,
  startFerryProcess,
  stopProcess,
} from './ferry-process.ts';
import { childLog, recentLogs, runtimeLogName } from './fleet-logs.ts';
import {
  containerExitCode,
  type FleetAction,
  type ListerView,
  reconcileFleet,
  type WorkerView,
} from './fleet-reconcile.ts';

export interface FleetRuntimeOptions {
  /**
   * The moto server playing the control plane: ECS, Auto Scaling, and the SQS/DynamoDB/SSM the children use. The
   * runtime changes how this server moves ECS tasks (holdEcsTasksRunning): give it a moto of its own.
   */
  readonly endpointUrl: string;
  readonly clusterName: string;
  readonly workerGroupName: string;
  /** Every worker's environment: what the worker systemd unit sets (FERRY_CONFIG, FERRY_QUEUE_URL, FERRY_TABLE…). */
  readonly workerEnv: Readonly<Record<string, string>>;
  /** Added after `ferry worker`, e.g. ['--visibility-timeout', '30']. */
  readonly workerArgs?: readonly string[];
  /** Added to every child: what a real fleet gets from its roles and secrets (source/destination credentials). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where each child's stdout and stderr go, one file per process, plus runtime.log. */
  readonly logDir: string;
  /** Default ferry-lister (the contract's ListerContainerName). */
  readonly listerContainerName?: string;
  /** Default 300. */
  readonly pollIntervalMs?: number;
  /** A worker that died on its own is replaced no sooner than this after. Default 2,000. */
  readonly restartDelayMs?: number;
  /** stop() waits this long for children to drain after SIGTERM, then SIGKILLs them. Default 60,000. */
  readonly stopTimeoutMs?: number;
  /** Default us-east-1. */
  readonly region?: string;
  /**
   * The ferry executable the tasks and instances run: default the source CLI (worker/bin/ferry.js); give an unpacked
   * engine bundle's ferry.cjs to run what deploy published. It runs on this Node (24).
   */
  readonly ferryScript?: string;
}

export interface ExitedWorker {
  readonly id: string;
  readonly exitCode: number;
  /** It had logged worker.start: before that it has no SIGTERM handler, and a signal just ends it (143). */
  readonly started: boolean;
  /** True when the runtime asked it to stop (scale-in or stop()); false: it died on its own. */
  readonly expected: boolean;
}

export interface RunningWorker extends WorkerView {
  readonly pid: number | undefined;
  /** It has logged worker.start (config read, queue and ledger opened, signal handlers in place). */
  readonly started: boolean;
}

export interface FleetSnapshot {
  readonly desiredWorkers: number | undefined;
  readonly workers: readonly RunningWorker[];
  readonly exitedWorkers: readonly ExitedWorker[];
  readonly listers: readonly ListerView[];
}

export interface FleetRuntime {
  readonly logDir: string;
  snapshot(): FleetSnapshot;
  /**
   * The real exit code of the lister process of a task (moto's StopTask records 0 whatever the reason, and has no
   * SubmitTaskStateChange); undefined while it runs. The reason given to StopTask names it too.
   */
  listerExitCode(taskArn: string): number | undefined;
  /** The lister container of a task as ECS would describe it (for the ECS facade); undefined for other tasks. */
  listerContainer(taskArn: string): ContainerState | undefined;
  /** Resolves once the predicate holds for a snapshot; rejects after timeoutMs with the snapshot in the message. */
  waitFor(predicate: (snapshot: FleetSnapshot) => boolean, options: { timeoutMs: number }): Promise<void>;
  /** What one child (worker-3, lister-<task id>) has written to stdout and stderr so far. */
  childLog(name: string): string;
  /** The runtime's log and the latest child logs (the tail of each), for printing when a test fails. */
  logs(options?: { tailChars?: number; maxFiles?: number }): string;
  /** Stops polling, SIGTERMs every child and waits for them (SIGKILL after stopTimeoutMs). */
  stop(): Promise<void>;
}

interface ListerRecord {
  state: ListerView['state'];
  exitCode?: number;
  child?: FerryProcess;
  /** SIGTERMed because its task was stopped from outside: the task is already STOPPED. */
  terminated: boolean;
}

interface WorkerRecord {
  readonly id: string;
  readonly startedAtMs: number;
  started: boolean;
  stopping: boolean;
  readonly child: FerryProcess;
}

/** The reason given to StopTask once a lister process has ended. */
export function listerStopReason(exitCode: number): string {
  return `Essential container in task exited: ferry-lister exit code ${exitCode} (local fleet runtime)`;
}

/**
 * moto moves an ECS task one state towards STOPPED on every DescribeTasks call. Real tasks stay RUNNING while their
 * container runs, so this makes moto's tasks stay RUNNING until StopTask. It is server-wide: use a moto of your own.
 */
export async function holdEcsTasksRunning(endpointUrl: string): Promise<void> {
  const response = await fetch(`${endpointUrl}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({
      model_name: 'ecs::task',
      transition: { progression: 'manual', times: 1_000_000_000 },
    }),
  });
  if (!response.ok) throw new Error(`moto refused the ECS task transition: HTTP ${response.status}`);
}

export async function startFleetRuntime(options: FleetRuntimeOptions): Promise<FleetRuntime> {
  const region = options.region ?? 'us-east-1';
  const containerName = options.listerContainerName ?? 'ferry-lister';
  const pollIntervalMs = options.pollIntervalMs ?? 300;
  const restartDelayMs = options.restartDelayMs ?? 2_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 60_000;
  const ferryScript = options.ferryScript ?? sourceFerryScript;
  const control = { ...motoEndpoint(options.endpointUrl, 'fleet-runtime'), region };
  const ecs = createEcsClient(control, motoClientOptions);
  const autoscaling = createAutoScalingClient(control, motoClientOptions);
  await holdEcsTasksRunning(options.endpointUrl);
  const { logDir } = options;
  mkdirSync(logDir, { recursive: true });
  const runtimeLog = createWriteStream(join(logDir, runtimeLogName));
  const note = (line: string): void => {
    runtimeLog.write(`${systemClock.now().toISOString()} ${line}\n`);
  };
  /** What ECS and EC2 give every process: the control plane at moto, its credentials, no instance metadata. */
  const childEnv = {
    FERRY_AWS_ENDPOINT_URL: options.endpointUrl,
    AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
    AWS_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...options.env,
  };

  const listerTasks = watchListerTasks({ ecs, clusterName: options.clusterName, containerName, note });
  const listers = new Map<string, ListerRecord>();
  const workers: WorkerRecord[] = [];
  const exitedWorkers: ExitedWorker[] = [];
  let desiredWorkers: number | undefined;
  let lastWorkerCrashAtMs: number | undefined;
  let workerCount = 0;
  let stopped = false;

  /** Starts `node <ferry script> …args` the way ECS or EC2 would, its output into <logDir>/<name>.log. */
  function spawnChild(
    name: string,
    args: readonly string[],
    child: { env: Record<string, string>; onOutput?: (text: string) => void },
  ): FerryProcess {
    const started = startFerryProcess({
      script: ferryScript,
      args,
      env: child.env,
      logFile: join(logDir, `${name}.log`),
      ...(child.onOutput ? { onOutput: child.onOutput } : {}),
    });
    note(`${name}: started (pid ${started.process.pid}) ${ferryScript} ${args.join(' ')}`);
    return started;
  }

  async function observeDesiredWorkers(): Promise<number | undefined> {
    try {
      const described = await autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [options.workerGroupName] }),
      );
      return described.AutoScalingGroups?.[0]?.DesiredCapacity;
    } catch (error) {
      note(`autoscaling: ${(error as Error).message}`);
      return undefined;
    }
  }

  function runLister(taskArn: string): void {
    const spec = listerTasks.specOf(taskArn);
    if (!spec) return;
    const record: ListerRecord = { state: 'running', terminated: false };
    listers.set(taskArn, record);
    const name = `lister-${taskArn.split('/').pop() ?? taskArn}`;
    record.child = spawnChild(name, spec.args, { env: { ...spec.env, ...childEnv } });
    void record.child.done.then((result) => {
      record.exitCode = containerExitCode(result.code, result.signal);
      record.state = record.terminated ? 'reported' : 'exited';
      note(`${name}: exited with code ${record.exitCode}`);
    });
  }

  async function reportListerExit(taskArn: string, exitCode: number): Promise<void> {
    await ecs.send(
      new StopTaskCommand({
        cluster: options.clusterName,
        task: taskArn,
        reason: listerStopReason(exitCode),
      }),
    );
    const record = listers.get(taskArn);
    if (record) record.state = 'reported';
  }

  function startWorker(): void {
    workerCount += 1;
    const id = `worker-${workerCount}`;
    const child = spawnChild(id, ['worker', ...(options.workerArgs ?? [])], {
      env: { ...options.workerEnv, ...childEnv },
      // Output arrives on later turns of the event loop, once record below exists.
      onOutput: (text) => {
        if (text.includes('worker.start')) record.started = true;
      },
    });
    const record: WorkerRecord = { id, startedAtMs: Date.now(), started: false, stopping: false, child };
    workers.push(record);
    void child.done.then((result) => {
      workers.splice(workers.indexOf(record), 1);
      const exitCode = containerExitCode(result.code, result.signal);
      exitedWorkers.push({ id, exitCode, started: record.started, expected: record.stopping });
      if (!record.stopping) lastWorkerCrashAtMs = Date.now();
      note(`${id}: exited with code ${exitCode}${record.stopping ? '' : ' on its own'}`);
    });
  }

  async function apply(action: FleetAction): Promise<void> {
    switch (action.kind) {
      case 'run-lister':
        return runLister(action.taskArn);
      case 'terminate-lister': {
        const record = listers.get(action.taskArn);
        if (!record) return;
        record.terminated = true;
        note(`lister of ${action.taskArn}: task stopped from outside, SIGTERM`);
        return signalProcess(record.child, 'SIGTERM');
      }
      case 'report-lister-exit':
        return await reportListerExit(action.taskArn, action.exitCode);
      case 'start-worker':
        return startWorker();
      case 'stop-worker': {
        const record = workers.find((worker) => worker.id === action.workerId);
        if (!record) return;
        record.stopping = true;
        note(`${record.id}: scale-in, SIGTERM`);
        return signalProcess(record.child, 'SIGTERM');
      }
    }
  }

  function snapshot(): FleetSnapshot {
    return {
      desiredWorkers,
      workers: workers.map(({ id, startedAtMs, started, stopping, child }) => ({
        id,
        startedAtMs,
        started,
        stopping,
        pid: child.process.pid,
      })),
      exitedWorkers: [...exitedWorkers],
      listers: [...listers].map(([taskArn, record]) => ({
        taskArn,
        state: record.state,
        ...(record.exitCode === undefined ? {} : { exitCode: record.exitCode }),
      })),
    };
  }

  async function tick(): Promise<void> {
    const [runningListerTasks, desired] = await Promise.all([listerTasks.running(), observeDesiredWorkers()]);
    if (stopped) return;
    desiredWorkers = desired;
    const actions = reconcileFleet({
      runningListerTasks,
      listers: snapshot().listers,
      desiredWorkers: desired,
      workers: snapshot().workers,
      nowMs: Date.now(),
      ...(lastWorkerCrashAtMs === undefined ? {} : { lastWorkerCrashAtMs }),
      restartDelayMs,
    });
    for (const action of actions) {
      try {
        await apply(action);
      } catch (error) {
        note(`${action.kind}: ${(error as Error).message}`);
      }
    }
  }

  const loop = (async () => {
    while (!stopped) {
      await tick().catch((error: unknown) => note(`tick: ${(error as Error).message}`));
      await systemClock.sleep(pollIntervalMs);
    }
  })();

  return {
    logDir: options.logDir,
    snapshot,
    listerExitCode: (taskArn) => listers.get(taskArn)?.exitCode,
    listerContainer(taskArn) {
      const record = listers.get(taskArn);
      if (!record) return undefined;
      if (record.exitCode === undefined) return { name: containerName, lastStatus: 'RUNNING' };
      return { name: containerName, lastStatus: 'STOPPED', exitCode: record.exitCode };
    },
    async waitFor(predicate, { timeoutMs }) {
      const until = Date.now() + timeoutMs;
      while (!predicate(snapshot())) {
        if (Date.now() > until) {
          throw new Error(
            `fleet runtime: condition not met in ${timeoutMs} ms: ${JSON.stringify(snapshot())}`,
          );
        }
        await systemClock.sleep(100);
      }
    },
    childLog: (name) => childLog(logDir, name),
    logs: ({ tailChars = 8_000, maxFiles = 12 } = {}) => recentLogs(logDir, { tailChars, maxFiles }),
    async stop() {
      stopped = true;
      await loop;
      for (const worker of workers) worker.stopping = true;
      const children = [
        ...workers.map((worker) => worker.child),
        ...[...listers.values()].flatMap((record) => (record.child ? [record.child] : [])),
      ];
      await Promise.all(children.map((child) => stopProcess(child, stopTimeoutMs)));
      for (const [taskArn, record] of listers) {
        if (record.state === 'exited' && record.exitCode !== undefined) {
          await reportListerExit(taskArn, record.exitCode).catch(() => undefined);
        }
      }
      note('stopped');
      await new Promise((resolve) => runtimeLog.end(resolve));
      ecs.destroy();
      autoscaling.destroy();
    },
  };
}
