// Builds DynamoDB update and condition expressions with every attribute name behind a placeholder (no reserved words).
import type { ScalarAttribute } from './dynamodb-item-size.ts';

export interface UpdateChanges {
  readonly set?: Readonly<Record<string, ScalarAttribute>>;
  /** Atomic increments. */
  readonly add?: Readonly<Record<string, number>>;
  readonly remove?: readonly string[];
}

export interface UpdateExpressionParts {
  readonly UpdateExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  /** Absent when no value is used: DynamoDB rejects an empty map. */
  readonly ExpressionAttributeValues?: Record<string, ScalarAttribute>;
}

/** A placeholder per attribute: `#a0`, `#a1` ... and `:v0`, `:v1` ... */
export function updateExpression(changes: UpdateChanges): UpdateExpressionParts {
  const names: Record<string, string> = {};
  const values: Record<string, ScalarAttribute> = {};
  const placeholderOfName = (attribute: string): string => {
    const placeholder = `#a${Object.keys(names).length}`;
    names[placeholder] = attribute;
    return placeholder;
  };
  const placeholderOfValue = (value: ScalarAttribute): string => {
    const placeholder = `:v${Object.keys(values).length}`;
    values[placeholder] = value;
    return placeholder;
  };
  const clauses: string[] = [];
  const set = Object.entries(changes.set ?? {}).map(
    ([name, value]) => `${placeholderOfName(name)} = ${placeholderOfValue(value)}`,
  );
  if (set.length > 0) clauses.push(`SET ${set.join(', ')}`);
  const add = Object.entries(changes.add ?? {}).map(
    ([name, value]) => `${placeholderOfName(name)} ${placeholderOfValue(value)}`,
  );
  if (add.length > 0) clauses.push(`ADD ${add.join(', ')}`);
  const remove = (changes.remove ?? []).map(placeholderOfName);
  if (remove.length > 0) clauses.push(`REMOVE ${remove.join(', ')}`);
  if (clauses.length === 0) throw new RangeError('an update expression needs at least one change');
  return {
    UpdateExpression: clauses.join(' '),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}

/** The condition and name that make a write require (or forbid) an existing item with that key. */
export function itemExistsCondition(exists: boolean): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
} {
  return {
    ConditionExpression: exists ? 'attribute_exists(#pk)' : 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': 'pk' },
  };
}
