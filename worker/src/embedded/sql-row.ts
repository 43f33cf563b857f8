// Typed reads of node:sqlite result rows: each column is checked once here, so the adapters never cast.
import type { SQLOutputValue } from 'node:sqlite';

export type SqlRow = Readonly<Record<string, SQLOutputValue>>;

function describeValue(value: SQLOutputValue | undefined): string {
  if (value === undefined) return 'no such column';
  if (value === null) return 'NULL';
  return typeof value;
}

function columnError(column: string, expected: string, value: SQLOutputValue | undefined): TypeError {
  return new TypeError(`state db column ${column}: expected ${expected}, got ${describeValue(value)}`);
}

export function textColumn(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw columnError(column, 'text', value);
  return value;
}

export function optionalTextColumn(row: SqlRow, column: string): string | undefined {
  return row[column] === null ? undefined : textColumn(row, column);
}

export function integerColumn(row: SqlRow, column: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw columnError(column, 'an integer', value);
  return value;
}

export function optionalIntegerColumn(row: SqlRow, column: string): number | undefined {
  return row[column] === null ? undefined : integerColumn(row, column);
}

function oneOf<T extends string>(allowed: Readonly<Record<T, true>>, value: string): value is T {
  return Object.hasOwn(allowed, value);
}

/** A text column holding one of a closed set of values (each key of `allowed`). */
export function enumColumn<T extends string>(
  row: SqlRow,
  column: string,
  allowed: Readonly<Record<T, true>>,
): T {
  const value = textColumn(row, column);
  if (!oneOf(allowed, value)) throw new TypeError(`state db column ${column}: unknown value ${value}`);
  return value;
}
