// Listing benchmark: lists and plans one bucket with the lister at several listConcurrency values and prints keys
// listed and planned per second (full and incremental), with a delay added to every list request to model a network.
// Usage: node scripts/bench-listing.ts [--server s3rver|moto|model] [--keys 30000] [--concurrency 1,8]
//        [--mode full,incremental] [--latency-ms 0,40] [--runs 1] [--max-probes n]
// s3rver and moto are seeded over HTTP and spend CPU on every request; `model` is S3 seen from far away: pages of
// 1,000 sorted keys from memory, each taking only the added latency, so the lister's own scaling shows.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { MappingConfig } from '../worker/src/config/types.ts';
import { createSqliteLedger } from '../worker/src/embedded/sqlite-ledger.ts';
import { createSqliteWorkQueue } from '../worker/src/embedded/sqlite-work-queue.ts';
import { openStateDb } from '../worker/src/embedded/state-db.ts';
import { runLister } from '../worker/src/list/run-lister.ts';
import { systemClock } from '../worker/src/ports/clock.ts';
import type { RunMode } from '../worker/src/ports/ledger.ts';
import { type Logger, silentLogger } from '../worker/src/ports/logger.ts';
import { createCleanup } from './lib/cleanup.ts';
import {
  type BenchBuckets,
  bucketNames,
  type ListingSides,
  startListingTarget,
  type TargetName,
  targetNames,
} from './lib/listing-targets.ts';
import { markdownTable } from './lib/markdown-table.ts';
import { fixed } from './lib/units.ts';

/**
 * Keys of a varied bucket: hashed object names, dated log parts, user folders, names with multi-byte characters.
 * Folders hold at most a few hundred entries: s3rver reads whole folders to list, so big ones would cost it more.
 */
function benchKeys(count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const hashed = ((index * 2654435761) >>> 0).toString(16).padStart(8, '0');
    if (index % 4 === 0) return `objects/${hashed.slice(0, 2)}/${hashed}.bin`;
    if (index % 4 === 1) {
      const day = String(1 + (index % 28)).padStart(2, '0');
      const hour = String(Math.floor(index / 28) % 24).padStart(2, '0');
      return `logs/2026/03/${day}/${hour}/part-${String(index).padStart(6, '0')}.json`;
    }
    if (index % 4 === 2) {
      const user = String(index).padStart(7, '0');
      return `users/${user.slice(0, 4)}/${user}/avatar.png`;
    }
    return `\u00e9t\u00e9/${hashed.slice(0, 2)}/${hashed}-\u{1f600}`;
  });
}

/** Every key under src/; every other one also under copy/ at the destination, unchanged (incremental skips it). */
function benchBuckets(keyCount: number): BenchBuckets {
  const keys = benchKeys(keyCount);
  return {
    source: new Map(keys.map((key) => [`src/${key}`, key])),
    destination: new Map(keys.filter((_, index) => index % 2 === 0).map((key) => [`copy/${key}`, key])),
  };
}

const mapping: MappingConfig = {
  id: 'bench',
  source: { endpoint: 'bench', bucket: bucketNames.source, prefix: 'src/' },
  destination: { endpoint: 'bench', bucket: bucketNames.destination, prefix: 'copy/' },
  include: [],
  exclude: [],
};

interface Measurement {
  readonly mode: RunMode;
  readonly latencyMs: number;
  readonly listConcurrency: number;
  /** Ranges found by sampling, and ranges cut off running ones. */
  readonly ranges: number;
  readonly cuts: number;
  readonly listRequests: number;
  readonly seconds: number;
  /** Until the ranges were known (sampling the source); the rest of the time is listing and planning them. */
  readonly discoverySeconds: number;
  readonly listerCpuSeconds: number;
  readonly serverCpuSeconds?: number;
  readonly plannedAndSkipped: number;
}

