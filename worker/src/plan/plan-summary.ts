// Tallies a plan's decisions: objects and bytes per action and per reason, with the first keys of each.
import type { Counts } from '../ports/ledger.ts';
import { type PlanAction, type PlanReason, planActions, planReasons } from './reasons.ts';

/** What the summary needs from a decision (a PlanDecision is one): a delete's size is its destination object's. */
export type SummarizedDecision = {
  readonly sourceKey: string;
  readonly reason: PlanReason;
} & (
  | { readonly action: Exclude<PlanAction, 'delete'>; readonly source: { readonly size: number } }
  | { readonly action: 'delete'; readonly destination: { readonly size: number } }
);

function sizeOf(decision: SummarizedDecision): number {
  return decision.action === 'delete' ? decision.destination.size : decision.source.size;
}

export interface PlanSummary {
  readonly total: Counts;
  readonly byAction: Readonly<Record<PlanAction, Counts>>;
  readonly byReason: Readonly<Record<PlanReason, Counts>>;
  /** The first sampleSize source keys of each action and of each reason, in plan order. */
  readonly sampleKeysByAction: Readonly<Record<PlanAction, readonly string[]>>;
  readonly sampleKeysByReason: Readonly<Record<PlanReason, readonly string[]>>;
}

export const defaultSampleSize = 10;

interface Tally {
  objects: number;
  bytes: number;
  readonly sampleKeys: string[];
}

function emptyTallies<K extends string>(kinds: readonly K[]): Record<K, Tally> {
  const tallies = kinds.map((kind): [K, Tally] => [kind, { objects: 0, bytes: 0, sampleKeys: [] }]);
  return Object.fromEntries(tallies) as Record<K, Tally>;
}

function mapTallies<K extends string, V>(tallies: Record<K, Tally>, view: (tally: Tally) => V): Record<K, V> {
  return Object.fromEntries(
    Object.entries<Tally>(tallies).map(([kind, tally]) => [kind, view(tally)]),
  ) as Record<K, V>;
}

const countsOf = (tally: Tally): Counts => ({ objects: tally.objects, bytes: tally.bytes });
const samplesOf = (tally: Tally): readonly string[] => [...tally.sampleKeys];

/** Add decisions one at a time with add(); read the totals so far with summary(). */
export class PlanSummarizer {
  readonly #sampleSize: number;
  readonly #byAction = emptyTallies(planActions);
  readonly #byReason = emptyTallies(planReasons);
  #total: Counts = { objects: 0, bytes: 0 };

  constructor(options: { sampleSize?: number } = {}) {
    this.#sampleSize = options.sampleSize ?? defaultSampleSize;
  }

  add(decision: SummarizedDecision): void {
    const bytes = sizeOf(decision);
    this.#total = { objects: this.#total.objects + 1, bytes: this.#total.bytes + bytes };
    this.#count(this.#byAction[decision.action], decision);
    this.#count(this.#byReason[decision.reason], decision);
  }

  #count(tally: Tally, decision: SummarizedDecision): void {
    tally.objects += 1;
    tally.bytes += sizeOf(decision);
    if (tally.sampleKeys.length < this.#sampleSize) tally.sampleKeys.push(decision.sourceKey);
  }

  summary(): PlanSummary {
    return {
      total: this.#total,
      byAction: mapTallies(this.#byAction, countsOf),
      byReason: mapTallies(this.#byReason, countsOf),
      sampleKeysByAction: mapTallies(this.#byAction, samplesOf),
      sampleKeysByReason: mapTallies(this.#byReason, samplesOf),
    };
  }
}
