// The ledger table as its adapters use it: typed single-item, batch and transactional calls with error classification,
// the ledger's own retries, and a meter of every write with the write units real DynamoDB would bill for it.
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { FerryError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { StoredItem } from './dynamodb-attributes.ts';
import { cancellationCodesOf, cancellationVerdict, classifyDynamoDbError } from './dynamodb-errors.ts';
import { itemSizeBytes, type ScalarItem, writeUnitsFor } from './dynamodb-item-size.ts';
import type { ItemKey } from './dynamodb-keys.ts';
import { backoffDelayMs, defaultRetryPolicy, type RetryContext, sendAllInChunks } from './dynamodb-retry.ts';
import { itemExistsCondition, type UpdateChanges, updateExpression } from './dynamodb-update-expression.ts';

/** DynamoDB's limits on one request. */
export const MAX_TRANSACTION_ITEMS = 100;
export const MAX_BATCH_WRITE_ITEMS = 25;
export const MAX_BATCH_GET_KEYS = 100;
/** DynamoDB refuses an item larger than 400 KB (attribute names and values). */
export const MAX_ITEM_BYTES = 400 * 1024;

export type LedgerWriteOperation =
  | 'TransactWriteItems'
  | 'BatchWriteItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem';

/** One successful write request, for cost accounting. */
export interface LedgerWrite {
  readonly operation: LedgerWriteOperation;
  /** Items written by the request. */
  readonly items: number;
  /**
   * Write request units DynamoDB would bill: exact for items put (1 per KB, 2 inside a transaction); for updates and
   * deletes a lower bound from the key and the values written (DynamoDB bills the larger of the old and new item).
   */
  readonly writeUnits: number;
}

/** Whether a write requires its item to exist already ('present') or not ('absent'). */
export type ItemCondition = 'present' | 'absent';

export type LedgerTransactItem =
  | { readonly put: ScalarItem & ItemKey; readonly condition?: ItemCondition }
  | { readonly update: ItemKey; readonly changes: UpdateChanges; readonly condition?: ItemCondition };

export interface LedgerTable {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly retry: RetryContext;
  readonly onWrite?: (write: LedgerWrite) => void;
}

export interface LedgerTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock: Clock;
  readonly onWrite?: (write: LedgerWrite) => void;
  /** Jitter for the ledger's own retries; Math.random by default. */
  readonly random?: () => number;
}

export function openLedgerTable(options: LedgerTableOptions): LedgerTable {
  return {
    doc: DynamoDBDocumentClient.from(options.client),
    tableName: options.tableName,
    retry: { clock: options.clock, policy: defaultRetryPolicy, random: options.random ?? Math.random },
    ...(options.onWrite ? { onWrite: options.onWrite } : {}),
  };
}

async function call<T>(table: LedgerTable, operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw classifyDynamoDbError(error, `DynamoDB ${operation} ${table.tableName}`);
  }
}

function keyOf(item: ItemKey): ItemKey {
  return { pk: item.pk, sk: item.sk };
}

function keyText(item: StoredItem | ItemKey): string {
  return `${String(item.pk)}\0${String(item.sk)}`;
}

function updateSizeBytes(key: ItemKey, changes: UpdateChanges): number {
  return itemSizeBytes({ ...keyOf(key), ...changes.set, ...changes.add });
}

function meter(
  table: LedgerTable,
  write: { operation: LedgerWriteOperation; sizesBytes: readonly number[]; transactional?: boolean },
): void {
  const { operation, sizesBytes } = write;
  if (!table.onWrite || sizesBytes.length === 0) return;
  const transactional = write.transactional ?? false;
  const writeUnits = sizesBytes.reduce((sum, size) => sum + writeUnitsFor(size, { transactional }), 0);
  table.onWrite({ operation, items: sizesBytes.length, writeUnits });
}

function withCondition(condition: ItemCondition | undefined, names: Record<string, string> = {}) {
  if (condition === undefined)
    return Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {};
  const { ConditionExpression, ExpressionAttributeNames } = itemExistsCondition(condition === 'present');
  return { ConditionExpression, ExpressionAttributeNames: { ...names, ...ExpressionAttributeNames } };
}

type SdkTransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

function toSdkTransactItem(table: LedgerTable, item: LedgerTransactItem): SdkTransactItem {
  if ('put' in item)
    return { Put: { TableName: table.tableName, Item: item.put, ...withCondition(item.condition) } };
  const { ExpressionAttributeNames, ...expression } = updateExpression(item.changes);
  return {
    Update: {
      TableName: table.tableName,
      Key: keyOf(item.update),
      ...expression,
      ...withCondition(item.condition, ExpressionAttributeNames),
    },
  };
}

function transactItemSizeBytes(item: LedgerTransactItem): number {
  return 'put' in item ? itemSizeBytes(item.put) : updateSizeBytes(item.update, item.changes);
}

