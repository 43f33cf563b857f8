// Runs the real planner over one mapping within a listing budget: exact counts, or those of a prefix of the key space.
import type { MappingConfig, TransferSettings } from '../config/types.ts';
import { compareKeys } from '../plan/key-order.ts';
import { PlanSummarizer, type PlanSummary } from '../plan/plan-summary.ts';
import { plan } from '../plan/planner.ts';
import type { Clock } from '../ports/clock.ts';
import { type CopyRecord, comparesWithDestination, type RunMode } from '../ports/ledger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { addWork, type CopyRoute, type CopyWork, copyWorkOf, noWork } from './copy-work.ts';
import {
  type BudgetLimit,
  type ListingBudget,
  ListingBudgetExhausted,
  ListingMeter,
  metered,
} from './listing-budget.ts';

export interface SamplePlanOptions {
  readonly mapping: MappingConfig;
  readonly source: ObjectStore;
  readonly destination: ObjectStore;
  readonly transfer: TransferSettings;
  readonly mode: RunMode;
  /** Ferry's copy records for destination keys (the ledger's); none when the job cannot read it. */
  readonly recall: (destinationKeys: string[]) => Promise<Map<string, CopyRecord>>;
  readonly budget: ListingBudget;
  readonly clock: Clock;
  /** First keys kept per action and reason. */
  readonly sampleKeys?: number;
}

export interface SampledPlan {
  /** The listing reached the end of the source prefix: every count is exact. */
  readonly complete: boolean;
  /** What stopped an incomplete listing. */
  readonly stoppedBy?: BudgetLimit;
  /** Incomplete: the last source key planned; the counts cover the key space up to and including it. */
  readonly coveredThrough?: string;
  /** Source keys listed up to coveredThrough (all of them when complete), filtered out ones included. */
  readonly sourceKeys: number;
  /** Destination keys listed. */
  readonly destinationKeys: number;
  /** The planner's decisions, tallied. */
  readonly summary: PlanSummary;
  /** What copying the planned objects takes. */
  readonly work: CopyWork;
}

/** Source keys listed but not yet planned, in key order; a decision covers every key up to its own. */
class Coverage {
  #pending: string[] = [];
  #head = 0;
  covered = 0;
  listed = 0;

  list(key: string): void {
    this.#pending.push(key);
    this.listed += 1;
  }

  coverThrough(key: string): void {
    for (;;) {
      const next = this.#pending[this.#head];
      if (next === undefined || compareKeys(next, key) > 0) break;
      this.#head += 1;
      this.covered += 1;
    }
    if (this.#head > 4096 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
  }
}

function routeOf(options: SamplePlanOptions): CopyRoute {
  return {
    source: options.source.location,
    destination: options.destination.location,
    destinationCanCopy: options.destination.serverSideCopy !== undefined,
    multipartThresholdBytes: options.transfer.multipartThresholdBytes,
    partSizeBytes: options.transfer.partSizeBytes,
  };
}

/**
 * The plan a run of this mapping would make now, by the same planner, listings and copy records. When the budget
 * runs out, listing stops and the result covers the source keys up to the last one planned.
 */
export async function samplePlan(options: SamplePlanOptions): Promise<SampledPlan> {
  const { mapping, mode, clock, budget } = options;
  const meter = new ListingMeter({ budget, clock });
  const coverage = new Coverage();
  let destinationKeys = 0;
  const sourceListing = metered(options.source.list({ prefix: mapping.source.prefix }), {
    meter,
    onEntry: (entry) => coverage.list(entry.key),
  });
  const destinationListing = comparesWithDestination(mode)
    ? metered(options.destination.list({ prefix: mapping.destination.prefix }), {
        meter,
        onEntry: () => {
          destinationKeys += 1;
        },
      })
    : undefined;
  const summarizer = new PlanSummarizer(
    options.sampleKeys === undefined ? {} : { sampleSize: options.sampleKeys },
  );
  const route = routeOf(options);
  let work = noWork;
  let lastPlanned: string | undefined;
  const decisions = plan({
    sourceListing,
    ...(destinationListing ? { destinationListing } : {}),
    mapping,
    mode,
    recall: options.recall,
  });
  try {
    for await (const decision of decisions) {
      summarizer.add(decision);
      if (decision.action === 'copy') work = addWork(work, copyWorkOf(decision.source.size, route));
      lastPlanned = decision.sourceKey;
      coverage.coverThrough(decision.sourceKey);
    }
  } catch (error) {
    if (!(error instanceof ListingBudgetExhausted)) throw error;
    return {
      complete: false,
      stoppedBy: error.limit,
      ...(lastPlanned === undefined ? {} : { coveredThrough: lastPlanned }),
      sourceKeys: coverage.covered,
      destinationKeys,
      summary: summarizer.summary(),
      work,
    };
  }
  return {
    complete: true,
    sourceKeys: coverage.listed,
    destinationKeys,
    summary: summarizer.summary(),
    work,
  };
}
