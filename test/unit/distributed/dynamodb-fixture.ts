// DynamoDB on moto for the ledger tests: a client built the way Ferry builds one, unique table names, and cleanup.
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { afterAll, beforeAll, inject } from 'vitest';
import { createDynamoDbClient } from '../../../worker/src/aws/clients.ts';
import { createLedgerTable } from '../../../worker/src/distributed/create-table.ts';
import { motoClientOptions, motoEndpoint } from '../../support/aws.ts';

/**
 * A client for moto's DynamoDB, through clients.ts with env credentials like a real config. Its requests reach moto
 * one at a time: moto snapshots the whole table at the start of a TransactWriteItems and restores that snapshot when
 * the transaction is cancelled, wiping every write other requests made meanwhile. Real DynamoDB isolates
 * transactions; serialising the requests gives moto the same semantics, while callers still run concurrently.
 */
export function motoDynamoDb(url: string): DynamoDBClient {
  const client = createDynamoDbClient(motoEndpoint(url), motoClientOptions);
  const oneAtATime = pLimit(1);
  client.middlewareStack.add((next) => (args) => oneAtATime(() => next(args)), {
    step: 'finalizeRequest',
    name: 'motoOneRequestAtATime',
  });
  return client;
}

let counter = 0;
/** A table name unique to this process and call. */
export function uniqueTableName(label: string): string {
  counter += 1;
  return `ferry-${label}-${process.pid}-${counter}-${Date.now().toString(36)}`;
}

export async function deleteLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
}

/**
 * A ledger table on the moto source server for this test file: created before its tests, deleted after them.
 * The client is there once beforeAll has run.
 */
export function useLedgerTable(label: string): { readonly tableName: string; client(): DynamoDBClient } {
  const tableName = uniqueTableName(label);
  let client: DynamoDBClient | undefined;
  beforeAll(async () => {
    client = motoDynamoDb(inject('motoSource'));
    await createLedgerTable({ client, tableName, deletionProtection: false });
  });
  afterAll(async () => {
    if (!client) return;
    await deleteLedgerTable(client, tableName);
    client.destroy();
  });
  return {
    tableName,
    client: () => {
      if (!client) throw new Error('the ledger table is set up in beforeAll');
      return client;
    },
  };
}

/** Makes the next `times` calls of that command (e.g. `BatchWriteItemCommand`) fail with the error, before sending. */
export function failNextCalls(
  client: DynamoDBClient,
  fault: { commandName: string; times: number; error: () => Error },
): { readonly failed: () => number } {
  let failed = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === fault.commandName && failed < fault.times) {
        failed += 1;
        throw fault.error();
      }
      return next(args);
    },
    { step: 'initialize', name: `fail-${fault.commandName}-${Math.random()}` },
  );
  return { failed: () => failed };
}
