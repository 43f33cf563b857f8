// Copy records from a fleet's DynamoDB ledger, so a plan knows composite-ETag objects Ferry already copied (as a run does).
import { createDynamoDbClient } from '../aws/clients.ts';
import { createDynamoDbLedger } from '../distributed/dynamodb-ledger.ts';
import type { RecallCopies } from './review-mappings.ts';

/** Reads (never writes) the ledger table with the default credential chain. */
export function ledgerRecall(options: { table: string; region: string; endpointUrl?: string }): RecallCopies {
  const client = createDynamoDbClient({
    name: 'control-plane',
    region: options.region,
    forcePathStyle: false,
    credentials: { kind: 'default' },
    ...(options.endpointUrl ? { url: options.endpointUrl } : {}),
  });
  const ledger = createDynamoDbLedger({ client, tableName: options.table });
  return (mappingId, keys) => ledger.recallCopies(mappingId, keys);
}
