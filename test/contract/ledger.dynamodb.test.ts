// Runs the RunLedger and ObjectMemory contracts against the DynamoDB ledger, on one moto table for the whole file.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import { createLedgerTable } from '../../worker/src/distributed/create-table.ts';
import { createDynamoDbLedger } from '../../worker/src/distributed/dynamodb-ledger.ts';
import { systemClock } from '../../worker/src/ports/clock.ts';
import { deleteLedgerTable, motoDynamoDb, uniqueTableName } from '../unit/distributed/dynamodb-fixture.ts';
import { describeLedgerContract } from './ledger.contract.ts';

let client: DynamoDBClient;
const tableName = uniqueTableName('contract');

beforeAll(async () => {
  client = motoDynamoDb(inject('motoSource'));
  await createLedgerTable({ client, tableName, deletionProtection: false });
});

afterAll(async () => {
  await deleteLedgerTable(client, tableName);
  client.destroy();
});

describeLedgerContract('DynamoDB', async () => {
  const ledger = createDynamoDbLedger({ client, tableName, clock: systemClock });
  return { ledger, memory: ledger, dispose: async () => {} };
});