/** The outcome of a transaction: written, or refused because the condition of the item at failedIndex failed. */
export type TransactionResult =
  | { readonly written: true }
  | { readonly written: false; readonly failedIndex: number };

/**
 * Writes all the items or none (at most MAX_TRANSACTION_ITEMS). A transaction cancelled by a conflict with another
 * one, or by throttling, is tried again after a pause; one cancelled by a failed condition is reported, not thrown.
 */
export async function transactWrite(
  table: LedgerTable,
  items: readonly LedgerTransactItem[],
): Promise<TransactionResult> {
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new RangeError(`a transaction holds at most ${MAX_TRANSACTION_ITEMS} items, not ${items.length}`);
  }
  const context = `DynamoDB TransactWriteItems ${table.tableName}`;
  const transactItems = items.map((item) => toSdkTransactItem(table, item));
  const { retry } = table;
  for (let attempt = 1; ; attempt += 1) {
    try {
      // The SDK's own retries of this attempt reuse its token, so a commit whose answer was lost is not refused as
      // a duplicate; a new attempt after a cancellation gets a new one.
      await table.doc.send(
        new TransactWriteCommand({ TransactItems: transactItems, ClientRequestToken: randomUUID() }),
      );
      meter(table, {
        operation: 'TransactWriteItems',
        sizesBytes: items.map(transactItemSizeBytes),
        transactional: true,
      });
      return { written: true };
    } catch (error) {
      const codes = cancellationCodesOf(error);
      if (codes === undefined) throw classifyDynamoDbError(error, context);
      const verdict = cancellationVerdict(codes);
      if (verdict.kind === 'condition-failed') return { written: false, failedIndex: verdict.index };
      if (verdict.kind === 'fail') throw classifyDynamoDbError(error, context);
      if (attempt >= retry.policy.maxAttempts) {
        throw new FerryError(
          'Throttled',
          `${context}: still cancelled (${codes.join(', ')}) after ${attempt} attempts`,
          {
            cause: error,
          },
        );
      }
      await retry.clock.sleep(backoffDelayMs(attempt, retry.policy, retry.random));
    }
  }
}

/** The last item of each key, as if they were written one after the other (a batch request refuses repeats). */
export function lastPerKey<T extends ItemKey>(items: readonly T[]): T[] {
  return [...new Map(items.map((item) => [keyText(item), item])).values()];
}

/**
 * Puts every item, replacing any with the same key, in BatchWriteItem requests: each put is atomic, the whole is
 * not. Of items with the same key, the last is written.
 */
export async function putAll(table: LedgerTable, items: readonly (ScalarItem & ItemKey)[]): Promise<void> {
  await sendAllInChunks({
    items: lastPerKey(items),
    chunkSize: MAX_BATCH_WRITE_ITEMS,
    retry: table.retry,
    context: `DynamoDB BatchWriteItem ${table.tableName}`,
    send: async (chunk) => {
      const output = await call(table, 'BatchWriteItem', () =>
        table.doc.send(
          new BatchWriteCommand({
            RequestItems: { [table.tableName]: chunk.map((item) => ({ PutRequest: { Item: item } })) },
          }),
        ),
      );
      const unprocessedKeys = new Set(
        (output.UnprocessedItems?.[table.tableName] ?? []).flatMap((request) => {
          const item: StoredItem | undefined = request.PutRequest?.Item;
          return item ? [keyText(item)] : [];
        }),
      );
      const unprocessed = chunk.filter((item) => unprocessedKeys.has(keyText(item)));
      const written = chunk.filter((item) => !unprocessedKeys.has(keyText(item)));
      meter(table, { operation: 'BatchWriteItem', sizesBytes: written.map((item) => itemSizeBytes(item)) });
      return unprocessed;
    },
  });
}

/** The items of those keys that exist, in no particular order, read with BatchGetItem (eventually consistent). */
export async function getAll(table: LedgerTable, keys: readonly ItemKey[]): Promise<StoredItem[]> {
  const found: StoredItem[] = [];
  await sendAllInChunks({
    items: lastPerKey(keys),
    chunkSize: MAX_BATCH_GET_KEYS,
    retry: table.retry,
    context: `DynamoDB BatchGetItem ${table.tableName}`,
    send: async (chunk) => {
      const output = await call(table, 'BatchGetItem', () =>
        table.doc.send(
          new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: chunk.map(keyOf) } } }),
        ),
      );
      found.push(...(output.Responses?.[table.tableName] ?? []));
      const unprocessedKeys = new Set(
        (output.UnprocessedKeys?.[table.tableName]?.Keys ?? []).map((key: StoredItem) => keyText(key)),
      );
      return chunk.filter((key) => unprocessedKeys.has(keyText(key)));
    },
  });
  return found;
}

