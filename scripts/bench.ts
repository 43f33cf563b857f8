// Benchmark: copies the same datasets between two loopback s3rver endpoints with Ferry, rclone and the AWS CLI,
// measuring time, CPU, memory and requests, verifying every copy, and printing markdown tables.
// Usage: node scripts/bench.ts [--quick] [--only ferry,rclone,aws] [--dataset large,medium,small]
//        [--concurrency 16] [--out results.md]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage } from '../worker/src/domain/errors.ts';
import {
  type BenchDataset,
  benchDatasets,
  type DatasetName,
  datasetBytes,
  datasetNames,
  datasetObjects,
} from './lib/bench-datasets.ts';
import {
  type CopyMeasurement,
  type DatasetResult,
  datasetMarkdown,
  tableLegend,
} from './lib/bench-report.ts';
import { createCleanup } from './lib/cleanup.ts';
import { type CopierName, copierNames, copierNotes, planCopy } from './lib/copiers.ts';
import { type LoopbackS3, startLoopbackEndpoints } from './lib/loopback-s3.ts';
import { describeMachine, machineInfo } from './lib/machine-info.ts';
import { requireGnuTime, runMeasured } from './lib/measured-command.ts';
import { totalCpuSeconds } from './lib/process-cpu.ts';
import { countsSince, type RequestCounts } from './lib/request-counts.ts';
import { commandLine } from './lib/run-command.ts';
import { s3rverClient } from './lib/s3-client.ts';
import { seedBucket } from './lib/seed.ts';
import { formatBytes } from './lib/units.ts';
import { verifyCopy } from './lib/verify-copy.ts';

function parseList<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T[] {
  if (value === undefined) return [...allowed];
  const chosen = value.split(',').map((item) => item.trim());
  const unknown = chosen.filter((item) => !allowed.some((name) => name === item));
  if (unknown.length > 0)
    throw new Error(`${flag}: unknown ${unknown.join(', ')} (choose from ${allowed.join(', ')})`);
  return allowed.filter((name) => chosen.includes(name));
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    dataset: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    out: { type: 'string' },
  },
});
const copiers = parseList<CopierName>(values.only, copierNames, '--only');
const chosenDatasets = parseList<DatasetName>(values.dataset, datasetNames, '--dataset');
const concurrency = Number(values.concurrency);
if (!Number.isSafeInteger(concurrency) || concurrency < 1)
  throw new Error('--concurrency: a whole number ≥ 1');
const datasets = benchDatasets({ quick: values.quick }).filter((dataset) =>
  chosenDatasets.includes(dataset.name),
);
/** Each copy must finish within this, or it is killed and marked as timed out. */
const copyTimeoutMs = values.quick ? 5 * 60_000 : 20 * 60_000;
const log = (message: string): void => void process.stderr.write(`${message}\n`);

interface Endpoints {
  readonly source: LoopbackS3;
  readonly destination: LoopbackS3;
  readonly sourceClient: S3Client;
  readonly destinationClient: S3Client;
}

async function countsOf(endpoint: LoopbackS3): Promise<RequestCounts> {
  return await endpoint.counts();
}

function serverPids(endpoints: Endpoints): number[] {
  return [endpoints.source, endpoints.destination].flatMap((endpoint) => [
    endpoint.serverPid,
    endpoint.proxyPid,
  ]);
}

