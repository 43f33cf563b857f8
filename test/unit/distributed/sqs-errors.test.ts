// SQS error classification: stale receipt handles recognised by every name SQS uses, and codes mapped to classes.
import {
  InvalidMessageContents,
  KmsAccessDenied,
  MessageNotInflight,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  RequestThrottled,
} from '@aws-sdk/client-sqs';
import { describe, expect, test } from 'vitest';
import {
  classifySqsError,
  classOfBatchEntryFailure,
  isStaleReceiptHandle,
  sqsErrorCodes,
} from '../../../worker/src/distributed/sqs-errors.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';

const metadata = { $metadata: { httpStatusCode: 400 } };

/** An unmodelled SQS error as the SDK builds it: the code as name and Code. */
function sqsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: code, Code: code, ...metadata });
}

describe('isStaleReceiptHandle', () => {
  test('recognises ReceiptHandleIsInvalid and MessageNotInflight, by shape name or query code', () => {
    expect(isStaleReceiptHandle(new ReceiptHandleIsInvalid({ message: 'invalid', ...metadata }))).toBe(true);
    expect(isStaleReceiptHandle(new MessageNotInflight({ message: 'not in flight', ...metadata }))).toBe(
      true,
    );
    expect(
      isStaleReceiptHandle(
        Object.assign(new Error('x'), { name: 'Other', Code: 'AWS.SimpleQueueService.MessageNotInflight' }),
      ),
    ).toBe(true);
  });

  test('recognises an expired handle, reported as InvalidParameterValue about the receipt handle', () => {
    const expired = sqsError(
      'InvalidParameterValue',
      'Value AQEB... for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.',
    );
    expect(isStaleReceiptHandle(expired)).toBe(true);
  });

  test('other InvalidParameterValue errors and other failures are not stale handles', () => {
    const tooLong = sqsError(
      'InvalidParameterValue',
      'Value 50000 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]',
    );
    expect(isStaleReceiptHandle(tooLong)).toBe(false);
    expect(isStaleReceiptHandle(new QueueDoesNotExist({ message: 'gone', ...metadata }))).toBe(false);
    expect(isStaleReceiptHandle('ReceiptHandleIsInvalid')).toBe(false);
  });
});

describe('classifySqsError', () => {
  test('a missing queue is a configuration error, named with the context', () => {
    const error = classifySqsError(
      Object.assign(new QueueDoesNotExist({ message: 'The specified queue does not exist.', ...metadata }), {
        Code: 'AWS.SimpleQueueService.NonExistentQueue',
      }),
      'SQS ReceiveMessage work',
    );
    expect(error).toBeInstanceOf(FerryError);
    expect(error.errorClass).toBe('Config');
    expect(error.message).toBe(
      'SQS ReceiveMessage work: QueueDoesNotExist (HTTP 400): The specified queue does not exist.',
    );
  });

  test('throttling, KMS access and generic server faults get their classes', () => {
    expect(classifySqsError(new RequestThrottled({ message: 'slow', ...metadata }), 'c').errorClass).toBe(
      'Throttled',
    );
    expect(classifySqsError(new KmsAccessDenied({ message: 'no', ...metadata }), 'c').errorClass).toBe(
      'AccessDenied',
    );
    const serverFault = Object.assign(new Error('boom'), {
      name: 'InternalFailure',
      $metadata: { httpStatusCode: 500 },
    });
    expect(classifySqsError(serverFault, 'c').errorClass).toBe('Transient');
    const socket = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(classifySqsError(socket, 'c').errorClass).toBe('Transient');
    expect(
      classifySqsError(new InvalidMessageContents({ message: 'bad', ...metadata }), 'c').errorClass,
    ).toBe('Internal');
  });

  test('a FerryError passes through unchanged', () => {
    const original = new FerryError('Throttled', 'already classified');
    expect(classifySqsError(original, 'c')).toBe(original);
  });

  test('sqsErrorCodes lists shape name and query code', () => {
    expect(
      sqsErrorCodes(Object.assign(new Error('x'), { name: 'QueueNameExists', Code: 'QueueAlreadyExists' })),
    ).toEqual(['QueueNameExists', 'QueueAlreadyExists']);
    expect(sqsErrorCodes(new Error('plain'))).toEqual([]);
  });
});

describe('classOfBatchEntryFailure', () => {
  test('server faults are transient, throttling codes throttled, sender faults permanent', () => {
    expect(classOfBatchEntryFailure({ code: 'InternalError', senderFault: false })).toBe('Transient');
    expect(classOfBatchEntryFailure({ code: 'SomethingNew', senderFault: false })).toBe('Transient');
    expect(classOfBatchEntryFailure({ code: 'RequestThrottled', senderFault: true })).toBe('Throttled');
    expect(classOfBatchEntryFailure({ code: 'InvalidMessageContents', senderFault: true })).toBe('Internal');
    expect(classOfBatchEntryFailure({ code: 'KmsAccessDenied', senderFault: true })).toBe('AccessDenied');
  });
});
