// The ledger port: the record of runs (exact counters, failures) and of what was copied, for resume and change detection.
import type { ErrorClass } from '../domain/errors.ts';
import type { ChecksumAlgorithm } from '../domain/object.ts';
import type { CompletedPart } from './object-store.ts';

export interface Counts {
  readonly objects: number;
  readonly bytes: number;
}

/**
 * full: copy every source object; incremental: copy what is new or changed; sync: incremental, and delete the
 * destination objects that are gone from the source (held until the listing is complete and the guardrails pass).
 */
export type RunMode = 'full' | 'incremental' | 'sync';
export type ListerState = 'LISTING' | 'LISTED' | 'FAILED';
/**
 * A sync run's deletes: HELD in the ledger while the lister lists; RELEASED to the workers once the listing is
 * complete and within the guardrails; REFUSED (with deleteReason) when a guardrail stopped them, none deleted.
 */
export type DeleteState = 'HELD' | 'RELEASED' | 'REFUSED';

/** Every mode and state, for checking stored values. */
export const runModes: Readonly<Record<RunMode, true>> = { full: true, incremental: true, sync: true };
export const listerStates: Readonly<Record<ListerState, true>> = {
  LISTING: true,
  LISTED: true,
  FAILED: true,
};
export const deleteStates: Readonly<Record<DeleteState, true>> = {
  HELD: true,
  RELEASED: true,
  REFUSED: true,
};

/** Whether a run in this mode lists the destination to compare (every mode but full). */
export function comparesWithDestination(mode: RunMode): boolean {
  return mode !== 'full';
}
export const checksumAlgorithms: Readonly<Record<ChecksumAlgorithm, true>> = {
  CRC32C: true,
  CRC32: true,
  CRC64NVME: true,
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
  /** Objects that failed: copies, and deletes a worker could not do. */
  readonly failed: Counts;
  /** Destination objects a sync run found gone from the source: held, then released or refused. Zero otherwise. */
  readonly toDelete: Counts;
  /** Destination objects deleted by workers. */
  readonly deleted: Counts;
  /** Present on sync runs only: HELD from the start. */
  readonly deleteState?: DeleteState;
  /** Why the deletes were refused (deleteState REFUSED). */
  readonly deleteReason?: string;
}

export interface FailureRecord {
  readonly key: string;
  readonly errorClass: ErrorClass;
  readonly message: string;
  readonly attempts: number;
}

/** One destination object a sync run will delete, as the destination listing showed it. */
export interface DeleteItem {
  /** The destination key. */
  readonly key: string;
  readonly size: number;
  /** The ETag listed: the delete is refused if the object changed since (where the service supports it). */
  readonly etag: string;
}

/** Deletes found by the lister, held in the ledger until the listing is complete (deterministic batchId). */
export interface HeldDeletes {
  readonly batchId: string;
  /** Ascending by key, at most 1,000 (one DeleteObjects request), encoded under the queue's message limit. */
  readonly items: readonly DeleteItem[];
}

/** What the lister adds to a run with one batch of work; recorded once per batchId. */
export interface PlannedBatch {
  readonly batchId: string;
  readonly planned: Counts;
  readonly skipped: Counts;
  readonly checkpoint?: string;
  /** Held in the same write as the counts (and added to toDelete), so a restart neither loses nor repeats them. */
  readonly deletes?: HeldDeletes;
}

