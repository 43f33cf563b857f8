// The table half of `ferry init` on moto: creates the ledger table with its settings, repeats safely, fixes an
// existing table's TTL and point-in-time recovery, and refuses a table of another shape.
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createLedgerTable } from '../../../worker/src/distributed/create-table.ts';
import { deleteLedgerTable, motoDynamoDb, uniqueTableName } from './dynamodb-fixture.ts';

let client: DynamoDBClient;
const made: string[] = [];

beforeAll(() => {
  client = motoDynamoDb(inject('motoSource'));
});

afterAll(async () => {
  for (const tableName of made) {
    await client.send(new UpdateTableCommand({ TableName: tableName, DeletionProtectionEnabled: false }));
    await deleteLedgerTable(client, tableName);
  }
  client.destroy();
});

function newTableName(label: string): string {
  const tableName = uniqueTableName(label);
  made.push(tableName);
  return tableName;
}

async function settingsOf(tableName: string) {
  const table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName })))
    .TimeToLiveDescription;
  const backups = (await client.send(new DescribeContinuousBackupsCommand({ TableName: tableName })))
    .ContinuousBackupsDescription;
  return {
    status: table?.TableStatus,
    keys: table?.KeySchema,
    billing: table?.BillingModeSummary?.BillingMode,
    encryption: table?.SSEDescription?.Status,
    deletionProtection: table?.DeletionProtectionEnabled,
    ttl: { status: ttl?.TimeToLiveStatus, attribute: ttl?.AttributeName },
    pointInTimeRecovery: backups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
  };
}

const ledgerKeys = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'sk', AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
};

describe('createLedgerTable', () => {
  test('creates an on-demand, encrypted, protected table with TTL on expiresAt and point-in-time recovery', async () => {
    const tableName = newTableName('init');
    expect(await createLedgerTable({ client, tableName })).toEqual({ created: true });
    expect(await settingsOf(tableName)).toEqual({
      status: 'ACTIVE',
      keys: ledgerKeys.KeySchema,
      billing: 'PAY_PER_REQUEST',
      encryption: 'ENABLED',
      deletionProtection: true,
      ttl: { status: 'ENABLED', attribute: 'expiresAt' },
      pointInTimeRecovery: 'ENABLED',
    });
  });

  test('running it again changes nothing and says the table existed', async () => {
    const tableName = newTableName('again');
    await createLedgerTable({ client, tableName });
    const before = await settingsOf(tableName);
    expect(await createLedgerTable({ client, tableName })).toEqual({ created: false });
    expect(await settingsOf(tableName)).toEqual(before);
  });

  test('switches on TTL and point-in-time recovery on an existing table of the right shape', async () => {
    const tableName = newTableName('existing');
    await client.send(
      new CreateTableCommand({ TableName: tableName, BillingMode: 'PAY_PER_REQUEST', ...ledgerKeys }),
    );
    expect((await settingsOf(tableName)).pointInTimeRecovery).toBe('DISABLED');
    expect(await createLedgerTable({ client, tableName })).toEqual({ created: false });
    const settings = await settingsOf(tableName);
    expect(settings.ttl).toEqual({ status: 'ENABLED', attribute: 'expiresAt' });
    expect(settings.pointInTimeRecovery).toBe('ENABLED');
  });

  test('refuses a table with other keys, or with TTL on another attribute', async () => {
    const otherKeys = newTableName('other-keys');
    await client.send(
      new CreateTableCommand({
        TableName: otherKeys,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await expect(createLedgerTable({ client, tableName: otherKeys })).rejects.toMatchObject({
      errorClass: 'Config',
      message: expect.stringMatching(/cannot be the ledger: its key schema is id:HASH/),
    });

    const otherTtl = newTableName('other-ttl');
    await client.send(
      new CreateTableCommand({ TableName: otherTtl, BillingMode: 'PAY_PER_REQUEST', ...ledgerKeys }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: otherTtl,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'deleteAt' },
      }),
    );
    await expect(createLedgerTable({ client, tableName: otherTtl })).rejects.toMatchObject({
      errorClass: 'Config',
      message: expect.stringMatching(/expires items by deleteAt/),
    });
  });

  test('refuses a name DynamoDB would refuse, before calling it', async () => {
    await expect(createLedgerTable({ client, tableName: 'no spaces' })).rejects.toMatchObject({
      errorClass: 'Config',
    });
  });
});
