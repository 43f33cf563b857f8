// The table half of `ferry init`: makes (or finds) the DynamoDB ledger table, on-demand and encrypted, and makes sure
// its point-in-time recovery and the TTL that expires batch markers are on. Safe to repeat.
import {
  ContinuousBackupsStatus,
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { errorMessage, FerryError } from '../domain/errors.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { classifyDynamoDbError } from './dynamodb-errors.ts';

export interface CreateLedgerTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long to wait for a new table to become ACTIVE and its backups available; default 5 minutes. */
  readonly deadlineMs?: number;
  /** Encrypt with this customer-managed KMS key instead of the AWS-managed key aws/dynamodb. New tables only. */
  readonly kmsKeyId?: string;
  /** Make DynamoDB refuse to delete the table until this is switched off; default true. New tables only. */
  readonly deletionProtection?: boolean;
  readonly clock?: Clock;
}

export interface LedgerTableSetup {
  /** False when the table existed already (its settings are then checked, and PITR and TTL switched on). */
  readonly created: boolean;
}

/** The attribute DynamoDB's TTL reads: batch markers carry their expiry in it, as epoch seconds. */
export const TTL_ATTRIBUTE = 'expiresAt';
export const defaultTableDeadlineMs = 5 * 60 * 1000;
/** A new table's backups take a while to become available: UpdateContinuousBackups is retried this often. */
const backupsRetryMs = 5000;
const tableNamePattern = /^[A-Za-z0-9_.-]{3,255}$/;

async function call<T>(tableName: string, operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw classifyDynamoDbError(error, `DynamoDB ${operation} ${tableName}`);
  }
}

async function describeTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw classifyDynamoDbError(error, `DynamoDB DescribeTable ${tableName}`);
  }
}

/** Why an existing table cannot be the ledger (its keys must be string pk and sk), or undefined when it can. */
export function keySchemaProblem(table: TableDescription): string | undefined {
  const keys = (table.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');
  const types = new Map(
    (table.AttributeDefinitions ?? []).map((each) => [each.AttributeName, each.AttributeType]),
  );
  if (keys !== 'pk:HASH,sk:RANGE' || types.get('pk') !== 'S' || types.get('sk') !== 'S') {
    return `its key schema is ${keys || 'unknown'}, but the ledger needs a string partition key pk and sort key sk`;
  }
  return undefined;
}

async function createTable(options: CreateLedgerTableOptions): Promise<boolean> {
  const { client, tableName } = options;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: {
          Enabled: true,
          SSEType: 'KMS',
          ...(options.kmsKeyId === undefined ? {} : { KMSMasterKeyId: options.kmsKeyId }),
        },
        DeletionProtectionEnabled: options.deletionProtection ?? true,
        Tags: [{ Key: 'ferry:role', Value: 'ledger' }],
      }),
    );
    return true;
  } catch (error) {
    // Another `ferry init` created it in the meantime.
    if (error instanceof Error && error.name === 'ResourceInUseException') return false;
    throw classifyDynamoDbError(error, `DynamoDB CreateTable ${tableName}`);
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, deadlineMs: number): Promise<void> {
  try {
    await waitUntilTableExists(
      { client, maxWaitTime: Math.max(1, Math.ceil(deadlineMs / 1000)), minDelay: 1, maxDelay: 5 },
      { TableName: tableName },
    );
  } catch (error) {
    throw new FerryError(
      'Transient',
      `DynamoDB table ${tableName} did not become ACTIVE within ${deadlineMs} ms: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}

async function enableTimeToLive(client: DynamoDBClient, tableName: string): Promise<void> {
  const described = await call(tableName, 'DescribeTimeToLive', () =>
    client.send(new DescribeTimeToLiveCommand({ TableName: tableName })),
  );
  const status = described.TimeToLiveDescription?.TimeToLiveStatus ?? 'DISABLED';
  const attribute = described.TimeToLiveDescription?.AttributeName;
  if (status === 'ENABLED' || status === 'ENABLING') {
    if (attribute === TTL_ATTRIBUTE) return;
    throw new FerryError(
      'Config',
      `DynamoDB table ${tableName} expires items by ${attribute ?? 'another attribute'}; the ledger needs TTL on ${TTL_ATTRIBUTE}`,
    );
  }
  if (status === 'DISABLING') {
    throw new FerryError(
      'Config',
      `DynamoDB table ${tableName} is switching TTL off; run ferry init again later`,
    );
  }
  await call(tableName, 'UpdateTimeToLive', () =>
    client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE },
      }),
    ),
  );
}

async function enablePointInTimeRecovery(options: {
  client: DynamoDBClient;
  tableName: string;
  clock: Clock;
  deadline: number;
}): Promise<void> {
  const { client, tableName, clock } = options;
  const described = await call(tableName, 'DescribeContinuousBackups', () =>
    client.send(new DescribeContinuousBackupsCommand({ TableName: tableName })),
  );
  const status =
    described.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
  if (status === ContinuousBackupsStatus.ENABLED) return;
  for (;;) {
    try {
      await client.send(
        new UpdateContinuousBackupsCommand({
          TableName: tableName,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      );
      return;
    } catch (error) {
      const unavailable = error instanceof Error && error.name === 'ContinuousBackupsUnavailableException';
      if (!unavailable || clock.now().getTime() + backupsRetryMs > options.deadline) {
        throw classifyDynamoDbError(error, `DynamoDB UpdateContinuousBackups ${tableName}`);
      }
      await clock.sleep(backupsRetryMs);
    }
  }
}

/**
 * Creates the ledger table (string keys pk and sk, on-demand billing, KMS encryption, deletion protection) unless it
 * exists, waits until it is ACTIVE, then switches on TTL on expiresAt and point-in-time recovery where they are off.
 * An existing table with other keys is a Config error. Safe to run again, and concurrently.
 */
export async function createLedgerTable(options: CreateLedgerTableOptions): Promise<LedgerTableSetup> {
  const { client, tableName } = options;
  if (!tableNamePattern.test(tableName)) {
    throw new FerryError(
      'Config',
      `DynamoDB table name "${tableName}" must be 3 to 255 letters, digits, underscores, hyphens or dots`,
    );
  }
  const clock = options.clock ?? systemClock;
  const deadlineMs = options.deadlineMs ?? defaultTableDeadlineMs;
  const deadline = clock.now().getTime() + deadlineMs;
  const assertLedgerShape = (table: TableDescription): void => {
    const problem = keySchemaProblem(table);
    if (problem)
      throw new FerryError('Config', `DynamoDB table ${tableName} cannot be the ledger: ${problem}`);
  };
  const existing = await describeTable(client, tableName);
  if (existing) assertLedgerShape(existing);
  const created = existing ? false : await createTable(options);
  await waitUntilActive(client, tableName, Math.max(0, deadline - clock.now().getTime()));
  if (!existing && !created) {
    // Made by a concurrent `ferry init`, or by someone else: check it as well.
    const raced = await describeTable(client, tableName);
    if (raced) assertLedgerShape(raced);
  }
  await enableTimeToLive(client, tableName);
  await enablePointInTimeRecovery({ client, tableName, clock, deadline });
  return { created };
}
