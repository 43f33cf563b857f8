// The Ferry workflow as GitHub runs it, against moto: the committed action bundles in order, the fleet runtime between.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testCredentials } from '../support/aws.ts';
import { startEcsFacade } from '../support/ecs-facade.ts';
import { writeConfig } from '../support/ferry-cli.ts';
import {
  type ExitedWorker,
  type FleetRuntime,
  type FleetSnapshot,
  startFleetRuntime,
} from '../support/fleet-runtime.ts';
import { type ActionResult, runAction } from '../support/run-action.ts';
import { createStackAsDeployed, unpackPublishedBundle } from './deploy-stand-ins.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const region = 'us-east-1';
/** await-run gives up (and fails the step) after this long; a test allows more. */
export const awaitMaxWaitMinutes = 3;
/** The repository's actions, with their committed dist/ bundles. */
export const committedActions = join(repoRoot, 'actions');

export interface E2eFleetOptions {
  /** A moto of the fleet's own (the runtime changes how it moves ECS tasks): every AWS service and the destination. */
  readonly controlUrl: string;
  /** Where the source buckets are (any S3 endpoint; credentials SRC_*). */
  readonly sourceUrl: string;
  /** Lower-case letters, digits, hyphens; the stack is ferry-<fleetName>. */
  readonly fleetName: string;
  readonly sourceBuckets: readonly string[];
  readonly destinationBuckets: readonly string[];
  /** The `mappings:` entries of ferry.yaml (endpoints src and dst are defined for them). */
  readonly mappingsYaml: string;
  /** The job's workspace (ferry.yaml and a copy of the template go there) and the fleet's logs. */
  readonly workDir: string;
  /** Told what happens, step by step. */
  readonly log?: (line: string) => void;
  /** Where the actions are (each with action.yml and dist/); default the repository's, as committed. */
  readonly actionsRoot?: string;
}

export interface MigrationOptions {
  readonly mapping: string;
  readonly runId: string;
  readonly mode: 'full' | 'incremental' | 'sync';
  readonly workers: number;
  /**
   * Given: start-lister waits for the listing to complete (wait: true), then this runs, then the workers are scaled.
   * Absent: as .github/workflows/migrate.yml does it, the workers are scaled while the lister runs.
   */
  readonly afterListing?: () => Promise<void>;
}

/** The steps of one run, as the workflow's jobs would see them. */
export interface MigrationSteps {
  readonly startLister: ActionResult;
  readonly scaleWorkers: ActionResult;
  readonly awaitRun: ActionResult;
}