async function measureCopy(options: {
  endpoints: Endpoints;
  dataset: BenchDataset;
  copier: CopierName;
  workRoot: string;
  registerKill: (kill: (() => void) | undefined) => void;
}): Promise<CopyMeasurement> {
  const { endpoints, dataset, copier } = options;
  const sourceBucket = `bench-${dataset.name}`;
  const destinationBucket = `copy-${dataset.name}-${copier}`;
  const workDirectory = await mkdtemp(join(options.workRoot, `${dataset.name}-${copier}-`));
  await endpoints.destinationClient.send(new CreateBucketCommand({ Bucket: destinationBucket }));
  const plan = await planCopy(copier, {
    sourceUrl: endpoints.source.url,
    destinationUrl: endpoints.destination.url,
    sourceBucket,
    destinationBucket,
    concurrency,
    workDirectory,
  });
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const [sourceBefore, destinationBefore, serverCpuBefore] = await Promise.all([
    countsOf(endpoints.source),
    countsOf(endpoints.destination),
    totalCpuSeconds(serverPids(endpoints)),
  ]);
  let wallSec = 0;
  let clientCpuSec = 0;
  let maxRssBytes = 0;
  let exitCode: number | null = 0;
  let timedOut = false;
  let stderrTail = '';
  for (const step of plan.steps) {
    const outcome = await runMeasured(step, {
      timeoutMs: copyTimeoutMs,
      scratchDirectory: workDirectory,
      logFile: join(workDirectory, 'output.log'),
      onStarted: options.registerKill,
    });
    options.registerKill(undefined);
    wallSec += outcome.resources.wallSec;
    clientCpuSec += outcome.resources.cpuSec;
    maxRssBytes = Math.max(maxRssBytes, outcome.resources.maxRssBytes);
    exitCode = outcome.exitCode;
    timedOut = outcome.timedOut;
    stderrTail = outcome.stderrTail;
    if (exitCode !== 0) break;
  }
  const [sourceAfter, destinationAfter, serverCpuAfter] = await Promise.all([
    countsOf(endpoints.source),
    countsOf(endpoints.destination),
    totalCpuSeconds(serverPids(endpoints)),
  ]);
  const measurement = {
    copier,
    commandLines: plan.steps.map((step) => commandLine(step)),
    exitCode,
    timedOut,
    stderrTail,
    wallSec,
    clientCpuSec,
    maxRssBytes,
    sourceRequests: countsSince(sourceBefore, sourceAfter),
    destinationRequests: countsSince(destinationBefore, destinationAfter),
    serverCpuSec: serverCpuAfter - serverCpuBefore,
    loadBefore,
  };
  log(
    `  ${copier}: exit ${exitCode}${timedOut ? ' (timed out)' : ''}, ${wallSec.toFixed(1)} s; verifying...`,
  );
  try {
    const verification = await verifyCopy({
      source: { client: endpoints.sourceClient, bucket: sourceBucket },
      destination: { client: endpoints.destinationClient, bucket: destinationBucket },
      contentCheck: 'etag-md5',
      concurrency: 16,
    });
    return { ...measurement, verification };
  } catch (error) {
    return { ...measurement, verificationError: errorMessage(error) };
  } finally {
    // Free the disk: the copy and the copier's scratch files are not needed any more.
    await rm(join(endpoints.destination.directory, destinationBucket), { recursive: true, force: true });
    await rm(workDirectory, { recursive: true, force: true });
  }
}

async function benchDataset(options: {
  endpoints: Endpoints;
  dataset: BenchDataset;
  workRoot: string;
  registerKill: (kill: (() => void) | undefined) => void;
}): Promise<DatasetResult> {
  const { endpoints, dataset } = options;
  const sourceBucket = `bench-${dataset.name}`;
  log(`seeding ${dataset.title} (${formatBytes(datasetBytes(dataset))})...`);
  await endpoints.sourceClient.send(new CreateBucketCommand({ Bucket: sourceBucket }));
  await seedBucket({
    client: endpoints.sourceClient,
    bucket: sourceBucket,
    objects: datasetObjects(dataset),
    concurrency: 8,
  });
  const measurements: CopyMeasurement[] = [];
  for (const copier of copiers) {
    log(`  copying with ${copier}...`);
    measurements.push(await measureCopy({ ...options, copier }));
  }
  await rm(join(endpoints.source.directory, sourceBucket), { recursive: true, force: true });
  const notes = copiers.flatMap((copier) => copierNotes(copier, concurrency));
  return {
    title: dataset.title,
    objectCount: dataset.objectCount,
    totalBytes: datasetBytes(dataset),
    measurements,
    notes,
  };
}

async function main(): Promise<number> {
  requireGnuTime();
  const cleanup = createCleanup();
  let killRunning: (() => void) | undefined;
  try {
    const workRoot = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
    cleanup.add(() => rm(workRoot, { recursive: true, force: true }));
    await mkdir(workRoot, { recursive: true });
    const [source, destination] = await startLoopbackEndpoints(['bench-source', 'bench-destination']);
    if (!source || !destination) throw new Error('endpoints did not start');
    cleanup.add(() => destination.stop());
    cleanup.add(() => source.stop());
    const endpoints: Endpoints = {
      source,
      destination,
      sourceClient: s3rverClient(source.serverUrl),
      destinationClient: s3rverClient(destination.serverUrl),
    };
    cleanup.add(() => {
      endpoints.sourceClient.destroy();
      endpoints.destinationClient.destroy();
    });
    // Registered last, so it runs first: a running copier stops before the servers it talks to.
    cleanup.add(() => killRunning?.());
    const header = [
      `## Ferry benchmark${values.quick ? ' (quick variant)' : ''}`,
      '',
      describeMachine(machineInfo()),
      `- Endpoints: two s3rver 3.7.1 processes on 127.0.0.1, each behind a counting proxy process; concurrency ${concurrency} for every copier`,
      '',
      tableLegend,
    ].join('\n');
    const sections: string[] = [header];
    process.stdout.write(`${header}\n\n`);
    for (const dataset of datasets) {
      const result = await benchDataset({
        endpoints,
        dataset,
        workRoot,
        registerKill: (kill) => {
          killRunning = kill;
        },
      });
      const markdown = datasetMarkdown(result);
      sections.push(markdown);
      process.stdout.write(`${markdown}\n\n`);
    }
    if (values.out) await writeFile(values.out, `${sections.join('\n\n')}\n`);
    return 0;
  } finally {
    await cleanup.run();
  }
}

process.exitCode = await main();
