// The ledger port: the record of runs (exact counters, failures) and of what was copied, for resume and change detection.
import type { ErrorClass } from '../domain/errors.ts';
import type { ChecksumAlgorithm } from '../domain/object.ts';

export interface Counts {
  readonly objects: number;
  readonly bytes: number;
}

export type RunMode = 'full' | 'incremental';
export type ListerState = 'LISTING' | 'LISTED' | 'FAILED';

/** Every mode and state, for checking stored values. */
export const runModes: Readonly<Record<RunMode, true>> = { full: true, incremental: true };
export const listerStates: Readonly<Record<ListerState, true>> = {
  LISTING: true,
  LISTED: true,
  FAILED: true,
};

export interface RunRecord {
  readonly runId: string;
  readonly mappingId: string;
  readonly mode: RunMode;
  readonly listerState: ListerState;
  readonly reason?: string;
  readonly startedAt: Date;
  readonly listedAt?: Date;
  /** The last source key the lister has fully planned; a restarted lister continues after it. */
  readonly checkpoint?: string;
  readonly planned: Counts;
  readonly skipped: Counts;
  readonly copied: Counts;
  readonly failed: Counts;
}

export interface FailureRecord {
  readonly key: string;
  readonly errorClass: ErrorClass;
  readonly message: string;
  readonly attempts: number;
}

/** What the lister adds to a run with one batch of work; recorded once per batchId. */
export interface PlannedBatch {
  readonly batchId: string;
  readonly planned: Counts;
  readonly skipped: Counts;
  readonly checkpoint?: string;
}

/** What a worker reports for one batch; recorded once per batchId however often the batch is delivered. */
export interface BatchOutcome {
  readonly batchId: string;
  readonly copied: Counts;
  readonly failed: Counts;
  readonly failures: readonly FailureRecord[];
}

export interface RunLedger {
  /** Creates the run, or returns it unchanged if it exists (safe to repeat). */
  startRun(run: { runId: string; mappingId: string; mode: RunMode; startedAt: Date }): Promise<RunRecord>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** The newest run of a mapping, to resume an unfinished one. */
  latestRun(mappingId: string): Promise<RunRecord | undefined>;
  /** Returns false when this batchId was already recorded (nothing changes then). */
  recordPlanned(runId: string, batch: PlannedBatch): Promise<boolean>;
  setListerState(runId: string, state: ListerState, options?: { reason?: string; at?: Date }): Promise<void>;
  /** Returns false when this batchId's outcome was already recorded (nothing changes then). */
  recordOutcome(runId: string, outcome: BatchOutcome): Promise<boolean>;
  listFailures(
    runId: string,
    page: { limit: number; after?: string },
  ): Promise<{ failures: FailureRecord[]; next?: string }>;
}

/** What Ferry wrote for a source object, so a later run can tell an unchanged composite-ETag object without reading it. */
export interface CopyRecord {
  readonly key: string;
  readonly sourceEtag: string;
  readonly sourceSize: number;
  readonly destinationEtag: string;
}

/** An unfinished multipart upload, so a retry or another worker resumes it instead of starting over. */
export interface UploadRecord {
  readonly key: string;
  readonly uploadId: string;
  readonly sourceEtag: string;
  readonly partSize: number;
  /** The upload's checksum algorithm: its parts must all use it. */
  readonly checksumAlgorithm: ChecksumAlgorithm;
}

export interface ObjectMemory {
  rememberCopies(mappingId: string, records: readonly CopyRecord[]): Promise<void>;
  /** The records for those destination keys that have one. */
  recallCopies(mappingId: string, keys: readonly string[]): Promise<Map<string, CopyRecord>>;
  rememberUpload(mappingId: string, upload: UploadRecord): Promise<void>;
  recallUpload(mappingId: string, key: string): Promise<UploadRecord | undefined>;
  forgetUpload(mappingId: string, key: string): Promise<void>;
}
