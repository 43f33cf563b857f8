// The per-run guardrail: a mapping's maxBytesPerRun against the bytes its plan would copy.
import type { MappingConfig } from '../config/types.ts';
import type { PlanTotals } from './plan-totals.ts';

export interface GuardrailCheck {
  readonly limitBytes: number;
  readonly plannedBytes: number;
  readonly exceeded: boolean;
  /** The planned bytes are an estimate (the listing budget ran out). */
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
