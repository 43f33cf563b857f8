// `--dry-run`: plans every selected mapping against the destination and reports what a run would do, copying nothing.
import { existsSync } from 'node:fs';
import { createMappingResolver } from '../compose/stores.ts';
import type { FerryConfig } from '../config/types.ts';
import { createSqliteLedger } from '../embedded/sqlite-ledger.ts';
import { openStateDb } from '../embedded/state-db.ts';
import { PlanSummarizer, type PlanSummary } from '../plan/plan-summary.ts';
import { plan } from '../plan/planner.ts';
import { describeReason, planActions, planReasons } from '../plan/reasons.ts';
import { systemClock } from '../ports/clock.ts';
import { type CopyRecord, comparesWithDestination, type RunMode } from '../ports/ledger.ts';
import { renderTable } from '../report/run-summary.ts';
import { formatBytes } from '../report/units.ts';

export interface DryRunOptions {
  readonly config: FerryConfig;
  readonly mappingIds: readonly string[];
  readonly mode: RunMode;
  /** Ferry's state file, read (never written) for its copy records when it exists. */
  readonly statePath: string;
}

/** Plans one mapping and tallies the decisions. */
export async function planMapping(options: {
  config: FerryConfig;
  mappingId: string;
  mode: RunMode;
  recall: (keys: string[]) => Promise<Map<string, CopyRecord>>;
}): Promise<PlanSummary> {
  const runtime = createMappingResolver(options.config)(options.mappingId);
  if (!runtime) throw new Error(`unknown mapping ${options.mappingId}`);
  const { mapping } = runtime;
  const summarizer = new PlanSummarizer();
  const decisions = plan({
    sourceListing: runtime.source.list({ prefix: mapping.source.prefix }),
    ...(comparesWithDestination(options.mode)
      ? { destinationListing: runtime.destination.list({ prefix: mapping.destination.prefix }) }
      : {}),
    mapping,
    mode: options.mode,
    recall: options.recall,
  });
  for await (const decision of decisions) summarizer.add(decision);
  return summarizer.summary();
}

export function renderPlan(mappingId: string, summary: PlanSummary): string {
  const actionRows = planActions.map((action) => [
    action,
    String(summary.byAction[action].objects),
    formatBytes(summary.byAction[action].bytes),
    summary.sampleKeysByAction[action]
      .slice(0, 3)
      .map((key) => JSON.stringify(key))
      .join(', '),
  ]);
  const reasonRows = planReasons
    .filter((reason) => summary.byReason[reason].objects > 0)
    .map((reason) => [
      reason,
      String(summary.byReason[reason].objects),
      formatBytes(summary.byReason[reason].bytes),
      describeReason(reason),
    ]);
  return [
    `Plan for mapping ${mappingId} (dry run: nothing copied or deleted)`,
    renderTable(['action', 'objects', 'bytes', 'first keys'], actionRows),
    '',
    renderTable(['reason', 'objects', 'bytes', 'meaning'], reasonRows),
  ].join('\n');
}

export async function dryRun(options: DryRunOptions): Promise<string> {
  const db = existsSync(options.statePath) ? openStateDb(options.statePath) : undefined;
  try {
    const ledger = db ? createSqliteLedger({ db, clock: systemClock }) : undefined;
    const sections: string[] = [];
    for (const mappingId of options.mappingIds) {
      const summary = await planMapping({
        config: options.config,
        mappingId,
        mode: options.mode,
        recall: async (keys) => (ledger ? ledger.recallCopies(mappingId, keys) : new Map()),
      });
      sections.push(renderPlan(mappingId, summary));
    }
    return sections.join('\n\n');
  } finally {
    db?.close();
  }
}
