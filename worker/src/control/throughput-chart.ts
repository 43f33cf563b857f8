// Pure: the throughput-over-time chart of a run, as a Mermaid xychart from the await loop's progress samples.
import type { ProgressSample } from './progress-sample.ts';

export interface ThroughputPoint {
  /** The end of the interval the rate is averaged over. */
  readonly at: Date;
  readonly bytesPerSec: number;
}

/** Enough points to read a shape from, few enough to label. */
export const maxChartPoints = 48;

/**
 * The copy rate between samples, merged into at most maxPoints intervals of (nearly) equal sample counts; each point
 * is bytes copied over time elapsed in its interval, so merging keeps the true average.
 */
export function throughputPoints(
  samples: readonly ProgressSample[],
  maxPoints = maxChartPoints,
): ThroughputPoint[] {
  const ordered = [...samples].sort((a, b) => a.at.getTime() - b.at.getTime());
  const intervals = ordered.length - 1;
  if (intervals < 1) return [];
  const perPoint = Math.ceil(intervals / maxPoints);
  const points: ThroughputPoint[] = [];
  for (let start = 0; start < intervals; start += perPoint) {
    const from = ordered[start];
    const to = ordered[Math.min(intervals, start + perPoint)];
    if (from === undefined || to === undefined) continue;
    const elapsedMs = to.at.getTime() - from.at.getTime();
    if (elapsedMs <= 0) continue;
    const bytes = Math.max(0, to.copied.bytes - from.copied.bytes);
    points.push({ at: to.at, bytesPerSec: (bytes * 1000) / elapsedMs });
  }
  return points;
}

const mebibyte = 1024 * 1024;

/** A Mermaid `xychart-beta` block of MiB/s over UTC time; undefined with fewer than two samples. */
export function throughputChart(samples: readonly ProgressSample[]): string | undefined {
  const points = throughputPoints(samples);
  if (points.length === 0) return undefined;
  const labels = points.map((point) => `"${point.at.toISOString().slice(11, 16)}"`);
  const values = points.map((point) => (point.bytesPerSec / mebibyte).toFixed(1));
  return [
    '```mermaid',
    'xychart-beta',
    '    title "Copy throughput (MiB/s)"',
    `    x-axis "time (UTC)" [${labels.join(', ')}]`,
    '    y-axis "MiB/s"',
    `    line [${values.join(', ')}]`,
    '```',
  ].join('\n');
}
