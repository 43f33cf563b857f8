// Describes a run from its ledger record: totals, rate, ETA and failures, as `ferry status` prints them.
import type { Counts, FailureRecord, RunRecord } from '../ports/ledger.ts';
import { groupFailures, renderTable } from '../report/run-summary.ts';
import { formatBytes, formatDuration, formatRate } from '../report/units.ts';
import { isRunDone, remaining } from './run-progress.ts';

export type RunPhase = 'listing' | 'copying' | 'done' | 'failed-listing';

export function phaseOf(run: RunRecord): RunPhase {
  if (run.listerState === 'FAILED') return 'failed-listing';
  if (isRunDone(run)) return 'done';
  return run.listerState === 'LISTING' ? 'listing' : 'copying';
}

/** Bytes per second since the run started, and the time left at that rate once the plan is complete. */
export function rateAndEta(run: RunRecord, now: Date): { bytesPerSec: number; etaMs: number } {
  const elapsedMs = Math.max(1, now.getTime() - run.startedAt.getTime());
  const bytesPerSec = (run.copied.bytes * 1000) / elapsedMs;
  const left = remaining(run).bytes;
  const etaMs =
    run.listerState !== 'LISTED' || bytesPerSec === 0
      ? Number.POSITIVE_INFINITY
      : (left / bytesPerSec) * 1000;
  return { bytesPerSec, etaMs: isRunDone(run) ? 0 : etaMs };
}

/** A sync run's deletes: found, and deleted; the state says whether they were released or refused. */
function deleteRows(run: RunRecord, row: (name: string, counts: Counts) => string[]): string[][] {
  if (run.deleteState === undefined) return [];
  return [row(`to delete (${run.deleteState.toLowerCase()})`, run.toDelete), row('deleted', run.deleted)];
}

export function renderRunStatus(run: RunRecord, failures: readonly FailureRecord[], now: Date): string {
  const { bytesPerSec, etaMs } = rateAndEta(run, now);
  const row = (name: string, counts: { objects: number; bytes: number }) => [
    name,
    String(counts.objects),
    formatBytes(counts.bytes),
  ];
  const lines = [
    `run ${run.runId} (mapping ${run.mappingId}, ${run.mode}): ${phaseOf(run)}${run.reason ? ` — ${run.reason}` : ''}${run.deleteReason ? ` — deletes refused: ${run.deleteReason}` : ''}`,
    renderTable(
      ['', 'objects', 'bytes'],
      [
        row('planned', run.planned),
        row('copied', run.copied),
        row('skipped', run.skipped),
        row('failed', run.failed),
        ...deleteRows(run, row),
      ],
    ),
    `rate ${formatRate(bytesPerSec)}, elapsed ${formatDuration(now.getTime() - run.startedAt.getTime())}, ETA ${formatDuration(etaMs)}`,
  ];
  if (failures.length > 0) {
    lines.push('failures by class:');
    for (const [errorClass, group] of groupFailures(failures)) {
      lines.push(`  ${errorClass}: ${group.length}`);
      for (const failure of group.slice(0, 5))
        lines.push(`    ${JSON.stringify(failure.key)}: ${failure.message}`);
    }
  }
  return lines.join('\n');
}
