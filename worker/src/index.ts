// Ferry's public API: the only module that actions and other programs import from the engine package.
export { loadConfig, parseConfig } from './config/load-config.ts';
export type { FerryConfig, MappingConfig, TransferSettings } from './config/types.ts';
// The fleet's control plane (deploy, start, scale, await, report, redrive), as the GitHub actions and the CLI use it.
export type { AwaitRunOptions, AwaitRunResult } from './control/await-run.ts';
export { awaitRun } from './control/await-run.ts';
export type { ControlPlaneClients } from './control/control-clients.ts';
export {
  controlPlaneEndpointOf,
  createControlPlaneClients,
  destroyControlPlaneClients,
} from './control/control-clients.ts';
export type { DeployStackOptions, DeployStackResult, DeployStep } from './control/deploy-stack.ts';
export { deployStack } from './control/deploy-stack.ts';
export type { EngineBundle, PublishedBundle } from './control/engine-bundle.ts';
export { engineBundleKey, normalizeSha256 } from './control/engine-bundle.ts';
export {
  failedExitCode,
  stillRunningExitCode,
  succeededExitCode,
  usageExitCode,
} from './control/exit-codes.ts';
export type { FailureThreshold } from './control/failure-threshold.ts';
export { parseFailureThreshold } from './control/failure-threshold.ts';
export type { FleetDescription, FleetOutputs } from './control/fleet-outputs.ts';
export { describeFleet, fleetOutputNames } from './control/fleet-outputs.ts';
export type { FleetSession } from './control/fleet-session.ts';
export { fleetQueues, openFleetSession } from './control/fleet-session.ts';
export type { ProgressSample } from './control/progress-sample.ts';
export type { PublishedConfig } from './control/publish-config.ts';
export { publishConfig } from './control/publish-config.ts';
export type { RedriveOptions, RedriveResult } from './control/redrive.ts';
export { redriveDeadLetters } from './control/redrive.ts';
export { assertRunId, newRunId } from './control/run-id.ts';
export type { ReportedState, RunReportInput } from './control/run-report.ts';
export { renderRunReport } from './control/run-report.ts';
export { parseParameterAssignments } from './control/stack-parameters.ts';
export type { StartListerOptions, StartListerResult } from './control/start-lister.ts';
export { startLister } from './control/start-lister.ts';
export { defaultWorkerBytesPerSec, workersForDuration } from './control/worker-capacity.ts';
export type {
  ScaleInResult,
  ScaleInTarget,
  ScaleWorkersResult,
  WorkerGroupState,
} from './control/worker-group.ts';
export { describeWorkerGroup, scaleInWhenIdle, scaleWorkers } from './control/worker-group.ts';
export type { ErrorClass } from './domain/errors.ts';
export { ConfigError, errorMessage, FerryError } from './domain/errors.ts';
export type { PlanSummary } from './plan/plan-summary.ts';
export type { Counts, FailureRecord, RunRecord } from './ports/ledger.ts';
export type { MappingRunResult } from './report/run-summary.ts';
export { renderSummary } from './report/run-summary.ts';
// The review of a ferry.yaml change (pull-request plan comment) and the workflows' input checks.
export type { CostModel } from './review/cost-estimate.ts';
export { defaultCostModel } from './review/cost-estimate.ts';
export { ledgerRecall } from './review/ledger-recall.ts';
export type { ListingBudget } from './review/listing-budget.ts';
export { defaultListingBudget } from './review/listing-budget.ts';
export { maxCommentChars, planCommentMarker, problemText, renderPlanComment } from './review/plan-comment.ts';
export type {
  ConfigText,
  MappingPlan,
  MappingsReview,
  RecallCopies,
  ReviewOptions,
} from './review/review-mappings.ts';
export { reviewMappings } from './review/review-mappings.ts';
export type { DispatchForm, DispatchResult, DispatchSelection } from './review/workflow-inputs.ts';
export {
  checkDispatchForm,
  maxDispatchWorkers,
  nightlyMappingIds,
  nightlyRunModes,
} from './review/workflow-inputs.ts';
export { dryRun, planMapping, renderPlan } from './run/dry-run.ts';
export { runEmbedded } from './run/embedded-run.ts';
export { isRunDone, remaining } from './run/run-progress.ts';
