import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { inject, test } from 'vitest';
import { motoDynamoDb } from './dynamodb-fixture.ts';

test('mw', async () => {
  const client = motoDynamoDb(inject('motoSource'));
  console.log(client.middlewareStack.identify());
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
  await Promise.all(Array.from({ length: 20 }, () => client.send(new ListTablesCommand({}))));
  console.log('max', max);
});
