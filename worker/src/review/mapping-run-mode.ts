// The run mode a mapping's own `mode` stands for: what its nightly runs and its pull-request plan use.
import type { MappingConfig } from '../config/types.ts';
import type { RunMode } from '../ports/ledger.ts';

/** `mode: sync` runs in sync mode; `mode: copy` or no mode, in incremental mode (never full). */
export function mappingRunMode(mapping: Pick<MappingConfig, 'mode'>): RunMode {
  return mapping.mode === 'sync' ? 'sync' : 'incremental';
}
