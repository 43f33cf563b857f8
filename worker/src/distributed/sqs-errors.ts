// Classifies what an SQS call threw into Ferry's error taxonomy, and recognises a receipt handle that is no longer ours.
import { type ErrorClass, FerryError } from '../domain/errors.ts';
import { classOfFailure, failureFactsOf } from '../storage/s3-errors.ts';

/**
 * SQS errors by their JSON-protocol shape name (the SDK's `name`); the query-compatible code (`Code`, such as
 * `AWS.SimpleQueueService.NonExistentQueue`) is looked up too. Anything not here falls back to the S3 rules, which
 * know the generic throttling, server-fault, access and socket codes.
 */
const classOfSqsCode: Readonly<Record<string, ErrorClass>> = {
  QueueDoesNotExist: 'Config',
  'AWS.SimpleQueueService.NonExistentQueue': 'Config',
  QueueDeletedRecently: 'Config',
  QueueNameExists: 'Config',
  QueueAlreadyExists: 'Config',
  InvalidAddress: 'Config',
  UnsupportedOperation: 'Config',
  KmsDisabled: 'Config',
  KmsNotFound: 'Config',
  KmsInvalidState: 'Config',
  KmsInvalidKeyUsage: 'Config',
  KmsOptInRequired: 'Config',
  KmsAccessDenied: 'AccessDenied',
  InvalidSecurity: 'AccessDenied',
  RequestThrottled: 'Throttled',
  OverLimit: 'Throttled',
  KmsThrottled: 'Throttled',
  InternalFailure: 'Transient',
  InternalError: 'Transient',
  ServiceUnavailable: 'Throttled',
};

/** Codes that mean "this receipt handle no longer holds the message": it was deleted, redelivered or its lease ran out. */
const staleReceiptCodes: ReadonlySet<string> = new Set([
  'ReceiptHandleIsInvalid',
  'MessageNotInflight',
  'AWS.SimpleQueueService.MessageNotInflight',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Every name the error goes by: the SDK's `name` (the shape) and `Code` (the query-compatible code), if any. */
export function sqsErrorCodes(error: unknown): string[] {
  if (!isRecord(error)) return [];
  return [error.name, error.Code].filter(
    (code): code is string => typeof code === 'string' && code !== '' && code !== 'Error',
  );
}

/**
 * True when an ack or lease change failed only because the receipt handle is stale: invalid, for a message not in
 * flight, or expired (SQS says `InvalidParameterValue ... ReceiptHandle is invalid. Reason: The receipt handle has
 * expired`). The port treats such calls as quiet no-ops.
 */
export function isStaleReceiptHandle(error: unknown): boolean {
  const codes = sqsErrorCodes(error);
  if (codes.some((code) => staleReceiptCodes.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return codes.includes('InvalidParameterValue') && /receipt ?handle/i.test(message);
}

/** The class of an SQS failure: SQS's own codes first, then the generic rules. */
export function classOfSqsFailure(error: unknown): ErrorClass {
  for (const code of sqsErrorCodes(error)) {
    const byCode = classOfSqsCode[code];
    if (byCode) return byCode;
  }
  return classOfFailure(failureFactsOf(error));
}

/**
 * Wraps what an SQS call threw in a FerryError of the right class, its message starting with the context
 * (e.g. `SQS ReceiveMessage ferry-work`). A FerryError passes through unchanged.
 */
export function classifySqsError(error: unknown, context: string): FerryError {
  if (error instanceof FerryError) return error;
  const facts = failureFactsOf(error);
  const code = sqsErrorCodes(error)[0] ?? facts.code ?? 'error';
  const status = facts.httpStatus !== undefined ? ` (HTTP ${facts.httpStatus})` : '';
  const detail = facts.message && facts.message !== code ? `: ${facts.message}` : '';
  return new FerryError(classOfSqsFailure(error), `${context}: ${code}${status}${detail}`, { cause: error });
}

/** The class of one failed entry of a batch call: server-side faults are transient unless their code says otherwise. */
export function classOfBatchEntryFailure(entry: { code: string; senderFault: boolean }): ErrorClass {
  const byCode = classOfSqsCode[entry.code];
  if (byCode) return byCode;
  const generic = classOfFailure({ code: entry.code, message: '' });
  if (generic !== 'Internal') return generic;
  return entry.senderFault ? 'Internal' : 'Transient';
}