/** What a worker reports for one batch; recorded once per batchId however often the batch is delivered. */
export interface BatchOutcome {
  readonly batchId: string;
  readonly copied: Counts;
  readonly failed: Counts;
  readonly failures: readonly FailureRecord[];
  /** Destination objects deleted (a delete batch); absent: none. */
  readonly deleted?: Counts;
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
  /** A sync run's held deletes in batchId order, a page at a time (next: the last batchId of a full page). */
  listHeldDeletes(
    runId: string,
    page: { limit: number; after?: string },
  ): Promise<{ batches: HeldDeletes[]; next?: string }>;
  /** Moves a sync run's deletes from HELD to RELEASED or REFUSED (with the reason); repeating it is harmless. */
  settleDeletes(
    runId: string,
    settlement: { state: 'RELEASED' } | { state: 'REFUSED'; reason: string },
  ): Promise<void>;
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

/** Names one shared object: the run, and the batch id its lister gave it (a hash of the run and the key). */
export interface SharedObjectRef {
  readonly runId: string;
  readonly batchId: string;
}

/** What the first worker to reach a shared object records: the multipart upload every range goes into. */
export interface SharedUploadStart {
  /** The destination key. */
  readonly key: string;
  readonly uploadId: string;
  readonly sourceEtag: string;
  readonly sourceSize: number;
  readonly partSize: number;
  /** Every part of the upload uses it, whatever the configuration of the worker that uploads it. */
  readonly checksumAlgorithm: ChecksumAlgorithm;
  readonly rangeCount: number;
}

/** OPEN while ranges are copied; DONE once completed and verified; FAILED once any range failed for good. */
export type SharedUploadState = 'OPEN' | 'DONE' | 'FAILED';

export const sharedUploadStates: Readonly<Record<SharedUploadState, true>> = {
  OPEN: true,
  DONE: true,
  FAILED: true,
};

export interface SharedUploadRecord extends SharedUploadStart {
  readonly state: SharedUploadState;
  /** The indexes (0-based) of the ranges whose parts are all in this upload, ascending. */
  readonly doneRanges: readonly number[];
  /** Why the object failed (state FAILED). */
  readonly failure?: FailureRecord;
}

/** The outcome of marking a range done: whether this call added it, and the record as it is now. */
export type RangeMark =
  | { readonly marked: true; readonly record: SharedUploadRecord }
  /** Already done, or refused: the record names another upload or is not OPEN (undefined: no record at all). */
  | { readonly marked: false; readonly record: SharedUploadRecord | undefined };

/** The outcome of replacing a vanished upload. */
export type UploadReplacement =
  /** abandonedRanges: the ranges that were done in the vanished upload and must be copied again. */
  | {
      readonly replaced: true;
      readonly record: SharedUploadRecord;
      readonly abandonedRanges: readonly number[];
    }
  | { readonly replaced: false; readonly record: SharedUploadRecord | undefined };

/** The ledger side of an object that several workers copy, a range of parts each, into one multipart upload. */
export interface SharedUploads {
  recallSharedUpload(ref: SharedObjectRef): Promise<SharedUploadRecord | undefined>;
  /** Records the upload unless the object has one already; returns the record stored (the caller's or the winner's). */
  claimSharedUpload(ref: SharedObjectRef, start: SharedUploadStart): Promise<SharedUploadRecord>;
  /**
   * Points an OPEN record that still names fromUploadId at toUploadId, with no range done, atomically reporting the
   * ranges that had been done in the old one. Refused (nothing changes) when the record moved on.
   */
  replaceSharedUpload(
    ref: SharedObjectRef,
    change: { fromUploadId: string; toUploadId: string },
  ): Promise<UploadReplacement>;
  /** Records uploaded parts of the upload (idempotent: a part recorded again replaces its record). */
  rememberSharedParts(ref: SharedObjectRef, uploadId: string, parts: readonly CompletedPart[]): Promise<void>;
  /** The recorded parts of this upload numbered firstPart to lastPart, ascending. */
  recallSharedParts(
    ref: SharedObjectRef,
    span: { uploadId: string; firstPart: number; lastPart: number },
  ): Promise<CompletedPart[]>;
  /** Adds the range to the done ones, atomically, only while the record is OPEN and names this upload. */
  markRangeDone(ref: SharedObjectRef, mark: { uploadId: string; rangeIndex: number }): Promise<RangeMark>;
  /**
   * Moves an OPEN record to DONE or FAILED (with the failure); returns the record as it is then (unchanged when it
   * was not OPEN), or undefined when there is none.
   */
  settleSharedUpload(
    ref: SharedObjectRef,
    settlement: { state: 'DONE' } | { state: 'FAILED'; failure: FailureRecord },
  ): Promise<SharedUploadRecord | undefined>;
}

export interface ObjectMemory extends SharedUploads {
  rememberCopies(mappingId: string, records: readonly CopyRecord[]): Promise<void>;
  /** The records for those destination keys that have one. */
  recallCopies(mappingId: string, keys: readonly string[]): Promise<Map<string, CopyRecord>>;
  rememberUpload(mappingId: string, upload: UploadRecord): Promise<void>;
  recallUpload(mappingId: string, key: string): Promise<UploadRecord | undefined>;
  forgetUpload(mappingId: string, key: string): Promise<void>;
}
