// Ferry's public API: the only module that actions and other programs import from the engine package.
export { loadConfig, parseConfig } from './config/load-config.ts';
export type { FerryConfig, MappingConfig, TransferSettings } from './config/types.ts';
export type { ErrorClass } from './domain/errors.ts';
export { ConfigError, errorMessage, FerryError } from './domain/errors.ts';
export type { PlanSummary } from './plan/plan-summary.ts';
export type { Counts, FailureRecord, RunRecord } from './ports/ledger.ts';
export type { MappingRunResult } from './report/run-summary.ts';
export { renderSummary } from './report/run-summary.ts';
export { dryRun, planMapping, renderPlan } from './run/dry-run.ts';
export { runEmbedded } from './run/embedded-run.ts';
export { isRunDone } from './run/run-progress.ts';
