// The in-memory store's S3 rules beyond the contract: part sizes, ETags, verification, services, fault injection.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { ObjectMetadata } from '../../../worker/src/domain/object.ts';
import type { Clock } from '../../../worker/src/ports/clock.ts';
import { MemoryObjectStore, type MemoryOperation } from '../../../worker/src/storage/memory-object-store.ts';
import { MemoryService } from '../../../worker/src/storage/memory-service.ts';
import { checksumOf } from '../../../worker/src/transfer/checksum.ts';

const noMetadata: ObjectMetadata = { userMetadata: {} };

async function failureOf(promise: Promise<unknown>): Promise<FerryError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (error instanceof FerryError) return error;
  throw new Error(`expected a FerryError, got ${String(error)}`);
}

async function multipart(store: MemoryObjectStore, key: string, parts: readonly Uint8Array[]) {
  const uploadId = await store.startMultipart(key, { metadata: noMetadata, checksumAlgorithm: 'CRC32C' });
  const completed = [];
  for (const [index, bytes] of parts.entries()) {
    const checksum = await checksumOf('CRC32C', bytes);
    const { etag } = await store.uploadPart({
      key,
      uploadId,
      partNumber: index + 1,
      bytes,
      checksum,
      checksumAlgorithm: 'CRC32C',
    });
    completed.push({ partNumber: index + 1, etag, size: bytes.byteLength, checksum });
  }
  const whole = Buffer.concat(parts);
  const checksum = {
    algorithm: 'CRC32C' as const,
    value: await checksumOf('CRC32C', whole),
    type: 'FULL_OBJECT' as const,
  };
  return { uploadId, parts: completed, checksum, whole };
}

describe('multipart', () => {
  test('a part under the minimum size, other than the last, is InvalidObject', async () => {
    const store = new MemoryObjectStore({ bucket: 'b' });
    const upload = await multipart(store, 'k', [new Uint8Array(100), new Uint8Array(10)]);
    const failure = await failureOf(store.completeMultipart({ key: 'k', ...upload }));
    expect(failure.errorClass).toBe('InvalidObject');
    expect(failure.message).toContain('EntityTooSmall');
  });

  test('the minimum part size is an option; the ETag is MD5 of the part MD5s, then -N', async () => {
    const store = new MemoryObjectStore({ bucket: 'b', minPartSizeBytes: 4 });
    const parts = [Buffer.from('abcd'), Buffer.from('efgh'), Buffer.from('ij')];
    const upload = await multipart(store, 'k', parts);
    const { etag } = await store.completeMultipart({ key: 'k', ...upload });
    const md5s = Buffer.concat(parts.map((part) => createHash('md5').update(part).digest()));
    expect(etag).toBe(`${createHash('md5').update(md5s).digest('hex')}-3`);
    expect((await store.head('k'))?.checksum).toEqual(upload.checksum);
  });

  test('a wrong full-object checksum on completion is ChecksumMismatch, and nothing is stored', async () => {
    const store = new MemoryObjectStore({ bucket: 'b', minPartSizeBytes: 1 });
    const upload = await multipart(store, 'k', [Buffer.from('one'), Buffer.from('two')]);
    const wrong = { ...upload.checksum, value: await checksumOf('CRC32C', Buffer.from('onetwo!')) };
    const failure = await failureOf(store.completeMultipart({ key: 'k', ...upload, checksum: wrong }));
    expect(failure.errorClass).toBe('ChecksumMismatch');
    expect(await store.head('k')).toBeUndefined();
  });

  test('completing with a part that was never uploaded is InvalidObject', async () => {
    const store = new MemoryObjectStore({ bucket: 'b', minPartSizeBytes: 1 });
    const upload = await multipart(store, 'k', [Buffer.from('one')]);
    const parts = [...upload.parts, { partNumber: 2, etag: '0'.repeat(32), size: 3 }];
    expect((await failureOf(store.completeMultipart({ key: 'k', ...upload, parts }))).message).toContain(
      'InvalidPart',
    );
  });

  test("a part in another algorithm than the upload's is InvalidObject, even with a right checksum", async () => {
    const store = new MemoryObjectStore({ bucket: 'b', minPartSizeBytes: 1 });
    const uploadId = await store.startMultipart('k', { metadata: noMetadata, checksumAlgorithm: 'CRC32C' });
    const bytes = Buffer.from('part');
    const failure = await failureOf(
      store.uploadPart({
        key: 'k',
        uploadId,
        partNumber: 1,
        bytes,
        checksum: await checksumOf('CRC32', bytes),
        checksumAlgorithm: 'CRC32',
      }),
    );
    expect(failure.errorClass).toBe('InvalidObject');
    expect(failure.message).toContain('CRC32 part for a CRC32C upload');
    expect(await store.listParts({ key: 'k', uploadId })).toEqual([]);
  });

  test('uploads are shared by stores on the same bucket of one service', async () => {
    const service = new MemoryService();
    const starter = new MemoryObjectStore({ bucket: 'b', service, minPartSizeBytes: 1 });
    const finisher = new MemoryObjectStore({ bucket: 'b', service, minPartSizeBytes: 1 });
    const upload = await multipart(starter, 'k', [Buffer.from('one')]);
    await finisher.completeMultipart({ key: 'k', ...upload });
    expect((await starter.read('k')).bytes).toEqual(new Uint8Array(Buffer.from('one')));
  });
});

