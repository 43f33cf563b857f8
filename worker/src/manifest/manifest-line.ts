// One line of the per-object manifest: what it holds, how it is written and read back, and which of two lines wins.
import { type ErrorClass, errorClasses, FerryError } from '../domain/errors.ts';
import type { FailureRecord } from '../ports/ledger.ts';
import type { DeleteItemResult, ItemResult, ObjectResult } from '../worker/process-batch.ts';

export type ManifestOutcome = 'copied' | 'skipped' | 'deleted' | 'failed';

/**
 * What the run did to the object wins over what it did not do: copied and deleted (they never both happen to one key
 * in one run; if a restarted listing ever did both, the later one is what the destination holds) over skipped over
 * failed (a retried copy or delete that succeeded).
 */
const outcomeRank: Readonly<Record<ManifestOutcome, number>> = {
  copied: 2,
  deleted: 2,
  skipped: 1,
  failed: 0,
};

/** One object's outcome in a run. Field names are the JSON names (docs/manifest.md). */
export interface ManifestLine {
  readonly runId: string;
  readonly mappingId: string;
  /** The source key (of a delete: the key gone from the source that the deleted object mirrored). */
  readonly key: string;
  /** The key written or deleted; absent on failed copies: the object may have no valid destination key. */
  readonly destinationKey?: string;
  /** Bytes written (copied), or the listed size (skipped, deleted, failed). */
  readonly size: number;
  /** Present on copies (copied, skipped, failed), absent on deletes: there is no source object. */
  readonly sourceEtag?: string;
  /** The copy's ETag (copied), or the ETag the deleted object was listed with (deletes). */
  readonly destinationEtag?: string;
  readonly outcome: ManifestOutcome;
  readonly errorClass?: ErrorClass;
  readonly error?: string;
  readonly attempts?: number;
  /** ISO 8601, when the outcome was recorded. */
  readonly time: string;
}

/** Error messages are cut here so one line stays small whatever a service answers. */
export const maxErrorChars = 2000;

/** What every line of one batch outcome shares. */
interface LineContext {
  readonly runId: string;
  readonly mappingId: string;
  readonly time: string;
}

/** The fields of a failed line. */
function failureFields(failure: FailureRecord): Pick<ManifestLine, 'errorClass' | 'error' | 'attempts'> {
  return {
    errorClass: failure.errorClass,
    error: failure.message.slice(0, maxErrorChars),
    attempts: failure.attempts,
  };
}

function isDeleteResult(result: ObjectResult): result is DeleteItemResult {
  return 'sourceKey' in result;
}

/** A delete's line: the mirrored source key, the destination object as listed; deleted, or failed with why. */
function deleteLine(context: LineContext, result: DeleteItemResult): ManifestLine {
  const { runId, mappingId, time } = context;
  const { item } = result;
  const object = {
    runId,
    mappingId,
    key: result.sourceKey,
    destinationKey: item.key,
    size: item.size,
    destinationEtag: item.etag,
  };
  return result.ok
    ? { ...object, outcome: 'deleted', time }
    : { ...object, outcome: 'failed', ...failureFields(result.failure), time };
}

function copyLine(context: LineContext, result: ItemResult): ManifestLine {
  const { runId, mappingId, time } = context;
  const { item } = result;
  if (!result.ok) {
    const failure = failureFields(result.failure);
    return {
      runId,
      mappingId,
      key: item.key,
      size: item.size,
      sourceEtag: item.etag,
      outcome: 'failed',
      ...failure,
      time,
    };
  }
  const { copy } = result;
  return {
    runId,
    mappingId,
    key: item.key,
    destinationKey: copy.key,
    size: copy.sourceSize,
    sourceEtag: copy.sourceEtag,
    destinationEtag: copy.destinationEtag,
    outcome: 'copied',
    time,
  };
}

/** The manifest lines of one recorded batch outcome: one per object copied, deleted or failed. */
export function manifestLinesOf(options: {
  runId: string;
  mappingId: string;
  results: readonly ObjectResult[];
  time: Date;
}): ManifestLine[] {
  const context: LineContext = {
    runId: options.runId,
    mappingId: options.mappingId,
    time: options.time.toISOString(),
  };
  return options.results.map((result) =>
    isDeleteResult(result) ? deleteLine(context, result) : copyLine(context, result),
  );
}

/** The line as JSON followed by a newline. */
export function encodeManifestLine(line: ManifestLine): string {
  return `${JSON.stringify(line)}\n`;
}

type JsonObject = Readonly<Record<string, unknown>>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(reason: string): FerryError {
  return new FerryError('InvalidObject', `malformed manifest line: ${reason}`);
}

function text(object: JsonObject, name: string): string {
  const value = object[name];
  if (typeof value !== 'string') throw malformed(`${name} is not a string`);
  return value;
}

function optionalText(object: JsonObject, name: string): string | undefined {
  return object[name] === undefined ? undefined : text(object, name);
}

function count(object: JsonObject, name: string): number {
  const value = object[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw malformed(`${name} is not a whole number`);
  return value;
}

function outcomeOf(value: unknown): ManifestOutcome {
  if (value === 'copied' || value === 'skipped' || value === 'deleted' || value === 'failed') return value;
  throw malformed(`unknown outcome ${JSON.stringify(value)}`);
}

function errorClassOf(value: string | undefined): ErrorClass | undefined {
  if (value === undefined) return undefined;
  if (!Object.hasOwn(errorClasses, value)) throw malformed(`unknown error class ${JSON.stringify(value)}`);
  return value as ErrorClass;
}

/** Parses one line (without its newline); InvalidObject when it is not a manifest line. */
export function parseManifestLine(json: string): ManifestLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw malformed('not JSON');
  }
  if (!isJsonObject(parsed)) throw malformed('not an object');
  const destinationKey = optionalText(parsed, 'destinationKey');
  const sourceEtag = optionalText(parsed, 'sourceEtag');
  const destinationEtag = optionalText(parsed, 'destinationEtag');
  const errorClass = errorClassOf(optionalText(parsed, 'errorClass'));
  const error = optionalText(parsed, 'error');
  const attempts = parsed.attempts === undefined ? undefined : count(parsed, 'attempts');
  return {
    runId: text(parsed, 'runId'),
    mappingId: text(parsed, 'mappingId'),
    key: text(parsed, 'key'),
    ...(destinationKey === undefined ? {} : { destinationKey }),
    size: count(parsed, 'size'),
    ...(sourceEtag === undefined ? {} : { sourceEtag }),
    ...(destinationEtag === undefined ? {} : { destinationEtag }),
    outcome: outcomeOf(parsed.outcome),
    ...(errorClass === undefined ? {} : { errorClass }),
    ...(error === undefined ? {} : { error }),
    ...(attempts === undefined ? {} : { attempts }),
    time: text(parsed, 'time'),
  };
}

/** What identifies an object in a run's manifest: lines with equal identities are duplicates. */
export function lineIdentity(line: Pick<ManifestLine, 'mappingId' | 'key'>): string {
  return `${line.mappingId}\n${line.key}`;
}

/**
 * The dedupe rule: of two lines for the same object, the better outcome wins (copied or deleted over skipped over
 * failed: see outcomeRank), then the later time; on a full tie, the one read last.
 */
export function preferredLine(earlier: ManifestLine, later: ManifestLine): ManifestLine {
  const byOutcome = outcomeRank[later.outcome] - outcomeRank[earlier.outcome];
  if (byOutcome !== 0) return byOutcome > 0 ? later : earlier;
  return later.time >= earlier.time ? later : earlier;
}
