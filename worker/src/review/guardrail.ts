// The per-run guardrails a plan is checked against: maxBytesPerRun on what it copies, and a sync's delete limits.
import type { MappingConfig } from '../config/types.ts';
import { type DeleteLimits, type DeleteVerdict, deleteVerdict } from '../plan/delete-guardrail.ts';
import type { Counts } from '../ports/ledger.ts';
import type { PlanTotals } from './plan-totals.ts';

export interface GuardrailCheck {
  readonly limitBytes: number;
  readonly plannedBytes: number;
  readonly exceeded: boolean;
  /** The planned bytes are an estimate (the listing budget ran out). */
  readonly estimated: boolean;
}

/** What a sync run's release step would decide on these totals (it decides again on its complete listing). */
export interface DeleteCheck {
  readonly limits: DeleteLimits;
  readonly toDelete: Counts;
  /** Source objects that pass the mapping's filters: copied, skipped or failed alike. */
  readonly sourceObjects: number;
  readonly verdict: DeleteVerdict;
  /** The counts are an estimate (the listing budget ran out). */
  readonly estimated: boolean;
}

/** Undefined when the mapping sets no maxBytesPerRun. */
export function checkMaxBytesPerRun(mapping: MappingConfig, totals: PlanTotals): GuardrailCheck | undefined {
  if (mapping.maxBytesPerRun === undefined) return undefined;
  const plannedBytes = totals.byAction.copy.bytes;
  return {
    limitBytes: mapping.maxBytesPerRun,
    plannedBytes,
    exceeded: plannedBytes > mapping.maxBytesPerRun,
    estimated: !totals.exact,
  };
}

/** The delete guardrails (maxDeleteObjects, maxDeleteBytes, an empty source) on a sync plan's totals. */
export function checkDeletes(mapping: MappingConfig, totals: PlanTotals): DeleteCheck {
  const { copy, skip, fail } = totals.byAction;
  const limits: DeleteLimits = {
    ...(mapping.maxDeleteObjects === undefined ? {} : { maxDeleteObjects: mapping.maxDeleteObjects }),
    ...(mapping.maxDeleteBytes === undefined ? {} : { maxDeleteBytes: mapping.maxDeleteBytes }),
  };
  const toDelete = totals.byAction.delete;
  const sourceObjects = copy.objects + skip.objects + fail.objects;
  return {
    limits,
    toDelete,
    sourceObjects,
    verdict: deleteVerdict({ toDelete, sourceObjects, limits }),
    estimated: !totals.exact,
  };
}
