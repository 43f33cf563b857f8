// Renders a read manifest: totals as text or JSON, and the deduped lines in mapping and key order.
import { compareKeys } from '../plan/key-order.ts';
import { formatBytes } from '../report/units.ts';
import type { ManifestLine, ManifestOutcome } from './manifest-line.ts';
import type { ManifestRead, ManifestTotals } from './manifest-reader.ts';

export interface ManifestReport extends ManifestTotals {
  readonly runId: string;
  readonly location: string;
  readonly parts: number;
  readonly linesRead: number;
  readonly objects: number;
  /** Lines beyond one per object: at-least-once writing repeats some. */
  readonly duplicateLines: number;
  readonly malformedLines: number;
}

export function manifestReport(options: {
  runId: string;
  location: string;
  read: ManifestRead;
  totals: ManifestTotals;
}): ManifestReport {
  const { read } = options;
  const valid = read.linesRead;
  return {
    runId: options.runId,
    location: options.location,
    parts: read.parts,
    linesRead: valid,
    objects: read.objects.size,
    duplicateLines: valid - read.objects.size,
    malformedLines: read.malformedLines,
    ...options.totals,
  };
}

const outcomes: readonly ManifestOutcome[] = ['copied', 'skipped', 'deleted', 'failed'];

export function renderManifestReport(report: ManifestReport): string {
  const rows = outcomes.map((outcome) => {
    const counts = report.byOutcome[outcome];
    return `${outcome.padEnd(8)} ${String(counts.objects).padStart(12)}  ${formatBytes(counts.bytes)}`;
  });
  const classes = Object.entries(report.failuresByClass)
    .map(([errorClass, objects]) => `${errorClass} ${objects}`)
    .join(', ');
  return [
    `manifest ${report.location} run ${report.runId}: ${report.parts} parts, ${report.linesRead} lines, ` +
      `${report.objects} objects (${report.duplicateLines} duplicate lines, ${report.malformedLines} malformed)`,
    ...rows,
    ...(classes === '' ? [] : [`failed by class: ${classes}`]),
  ].join('\n');
}

/** Deduped lines sorted by mapping, then by key in S3's (UTF-8 byte) order. */
export function sortedManifestLines(read: ManifestRead): ManifestLine[] {
  return [...read.objects.values()].sort(
    (a, b) => compareKeys(a.mappingId, b.mappingId) || compareKeys(a.key, b.key),
  );
}
