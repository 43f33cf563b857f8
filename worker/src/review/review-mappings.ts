// The review of a mapping-file change: validate both versions, compare them, and plan what the change makes a run do.
import { createMappingResolver } from '../compose/stores.ts';
import { validateConfig } from '../config/load-config.ts';
import type { FerryConfig, MappingConfig } from '../config/types.ts';
import { type ConfigError, errorMessage } from '../domain/errors.ts';
import { splitKeySpace } from '../list/key-ranges.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { CopyRecord, RunMode } from '../ports/ledger.ts';
import { type CostEstimate, type CostModel, defaultCostModel, estimateCost } from './cost-estimate.ts';
import { checkDeletes, checkMaxBytesPerRun, type DeleteCheck, type GuardrailCheck } from './guardrail.ts';
import { defaultListingBudget, type ListingBudget } from './listing-budget.ts';
import { diffMappings, type MappingChanges } from './mapping-changes.ts';
import { mappingRunMode } from './mapping-run-mode.ts';
import { type Extrapolation, exactTotals, extrapolateTotals, type PlanTotals } from './plan-totals.ts';
import { type SampledPlan, samplePlan } from './sample-plan.ts';

export interface ConfigText {
  readonly text: string;
  /** Named in error messages and annotations, e.g. `ferry.yaml`. */
  readonly file: string;
}

/** Copy records for a mapping's destination keys, e.g. from the fleet's DynamoDB ledger. */
export type RecallCopies = (mappingId: string, keys: readonly string[]) => Promise<Map<string, CopyRecord>>;

export interface ReviewOptions {
  /** The configuration before the change; absent when the file is new. */
  readonly base?: ConfigText;
  readonly head: ConfigText;
  /** False: validate and compare only, list nothing (no credentials, e.g. a pull request from a fork). */
  readonly list: boolean;
  /** Plan these mappings; default: those the change adds or changes. */
  readonly mappingIds?: readonly string[];
  /** Plan only (of those) the mappings that set maxBytesPerRun: a guardrail check before a run. */
  readonly guardrailOnly?: boolean;
  /** Every mapping in this mode. Default: each mapping's own (`mode: sync` in sync mode, otherwise incremental). */
  readonly mode?: RunMode;
  readonly budget?: Partial<ListingBudget>;
  /** List requests spent estimating the rest of a key space the budget did not cover. Default 32. */
  readonly estimateProbes?: number;
  readonly clock?: Clock;
  /** Default: none (every same-size object whose ETags cannot be compared counts as a copy). */
  readonly recall?: RecallCopies;
  readonly costModel?: CostModel;
  /** First keys shown per action. Default 3. */
  readonly sampleKeys?: number;
}

export type MappingPlanOutcome =
  | {
      readonly kind: 'planned';
      readonly mode: RunMode;
      /** Absent when an estimate had nothing to extrapolate from. */
      readonly totals?: PlanTotals;
      readonly sample: SampledPlan;
      readonly extrapolation?: Extrapolation;
      readonly cost?: CostEstimate;
      readonly guardrail?: GuardrailCheck;
      /** Sync mode only: the delete guardrails' verdict on these totals. */
      readonly deletes?: DeleteCheck;
    }
  /** Listing failed (no such bucket, access denied, ...): the message says why. */
  | { readonly kind: 'failed'; readonly error: string };

export interface MappingPlan {
  readonly mapping: MappingConfig;
  readonly outcome: MappingPlanOutcome;
}

export interface MappingsReview {
  readonly headFile: string;
  /** Empty when the head configuration is valid. */
  readonly headErrors: readonly ConfigError[];
  /** A base that does not validate is compared as if absent. */
  readonly baseErrors: readonly ConfigError[];
  readonly head?: FerryConfig;
  readonly changes?: MappingChanges;
  /** Whether buckets were listed. */
  readonly listed: boolean;
  readonly plans: readonly MappingPlan[];
  readonly costModel: CostModel;
  /** Whether the plans used Ferry's copy records. */
  readonly usedCopyRecords: boolean;
}

