// The strategy follows the service and the size: server-side within a service, single below the threshold.
import { describe, expect, test } from 'vitest';
import {
  chooseStrategy,
  MAX_COPY_OBJECT_BYTES,
  serverSideMethod,
} from '../../../worker/src/transfer/strategy.ts';

const here = { serviceId: 'svc-a', bucket: 'one' };
const elsewhere = { serviceId: 'svc-b', bucket: 'two' };
const sameService = { serviceId: 'svc-a', bucket: 'two' };

function choose(size: number, options: { destination?: typeof here; destinationCanCopy?: boolean } = {}) {
  return chooseStrategy({
    size,
    source: here,
    destination: options.destination ?? elsewhere,
    destinationCanCopy: options.destinationCanCopy ?? true,
    multipartThresholdBytes: 100,
  });
}

describe('chooseStrategy', () => {
  test('different services: single below the threshold, multipart at and above it', () => {
    expect(choose(0)).toBe('single');
    expect(choose(99)).toBe('single');
    expect(choose(100)).toBe('multipart');
    expect(choose(101)).toBe('multipart');
  });

  test('same service and a destination that can copy: server-side, whatever the size', () => {
    expect(choose(1, { destination: sameService })).toBe('server-side');
    expect(choose(10_000, { destination: sameService })).toBe('server-side');
  });

  test('same service but no copy capability: bytes go through Ferry', () => {
    expect(choose(1, { destination: sameService, destinationCanCopy: false })).toBe('single');
    expect(choose(1000, { destination: sameService, destinationCanCopy: false })).toBe('multipart');
  });

  test('a 0-byte object is single even with a threshold of 0', () => {
    const strategy = chooseStrategy({
      size: 0,
      source: here,
      destination: elsewhere,
      destinationCanCopy: false,
      multipartThresholdBytes: 0,
    });
    expect(strategy).toBe('single');
  });
});

describe('serverSideMethod', () => {
  test('CopyObject up to 5 GiB, UploadPartCopy above', () => {
    expect(serverSideMethod({ size: MAX_COPY_OBJECT_BYTES })).toBe('copy-object');
    expect(serverSideMethod({ size: MAX_COPY_OBJECT_BYTES + 1 })).toBe('upload-part-copy');
    expect(serverSideMethod({ size: 11, maxCopyObjectBytes: 10 })).toBe('upload-part-copy');
  });
});
