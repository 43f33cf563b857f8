// Classifies whatever an S3 call threw (service exceptions, SDK timeouts, raw socket errors) into Ferry's error taxonomy.
import { type ErrorClass, FerryError } from '../domain/errors.ts';

/** What is known about a failure, whatever threw it. */
export interface FailureFacts {
  /** The service's error code (S3ServiceException name) or a Node/undici error code. */
  readonly code?: string;
  readonly httpStatus?: number;
  readonly message: string;
}

const classOfServiceCode: Readonly<Record<string, ErrorClass>> = {
  SlowDown: 'Throttled',
  Throttling: 'Throttled',
  ThrottlingException: 'Throttled',
  ThrottledException: 'Throttled',
  TooManyRequests: 'Throttled',
  TooManyRequestsException: 'Throttled',
  RequestLimitExceeded: 'Throttled',
  ServiceUnavailable: 'Throttled',
  InternalError: 'Transient',
  RequestTimeout: 'Transient',
  RequestTimeoutException: 'Transient',
  RequestTimeTooSkewed: 'Transient',
  OperationAborted: 'Transient',
  TimeoutError: 'Transient',
  AbortError: 'Transient',
  NoSuchKey: 'NotFound',
  NotFound: 'NotFound',
  NoSuchBucket: 'NotFound',
  NoSuchUpload: 'NotFound',
  NoSuchVersion: 'NotFound',
  AccessDenied: 'AccessDenied',
  AccessDeniedException: 'AccessDenied',
  Forbidden: 'AccessDenied',
  InvalidAccessKeyId: 'AccessDenied',
  SignatureDoesNotMatch: 'AccessDenied',
  ExpiredToken: 'AccessDenied',
  InvalidToken: 'AccessDenied',
  AllAccessDisabled: 'AccessDenied',
  AccountProblem: 'AccessDenied',
  PreconditionFailed: 'SourceChanged',
  BadDigest: 'ChecksumMismatch',
  InvalidDigest: 'ChecksumMismatch',
  XAmzContentChecksumMismatch: 'ChecksumMismatch',
  XAmzContentSHA256Mismatch: 'ChecksumMismatch',
  InvalidRequest: 'InvalidObject',
  InvalidArgument: 'InvalidObject',
  KeyTooLongError: 'InvalidObject',
  EntityTooLarge: 'InvalidObject',
  EntityTooSmall: 'InvalidObject',
  InvalidPart: 'InvalidObject',
  InvalidPartOrder: 'InvalidObject',
  InvalidRange: 'InvalidObject',
  MetadataTooLarge: 'InvalidObject',
  // A 403 for archived (Glacier) objects: not a permissions problem.
  InvalidObjectState: 'InvalidObject',
};

/** Socket-level failures: the request may not have reached the service, or its answer was cut off. */
const transientNetworkCodes: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPROTO',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

const transientNetworkMessage =
  /socket hang up|premature close|aborted|network socket disconnected|other side closed|socket timed out/i;
const checksumMessage = /checksum/i;

function classOfStatus(httpStatus: number): ErrorClass | undefined {
  if (httpStatus === 503 || httpStatus === 429) return 'Throttled';
  if (httpStatus === 500 || httpStatus === 502 || httpStatus === 504) return 'Transient';
  if (httpStatus === 404) return 'NotFound';
  if (httpStatus === 401 || httpStatus === 403) return 'AccessDenied';
  if (httpStatus === 412) return 'SourceChanged';
  if (httpStatus === 416) return 'InvalidObject';
  return undefined;
}

/** The class for a failure: the service's code decides first, then socket codes and messages, then the status. */
export function classOfFailure(facts: FailureFacts): ErrorClass {
  const { code, httpStatus, message } = facts;
  if (code !== undefined) {
    if (code === 'InvalidRequest' && checksumMessage.test(message)) return 'ChecksumMismatch';
    const byCode = classOfServiceCode[code];
    if (byCode) return byCode;
    if (transientNetworkCodes.has(code)) return 'Transient';
  }
  if (httpStatus === undefined) {
    if (transientNetworkMessage.test(message)) return 'Transient';
    if (/checksum mismatch/i.test(message)) return 'ChecksumMismatch';
    return 'Internal';
  }
  return classOfStatus(httpStatus) ?? 'Internal';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function stringField(value: unknown, field: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const found = value[field];
  return typeof found === 'string' && found !== '' ? found : undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  if (!isRecord(error)) return undefined;
  const metadata = error.$metadata;
  if (isRecord(metadata) && typeof metadata.httpStatusCode === 'number') return metadata.httpStatusCode;
  const response = error.$response;
  if (isRecord(response) && typeof response.statusCode === 'number') return response.statusCode;
  return undefined;
}

/** The most specific code on the error or its causes: a service code (name) or a Node code (code). */
function codeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isRecord(current); depth += 1) {
    const code = stringField(current, 'Code') ?? stringField(current, 'code');
    if (code) return code;
    const name = stringField(current, 'name');
    if (name && name !== 'Error' && name !== 'TypeError') return name;
    current = current.cause;
  }
  return undefined;
}

/** The code, status and message of any thrown value. */
export function failureFactsOf(error: unknown): FailureFacts {
  const code = codeOf(error);
  const httpStatus = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return { ...(code ? { code } : {}), ...(httpStatus !== undefined ? { httpStatus } : {}), message };
}

/**
 * Wraps what an S3 call threw in a FerryError of the right class. The message starts with the context
 * (e.g. `GET s3://bucket/key`) and names the service's code; the original error is the cause.
 * A FerryError passes through unchanged: it was classified already.
 */
export function classifyS3Error(error: unknown, context: string): FerryError {
  if (error instanceof FerryError) return error;
  const facts = failureFactsOf(error);
  const status = facts.httpStatus !== undefined ? ` (HTTP ${facts.httpStatus})` : '';
  const detail = facts.message && facts.message !== facts.code ? `: ${facts.message}` : '';
  return new FerryError(classOfFailure(facts), `${context}: ${facts.code ?? 'error'}${status}${detail}`, {
    cause: error,
  });
}
