// Classifies what a DynamoDB call threw into Ferry's error taxonomy, and reads why a transaction was cancelled.
import { type ErrorClass, FerryError } from '../domain/errors.ts';
import { classOfFailure, failureFactsOf } from '../storage/s3-errors.ts';

/** DynamoDB's own codes (the SDK error's `name`); anything else falls back to the generic S3/network rules. */
const classOfDynamoDbCode: Readonly<Record<string, ErrorClass>> = {
  ProvisionedThroughputExceededException: 'Throttled',
  RequestLimitExceeded: 'Throttled',
  ThrottlingException: 'Throttled',
  LimitExceededException: 'Throttled',
  InternalServerError: 'Transient',
  TransactionConflictException: 'Transient',
  TransactionInProgressException: 'Transient',
  ResourceNotFoundException: 'Config',
  UnrecognizedClientException: 'AccessDenied',
  AccessDeniedException: 'AccessDenied',
  ValidationException: 'Internal',
  ItemCollectionSizeLimitExceededException: 'Internal',
  IdempotentParameterMismatchException: 'Internal',
};

/** The class of a DynamoDB failure: DynamoDB's codes first, then the generic rules. */
export function classOfDynamoDbFailure(error: unknown): ErrorClass {
  const facts = failureFactsOf(error);
  const byCode = facts.code === undefined ? undefined : classOfDynamoDbCode[facts.code];
  return byCode ?? classOfFailure(facts);
}

/**
 * Wraps what a DynamoDB call threw in a FerryError of the right class, its message starting with the context
 * (e.g. `DynamoDB GetItem ferry-ledger`). A FerryError passes through unchanged.
 */
export function classifyDynamoDbError(error: unknown, context: string): FerryError {
  if (error instanceof FerryError) return error;
  const facts = failureFactsOf(error);
  const errorClass = classOfDynamoDbFailure(error);
  const hint = facts.code === 'ResourceNotFoundException' ? ' (create the table with `ferry init`)' : '';
  const status = facts.httpStatus !== undefined ? ` (HTTP ${facts.httpStatus})` : '';
  const detail = facts.message && facts.message !== facts.code ? `: ${facts.message}` : '';
  return new FerryError(errorClass, `${context}: ${facts.code ?? 'error'}${status}${detail}${hint}`, {
    cause: error,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * The cancellation reason codes of a TransactionCanceledException, one per item of the transaction in order
 * ('None' for an item that was fine); undefined for any other error.
 */
export function cancellationCodesOf(error: unknown): string[] | undefined {
  if (!isRecord(error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = error.CancellationReasons;
  if (!Array.isArray(reasons)) return undefined;
  return reasons.map((reason: unknown) =>
    isRecord(reason) && typeof reason.Code === 'string' ? reason.Code : 'None',
  );
}

/** Reasons that clear up by themselves: another transaction held an item, or the table was busy. */
const retryableCancellationCodes: ReadonlySet<string> = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

export type CancellationVerdict =
  /** The condition of the item at this index failed: the write was refused for a reason that will not change. */
  | { readonly kind: 'condition-failed'; readonly index: number }
  /** Nothing was written and trying again may succeed. */
  | { readonly kind: 'retry' }
  /** Nothing was written and trying again will not help. */
  | { readonly kind: 'fail' };

/** What a cancelled transaction means: a failed condition decides (the lowest index wins), then retryable reasons. */
export function cancellationVerdict(codes: readonly string[]): CancellationVerdict {
  const index = codes.indexOf('ConditionalCheckFailed');
  if (index >= 0) return { kind: 'condition-failed', index };
  if (codes.some((code) => retryableCancellationCodes.has(code))) return { kind: 'retry' };
  return { kind: 'fail' };
}
