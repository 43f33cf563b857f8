// What a planned run costs and how long it takes: requests, transfer and compute at stated rates and list prices.
import type { PlanTotals } from './plan-totals.ts';

/** What one worker moves per second; a run takes (objects / objects rate + bytes / bytes rate) per worker. */
export interface ThroughputRates {
  /**
   * Measured: 104 MB/s for 200 × 8 MiB objects on a 2-vCPU machine that also ran both S3 servers (README,
   * Benchmark); a c6in.xlarge worker has more CPU and network than that.
   */
  readonly bytesPerSecPerWorker: number;
  /** Measured: 335 objects/s for 10,000 × 16 KiB objects on the same machine. */
  readonly objectsPerSecPerWorker: number;
  /** Keys the lister lists per second on each side (one 1,000-key page per 200 ms): an assumption. */
  readonly listKeysPerSec: number;
}

/** US dollars; AWS list prices in us-east-1. Check them for your region and agreement. */
export interface PriceTable {
  /** S3 PUT, COPY, POST and LIST requests, per 1,000. */
  readonly s3WritePer1000: number;
  /** S3 GET and HEAD requests, per 1,000 (a source elsewhere charges its own price; this stands in for it). */
  readonly s3ReadPer1000: number;
  /** SQS standard queue requests (64 KiB units), per million. */
  readonly sqsPerMillion: number;
  /** DynamoDB on-demand write request units, per million. */
  readonly dynamoDbWritePerMillion: number;
  /** Bytes read from the source, per GB (10^9): the source's egress. 0 for a source in the same AWS Region. */
  readonly transferPerGB: number;
  /** One worker instance (c6in.xlarge on demand), per hour. */
  readonly workerPerHour: number;
  /** The Fargate lister task (2 vCPU, 4 GB), per hour. */
  readonly listerPerHour: number;
}

export interface CostModel {
  readonly rates: ThroughputRates;
  readonly prices: PriceTable;
  /** Workers the run is estimated with. */
  readonly workers: number;
}

export const defaultCostModel: CostModel = {
  rates: { bytesPerSecPerWorker: 100e6, objectsPerSecPerWorker: 300, listKeysPerSec: 5000 },
  prices: {
    s3WritePer1000: 0.005,
    s3ReadPer1000: 0.0004,
    sqsPerMillion: 0.4,
    dynamoDbWritePerMillion: 0.625,
    transferPerGB: 0.09,
    workerPerHour: 0.2268,
    listerPerHour: 0.0987,
  },
  workers: 4,
};

/** Measured by test/integration/distributed/cost.test.ts (README): per million objects copied. */
const queueRequestsPerObject = 31_000 / 1_000_000;
const ledgerWritesPerObject = 82_500 / 1_000_000;
const keysPerListPage = 1000;

export interface RequestCounts {
  readonly sourceReads: number;
  readonly sourceLists: number;
  readonly destinationWrites: number;
  readonly destinationLists: number;
  readonly queueRequests: number;
  readonly ledgerWrites: number;
}

export interface CostEstimate {
  readonly requests: RequestCounts;
  /** Bytes read from the source by the workers. */
  readonly transferBytes: number;
  readonly listSec: number;
  /** Copy time with the model's workers. */
  readonly copySec: number;
  /** The run: copying cannot finish before listing does. */
  readonly durationSec: number;
  readonly workerHours: number;
  readonly listerHours: number;
  readonly usd: {
    readonly requests: number;
    readonly transfer: number;
    readonly compute: number;
    readonly total: number;
  };
}

function listPages(keys: number): number {
  return Math.max(1, Math.ceil(keys / keysPerListPage));
}

export function estimateCost(totals: PlanTotals, model: CostModel): CostEstimate {
  const { rates, prices } = model;
  const workers = Math.max(1, model.workers);
  const { work } = totals;
  const requests: RequestCounts = {
    sourceReads: work.sourceReads,
    sourceLists: listPages(totals.sourceKeys),
    destinationWrites: work.destinationWrites,
    destinationLists: totals.destinationKeys > 0 ? listPages(totals.destinationKeys) : 0,
    queueRequests: Math.ceil(work.objects * queueRequestsPerObject),
    ledgerWrites: Math.ceil(work.objects * ledgerWritesPerObject),
  };
  const listSec = Math.max(totals.sourceKeys, totals.destinationKeys) / rates.listKeysPerSec;
  const copySec =
    (work.objects / rates.objectsPerSecPerWorker + work.bytesThroughWorkers / rates.bytesPerSecPerWorker) /
    workers;
  const durationSec = Math.max(listSec, copySec);
  const workerHours = (workers * durationSec) / 3600;
  const listerHours = listSec / 3600;
  const requestUsd =
    ((requests.sourceLists + requests.destinationWrites + requests.destinationLists) * prices.s3WritePer1000 +
      requests.sourceReads * prices.s3ReadPer1000) /
      1000 +
    (requests.queueRequests * prices.sqsPerMillion + requests.ledgerWrites * prices.dynamoDbWritePerMillion) /
      1e6;
  const transferUsd = (work.bytesThroughWorkers / 1e9) * prices.transferPerGB;
  const computeUsd = workerHours * prices.workerPerHour + listerHours * prices.listerPerHour;
  return {
    requests,
    transferBytes: work.bytesThroughWorkers,
    listSec,
    copySec,
    durationSec,
    workerHours,
    listerHours,
    usd: {
      requests: requestUsd,
      transfer: transferUsd,
      compute: computeUsd,
      total: requestUsd + transferUsd + computeUsd,
    },
  };
}
