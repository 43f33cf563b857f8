// A mapping's plan totals: exact when the listing finished, otherwise extrapolated from the sampled prefix of the key space.
import type { PlanAction } from '../plan/reasons.ts';
import { planActions } from '../plan/reasons.ts';
import type { Counts } from '../ports/ledger.ts';
import { type CopyWork, scaleWork } from './copy-work.ts';
import type { BudgetLimit } from './listing-budget.ts';
import type { SampledPlan } from './sample-plan.ts';

export interface PlanTotals {
  /** False: an estimate (see Extrapolation). */
  readonly exact: boolean;
  readonly byAction: Readonly<Record<PlanAction, Counts>>;
  readonly work: CopyWork;
  /** Source keys under the prefix, filtered out ones included. */
  readonly sourceKeys: number;
  readonly destinationKeys: number;
}

/** How an estimate was made: the sampled prefix and the rest of the key space as the lister's sampler sees it. */
export interface Extrapolation {
  readonly stoppedBy: BudgetLimit;
  /** The last source key planned; absent when the budget ran out before any. */
  readonly coveredThrough?: string;
  /** Source keys listed and planned, up to coveredThrough. */
  readonly sampledSourceKeys: number;
  /** Source keys after coveredThrough, estimated by probing the key space. */
  readonly restSourceKeys: number;
  /** List requests the probing spent. */
  readonly probes: number;
  /** (sampled + rest) / sampled: what every sampled count is multiplied by. Absent: nothing was sampled. */
  readonly factor?: number;
}

export function exactTotals(sample: SampledPlan): PlanTotals {
  return {
    exact: true,
    byAction: sample.summary.byAction,
    work: sample.work,
    sourceKeys: sample.sourceKeys,
    destinationKeys: sample.destinationKeys,
  };
}

function scaleCounts(counts: Counts, factor: number): Counts {
  return { objects: Math.round(counts.objects * factor), bytes: Math.round(counts.bytes * factor) };
}

/**
 * Scales the sample to the whole key space: every count times (sampled + rest) / sampled source keys. This
 * assumes the rest of the key space looks like the sampled prefix (sizes, and what is new or already there).
 */
export function extrapolateTotals(options: { sample: SampledPlan; restSourceKeys: number; probes: number }): {
  extrapolation: Extrapolation;
  totals?: PlanTotals;
} {
  const { sample, restSourceKeys, probes } = options;
  const sampledSourceKeys = sample.sourceKeys;
  const base = {
    stoppedBy: sample.stoppedBy ?? 'keys',
    ...(sample.coveredThrough === undefined ? {} : { coveredThrough: sample.coveredThrough }),
    sampledSourceKeys,
    restSourceKeys,
    probes,
  };
  if (sampledSourceKeys === 0) return { extrapolation: base };
  const factor = (sampledSourceKeys + restSourceKeys) / sampledSourceKeys;
  const byAction = Object.fromEntries(
    planActions.map((action) => [action, scaleCounts(sample.summary.byAction[action], factor)]),
  ) as Record<PlanAction, Counts>;
  return {
    extrapolation: { ...base, factor },
    totals: {
      exact: false,
      byAction,
      work: scaleWork(sample.work, factor),
      sourceKeys: sampledSourceKeys + restSourceKeys,
      destinationKeys: Math.round(sample.destinationKeys * factor),
    },
  };
}
