// Embedded mode: lister, queue, workers and ledger in one process, state in one SQLite file, resumable.
import { randomBytes } from 'node:crypto';
import { createMappingResolver } from '../compose/stores.ts';
import type { FerryConfig } from '../config/types.ts';
import { errorMessage } from '../domain/errors.ts';
import { recoverLeases } from '../embedded/recover-leases.ts';
import { createSqliteLedger } from '../embedded/sqlite-ledger.ts';
import { createSqliteWorkQueue } from '../embedded/sqlite-work-queue.ts';
import { openStateDb } from '../embedded/state-db.ts';
import { runLister } from '../list/run-lister.ts';
import { batchLimitsFor } from '../list/work-batcher.ts';
import type { Clock } from '../ports/clock.ts';
import type { RunLedger, RunMode, RunRecord } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';
import type { ProgressMeter } from '../report/progress-meter.ts';
import type { MappingRunResult } from '../report/run-summary.ts';
import { type RunWorkerOptions, runWorker } from '../worker/run-worker.ts';
import { readFailures } from './read-failures.ts';
import { isRunDone } from './run-progress.ts';
import { lockStateFile } from './state-lock.ts';

export interface EmbeddedRunOptions {
  readonly config: FerryConfig;
  /** The mappings to run, already checked to exist in the config. */
  readonly mappingIds: readonly string[];
  readonly statePath: string;
  readonly mode: RunMode;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly meter?: ProgressMeter;
  /** Told each batch outcome with its objects' results (the manifest). */
  readonly onOutcome?: RunWorkerOptions['onOutcome'];
  readonly signal?: AbortSignal;
}

/** A run id that sorts by time and says which mapping it belongs to. */
export function newRunId(mappingId: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${mappingId}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The unfinished run of a mapping to resume, or a new one. */
async function openRun(options: {
  ledger: RunLedger;
  mappingId: string;
  mode: RunMode;
  clock: Clock;
}): Promise<{ run: RunRecord; resumed: boolean }> {
  const { ledger, mappingId, clock } = options;
  const latest = await ledger.latestRun(mappingId);
  if (latest && !isRunDone(latest)) {
    if (latest.listerState === 'FAILED') await ledger.setListerState(latest.runId, 'LISTING');
    return { run: latest, resumed: true };
  }
  const runId = newRunId(mappingId, clock.now());
  const run = await ledger.startRun({ runId, mappingId, mode: options.mode, startedAt: clock.now() });
  return { run, resumed: false };
}

export async function runEmbedded(options: EmbeddedRunOptions): Promise<MappingRunResult[]> {
  const { config, clock, logger, signal } = options;
  const unlock = lockStateFile(options.statePath);
  const db = openStateDb(options.statePath);
  try {
    const recovered = recoverLeases(db, clock.now());
    if (recovered > 0) logger.info('queue.recovered', { messages: recovered });
    const queue = createSqliteWorkQueue({ db, clock, maxReceiveCount: 5 });
    const ledger = createSqliteLedger({ db, clock });
    const mappingOf = createMappingResolver(config);
    const startedMs = clock.now().getTime();
    const opened: { mappingId: string; run: RunRecord; resumed: boolean }[] = [];
    for (const mappingId of options.mappingIds) {
      opened.push({ mappingId, ...(await openRun({ ledger, mappingId, mode: options.mode, clock })) });
    }
    for (const { run, resumed } of opened)
      logger.info(resumed ? 'run.resume' : 'run.start', { runId: run.runId });

    const listers = opened.map(async ({ run, mappingId }) => {
      const runtime = mappingOf(mappingId);
      if (!runtime) throw new Error(`unknown mapping ${mappingId}`);
      await runLister({
        runId: run.runId,
        mapping: runtime.mapping,
        mode: run.mode,
        source: runtime.source,
        destination: runtime.destination,
        ledger,
        memory: ledger,
        queue,
        logger,
        limits: batchLimitsFor(config.transfer),
        ...(signal ? { signal } : {}),
      }).catch((error: unknown) =>
        logger.error('lister.stopped', { runId: run.runId, error: errorMessage(error) }),
      );
    });

    const runsNow = async (): Promise<RunRecord[]> =>
      (await Promise.all(opened.map(({ run }) => ledger.getRun(run.runId)))).filter(
        (run) => run !== undefined,
      );
    const watcher = options.meter ? watchPlan(options.meter, runsNow, clock) : undefined;
    const { meter } = options;
    await runWorker({
      config,
      queue,
      ledger,
      memory: ledger,
      mappingOf,
      clock,
      logger,
      visibilityTimeoutSec: 60,
      waitSec: 1,
      shouldStop: async () =>
        (await runsNow()).every((run) => isRunDone(run) || run.listerState === 'FAILED'),
      ...(meter ? { onBytes: meter.onBytes, onObject: meter.onObject } : {}),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
      ...(signal ? { signal } : {}),
    });
    await Promise.all(listers);
    await watcher?.stop();
    const durationMs = clock.now().getTime() - startedMs;
    const results: MappingRunResult[] = [];
    for (const { run, resumed } of opened) {
      const final = (await ledger.getRun(run.runId)) ?? run;
      results.push({
        run: final,
        failures: await readFailures(ledger, run.runId, 10_000),
        durationMs,
        resumed,
      });
    }
    return results;
  } finally {
    db.close();
    unlock();
  }
}

/** Feeds the meter the planned totals from the ledger twice a second. */
function watchPlan(
  meter: ProgressMeter,
  runsNow: () => Promise<RunRecord[]>,
  clock: Clock,
): { stop(): Promise<void> } {
  const stopped = new AbortController();
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      const runs = await runsNow();
      const sum = (pick: (run: RunRecord) => { objects: number; bytes: number }) =>
        runs.reduce(
          (a, run) => ({ objects: a.objects + pick(run).objects, bytes: a.bytes + pick(run).bytes }),
          {
            objects: 0,
            bytes: 0,
          },
        );
      meter.setPlan({
        planned: sum((run) => run.planned),
        skipped: sum((run) => run.skipped),
        listing: runs.some((run) => run.listerState === 'LISTING'),
      });
      await clock.sleep(500, stopped.signal).catch(() => undefined);
    }
  })();
  return {
    stop: async () => {
      stopped.abort();
      await loop;
    },
  };
}