/** One item by key, read consistently. */
export async function getItem(table: LedgerTable, key: ItemKey): Promise<StoredItem | undefined> {
  const output = await call(table, 'GetItem', () =>
    table.doc.send(new GetCommand({ TableName: table.tableName, Key: keyOf(key), ConsistentRead: true })),
  );
  return output.Item;
}

export async function putItem(table: LedgerTable, item: ScalarItem & ItemKey): Promise<void> {
  await call(table, 'PutItem', () =>
    table.doc.send(new PutCommand({ TableName: table.tableName, Item: item })),
  );
  meter(table, { operation: 'PutItem', sizesBytes: [itemSizeBytes(item)] });
}

/** Updates the item; returns false when the condition failed (nothing changed then). */
export async function updateItem(
  table: LedgerTable,
  key: ItemKey,
  options: { changes: UpdateChanges; condition?: ItemCondition },
): Promise<boolean> {
  const { ExpressionAttributeNames, ...expression } = updateExpression(options.changes);
  try {
    await table.doc.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keyOf(key),
        ...expression,
        ...withCondition(options.condition, ExpressionAttributeNames),
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw classifyDynamoDbError(error, `DynamoDB UpdateItem ${table.tableName}`);
  }
  meter(table, { operation: 'UpdateItem', sizesBytes: [updateSizeBytes(key, options.changes)] });
  return true;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Puts the item unless one with its key exists; returns false (nothing written) when one does. */
export async function putItemIfAbsent(table: LedgerTable, item: ScalarItem & ItemKey): Promise<boolean> {
  const { ConditionExpression, ExpressionAttributeNames } = itemExistsCondition(false);
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: item,
        ConditionExpression,
        ExpressionAttributeNames,
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw classifyDynamoDbError(error, `DynamoDB PutItem ${table.tableName}`);
  }
  meter(table, { operation: 'PutItem', sizesBytes: [itemSizeBytes(item)] });
  return true;
}

/** An update written out by hand, for what UpdateChanges cannot say (sets, conditions on attribute values). */
export interface ExpressionUpdate {
  readonly update: string;
  readonly condition: string;
  readonly names: Readonly<Record<string, string>>;
  /** Values may be sets (a JavaScript Set of numbers is stored as a number set). */
  readonly values: Readonly<Record<string, unknown>>;
  /** The item as it is after the update, or as it was before it. */
  readonly returnValues: 'ALL_NEW' | 'ALL_OLD';
  /** The bytes the update writes, for the write meter (a lower bound, as for any update). */
  readonly writtenBytes: number;
}

/** Applies the update when its condition holds: the item after (or before) it; undefined when the condition failed. */
export async function updateWhere(
  table: LedgerTable,
  key: ItemKey,
  expression: ExpressionUpdate,
): Promise<StoredItem | undefined> {
  let output: { Attributes?: StoredItem | undefined };
  try {
    output = await table.doc.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keyOf(key),
        UpdateExpression: expression.update,
        ConditionExpression: expression.condition,
        ExpressionAttributeNames: { ...expression.names },
        ExpressionAttributeValues: { ...expression.values },
        ReturnValues: expression.returnValues,
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw classifyDynamoDbError(error, `DynamoDB UpdateItem ${table.tableName}`);
  }
  meter(table, { operation: 'UpdateItem', sizesBytes: [expression.writtenBytes] });
  return output.Attributes ?? {};
}

export async function deleteItem(table: LedgerTable, key: ItemKey): Promise<void> {
  await call(table, 'DeleteItem', () =>
    table.doc.send(new DeleteCommand({ TableName: table.tableName, Key: keyOf(key) })),
  );
  meter(table, { operation: 'DeleteItem', sizesBytes: [itemSizeBytes({ pk: key.pk, sk: key.sk })] });
}

export interface PartitionQuery {
  readonly pk: string;
  /** Only items whose sort key is greater than `after` (in UTF-8 byte order). */
  readonly after?: string;
  readonly limit: number;
  readonly descending?: boolean;
}

/**
 * Up to `limit` items of one partition in sort key order, read consistently, following DynamoDB's 1 MB pages
 * until the limit is reached or the partition ends.
 */
export async function queryPartition(table: LedgerTable, query: PartitionQuery): Promise<StoredItem[]> {
  const names: Record<string, string> = { '#pk': 'pk' };
  const values: Record<string, string> = { ':pk': query.pk };
  let condition = '#pk = :pk';
  if (query.after !== undefined) {
    names['#sk'] = 'sk';
    values[':after'] = query.after;
    condition += ' AND #sk > :after';
  }
  const items: StoredItem[] = [];
  let startKey: StoredItem | undefined;
  do {
    const output = await call(table, 'Query', () =>
      table.doc.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ConsistentRead: true,
          ScanIndexForward: !query.descending,
          Limit: query.limit - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    items.push(...(output.Items ?? []));
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined && items.length < query.limit);
  return items;
}
