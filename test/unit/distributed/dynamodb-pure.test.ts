// The DynamoDB adapter's pure parts: item sizes and write units, update expressions, cancellation verdicts, retries.
import { describe, expect, test } from 'vitest';
import {
  cancellationCodesOf,
  cancellationVerdict,
  classifyDynamoDbError,
} from '../../../worker/src/distributed/dynamodb-errors.ts';
import {
  attributeValueBytes,
  itemSizeBytes,
  writeUnitsFor,
} from '../../../worker/src/distributed/dynamodb-item-size.ts';
import {
  backoffDelayMs,
  defaultRetryPolicy,
  sendAllInChunks,
} from '../../../worker/src/distributed/dynamodb-retry.ts';
import { updateExpression } from '../../../worker/src/distributed/dynamodb-update-expression.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { Clock } from '../../../worker/src/ports/clock.ts';

/** A clock whose sleeps return at once and are remembered. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => new Date('2025-01-01T00:00:00Z'), sleep: async (ms) => void sleeps.push(ms) };
}

describe('item sizes and write units', () => {
  test('strings count UTF-8 bytes, numbers one byte per two significant digits plus one, names count too', () => {
    expect(attributeValueBytes('\u{1F600}é')).toBe(6);
    expect(attributeValueBytes(0)).toBe(2);
    expect(attributeValueBytes(1_000_000)).toBe(2);
    expect(attributeValueBytes(123_456_789)).toBe(6);
    expect(attributeValueBytes(true)).toBe(1);
    expect(itemSizeBytes({ pk: 'RUN#r', sk: 'RUN', n: 12 })).toBe(2 + 5 + 2 + 3 + 1 + 2);
  });

  test('one unit per started kilobyte, twice that in a transaction', () => {
    expect(writeUnitsFor(1, { transactional: false })).toBe(1);
    expect(writeUnitsFor(1024, { transactional: false })).toBe(1);
    expect(writeUnitsFor(1025, { transactional: false })).toBe(2);
    expect(writeUnitsFor(1025, { transactional: true })).toBe(4);
  });
});

describe('updateExpression', () => {
  test('puts every name and value behind a placeholder', () => {
    expect(updateExpression({ set: { checkpoint: 'k' }, add: { size: 3 }, remove: ['reason'] })).toEqual({
      UpdateExpression: 'SET #a0 = :v0 ADD #a1 :v1 REMOVE #a2',
      ExpressionAttributeNames: { '#a0': 'checkpoint', '#a1': 'size', '#a2': 'reason' },
      ExpressionAttributeValues: { ':v0': 'k', ':v1': 3 },
    });
  });

  test('leaves out the values map when nothing is set or added, and refuses an empty update', () => {
    expect(updateExpression({ remove: ['failuresPending'] })).toEqual({
      UpdateExpression: 'REMOVE #a0',
      ExpressionAttributeNames: { '#a0': 'failuresPending' },
    });
    expect(() => updateExpression({})).toThrow(RangeError);
  });
});

describe('cancelled transactions', () => {
  const cancelled = (codes: string[]) =>
    Object.assign(new Error('Transaction cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: codes.map((Code) => ({ Code })),
    });

  test('the codes are read from the cancellation reasons, in item order', () => {
    expect(cancellationCodesOf(cancelled(['None', 'ConditionalCheckFailed']))).toEqual([
      'None',
      'ConditionalCheckFailed',
    ]);
    expect(cancellationCodesOf(new Error('other'))).toBeUndefined();
  });

  test('a failed condition decides, the lowest index first; then conflicts and throttling are retried', () => {
    expect(cancellationVerdict(['None', 'ConditionalCheckFailed', 'TransactionConflict'])).toEqual({
      kind: 'condition-failed',
      index: 1,
    });
    expect(cancellationVerdict(['ConditionalCheckFailed', 'ConditionalCheckFailed'])).toEqual({
      kind: 'condition-failed',
      index: 0,
    });
    expect(cancellationVerdict(['None', 'TransactionConflict'])).toEqual({ kind: 'retry' });
    expect(cancellationVerdict(['ThrottlingError', 'None'])).toEqual({ kind: 'retry' });
    expect(cancellationVerdict(['ValidationError', 'None'])).toEqual({ kind: 'fail' });
  });

  test('errors are classified by DynamoDB code, a missing table pointing at ferry init', () => {
    const missing = classifyDynamoDbError(
      Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }),
      'DynamoDB GetItem t',
    );
    expect(missing).toBeInstanceOf(FerryError);
    expect(missing.errorClass).toBe('Config');
    expect(missing.message).toMatch(/^DynamoDB GetItem t: ResourceNotFoundException.*ferry init/);
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    expect(classifyDynamoDbError(throttled, 'x').errorClass).toBe('Throttled');
  });
});

describe('sendAllInChunks', () => {
  test('splits into requests and sends what a request left unprocessed again, after a pause', async () => {
    const clock = recordingClock();
    const requests: number[][] = [];
    let refusals = 2;
    await sendAllInChunks({
      items: Array.from({ length: 60 }, (_, index) => index),
      chunkSize: 25,
      retry: { clock, policy: defaultRetryPolicy, random: () => 0.5 },
      context: 'test',
      send: async (chunk) => {
        requests.push([...chunk]);
        // The first two requests leave their last 5 items unprocessed.
        if (refusals > 0 && chunk.length === 25) {
          refusals -= 1;
          return chunk.slice(-5);
        }
        return [];
      },
    });
    expect(requests.map((request) => request.length).sort((a, b) => a - b)).toEqual([5, 5, 10, 25, 25]);
    expect(new Set(requests.flat())).toEqual(new Set(Array.from({ length: 60 }, (_, index) => index)));
    expect(clock.sleeps).toEqual([12, 12]);
  });

  test('gives up with Throttled when items stay unprocessed', async () => {
    const clock = recordingClock();
    const policy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 15 };
    const sending = sendAllInChunks({
      items: [1, 2, 3],
      chunkSize: 25,
      retry: { clock, policy, random: () => 0.999 },
      context: 'DynamoDB BatchWriteItem t',
      send: async (chunk) => chunk,
    });
    await expect(sending).rejects.toThrow(
      /DynamoDB BatchWriteItem t: 3 items still unprocessed after 3 attempts/,
    );
    await expect(sending).rejects.toMatchObject({ errorClass: 'Throttled' });
    expect(clock.sleeps).toEqual([9, 14]);
  });

  test('backoff grows exponentially up to the cap, with full jitter', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, policy, () => 0.5))).toEqual([
      50, 100, 200, 400, 500,
    ]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
  });
});
