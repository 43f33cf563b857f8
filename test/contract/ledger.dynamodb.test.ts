// Runs the RunLedger and ObjectMemory contracts against the DynamoDB ledger, on one moto table for the whole file.
import { createDynamoDbLedger } from '../../worker/src/distributed/dynamodb-ledger.ts';
import { systemClock } from '../../worker/src/ports/clock.ts';
import { useLedgerTable } from '../unit/distributed/dynamodb-fixture.ts';
import { describeLedgerContract } from './ledger.contract.ts';

const table = useLedgerTable('contract');

describeLedgerContract('DynamoDB', async () => {
  const ledger = createDynamoDbLedger({
    client: table.client(),
    tableName: table.tableName,
    clock: systemClock,
  });
  return { ledger, memory: ledger, dispose: async () => {} };
});
