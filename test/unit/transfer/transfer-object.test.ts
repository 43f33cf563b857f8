// transferObject against in-memory stores: each strategy, resume after a crash, a source changing mid-copy, failures.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import type { TransferSettings } from '../../../worker/src/config/types.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { ObjectMetadata } from '../../../worker/src/domain/object.ts';
import type { Clock } from '../../../worker/src/ports/clock.ts';
import { silentLogger } from '../../../worker/src/ports/logger.ts';
import { MemoryObjectStore } from '../../../worker/src/storage/memory-object-store.ts';
import { type MemoryBucket, MemoryService } from '../../../worker/src/storage/memory-service.ts';
import { checksumOf } from '../../../worker/src/transfer/checksum.ts';
import { createPartSlots, type TransferContext } from '../../../worker/src/transfer/context.ts';
import { AttemptedError } from '../../../worker/src/transfer/retry.ts';
import { transferObject } from '../../../worker/src/transfer/transfer-object.ts';
import { testTransferSettings } from '../../support/transfer-fixtures.ts';
import { FakeObjectMemory } from './fake-object-memory.ts';
import { InstrumentedStore } from './instrumented-store.ts';

const MiB = 1024 * 1024;
/** 4 parts of 5 MiB parts: 5 + 5 + 5 + 1. */
const FOUR_PARTS = 16 * MiB;

const baseSettings = testTransferSettings({
  multipartThresholdBytes: 8 * MiB,
  partSizeBytes: 5 * MiB,
  maxAttempts: 3,
});

const instantClock: Clock = {
  now: () => new Date(0),
  sleep: async (_ms, signal) => {
    if (signal?.aborted) throw signal.reason;
  },
};

type ContextOverrides = Omit<Partial<TransferContext>, 'settings'> & { settings?: Partial<TransferSettings> };

interface World {
  readonly source: InstrumentedStore;
  readonly destination: InstrumentedStore;
  /** The buckets' state behind the stores, to inspect objects and open uploads. */
  readonly sourceState: MemoryBucket;
  readonly destinationState: MemoryBucket;
  readonly memory: FakeObjectMemory;
  readonly progress: number[];
  /** Writes a source object directly; returns its ETag. */
  seed(key: string, bytes: Uint8Array, metadata?: ObjectMetadata): string;
  /** Gives a source object a stored full-object checksum that does not match its bytes. */
  corruptSourceChecksum(key: string): void;
  destinationBytes(key: string): Buffer;
  context(extra?: ContextOverrides): TransferContext;
}

function world(options: { sameService?: boolean } = {}): World {
  const sourceService = new MemoryService('service-a');
  const destinationService = options.sameService ? sourceService : new MemoryService('service-b');
  const sourceStore = new MemoryObjectStore({ bucket: 'source-bucket', service: sourceService });
  const source = new InstrumentedStore(sourceStore);
  const destination = new InstrumentedStore(
    new MemoryObjectStore({ bucket: 'destination-bucket', service: destinationService }),
  );
  const sourceState = sourceService.bucket('source-bucket');
  const destinationState = destinationService.bucket('destination-bucket');
  const memory = new FakeObjectMemory();
  const progress: number[] = [];
  return {
    source,
    destination,
    sourceState,
    destinationState,
    memory,
    progress,
    seed: (key, bytes, metadata) => sourceStore.seed(key, bytes, metadata).etag,
    corruptSourceChecksum: (key) => {
      const stored = sourceState.objects.get(key)!;
      const checksum = { algorithm: 'CRC32C' as const, value: 'AAAAAA==', type: 'FULL_OBJECT' as const };
      sourceState.objects.set(key, { ...stored, head: { ...stored.head, checksum } });
    },
    destinationBytes: (key) => {
      const stored = destinationState.objects.get(key);
      if (!stored) throw new Error(`no object ${key}`);
      return Buffer.from(stored.bytes);
    },
    context: (extra = {}) => {
      const settings = { ...baseSettings, ...extra.settings };
      return {
        source,
        destination,
        write: {},
        memory,
        mappingId: 'mapping-1',
        clock: instantClock,
        logger: silentLogger,
        parts: createPartSlots(settings.maxPartsInFlight),
        onProgress: (bytes) => progress.push(bytes),
        ...extra,
        settings,
      };
    },
  };
}

