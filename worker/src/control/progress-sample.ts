// Pure progress of a run as the await loop sees it: one sample per poll, and the one-line report of each.
import type { Counts, ListerState, RunRecord } from '../ports/ledger.ts';
import { formatBytes, formatDuration, formatRate } from '../report/units.ts';
import { dispatched, remaining } from '../run/run-progress.ts';
import { phaseOf, rateAndEta } from '../run/run-status.ts';

export interface ProgressSample {
  readonly at: Date;
  readonly listerState: ListerState;
  readonly planned: Counts;
  readonly copied: Counts;
  readonly skipped: Counts;
  readonly failed: Counts;
  /** Undefined when it could not be read. */
  readonly inServiceWorkers?: number;
  readonly deadLetters?: number;
}

export interface FleetReading {
  readonly inServiceWorkers?: number;
  readonly deadLetters?: number;
}

export function sampleOf(run: RunRecord, at: Date, fleet: FleetReading): ProgressSample {
  return {
    at,
    listerState: run.listerState,
    planned: run.planned,
    copied: run.copied,
    skipped: run.skipped,
    failed: run.failed,
    ...(fleet.inServiceWorkers !== undefined ? { inServiceWorkers: fleet.inServiceWorkers } : {}),
    ...(fleet.deadLetters !== undefined ? { deadLetters: fleet.deadLetters } : {}),
  };
}

/** Bytes per second copied between two samples; undefined when they are not in time order. */
export function rateBetween(earlier: ProgressSample, later: ProgressSample): number | undefined {
  const elapsedMs = later.at.getTime() - earlier.at.getTime();
  if (elapsedMs <= 0) return undefined;
  return (Math.max(0, later.copied.bytes - earlier.copied.bytes) * 1000) / elapsedMs;
}

function optional(value: number | undefined): string {
  return value === undefined ? '?' : String(value);
}

/**
 * `12:05:00Z media-20250101T000000Z copying: 1200/5000 objects, 1.20 GiB/4.00 GiB, 25.0 MiB/s, ETA 32m10s, 3 workers,
 * 0 dead letters, 0 failed`. The rate is over the last interval when there is a previous sample, else since the start;
 * the ETA is unknown (?) while the run is still being listed.
 */
export function progressLine(run: RunRecord, sample: ProgressSample, previous?: ProgressSample): string {
  const overall = rateAndEta(run, sample.at);
  const rate = (previous ? rateBetween(previous, sample) : undefined) ?? overall.bytesPerSec;
  const left = remaining(run).bytes;
  const etaMs =
    phaseOf(run) === 'done'
      ? 0
      : run.listerState === 'LISTED' && rate > 0
        ? (left * 1000) / rate
        : Number.NaN;
  const time = sample.at.toISOString().slice(11, 19);
  const done = run.copied.objects + run.deleted.objects + run.failed.objects;
  const deleted = run.deleted.objects > 0 ? ` (${run.deleted.objects} deleted)` : '';
  return (
    `${time}Z ${run.runId} ${phaseOf(run)}: ${done}/${dispatched(run).objects} objects${deleted}, ` +
    `${formatBytes(run.copied.bytes)}/${formatBytes(run.planned.bytes)}, ${formatRate(rate)}, ETA ${formatDuration(etaMs)}, ` +
    `${optional(sample.inServiceWorkers)} workers, ${optional(sample.deadLetters)} dead letters, ${run.failed.objects} failed`
  );
}
