// Distributed mode against moto in integration tests: the control-plane environment, `ferry init` of a queue and a
// table, the `ferry list` and `ferry worker` commands on them, their DynamoDB ledger, waiting on a run it records.
import { createDynamoDbClient } from '../../worker/src/aws/clients.ts';
import { createDynamoDbLedger } from '../../worker/src/distributed/dynamodb-ledger.ts';
import type { ObjectMemory, RunLedger, RunRecord } from '../../worker/src/ports/ledger.ts';
import { motoClientOptions, motoEndpoint, testCredentials } from './aws.ts';
import { type CliResult, runFerry, startFerry } from './ferry-cli.ts';
import type { NodeChild } from './node-child.ts';
import { pollFor } from './poll.ts';

/** The control plane for the CLI at url (moto, or a proxy in front of it), credentials from the environment. */
export function controlPlaneEnv(url: string): Record<string, string> {
  return {
    FERRY_AWS_ENDPOINT_URL: url,
    FERRY_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
  };
}

export interface InitializedQueue {
  /** The `ferry init` run itself, for tests that check its output. */
  readonly result: CliResult;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/** `ferry init` of a work queue and a ledger table both named `name`; throws with its stderr when it fails. */
export async function initQueueAndTable(options: {
  name: string;
  env: Record<string, string>;
  maxReceiveCount?: number;
}): Promise<InitializedQueue> {
  const receives =
    options.maxReceiveCount === undefined ? [] : ['--max-receive-count', String(options.maxReceiveCount)];
  const result = await runFerry(
    ['init', '--queue-name', options.name, '--table', options.name, ...receives],
    {
      env: options.env,
    },
  );
  if (result.code !== 0) throw new Error(`ferry init exited with ${result.code}: ${result.stderr}`);
  const { queueUrl, deadLetterQueueUrl } = JSON.parse(result.stdout) as {
    queueUrl: string;
    deadLetterQueueUrl: string;
  };
  return { result, queueUrl, deadLetterQueueUrl };
}

/** One queue and table (named `name`) on the moto control plane at controlUrl, and the CLI commands that use them. */
export interface DistributedRun {
  readonly name: string;
  readonly env: Record<string, string>;
  /** Set by init(). */
  readonly queueUrl: string;
  /** Set by init(). */
  readonly deadLetterQueueUrl: string;
  init(options?: { maxReceiveCount?: number }): Promise<InitializedQueue>;
  ferry(args: readonly string[]): Promise<CliResult>;
  ledger(): RunLedger & ObjectMemory;
  /** The arguments of `ferry list` of one mapping into this queue and table. */
  listArgs(options: { config: string; mapping: string; runId: string }): string[];
  /** `ferry worker` on this queue and table (warnings and errors logged), with more arguments and environment. */
  startWorker(options: { config: string; args?: readonly string[]; env?: Record<string, string> }): NodeChild;
}

export function distributedRun(options: { controlUrl: string; name: string }): DistributedRun {
  const env = controlPlaneEnv(options.controlUrl);
  const control = motoEndpoint(options.controlUrl, 'control');
  const { name } = options;
  let queues: InitializedQueue | undefined;
  const queueUrl = (): string => queues?.queueUrl ?? '';
  return {
    name,
    env,
    get queueUrl() {
      return queueUrl();
    },
    get deadLetterQueueUrl() {
      return queues?.deadLetterQueueUrl ?? '';
    },
    async init(initOptions = {}) {
      queues = await initQueueAndTable({ name, env, ...initOptions });
      return queues;
    },
    ferry: (args) => runFerry(args, { env }),
    ledger: () =>
      createDynamoDbLedger({ client: createDynamoDbClient(control, motoClientOptions), tableName: name }),
    listArgs: (list) => [
      'list',
      '--config',
      list.config,
      '--mapping',
      list.mapping,
      '--run-id',
      list.runId,
      '--queue-url',
      queueUrl(),
      '--table',
      name,
    ],
    startWorker: (worker) =>
      startFerry(
        [
          'worker',
          '--config',
          worker.config,
          '--queue-url',
          queueUrl(),
          '--table',
          name,
          '--log-level',
          'warn',
          ...(worker.args ?? []),
        ],
        { env: { ...env, ...worker.env } },
      ),
  };
}

/** Reads a run from the ledger until `until` holds; that record, or undefined if it never did within the attempts. */
export async function waitForRun(options: {
  ledger: Pick<RunLedger, 'getRun'>;
  runId: string;
  until: (run: RunRecord) => boolean;
  attempts: number;
  intervalMs: number;
}): Promise<RunRecord | undefined> {
  return await pollFor({
    read: () => options.ledger.getRun(options.runId),
    until: options.until,
    attempts: options.attempts,
    intervalMs: options.intervalMs,
  });
}