function item(key: string, size: number, etag: string) {
  return { sourceKey: key, destinationKey: `copied/${key}`, size, etag };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

const richMetadata: ObjectMetadata = {
  contentType: 'text/plain; charset=utf-8',
  contentEncoding: 'identity',
  contentDisposition: 'attachment; filename="a.txt"',
  contentLanguage: 'fr',
  cacheControl: 'max-age=60',
  expires: 'Wed, 21 Oct 2015 07:28:00 GMT',
  userMetadata: { owner: 'ferry', 'x-trace': 'abc' },
};

describe('single', () => {
  test('copies a small object with its metadata exactly and verifies the MD5 ETag', async () => {
    const w = world();
    const bytes = randomBytes(1000);
    const etag = w.seed('a.txt', bytes, richMetadata);
    const result = await transferObject(
      item('a.txt', 1000, etag),
      w.context({ write: { storageClass: 'GLACIER' } }),
    );
    expect(result).toEqual({ strategy: 'single', bytes: 1000, sourceEtag: etag, destinationEtag: etag });
    expect(w.destinationBytes('copied/a.txt').equals(bytes)).toBe(true);
    const written = w.destinationState.objects.get('copied/a.txt');
    expect(written?.head.metadata).toEqual(richMetadata);
    expect(written?.head.storageClass).toBe('GLACIER');
    expect(written?.head.checksum).toEqual({
      algorithm: 'CRC32C',
      value: await checksumOf('CRC32C', bytes),
      type: 'FULL_OBJECT',
    });
    expect(w.source.count('read')).toBe(1);
    expect(w.source.count('head')).toBe(0);
    expect(sum(w.progress)).toBe(1000);
  });

  test('copies a 0-byte object', async () => {
    const w = world();
    const etag = w.seed('empty', new Uint8Array(0));
    const result = await transferObject(
      item('empty', 0, etag),
      w.context({ settings: { multipartThresholdBytes: 0 } }),
    );
    expect(result.strategy).toBe('single');
    expect(w.destinationState.objects.get('copied/empty')?.bytes.length).toBe(0);
  });

  test('an object changed since listing is copied in its new version, found by HEAD', async () => {
    const w = world();
    const listedEtag = w.seed('a', randomBytes(100));
    const now = randomBytes(300);
    const newEtag = w.seed('a', now);
    const result = await transferObject(item('a', 100, listedEtag), w.context());
    expect(result).toMatchObject({ strategy: 'single', bytes: 300, sourceEtag: newEtag });
    expect(w.destinationBytes('copied/a').equals(now)).toBe(true);
    expect(w.source.count('head')).toBe(1);
    expect(sum(w.progress)).toBe(300);
  });

  test("bytes that differ from the source's own checksum are a ChecksumMismatch, not retried", async () => {
    const w = world();
    const etag = w.seed('a', randomBytes(100));
    // The source's recorded checksum does not match what it serves: corruption at rest or in transit.
    w.corruptSourceChecksum('a');
    const error = await failureOf(transferObject(item('a', 100, etag), w.context()));
    expect(error).toBeInstanceOf(AttemptedError);
    expect(error).toMatchObject({ errorClass: 'ChecksumMismatch', attempts: 1 });
    expect((error as Error).message).toContain('s3://source-bucket/a');
    expect(w.source.count('read')).toBe(1);
  });

  test('a destination ETag that is not the source MD5 is a ChecksumMismatch', async () => {
    const w = world();
    const etag = w.seed('a', randomBytes(100));
    const put = w.destination.put.bind(w.destination);
    w.destination.put = async (key, bytes, settings) => {
      await put(key, bytes, settings);
      return { etag: 'ffffffffffffffffffffffffffffffff' };
    };
    const error = await failureOf(transferObject(item('a', 100, etag), w.context()));
    expect(error).toMatchObject({ errorClass: 'ChecksumMismatch' });
    expect((error as Error).message).toMatch(/MD5/);
  });

  test('a transient read failure is retried; the PUT is not repeated', async () => {
    const w = world();
    const etag = w.seed('a', randomBytes(100));
    let failures = 1;
    w.source.hooks = {
      before: (call) => {
        if (call === 'read' && failures-- > 0) throw new FerryError('Transient', 'connection reset');
      },
    };
    await transferObject(item('a', 100, etag), w.context());
    expect(w.source.count('read')).toBe(2);
    expect(w.destination.count('put')).toBe(1);
  });

  test('a missing source is NotFound, naming the object', async () => {
    const w = world();
    const error = await failureOf(transferObject(item('gone', 10, 'e'), w.context()));
    expect(error).toMatchObject({ errorClass: 'NotFound' });
    expect((error as Error).message).toContain('s3://source-bucket/gone');
  });
});

describe('multipart', () => {
  test('copies in parts with the combined FULL_OBJECT checksum and metadata, leaving nothing behind', async () => {
    const w = world();
    const bytes = randomBytes(FOUR_PARTS);
    const etag = w.seed('big', bytes, richMetadata);
    const result = await transferObject(item('big', FOUR_PARTS, etag), w.context());
    expect(result.strategy).toBe('multipart');
    expect(result.destinationEtag).toMatch(/-4$/);
    expect(w.destinationBytes('copied/big').equals(bytes)).toBe(true);
    const written = w.destinationState.objects.get('copied/big');
    expect(written?.head.metadata).toEqual(richMetadata);
    // The fake refuses a wrong full-object checksum at complete, like S3; check it is the whole object's anyway.
    expect(written?.head.checksum?.value).toBe(await checksumOf('CRC32C', bytes));
    expect(w.destination.count('uploadPart')).toBe(4);
    expect(w.destinationState.uploads.size).toBe(0);
    expect(w.memory.uploads.size).toBe(0);
    expect(sum(w.progress)).toBe(FOUR_PARTS);
    expect(w.progress.every((bytesMoved) => bytesMoved > 0)).toBe(true);
  });

  test.each(['CRC32', 'CRC64NVME'] as const)('works with %s', async (checksumAlgorithm) => {
    const w = world();
    const bytes = randomBytes(11 * MiB);
    const etag = w.seed('big', bytes);
    await transferObject(item('big', bytes.length, etag), w.context({ settings: { checksumAlgorithm } }));
    expect(w.destinationState.objects.get('copied/big')?.head.checksum?.value).toBe(
      await checksumOf(checksumAlgorithm, bytes),
    );
  });

  test('after a crash at 2 of 4 parts, a new attempt uploads only the 2 missing parts', async () => {
    const w = world();
    const bytes = randomBytes(FOUR_PARTS);
    const etag = w.seed('big', bytes);
    const crash = new AbortController();
    const crashReason = new Error('process killed');
    w.destination.hooks = {
      after: (call) => {
        if (call === 'uploadPart' && w.destination.count('uploadPart') === 2) crash.abort(crashReason);
      },
    };
    const settings = { maxPartsInFlight: 1 };
    const error = await failureOf(
      transferObject(item('big', FOUR_PARTS, etag), w.context({ settings, signal: crash.signal })),
    );
    expect(error).toBe(crashReason);
    expect(w.memory.uploads.size).toBe(1);
    expect([...w.destinationState.uploads.values()][0]?.parts.size).toBe(2);
    expect(w.destinationState.objects.has('copied/big')).toBe(false);

    w.destination.hooks = {};
    w.destination.calls.clear();
    w.source.calls.clear();
    const result = await transferObject(item('big', FOUR_PARTS, etag), w.context({ settings }));
    expect(result.strategy).toBe('multipart');
    expect(w.destination.count('listParts')).toBe(1);
    expect(w.destination.count('startMultipart')).toBe(0);
    expect(w.destination.count('uploadPart')).toBe(2);
    expect(w.source.count('read')).toBe(2);
    expect(w.destinationBytes('copied/big').equals(bytes)).toBe(true);
    expect(w.memory.uploads.size).toBe(0);
    expect(w.destinationState.uploads.size).toBe(0);
  });

  test('a recorded upload for an older version is aborted and the object uploaded afresh', async () => {
    const w = world();
    const old = randomBytes(FOUR_PARTS);
    const oldEtag = w.seed('big', old);
    const crash = new AbortController();
    w.destination.hooks = {
      after: (call) => (call === 'uploadPart' ? crash.abort(new Error('killed')) : undefined),
    };
    await failureOf(
      transferObject(
        item('big', FOUR_PARTS, oldEtag),
        w.context({ signal: crash.signal, settings: { maxPartsInFlight: 1 } }),
      ),
    );
    expect(w.destinationState.uploads.size).toBe(1);

    w.destination.hooks = {};
    w.destination.calls.clear();
    const now = randomBytes(FOUR_PARTS);
    const newEtag = w.seed('big', now);
    await transferObject(item('big', FOUR_PARTS, newEtag), w.context());
    expect(w.destination.count('abortMultipart')).toBe(1);
    expect(w.destination.count('uploadPart')).toBe(4);
    expect(w.destinationBytes('copied/big').equals(now)).toBe(true);
    expect(w.destinationState.uploads.size).toBe(0);
  });

  test('a recorded upload in another checksum algorithm is aborted and the object uploaded afresh', async () => {
    const w = world();
    const bytes = randomBytes(FOUR_PARTS);
    const etag = w.seed('big', bytes);
    const crash = new AbortController();
    w.destination.hooks = {
      after: (call) => (call === 'uploadPart' ? crash.abort(new Error('killed')) : undefined),
    };
    await failureOf(
      transferObject(
        item('big', FOUR_PARTS, etag),
        w.context({ signal: crash.signal, settings: { maxPartsInFlight: 1, checksumAlgorithm: 'CRC32' } }),
      ),
    );
    expect([...w.memory.uploads.values()].map((upload) => upload.checksumAlgorithm)).toEqual(['CRC32']);
    expect(w.destinationState.uploads.size).toBe(1);

    w.destination.hooks = {};
    w.destination.calls.clear();
    await transferObject(
      item('big', FOUR_PARTS, etag),
      w.context({ settings: { checksumAlgorithm: 'CRC32C' } }),
    );
    expect(w.destination.count('listParts')).toBe(0);
    expect(w.destination.count('abortMultipart')).toBe(1);
    expect(w.destination.count('startMultipart')).toBe(1);
    expect(w.destination.count('uploadPart')).toBe(4);
    expect(w.destinationBytes('copied/big').equals(bytes)).toBe(true);
    expect(w.destinationState.objects.get('copied/big')?.head.checksum).toEqual({
      algorithm: 'CRC32C',
      value: await checksumOf('CRC32C', bytes),
      type: 'FULL_OBJECT',
    });
    expect(w.destinationState.uploads.size).toBe(0);
    expect(w.memory.uploads.size).toBe(0);
  });

  test('a recorded upload that no longer exists is replaced by a new one', async () => {
    const w = world();
    const bytes = randomBytes(11 * MiB);
    const etag = w.seed('big', bytes);
    await w.memory.rememberUpload('mapping-1', {
      key: 'copied/big',
      uploadId: 'vanished',
      sourceEtag: etag,
      partSize: 5 * MiB,
      checksumAlgorithm: 'CRC32C',
    });
    await transferObject(item('big', bytes.length, etag), w.context());
    expect(w.destination.count('listParts')).toBe(1);
    expect(w.destination.count('startMultipart')).toBe(1);
    expect(w.destinationBytes('copied/big').equals(bytes)).toBe(true);
    expect(w.memory.uploads.size).toBe(0);
  });

  test('a source replaced between part reads is copied whole in its new version, never mixed', async () => {
    const w = world();
    const first = Buffer.alloc(FOUR_PARTS, 1);
    const second = Buffer.alloc(FOUR_PARTS, 2);
    const firstEtag = w.seed('big', first);
    let swapped = false;
    w.source.hooks = {
      after: async (call) => {
        if (call === 'read' && !swapped) {
          swapped = true;
          w.seed('big', second);
        }
      },
    };
    const result = await transferObject(
      item('big', FOUR_PARTS, firstEtag),
      w.context({ settings: { maxPartsInFlight: 1 } }),
    );
    expect(result.sourceEtag).toBe(w.sourceState.objects.get('big')?.head.etag);
    expect(result.sourceEtag).not.toBe(firstEtag);
    expect(w.destinationBytes('copied/big').equals(second)).toBe(true);
    expect(w.destination.count('startMultipart')).toBe(2);
    expect(w.destination.count('abortMultipart')).toBe(1);
    expect(w.destinationState.uploads.size).toBe(0);
    expect(w.memory.uploads.size).toBe(0);
    expect(sum(w.progress)).toBe(FOUR_PARTS);
    expect(w.progress.some((bytesMoved) => bytesMoved < 0)).toBe(true);
  });

  test('a source that shrinks below the threshold mid-copy is finished as a single PUT', async () => {
    const w = world();
    const firstEtag = w.seed('big', randomBytes(FOUR_PARTS));
    const small = randomBytes(2000);
    w.source.hooks = {
      after: async (call) => {
        if (call === 'read' && w.sourceState.objects.get('big')?.bytes.length !== small.length) {
          w.seed('big', small);
        }
      },
    };
    const result = await transferObject(
      item('big', FOUR_PARTS, firstEtag),
      w.context({ settings: { maxPartsInFlight: 1 } }),
    );
    expect(result).toMatchObject({ strategy: 'single', bytes: 2000 });
    expect(w.destinationBytes('copied/big').equals(small)).toBe(true);
    expect(w.destinationState.uploads.size).toBe(0);
  });

  test('a source that keeps changing fails as SourceChanged after maxAttempts, leaving no upload', async () => {
    const w = world();
    const etag = w.seed('big', randomBytes(FOUR_PARTS));
    w.source.hooks = {
      after: async (call) => {
        if (call === 'read') w.seed('big', randomBytes(FOUR_PARTS));
      },
    };
    const error = await failureOf(
      transferObject(item('big', FOUR_PARTS, etag), w.context({ settings: { maxPartsInFlight: 1 } })),
    );
    expect(error).toMatchObject({ errorClass: 'SourceChanged', attempts: 3 });
    expect(w.destinationState.uploads.size).toBe(0);
    expect(w.memory.uploads.size).toBe(0);
    expect(w.destinationState.objects.size).toBe(0);
  });

  test('a permanent error aborts and forgets the upload; nothing becomes visible', async () => {
    const w = world();
    const etag = w.seed('big', randomBytes(FOUR_PARTS));
    w.destination.hooks = {
      before: (call, detail) => {
        if (call === 'uploadPart' && detail.partNumber === 3) throw new FerryError('AccessDenied', 'denied');
      },
    };
    const error = await failureOf(transferObject(item('big', FOUR_PARTS, etag), w.context()));
    expect(error).toBeInstanceOf(FerryError);
    expect(error).toMatchObject({ errorClass: 'AccessDenied', attempts: 1 });
    expect((error as Error).message).toContain('s3://source-bucket/big');
    expect(w.destination.count('uploadPart')).toBeLessThanOrEqual(4);
    expect(w.destination.count('abortMultipart')).toBe(1);
    expect(w.destinationState.uploads.size).toBe(0);
    expect(w.memory.uploads.size).toBe(0);
    expect(w.destinationState.objects.size).toBe(0);
  });

  test('a wrong full-object checksum from the source aborts before completing', async () => {
    const w = world();
    const etag = w.seed('big', randomBytes(11 * MiB));
    w.corruptSourceChecksum('big');
    const error = await failureOf(transferObject(item('big', 11 * MiB, etag), w.context()));
    expect(error).toMatchObject({ errorClass: 'ChecksumMismatch' });
    expect(w.destination.count('completeMultipart')).toBe(0);
    expect(w.destinationState.uploads.size).toBe(0);
    expect(w.destinationState.objects.size).toBe(0);
  });

  test('a destination of the wrong size after completion is a ChecksumMismatch', async () => {
    const w = world();
    const etag = w.seed('big', randomBytes(11 * MiB));
    const head = w.destination.head.bind(w.destination);
    w.destination.head = async (key, options) => {
      const found = await head(key, options);
      return found && { ...found, size: found.size - 1 };
    };
    const error = await failureOf(transferObject(item('big', 11 * MiB, etag), w.context()));
    expect(error).toMatchObject({ errorClass: 'ChecksumMismatch' });
    expect((error as Error).message).toMatch(/size differs/);
    expect(w.memory.uploads.size).toBe(0);
  });

  test('transient failures that outlast the retries keep the upload for the next attempt', async () => {
    const w = world();
    const bytes = randomBytes(FOUR_PARTS);
    const etag = w.seed('big', bytes);
    w.destination.hooks = {
      before: (call, detail) => {
        if (call === 'uploadPart' && detail.partNumber === 2)
          throw new FerryError('Transient', 'socket hang up');
      },
    };
    const error = await failureOf(transferObject(item('big', FOUR_PARTS, etag), w.context()));
    expect(error).toMatchObject({ errorClass: 'Transient', attempts: 3 });
    expect(w.destination.count('abortMultipart')).toBe(0);
    expect(w.memory.uploads.size).toBe(1);

    w.destination.hooks = {};
    w.destination.calls.clear();
    await transferObject(item('big', FOUR_PARTS, etag), w.context());
    expect(w.destination.count('uploadPart')).toBe(1);
    expect(w.destinationBytes('copied/big').equals(bytes)).toBe(true);
  });

  test('the shared part slots bound reads in flight across objects', async () => {
    const w = world();
    const keys = ['one', 'two', 'three'];
    const etags = await Promise.all(keys.map((key) => w.seed(key, randomBytes(FOUR_PARTS))));
    w.source.hooks = { before: async () => await delay(5) };
    const parts = createPartSlots(2);
    await Promise.all(
      keys.map((key, index) => transferObject(item(key, FOUR_PARTS, etags[index]!), w.context({ parts }))),
    );
    expect(w.source.count('read')).toBe(12);
    expect(w.source.maxReadsInFlight).toBe(2);
  });

  test('a small object takes a slot too', async () => {
    const w = world();
    const etags = await Promise.all(['a', 'b', 'c'].map((key) => w.seed(key, randomBytes(100))));
    w.source.hooks = { before: async () => await delay(5) };
    const parts = createPartSlots(1);
    await Promise.all(
      ['a', 'b', 'c'].map((key, index) =>
        transferObject(item(key, 100, etags[index]!), w.context({ parts })),
      ),
    );
    expect(w.source.maxReadsInFlight).toBe(1);
  });
});

describe('server-side', () => {
  test('copies within a service with CopyObject, no bytes through Ferry, metadata exact', async () => {
    const w = world({ sameService: true });
    const bytes = randomBytes(FOUR_PARTS);
    const etag = w.seed('big', bytes, richMetadata);
    const result = await transferObject(item('big', FOUR_PARTS, etag), w.context());
    expect(result).toEqual({
      strategy: 'server-side',
      bytes: FOUR_PARTS,
      sourceEtag: etag,
      destinationEtag: etag,
    });
    expect(w.source.count('read')).toBe(0);
    expect(w.destination.count('copyObject')).toBe(1);
    expect(w.destinationState.objects.get('copied/big')?.head.metadata).toEqual(richMetadata);
    expect(w.destinationBytes('copied/big').equals(bytes)).toBe(true);
    expect(sum(w.progress)).toBe(FOUR_PARTS);
  });

  test('copies above the CopyObject limit as UploadPartCopy ranges', async () => {
    const w = world({ sameService: true });
    const bytes = randomBytes(FOUR_PARTS);
    const etag = w.seed('big', bytes);
    const result = await transferObject(
      item('big', FOUR_PARTS, etag),
      w.context({ maxCopyObjectBytes: MiB }),
    );
    expect(result.strategy).toBe('server-side');
    expect(result.destinationEtag).toMatch(/-4$/);
    expect(w.destination.count('uploadPartCopy')).toBe(4);
    expect(w.source.count('read')).toBe(0);
    expect(w.destinationBytes('copied/big').equals(bytes)).toBe(true);
    expect(w.destinationState.uploads.size).toBe(0);
    expect(w.memory.uploads.size).toBe(0);
    expect(sum(w.progress)).toBe(FOUR_PARTS);
  });

  test('a source replaced before the copy is copied in its new version', async () => {
    const w = world({ sameService: true });
    const listedEtag = w.seed('a', randomBytes(100));
    const now = randomBytes(200);
    let swapped = false;
    w.destination.hooks = {
      before: async (call) => {
        if (call === 'copyObject' && !swapped) {
          swapped = true;
          w.seed('a', now);
        }
      },
    };
    const result = await transferObject(item('a', 100, listedEtag), w.context());
    expect(result).toMatchObject({ bytes: 200, sourceEtag: w.sourceState.objects.get('a')?.head.etag });
    expect(w.destinationBytes('copied/a').equals(now)).toBe(true);
  });
});
