// Pure sizing of the worker group: how many workers copy the bytes left within a target duration.
import { FerryError } from '../domain/errors.ts';
import { defaultCostModel } from '../review/cost-estimate.ts';

/**
 * A planning figure of what one c6in.xlarge worker (4 vCPUs, up to 30 Gbit/s) copies: 100 MB/s, the rate the plan
 * review estimates with. The loopback benchmark (README) moved about that through 2 shared vCPUs whose S3 servers took
 * most of the CPU; small objects and a distant or throttling source do less. Measure a run (the await progress lines
 * print its rate and workers) and pass your own figure.
 */
export const defaultWorkerBytesPerSec = defaultCostModel.rates.bytesPerSecPerWorker;

export interface CapacityInput {
  /** Bytes still to copy (planned less copied and failed; the whole plan for a new run). */
  readonly bytes: number;
  readonly targetDurationSec: number;
  readonly bytesPerSecPerWorker?: number;
  /** The group's MaxSize: the answer never exceeds it. */
  readonly maxWorkers: number;
}

function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0)
    throw new FerryError('Config', `${name} must be more than 0, got ${value}`);
}

/** ceil(bytes / (rate × duration)), clamped to [1, maxWorkers]. */
export function workersForDuration(input: CapacityInput): number {
  const rate = input.bytesPerSecPerWorker ?? defaultWorkerBytesPerSec;
  requirePositive('target duration', input.targetDurationSec);
  requirePositive('worker rate', rate);
  if (!Number.isInteger(input.maxWorkers) || input.maxWorkers < 1)
    throw new FerryError('Config', `the worker group's maximum must be at least 1, got ${input.maxWorkers}`);
  const needed = Math.ceil(Math.max(0, input.bytes) / (rate * input.targetDurationSec));
  return Math.min(input.maxWorkers, Math.max(1, needed));
}
