// Renders the end-of-run summary: a table of totals per mapping and the failures grouped by error class.
import type { FailureRecord, RunRecord } from '../ports/ledger.ts';
import { formatBytes, formatDuration, formatRate } from './units.ts';

export interface MappingRunResult {
  readonly run: RunRecord;
  /** The run's failures (all of them, or the first pages of a very large set). */
  readonly failures: readonly FailureRecord[];
  readonly durationMs: number;
  readonly resumed: boolean;
}

/** Lays out rows as an aligned plain-text table (also valid Markdown). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function groupFailures(failures: readonly FailureRecord[]): Map<string, FailureRecord[]> {
  const byClass = new Map<string, FailureRecord[]>();
  for (const failure of failures) {
    const group = byClass.get(failure.errorClass) ?? [];
    group.push(failure);
    byClass.set(failure.errorClass, group);
  }
  return byClass;
}

export function renderSummary(
  results: readonly MappingRunResult[],
  options: { sampleKeys?: number } = {},
): string {
  // A deleted column only when some run is a sync.
  const syncs = results.some(({ run }) => run.deleteState !== undefined);
  const rows = results.map(({ run, durationMs, resumed }) => [
    run.mappingId,
    `${run.runId}${resumed ? ' (resumed)' : ''}`,
    `${run.copied.objects}`,
    `${run.skipped.objects}`,
    ...(syncs ? [`${run.deleted.objects}`] : []),
    `${run.failed.objects}`,
    formatBytes(run.copied.bytes),
    formatDuration(durationMs),
    formatRate((run.copied.bytes * 1000) / Math.max(1, durationMs)),
  ]);
  const header = ['mapping', 'run', 'copied', 'skipped', ...(syncs ? ['deleted'] : []), 'failed'];
  const parts = [renderTable([...header, 'bytes copied', 'duration', 'throughput'], rows)];
  const refused = results.filter(({ run }) => run.deleteState === 'REFUSED');
  if (refused.length > 0) {
    parts.push(
      [
        '',
        ...refused.map(({ run }) => `Deletes refused for ${run.mappingId}: ${run.deleteReason ?? ''}`),
      ].join('\n'),
    );
  }
  const failures = results.flatMap((result) => result.failures);
  if (failures.length > 0) {
    const sample = options.sampleKeys ?? 5;
    const lines = ['', 'Failures by class:'];
    for (const [errorClass, group] of groupFailures(failures)) {
      lines.push(`  ${errorClass}: ${group.length}`);
      for (const failure of group.slice(0, sample))
        lines.push(`    ${JSON.stringify(failure.key)}: ${failure.message}`);
    }
    parts.push(lines.join('\n'));
  }
  return parts.join('\n');
}
