// Ferry's one error taxonomy: every failure is classified once, at the edge, into a class that says whether to retry.

/** What the retry loop does with an error: try again later, give up on this object, or stop the whole run. */
export type Retryability = 'retry' | 'permanent' | 'fatal';

/** The classes reported in summaries and ledgers. Stable strings: they appear in tables, metrics and the DLQ. */
export type ErrorClass =
  | 'Throttled'
  | 'Transient'
  | 'NotFound'
  | 'AccessDenied'
  | 'SourceChanged'
  | 'ChecksumMismatch'
  | 'InvalidObject'
  | 'Config'
  | 'Internal';

const retryabilityOf: Readonly<Record<ErrorClass, Retryability>> = {
  Throttled: 'retry',
  Transient: 'retry',
  SourceChanged: 'retry',
  NotFound: 'permanent',
  AccessDenied: 'permanent',
  ChecksumMismatch: 'permanent',
  InvalidObject: 'permanent',
  Config: 'fatal',
  Internal: 'permanent',
};

export class FerryError extends Error {
  readonly errorClass: ErrorClass;
  readonly retryability: Retryability;

  constructor(errorClass: ErrorClass, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FerryError';
    this.errorClass = errorClass;
    this.retryability = retryabilityOf[errorClass];
  }
}

/** A configuration error, located in the file it came from. */
export class ConfigError extends FerryError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly field: string;

  constructor(where: { file: string; line: number; column: number; field: string }, message: string) {
    super('Config', `${where.file}:${where.line}:${where.column}: ${where.field}: ${message}`);
    this.name = 'ConfigError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.field = where.field;
  }
}

/** Every class, for checking stored values. */
export const errorClasses: Readonly<Record<ErrorClass, true>> = Object.fromEntries(
  Object.keys(retryabilityOf).map((name) => [name, true]),
) as Record<ErrorClass, true>;

/** Whether failures of this class may succeed when tried again later. */
export function isRetryableClass(errorClass: ErrorClass): boolean {
  return retryabilityOf[errorClass] === 'retry';
}

/** Turns any thrown value into text, without `as any`. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The class of any thrown value: FerryErrors carry theirs, anything else is Internal. */
export function classOf(error: unknown): ErrorClass {
  return error instanceof FerryError ? error.errorClass : 'Internal';
}