describe('server-side copy', () => {
  test('only within one service: another service does not have the source bucket', async () => {
    const source = new MemoryObjectStore({ bucket: 'src' });
    const elsewhere = new MemoryObjectStore({ bucket: 'dst' });
    const { etag } = source.seed('k', Buffer.from('bytes'));
    expect(elsewhere.location.serviceId).not.toBe(source.location.serviceId);
    const failure = await failureOf(
      elsewhere.serverSideCopy.copyObject({ bucket: 'src', key: 'k', etag }, 'k', {
        metadata: noMetadata,
        checksumAlgorithm: 'CRC32C',
      }),
    );
    expect(failure.errorClass).toBe('NotFound');
  });

  test('a copied part is checksummed with the upload algorithm', async () => {
    const service = new MemoryService();
    const source = new MemoryObjectStore({ bucket: 'src', service });
    const destination = new MemoryObjectStore({ bucket: 'dst', service });
    const { etag } = source.seed('k', Buffer.from('0123456789'));
    const uploadId = await destination.startMultipart('k', {
      metadata: noMetadata,
      checksumAlgorithm: 'CRC32',
    });
    const part = await destination.serverSideCopy.uploadPartCopy(
      { bucket: 'src', key: 'k', etag },
      { key: 'k', uploadId, partNumber: 1, range: { start: 2, end: 5 } },
    );
    expect(part.checksum).toBe(await checksumOf('CRC32', Buffer.from('2345')));
    expect(part.etag).toBe(createHash('md5').update('2345').digest('hex'));
  });
});

describe('test-double features', () => {
  test('beforeOperation sees every operation and can inject a fault', async () => {
    const seen: [MemoryOperation, string][] = [];
    const store = new MemoryObjectStore({
      bucket: 'b',
      beforeOperation: (operation, key) => {
        seen.push([operation, key]);
        if (operation === 'read' && key === 'flaky') throw new FerryError('Transient', 'injected');
      },
    });
    store.seed('flaky', Buffer.from('x'));
    store.seed('fine', Buffer.from('y'));
    expect((await failureOf(store.read('flaky'))).message).toBe('injected');
    expect((await store.read('fine')).bytes).toEqual(new Uint8Array(Buffer.from('y')));
    for await (const _entry of store.list({ prefix: 'f' })) {
      // drain
    }
    expect(seen).toEqual([
      ['read', 'flaky'],
      ['read', 'fine'],
      ['list', 'f'],
    ]);
  });

  test('lastModified comes from the injected clock; user metadata names are lower-cased', async () => {
    const at = new Date('2030-05-06T07:08:09Z');
    const clock: Clock = { now: () => at, sleep: async () => {} };
    const store = new MemoryObjectStore({ bucket: 'b', clock });
    const head = store.seed('k', Buffer.from('x'), { userMetadata: { 'Mixed-Case': 'v' } });
    expect(head.lastModified).toEqual(at);
    expect(head.metadata.userMetadata).toEqual({ 'mixed-case': 'v' });
  });

  test('an aborted signal stops an operation before it starts', async () => {
    const store = new MemoryObjectStore({ bucket: 'b' });
    store.seed('k', Buffer.from('x'));
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(store.read('k', { signal: controller.signal })).rejects.toThrow('stop');
  });

  test('keys longer than 1,024 UTF-8 bytes are refused', async () => {
    const store = new MemoryObjectStore({ bucket: 'b' });
    const key = 'é'.repeat(513); // 1,026 bytes, 513 UTF-16 units
    const bytes = Buffer.from('x');
    const checksum = {
      algorithm: 'CRC32C' as const,
      value: await checksumOf('CRC32C', bytes),
      type: 'FULL_OBJECT' as const,
    };
    expect((await failureOf(store.put(key, bytes, { metadata: noMetadata, checksum }))).errorClass).toBe(
      'InvalidObject',
    );
  });

  test('reads return copies: changing them does not change the store', async () => {
    const store = new MemoryObjectStore({ bucket: 'b' });
    store.seed('k', Buffer.from('abc'));
    const first = await store.read('k');
    first.bytes[0] = 0;
    expect(Buffer.from((await store.read('k')).bytes).toString()).toBe('abc');
  });
});
