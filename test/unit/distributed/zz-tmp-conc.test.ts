import { expect, inject, test } from 'vitest';
import { createLedgerTable } from '../../../worker/src/distributed/create-table.ts';
import { createDynamoDbLedger } from '../../../worker/src/distributed/dynamodb-ledger.ts';
import { motoDynamoDb, uniqueTableName } from './dynamodb-fixture.ts';

test('conc', async () => {
  const client = motoDynamoDb(inject('motoSource'));
  let inFlight = 0;
  let max = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      inFlight++;
      max = Math.max(max, inFlight);
      try {
        return await next(args);
      } finally {
        inFlight--;
      }
    },
    { step: 'finalizeRequest', name: 'count', priority: 'low' },
  );
  const tableName = uniqueTableName('c');
  await createLedgerTable({ client, tableName, deletionProtection: false });
  const ledger = createDynamoDbLedger({ client, tableName });
  for (let round = 0; round < 5; round++) {
    const runId = `run-${round}`;
    await ledger.startRun({ runId, mappingId: 'm', mode: 'full', startedAt: new Date() });
    const distinct = Array.from({ length: 67 }, (_, i) => ({
      batchId: `b${i}`,
      copied: { objects: 1, bytes: 1 },
      failed: { objects: 0, bytes: 0 },
      failures: [],
    }));
    const results = await Promise.all(
      [...distinct, ...distinct.slice(0, 33)].map((o) => ledger.recordOutcome(runId, o)),
    );
    const run = await ledger.getRun(runId);
    console.log(round, results.filter(Boolean).length, run?.copied, 'max in flight', max);
  }
});
