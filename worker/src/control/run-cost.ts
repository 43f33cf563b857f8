// Pure: a rough cost of a finished (or running) run in AWS charges, at the list prices the plan review uses.
import type { RunRecord } from '../ports/ledger.ts';
import { defaultCostModel, type PriceTable } from '../review/cost-estimate.ts';
import type { ProgressSample } from './progress-sample.ts';

/**
 * Per-object counts measured by test/integration/distributed/cost.test.ts (README): 31,000 SQS requests and 82,500
 * DynamoDB write units per million small objects.
 */
export const sqsRequestsPerObject = 0.031;
export const dynamoDbWriteUnitsPerObject = 0.0825;
/** An idle worker long-polls (20 s) at most three times a minute. */
export const idleSqsRequestsPerWorkerHour = 180;
/** Multipart parts are counted at this size (Ferry's default part size) in the PUT estimate. */
export const estimatePartSizeBytes = 8 * 1024 * 1024;
/** The instance type the price table's worker price is for. */
export const pricedWorkerInstanceType = 'c6in.xlarge';
/** When the list prices were read from the AWS pricing pages (us-east-1, on demand). */
export const pricesAsOf = '2025';

export interface CostLine {
  readonly item: string;
  readonly quantity: string;
  /** Undefined when there is no price for it (another instance type) or nothing to count (no samples). */
  readonly usd: number | undefined;
}

export interface RunCostInput {
  readonly run: RunRecord;
  readonly samples: readonly ProgressSample[];
  readonly instanceType: string;
  /** Until when the lister ran if the run is not listed yet. */
  readonly now: Date;
  readonly prices?: PriceTable;
}

/** Worker-hours seen in the samples: in-service workers held over each interval until the next sample. */
export function workerHoursOf(samples: readonly ProgressSample[]): number | undefined {
  let hours = 0;
  let seen = false;
  for (let index = 1; index < samples.length; index += 1) {
    const previous = samples[index - 1];
    const current = samples[index];
    if (previous?.inServiceWorkers === undefined || current === undefined) continue;
    seen = true;
    hours += (previous.inServiceWorkers * (current.at.getTime() - previous.at.getTime())) / 3_600_000;
  }
  return seen ? hours : undefined;
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** SQS, DynamoDB and S3 requests estimated from the ledger's counts; EC2 from the samples; the lister from the ledger. */
export function estimateRunCost(input: RunCostInput): CostLine[] {
  const { run, instanceType } = input;
  const prices = input.prices ?? defaultCostModel.prices;
  const workerHours = workerHoursOf(input.samples);
  const listedObjects = run.planned.objects + run.skipped.objects;
  const sqsRequests =
    run.planned.objects * sqsRequestsPerObject + (workerHours ?? 0) * idleSqsRequestsPerWorkerHour;
  const writeUnits = listedObjects * dynamoDbWriteUnitsPerObject;
  const putRequests =
    run.copied.objects +
    Math.floor(run.copied.bytes / estimatePartSizeBytes) +
    Math.ceil(listedObjects / 1000);
  // The lister runs from the start until the listing is complete (until now while it still lists).
  const listerHours = Math.max(
    0,
    ((run.listedAt ?? input.now).getTime() - run.startedAt.getTime()) / 3_600_000,
  );
  const workerPrice = instanceType === pricedWorkerInstanceType ? prices.workerPerHour : undefined;
  return [
    { item: 'SQS requests', quantity: count(sqsRequests), usd: (sqsRequests / 1e6) * prices.sqsPerMillion },
    {
      item: 'DynamoDB write units',
      quantity: count(writeUnits),
      usd: (writeUnits / 1e6) * prices.dynamoDbWritePerMillion,
    },
    {
      item: 'S3 PUT/LIST requests (destination)',
      quantity: count(putRequests),
      usd: (putRequests / 1000) * prices.s3WritePer1000,
    },
    {
      item: `EC2 ${instanceType} worker-hours`,
      quantity: workerHours === undefined ? 'not sampled' : workerHours.toFixed(2),
      usd: workerHours === undefined || workerPrice === undefined ? undefined : workerHours * workerPrice,
    },
    {
      item: 'Fargate lister hours',
      quantity: listerHours.toFixed(2),
      usd: listerHours * prices.listerPerHour,
    },
  ];
}