export interface E2eFleet {
  readonly stackName: string;
  readonly deploy: ActionResult;
  /** The deploy step's outputs (kebab-case stack outputs). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly runtime: FleetRuntime;
  runMigration(options: MigrationOptions): Promise<MigrationSteps>;
  stop(): Promise<void>;
}

/**
 * Workers that did not end as a scale-in should end them: each was stopped by the runtime, and one that had started
 * drained and exited 0. (One still booting when asked to stop, as when a run with nothing to copy is over at once, has no
 * SIGTERM handler yet and ends on the signal, 143.)
 */
export function uncleanWorkerExits(snapshot: FleetSnapshot): ExitedWorker[] {
  return snapshot.exitedWorkers.filter(
    (worker) => !worker.expected || ![0, ...(worker.started ? [] : [143])].includes(worker.exitCode),
  );
}

/** Thrown when a step that must succeed did not; carries the step's output for the log. */
export class StepFailed extends Error {
  readonly result: ActionResult;
  constructor(step: string, result: ActionResult) {
    super(`${step} exited with ${result.code}\n${result.stdout}\n${result.stderr}`);
    this.result = result;
  }
}

function requireSuccess(step: string, result: ActionResult): ActionResult {
  if (result.code !== 0) throw new StepFailed(step, result);
  return result;
}

/** What the runner's job gets from configure-aws-credentials: credentials and a Region. */
const jobEnv = {
  AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
  AWS_REGION: region,
};

/** The job's workspace: a checkout's template and the ferry.yaml to publish. */
function prepareWorkspace(options: E2eFleetOptions): { workspace: string; template: string } {
  const workspace = join(options.workDir, 'workspace');
  mkdirSync(join(workspace, 'templates'), { recursive: true });
  const template = join(workspace, 'templates', 'ferry.yaml');
  copyFileSync(join(repoRoot, 'templates', 'ferry.yaml'), template);
  writeConfig({
    dir: workspace,
    sourceUrl: options.sourceUrl,
    destinationUrl: options.controlUrl,
    mappingsYaml: options.mappingsYaml,
  });
  return { workspace, template };
}

/**
 * Starts the runtime for the deployed fleet: the cluster, group and worker environment from the deploy's outputs, and
 * the engine bundle deploy published as the program the tasks and instances run.
 */
async function startRuntimeFor(options: E2eFleetOptions, deploy: ActionResult): Promise<FleetRuntime> {
  const output = (name: string): string => {
    const value = deploy.outputs[name];
    if (!value) throw new StepFailed(`deploy (no output ${name})`, deploy);
    return value;
  };
  const ferryScript = await unpackPublishedBundle({
    controlUrl: options.controlUrl,
    bucket: output('artifact-bucket-name'),
    key: output('engine-bundle-key'),
    sha256: output('engine-bundle-sha256'),
    dir: join(options.workDir, 'engine'),
  });
  return await startFleetRuntime({
    ferryScript,
    endpointUrl: options.controlUrl,
    clusterName: output('cluster-name'),
    workerGroupName: output('worker-group-name'),
    listerContainerName: output('lister-container-name'),
    // The worker unit's environment, as the template sets it from the same resources.
    workerEnv: {
      FERRY_CONFIG: `ssm:${output('config-parameter-name')}`,
      FERRY_QUEUE_URL: output('queue-url'),
      FERRY_TABLE: output('ledger-table-name'),
      FERRY_REGION: region,
      FERRY_LOG_FORMAT: 'json',
      // A worker stopped mid long poll leaves the poll open at SQS (moto here) for up to 20 s; a message arriving then
      // is received by nobody and stays invisible for the lease. A 30 s lease (production: 300 s) brings it back within
      // a test's time when a run starts right after the previous run's scale-in.
      FERRY_VISIBILITY_TIMEOUT: '30',
    },
    logDir: join(options.workDir, 'fleet-logs'),
  });
}

/** Deploys the fleet with the deploy action, publishing ferry.yaml, then starts the runtime that plays ECS and EC2. */
export async function deployE2eFleet(options: E2eFleetOptions): Promise<E2eFleet> {
  const log = options.log ?? (() => undefined);
  const stackName = `ferry-${options.fleetName}`;
  const actionsRoot = options.actionsRoot ?? committedActions;
  const { workspace, template } = prepareWorkspace(options);
  // The actions talk to AWS through the facade, so DescribeTasks shows the lister's real exit code.
  let runtime: FleetRuntime | undefined;
  const facade = await startEcsFacade({
    upstreamUrl: options.controlUrl,
    lookup: (taskArn) => runtime?.listerContainer(taskArn),
  });
  const step = async (action: string, inputs: Record<string, string>): Promise<ActionResult> => {
    log(`step ${action} ${JSON.stringify(inputs)}`);
    const result = await runAction({
      action: join(actionsRoot, action),
      workspace,
      env: jobEnv,
      inputs: { 'stack-name': stackName, 'aws-endpoint-url': facade.url, ...inputs },
    });
    log(`step ${action}: exit ${result.code} ${JSON.stringify(result.outputs)}`);
    return result;
  };
  let deploy: ActionResult;
  try {
    await createStackAsDeployed({
      controlUrl: options.controlUrl,
      stackName,
      templateBody: readFileSync(template, 'utf8'),
      parameters: {
        FleetName: options.fleetName,
        SourceBucketNames: options.sourceBuckets.join(','),
        DestinationBucketNames: options.destinationBuckets.join(','),
      },
      actionsRoot,
    });
    // The buckets are on the stack already: naming them again would be a change moto cannot execute (see above).
    deploy = requireSuccess(
      'deploy',
      await step('deploy', { parameters: `FleetName=${options.fleetName}`, config: 'ferry.yaml' }),
    );
    runtime = await startRuntimeFor(options, deploy);
  } catch (error) {
    await facade.stop();
    throw error;
  }
  const fleetRuntime = runtime;

  return {
    stackName,
    deploy,
    outputs: deploy.outputs,
    runtime: fleetRuntime,
    async runMigration(run) {
      // The inputs of migrate.yml's steps, with a run id of the test's choosing and short polling intervals.
      const startLister = requireSuccess(
        'start-lister',
        await step('start-lister', {
          mapping: run.mapping,
          'run-id': run.runId,
          mode: run.mode,
          resume: 'true',
          ...(run.afterListing ? { wait: 'true', interval: '1s', 'max-wait-minutes': '3' } : {}),
        }),
      );
      await run.afterListing?.();
      const scaleWorkers = requireSuccess(
        'scale-workers',
        await step('scale-workers', { desired: String(run.workers) }),
      );
      const awaitRun = await step('await-run', {
        'run-id': startLister.outputs['run-id'] ?? run.runId,
        'lister-task-arn': startLister.outputs['task-arn'] ?? '',
        interval: '2s',
        'max-wait-minutes': String(awaitMaxWaitMinutes),
        'scale-to-zero': 'true',
        'fail-if-still-running': 'true',
      });
      return { startLister, scaleWorkers, awaitRun };
    },
    async stop() {
      await fleetRuntime.stop();
      await facade.stop();
    },
  };
}