/** One lister run into a fresh in-memory ledger and queue, timed from start to LISTED. */
async function measure(options: {
  sides: ListingSides;
  mode: RunMode;
  listConcurrency: number;
  latencyMs: number;
  runId: string;
  /** List requests the lister may spend sampling a new run's key space (its default when absent). */
  maxProbes: number | undefined;
}): Promise<Measurement> {
  const { sides } = options;
  const db = openStateDb(':memory:');
  try {
    const ledger = createSqliteLedger({ db, clock: systemClock });
    const queue = createSqliteWorkQueue({ db, clock: systemClock, maxReceiveCount: 5 });
    await ledger.startRun({
      runId: options.runId,
      mappingId: mapping.id,
      mode: options.mode,
      startedAt: new Date(),
    });
    const requestsBefore = sides.listRequests();
    const serverCpuBefore = await sides.serverCpuSeconds();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let rangesKnown = started;
    let ranges = 0;
    let cuts = 0;
    const logger: Logger = {
      ...silentLogger,
      info: (event, fields) => {
        if (event === 'lister.ranges') {
          rangesKnown = performance.now();
          ranges = Number(fields?.ranges ?? 0);
        }
        if (event === 'lister.cuts') cuts = Number(fields?.cuts ?? 0);
      },
    };
    const run = await runLister({
      runId: options.runId,
      mapping,
      mode: options.mode,
      source: sides.source,
      destination: sides.destination,
      ledger,
      memory: ledger,
      queue,
      logger,
      listConcurrency: options.listConcurrency,
      ...(options.maxProbes !== undefined ? { split: { maxProbes: options.maxProbes } } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const serverCpuAfter = await sides.serverCpuSeconds();
    return {
      mode: options.mode,
      latencyMs: options.latencyMs,
      listConcurrency: options.listConcurrency,
      ranges,
      cuts,
      listRequests: sides.listRequests() - requestsBefore,
      seconds,
      discoverySeconds: (rangesKnown - started) / 1000,
      listerCpuSeconds: (cpu.user + cpu.system) / 1e6,
      ...(serverCpuBefore !== undefined && serverCpuAfter !== undefined
        ? { serverCpuSeconds: serverCpuAfter - serverCpuBefore }
        : {}),
      plannedAndSkipped: run.planned.objects + run.skipped.objects,
    };
  } finally {
    db.close();
  }
}

const numericHeaders = [
  'ranges',
  'cuts',
  'list requests',
  'wall s',
  'of which discovery s',
  'keys/s',
  'speed-up',
  'lister CPU s',
  'server CPU s',
];

function resultsTable(results: readonly Measurement[], keyCount: number): string {
  const baseline = (m: Measurement) =>
    results.find(
      (r) => r.mode === m.mode && r.latencyMs === m.latencyMs && r !== m && r.listConcurrency === 1,
    );
  return markdownTable({
    headers: ['mode', 'added latency ms', 'listConcurrency', ...numericHeaders],
    rightAligned: ['added latency ms', 'listConcurrency', ...numericHeaders],
    rows: results.map((m) => {
      const base = m.listConcurrency === 1 ? m : baseline(m);
      return [
        m.mode,
        String(m.latencyMs),
        String(m.listConcurrency),
        String(m.ranges),
        String(m.cuts),
        String(m.listRequests),
        fixed(m.seconds, 2),
        fixed(m.discoverySeconds, 2),
        fixed(keyCount / m.seconds, 0),
        base ? `${fixed(base.seconds / m.seconds, 2)}×` : '',
        fixed(m.listerCpuSeconds, 1),
        m.serverCpuSeconds === undefined ? 'n/a' : fixed(m.serverCpuSeconds, 1),
      ];
    }),
  });
}

function numbers(value: string, flag: string): number[] {
  const parsed = value.split(',').map((item) => Number(item.trim()));
  if (parsed.some((item) => !Number.isInteger(item) || item < 0)) {
    throw new Error(`${flag}: whole numbers, comma-separated`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      server: { type: 'string', default: 's3rver' },
      keys: { type: 'string', default: '30000' },
      concurrency: { type: 'string', default: '1,8' },
      mode: { type: 'string', default: 'full,incremental' },
      'latency-ms': { type: 'string', default: '0,40' },
      runs: { type: 'string', default: '1' },
      'max-probes': { type: 'string' },
    },
  });
  const name: TargetName | undefined = targetNames.find((target) => target === values.server);
  if (name === undefined) throw new Error(`--server: ${targetNames.join(', ')}; not ${values.server}`);
  const [keyCount = 30_000] = numbers(values.keys, '--keys');
  const concurrencies = numbers(values.concurrency, '--concurrency').map((value) => Math.max(1, value));
  const latencies = numbers(values['latency-ms'], '--latency-ms');
  const [runs = 1] = numbers(values.runs, '--runs');
  const maxProbes =
    values['max-probes'] === undefined ? undefined : numbers(values['max-probes'], '--max-probes')[0];
  const modes = values.mode.split(',').map((mode): RunMode => {
    if (mode !== 'full' && mode !== 'incremental')
      throw new Error(`--mode: full or incremental, not ${mode}`);
    return mode;
  });

  const cleanup = createCleanup();
  try {
    const target = await startListingTarget({ name, buckets: benchBuckets(keyCount), cleanup });
    const results: Measurement[] = [];
    for (const latencyMs of latencies) {
      const sides = await target.sidesAt(latencyMs);
      try {
        for (const mode of modes) {
          for (const listConcurrency of concurrencies) {
            for (let run = 0; run < runs; run++) {
              const runId = `bench-${mode}-${latencyMs}-${listConcurrency}-${run}`;
              const measured = await measure({ sides, mode, listConcurrency, latencyMs, runId, maxProbes });
              process.stderr.write(`  ${runId}: ${fixed(measured.seconds, 2)} s\n`);
              results.push(measured);
            }
          }
        }
      } finally {
        await sides.close();
      }
    }
    process.stdout.write(
      `Listing and planning ${keyCount} source keys (incremental: half of them unchanged at the destination) from ` +
        `${name}; 1-minute load average at the end ${fixed(loadavg()[0] ?? 0, 2)}.\n\n` +
        `${resultsTable(results, keyCount)}\n`,
    );
    const wrong = results.filter((m) => m.plannedAndSkipped !== keyCount);
    if (wrong.length > 0) throw new Error(`a run did not plan every key once: ${JSON.stringify(wrong)}`);
  } finally {
    await cleanup.run();
  }
}

await main();