export const defaultEstimateProbes = 32;

function mappingsToPlan(head: FerryConfig, changes: MappingChanges, options: ReviewOptions): MappingConfig[] {
  const ids = options.mappingIds;
  const chosen =
    ids === undefined
      ? [...changes.added, ...changes.changed.map((change) => change.mapping)]
      : head.mappings.filter((mapping) => ids.includes(mapping.id));
  return options.guardrailOnly ? chosen.filter((mapping) => mapping.maxBytesPerRun !== undefined) : chosen;
}

/** The guardrails' verdicts on a plan's totals, as outcome fields. */
function checksOf(
  mapping: MappingConfig,
  mode: RunMode,
  totals: PlanTotals,
): { guardrail?: GuardrailCheck; deletes?: DeleteCheck } {
  const guardrail = checkMaxBytesPerRun(mapping, totals);
  return {
    ...(guardrail ? { guardrail } : {}),
    ...(mode === 'sync' ? { deletes: checkDeletes(mapping, totals) } : {}),
  };
}

async function planOne(
  config: FerryConfig,
  mapping: MappingConfig,
  options: ReviewOptions,
): Promise<MappingPlanOutcome> {
  const runtime = createMappingResolver(config)(mapping.id);
  if (!runtime) return { kind: 'failed', error: `unknown mapping ${mapping.id}` };
  const mode = options.mode ?? mappingRunMode(mapping);
  const costModel = options.costModel ?? defaultCostModel;
  const { recall } = options;
  try {
    const sample = await samplePlan({
      mapping,
      source: runtime.source,
      destination: runtime.destination,
      transfer: config.transfer,
      mode,
      recall: async (keys) => (recall ? await recall(mapping.id, keys) : new Map()),
      budget: { ...defaultListingBudget, ...options.budget },
      clock: options.clock ?? systemClock,
      sampleKeys: options.sampleKeys ?? 3,
    });
    if (sample.complete) {
      const totals = exactTotals(sample);
      return {
        kind: 'planned',
        mode,
        totals,
        sample,
        cost: estimateCost(totals, costModel),
        ...checksOf(mapping, mode, totals),
      };
    }
    const split = await splitKeySpace({
      lister: runtime.source,
      prefix: mapping.source.prefix,
      ...(sample.coveredThrough === undefined ? {} : { startAfter: sample.coveredThrough }),
      maxProbes: options.estimateProbes ?? defaultEstimateProbes,
    });
    const restSourceKeys = split.estimatedKeys.reduce((sum, keys) => sum + keys, 0);
    const { extrapolation, totals } = extrapolateTotals({ sample, restSourceKeys, probes: split.probes });
    return {
      kind: 'planned',
      mode,
      sample,
      extrapolation,
      ...(totals
        ? { totals, cost: estimateCost(totals, costModel), ...checksOf(mapping, mode, totals) }
        : {}),
    };
  } catch (error) {
    return { kind: 'failed', error: errorMessage(error) };
  }
}

/** Validates, compares and (when list is true) plans; never throws for a bad configuration or bucket. */
export async function reviewMappings(options: ReviewOptions): Promise<MappingsReview> {
  const costModel = options.costModel ?? defaultCostModel;
  const head = validateConfig(options.head.text, options.head.file);
  const base = options.base ? validateConfig(options.base.text, options.base.file) : undefined;
  const baseErrors = base && !base.ok ? base.errors : [];
  const common = {
    headFile: options.head.file,
    baseErrors,
    listed: false,
    plans: [],
    costModel,
    usedCopyRecords: options.recall !== undefined,
  };
  if (!head.ok) return { ...common, headErrors: head.errors };
  const changes = diffMappings(base?.ok ? base.config : undefined, head.config);
  const reviewed = { ...common, headErrors: [], head: head.config, changes };
  if (!options.list) return reviewed;
  const plans: MappingPlan[] = [];
  for (const mapping of mappingsToPlan(head.config, changes, options)) {
    plans.push({ mapping, outcome: await planOne(head.config, mapping, options) });
  }
  return { ...reviewed, listed: true, plans };
}
