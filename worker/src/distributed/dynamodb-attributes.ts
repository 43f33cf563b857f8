// Typed reads of items returned by the DynamoDB document client: each attribute is checked once here, never cast.

export type StoredItem = Readonly<Record<string, unknown>>;

function attributeError(name: string, expected: string, value: unknown): TypeError {
  const found = value === undefined ? 'no such attribute' : typeof value;
  return new TypeError(`ledger item attribute ${name}: expected ${expected}, got ${found}`);
}

export function stringAttribute(item: StoredItem, name: string): string {
  const value = item[name];
  if (typeof value !== 'string') throw attributeError(name, 'a string', value);
  return value;
}

export function optionalStringAttribute(item: StoredItem, name: string): string | undefined {
  return item[name] === undefined ? undefined : stringAttribute(item, name);
}

export function integerAttribute(item: StoredItem, name: string): number {
  const value = item[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw attributeError(name, 'an integer', value);
  return value;
}

/** A number set (DynamoDB NS, read as a Set), ascending; an absent attribute is the empty set. */
export function numberSetAttribute(item: StoredItem, name: string): number[] {
  const value = item[name];
  if (value === undefined) return [];
  if (!(value instanceof Set)) throw attributeError(name, 'a number set', value);
  const numbers = [...value].map((element: unknown) => {
    if (typeof element !== 'number' || !Number.isSafeInteger(element)) {
      throw attributeError(name, 'a set of integers', element);
    }
    return element;
  });
  return numbers.sort((a, b) => a - b);
}

export function optionalIntegerAttribute(item: StoredItem, name: string): number | undefined {
  return item[name] === undefined ? undefined : integerAttribute(item, name);
}

export function dateAttribute(item: StoredItem, name: string): Date {
  const date = new Date(stringAttribute(item, name));
  if (Number.isNaN(date.getTime())) throw attributeError(name, 'an ISO 8601 time', item[name]);
  return date;
}

export function optionalDateAttribute(item: StoredItem, name: string): Date | undefined {
  return item[name] === undefined ? undefined : dateAttribute(item, name);
}

/** A string attribute holding one of a closed set of values (each key of `allowed`). */
export function enumAttribute<T extends string>(
  item: StoredItem,
  name: string,
  allowed: Readonly<Record<T, true>>,
): T {
  const value = stringAttribute(item, name);
  if (!isOneOf(allowed, value)) throw new TypeError(`ledger item attribute ${name}: unknown value ${value}`);
  return value;
}

function isOneOf<T extends string>(allowed: Readonly<Record<T, true>>, value: string): value is T {
  return Object.hasOwn(allowed, value);
}
