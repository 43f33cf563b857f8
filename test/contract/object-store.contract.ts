// The behaviour every ObjectStore adapter must show: order, hostile keys, metadata, ranges, conditions, multipart, copy.
import { describe, expect, test } from 'vitest';
import { FerryError } from '../../worker/src/domain/errors.ts';
import type { ChecksumAlgorithm, ObjectChecksum, ObjectMetadata } from '../../worker/src/domain/object.ts';
import type { ObjectStore, WriteSettings } from '../../worker/src/ports/object-store.ts';
import { checksumOf } from '../../worker/src/transfer/checksum.ts';

export interface ObjectStoreUnderTest {
  /** Where seeded objects live; list/read/head cases run against it. */
  readonly source: ObjectStore;
  /** Another bucket of the same service as source (so server-side copies work); write cases use it too. */
  readonly destination: ObjectStore;
  /** Writes an object into source without going through the adapter under test. */
  seed(key: string, bytes: Uint8Array, metadata?: ObjectMetadata): Promise<void>;
}

/** What a server under test does not do that S3 does; cases for it are then skipped, not faked. */
export interface ServerLimits {
  /** The server rejects a PutObject/UploadPart whose checksum header does not match the body (moto: no). */
  readonly verifiesChecksums: boolean;
  /** CopyObject/UploadPartCopy honour x-amz-copy-source-if-match (moto: no). */
  readonly enforcesCopySourceIfMatch: boolean;
  /** ListParts returns each part's checksum (moto: no). */
  readonly listsPartChecksums: boolean;
  /** Keys may contain a line feed (moto: no, its URL routing answers 404). */
  readonly acceptsLineFeedInKeys: boolean;
  /** DeleteObjects refuses (PreconditionFailed) a key whose ETag is not the one sent with it (moto: no, it deletes). */
  readonly enforcesDeleteIfMatch: boolean;
}

/** A server that checks everything S3 checks. */
export const allChecks: ServerLimits = {
  verifiesChecksums: true,
  enforcesCopySourceIfMatch: true,
  listsPartChecksums: true,
  acceptsLineFeedInKeys: true,
  enforcesDeleteIfMatch: true,
};

/** Makes fresh, empty buckets for one test. */
export type ObjectStoreFactory = () => Promise<ObjectStoreUnderTest>;

const mebibyte = 1024 * 1024;
const algorithm: ChecksumAlgorithm = 'CRC32C';
const noMetadata: ObjectMetadata = { userMetadata: {} };

/** Every system field plus user metadata (no '_' in names: moto drops those). */
const fullMetadata: ObjectMetadata = {
  contentType: 'text/plain; charset=utf-8',
  contentEncoding: 'identity',
  contentDisposition: 'attachment; filename="report.txt"',
  contentLanguage: 'de-CH',
  cacheControl: 'max-age=3600, must-revalidate',
  expires: 'Thu, 01 Dec 2044 16:00:00 GMT',
  userMetadata: { color: 'blue', 'x-dashed-name': 'a value with spaces' },
};

/** S3's key order, computed independently of the code under test: compare the UTF-8 bytes. */
function compareUtf8(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Deterministic, non-repeating-looking bytes. */
function patternBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index += 1) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes;
}

async function checksumFor(bytes: Uint8Array): Promise<ObjectChecksum> {
  return { algorithm, value: await checksumOf(algorithm, bytes), type: 'FULL_OBJECT' };
}

async function putSettings(
  bytes: Uint8Array,
  metadata: ObjectMetadata = noMetadata,
): Promise<WriteSettings & { checksum: ObjectChecksum }> {
  return { metadata, checksum: await checksumFor(bytes) };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function failureOf(promise: Promise<unknown>): Promise<FerryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FerryError) return error;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(run));
  }
}

/** Keys whose UTF-16 order differs from their UTF-8 order, among plain ones. */
const orderKeys = [
  'order/a',
  'order/B',
  'order/a/b',
  'order/a-b',
  'order/\u00e9',
  'order/\uff61halfwidth',
  'order/\u{1f600}emoji',
  'order/\ue000private',
  'order/~tilde',
  'order/ ',
  'order/\u007f',
];

const hostileKeys = [
  'hostile/ünïcödé/日本語/файл',
  'hostile/emoji-😀-🚀',
  'hostile/with space  and  more ',
  'hostile/plus+sign',
  'hostile/percent%20not-encoded%2F%',
  'hostile/question?mark',
  'hostile/hash#mark',
  'hostile/amp&ersand=1',
  'hostile/semi;colon',
  "hostile/single'quote",
  'hostile/double"quote',
  'hostile/back\\slash',
  'hostile//double//slash',
  'hostile/../dot-dot/./dot',
  'hostile/..',
  'hostile/tab\there',
  'hostile/line\nfeed',
  'hostile/carriage\rreturn',
  'hostile/control\u0001\u001f',
  'hostile/angle<brackets>&amp;',
  'hostile/folder-marker/',
  `hostile/${'k'.repeat(1024 - 'hostile/'.length)}`,
];

export function describeObjectStoreContract(
  name: string,
  factory: ObjectStoreFactory,
  limits: ServerLimits,
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    test('lists every key under the prefix in UTF-8 byte order, across pages, after StartAfter', async () => {
      const { source, seed } = await factory();
      const manyKeys = Array.from(
        { length: 1100 },
        (_, index) => `many/${index.toString(36).padStart(3, '0')}`,
      );
      await inBatches([...manyKeys, ...orderKeys, 'other/outside'], 32, (key) => seed(key, bytesOf(key)));

      const many = await collect(source.list({ prefix: 'many/' }));
      expect(many.map((entry) => entry.key)).toEqual([...manyKeys].sort(compareUtf8));

      const ordered = await collect(source.list({ prefix: 'order/' }));
      const expectedOrder = [...orderKeys].sort(compareUtf8);
      expect(expectedOrder).not.toEqual([...orderKeys].sort()); // the case needs UTF-16 order to be wrong
      expect(ordered.map((entry) => entry.key)).toEqual(expectedOrder);

      const startAfter = [...manyKeys].sort(compareUtf8)[699]!;
      const rest = await collect(source.list({ prefix: 'many/', startAfter }));
      expect(rest.map((entry) => entry.key)).toEqual([...manyKeys].sort(compareUtf8).slice(700));

      const entry = many.find((candidate) => candidate.key === 'many/00a')!;
      expect(entry.size).toBe(bytesOf('many/00a').byteLength);
      expect(entry.etag).toMatch(/^[0-9a-f]{32}$/);
      expect(entry.lastModified).toBeInstanceOf(Date);
    });

    test('hostile keys round-trip through put, list, head and read', async () => {
      const { destination } = await factory();
      const keys = hostileKeys.filter((key) => limits.acceptsLineFeedInKeys || !key.includes('\n'));
      for (const [index, key] of keys.entries()) {
        const bytes = key.endsWith('/') ? new Uint8Array(0) : patternBytes(17 + index, index + 1);
        await destination.put(key, bytes, await putSettings(bytes));
      }
      const listed = await collect(destination.list({ prefix: 'hostile/' }));
      expect(listed.map((entry) => entry.key)).toEqual([...keys].sort(compareUtf8));
      for (const [index, key] of keys.entries()) {
        const expected = key.endsWith('/') ? new Uint8Array(0) : patternBytes(17 + index, index + 1);
        const head = await destination.head(key);
        expect(head?.key).toBe(key);
        expect(head?.size).toBe(expected.byteLength);
        const read = await destination.read(key);
        expect(Buffer.from(read.bytes).equals(Buffer.from(expected))).toBe(true);
        expect(read.head.etag).toBe(head?.etag);
      }
    });

    test('0-byte and 1-byte objects', async () => {
      const { destination } = await factory();
      for (const bytes of [new Uint8Array(0), new Uint8Array([0xff])]) {
        const key = `tiny/${bytes.byteLength}`;
        const written = await destination.put(key, bytes, await putSettings(bytes));
        const head = await destination.head(key);
        expect(head?.size).toBe(bytes.byteLength);
        expect(head?.etag).toBe(written.etag);
        expect(head?.checksum).toEqual(await checksumFor(bytes));
        const read = await destination.read(key);
        expect([...read.bytes]).toEqual([...bytes]);
        expect(read.head.size).toBe(bytes.byteLength);
      }
    });

    test('metadata round-trips exactly, through head and read', async () => {
      const { destination } = await factory();
      const bytes = bytesOf('hello, metadata');
      await destination.put('meta/object', bytes, await putSettings(bytes, fullMetadata));
      expect((await destination.head('meta/object'))?.metadata).toEqual(fullMetadata);
      expect((await destination.read('meta/object')).head.metadata).toEqual(fullMetadata);
    });

    test('a ranged read returns the range and the whole object head', async () => {
      const { source, seed } = await factory();
      const bytes = patternBytes(100, 7);
      await seed('range/object', bytes, fullMetadata);
      const whole = await source.head('range/object');
      const read = await source.read('range/object', { range: { start: 10, end: 19 } });
      expect([...read.bytes]).toEqual([...bytes.subarray(10, 20)]);
      expect(read.head.size).toBe(100);
      expect(read.head.etag).toBe(whole?.etag);
      expect(read.head.metadata).toEqual(fullMetadata);
      const tail = await source.read('range/object', { range: { start: 95, end: 99 }, ifMatch: whole!.etag });
      expect([...tail.bytes]).toEqual([...bytes.subarray(95)]);
    });

    test('If-Match pins reads to one version: a different ETag is SourceChanged', async () => {
      const { source, seed } = await factory();
      await seed('pinned', bytesOf('version one'));
      const { etag } = (await source.head('pinned'))!;
      expect((await source.read('pinned', { ifMatch: etag })).bytes).toEqual(bytesOf('version one'));
      await seed('pinned', bytesOf('version two'));
      const failure = await failureOf(source.read('pinned', { ifMatch: etag, range: { start: 0, end: 3 } }));
      expect(failure.errorClass).toBe('SourceChanged');
    });

    test('a missing key: head is undefined, read is NotFound naming the key', async () => {
      const { source } = await factory();
      expect(await source.head('missing/key')).toBeUndefined();
      const failure = await failureOf(source.read('missing/key'));
      expect(failure.errorClass).toBe('NotFound');
      expect(failure.message).toContain('missing/key');
    });

    test('multipart: start, two parts, listParts, complete; bytes and metadata exact', async () => {
      const { destination } = await factory();
      const first = patternBytes(5 * mebibyte, 11);
      const second = patternBytes(1000, 12);
      const whole = Buffer.concat([first, second]);
      const uploadId = await destination.startMultipart('multi/object', {
        metadata: fullMetadata,
        checksumAlgorithm: algorithm,
      });
      const upload = { key: 'multi/object', uploadId };
      // Out of order on purpose: completion must sort.
      const part2 = await destination.uploadPart({
        ...upload,
        partNumber: 2,
        bytes: second,
        checksum: await checksumOf(algorithm, second),
        checksumAlgorithm: algorithm,
      });
      const part1 = await destination.uploadPart({
        ...upload,
        partNumber: 1,
        bytes: first,
        checksum: await checksumOf(algorithm, first),
        checksumAlgorithm: algorithm,
      });
      const listed = await destination.listParts(upload);
      expect(listed.map(({ partNumber, etag, size }) => ({ partNumber, etag, size }))).toEqual([
        { partNumber: 1, etag: part1.etag, size: first.byteLength },
        { partNumber: 2, etag: part2.etag, size: second.byteLength },
      ]);
      if (limits.listsPartChecksums) {
        expect(listed.map((part) => part.checksum)).toEqual([
          await checksumOf(algorithm, first),
          await checksumOf(algorithm, second),
        ]);
      }
      const completed = await destination.completeMultipart({
        ...upload,
        parts: [...listed].reverse(),
        checksum: await checksumFor(whole),
      });
      expect(completed.etag).toMatch(/^[0-9a-f]{32}-2$/);
      const read = await destination.read('multi/object');
      expect(Buffer.from(read.bytes).equals(whole)).toBe(true);
      expect(read.head.etag).toBe(completed.etag);
      expect(read.head.metadata).toEqual(fullMetadata);
      expect(read.head.size).toBe(whole.byteLength);
    });

    test('abort: the upload is gone (listParts NotFound) and aborting again is fine', async () => {
      const { destination } = await factory();
      const uploadId = await destination.startMultipart('aborted', {
        metadata: noMetadata,
        checksumAlgorithm: algorithm,
      });
      const bytes = patternBytes(100, 3);
      await destination.uploadPart({
        key: 'aborted',
        uploadId,
        partNumber: 1,
        bytes,
        checksum: await checksumOf(algorithm, bytes),
        checksumAlgorithm: algorithm,
      });
      await destination.abortMultipart({ key: 'aborted', uploadId });
      expect((await failureOf(destination.listParts({ key: 'aborted', uploadId }))).errorClass).toBe(
        'NotFound',
      );
      await destination.abortMultipart({ key: 'aborted', uploadId });
      expect(await destination.head('aborted')).toBeUndefined();
    });

    test.runIf(limits.verifiesChecksums)('a put or part with a wrong checksum is refused', async () => {
      const { destination } = await factory();
      const bytes = bytesOf('the real bytes');
      const wrong = await checksumFor(bytesOf('other bytes'));
      const failure = await failureOf(
        destination.put('corrupt', bytes, { metadata: noMetadata, checksum: wrong }),
      );
      expect(failure.errorClass).toBe('ChecksumMismatch');
      expect(await destination.head('corrupt')).toBeUndefined();
      const uploadId = await destination.startMultipart('corrupt', {
        metadata: noMetadata,
        checksumAlgorithm: algorithm,
      });
      const partFailure = await failureOf(
        destination.uploadPart({
          key: 'corrupt',
          uploadId,
          partNumber: 1,
          bytes,
          checksum: wrong.value,
          checksumAlgorithm: algorithm,
        }),
      );
      expect(partFailure.errorClass).toBe('ChecksumMismatch');
    });

    test('server-side copy preserves bytes and metadata, whole and by parts', async () => {
      const { source, destination, seed } = await factory();
      expect(destination.location.serviceId).toBe(source.location.serviceId);
      const copier = destination.serverSideCopy!;
      const bytes = patternBytes(5 * mebibyte + 300, 21);
      await seed('copy/source', bytes, fullMetadata);
      const head = (await source.head('copy/source'))!;
      const from = { bucket: source.location.bucket, key: 'copy/source', etag: head.etag };

      const copied = await copier.copyObject(from, 'copy/whole', {
        metadata: head.metadata,
        checksumAlgorithm: algorithm,
      });
      const whole = await destination.read('copy/whole');
      expect(Buffer.from(whole.bytes).equals(Buffer.from(bytes))).toBe(true);
      expect(whole.head.metadata).toEqual(fullMetadata);
      expect(copied.etag).toBe(whole.head.etag);

      const uploadId = await destination.startMultipart('copy/parts', {
        metadata: head.metadata,
        checksumAlgorithm: algorithm,
      });
      const upload = { key: 'copy/parts', uploadId };
      const boundary = 5 * mebibyte;
      const part1 = await copier.uploadPartCopy(from, {
        ...upload,
        partNumber: 1,
        range: { start: 0, end: boundary - 1 },
      });
      const part2 = await copier.uploadPartCopy(from, {
        ...upload,
        partNumber: 2,
        range: { start: boundary, end: bytes.byteLength - 1 },
      });
      await destination.completeMultipart({
        ...upload,
        parts: [
          { partNumber: 1, etag: part1.etag, size: boundary },
          { partNumber: 2, etag: part2.etag, size: bytes.byteLength - boundary },
        ],
        checksum: await checksumFor(bytes),
      });
      const assembled = await destination.read('copy/parts');
      expect(Buffer.from(assembled.bytes).equals(Buffer.from(bytes))).toBe(true);
      expect(assembled.head.metadata).toEqual(fullMetadata);
    });

    test('deleteObjects deletes the keys, counts a missing key as deleted and leaves the others', async () => {
      const { source, seed } = await factory();
      for (const key of ['delete/a', 'delete/b', 'delete/keep']) await seed(key, bytesOf(key));
      const { etag } = (await source.head('delete/a'))!;
      const outcome = await source.deleteObjects([
        { key: 'delete/a', etag },
        { key: 'delete/b' },
        { key: 'delete/missing', etag: 'd41d8cd98f00b204e9800998ecf8427e' },
        // A key XML cannot carry is deleted alone (DeleteObject, If-Match): missing, it is NoSuchKey there.
        { key: 'delete/missing\u0001', etag: 'd41d8cd98f00b204e9800998ecf8427e' },
      ]);
      expect(outcome.errors).toEqual([]);
      expect([...outcome.deleted].sort()).toEqual([
        'delete/a',
        'delete/b',
        'delete/missing',
        'delete/missing\u0001',
      ]);
      const left = await collect(source.list({ prefix: 'delete/' }));
      expect(left.map((entry) => entry.key)).toEqual(['delete/keep']);
    });

    test('deleteObjects deletes hostile keys, those XML cannot carry included, pinned to their ETags', async () => {
      const { destination } = await factory();
      const keys = hostileKeys.filter((key) => limits.acceptsLineFeedInKeys || !key.includes('\n'));
      const targets = [];
      for (const [index, key] of keys.entries()) {
        const bytes = patternBytes(3 + index, index + 5);
        targets.push({ key, etag: (await destination.put(key, bytes, await putSettings(bytes))).etag });
      }
      const outcome = await destination.deleteObjects(targets);
      expect(outcome.errors).toEqual([]);
      expect([...outcome.deleted].sort(compareUtf8)).toEqual([...keys].sort(compareUtf8));
      expect(await collect(destination.list({ prefix: 'hostile/' }))).toEqual([]);
    });

    test.runIf(limits.enforcesDeleteIfMatch)(
      'a delete pinned to an older ETag is refused (PreconditionFailed) and the object kept',
      async () => {
        const { source, seed } = await factory();
        const keys = ['delete/changed', 'delete/changed\rwith-cr'];
        const stale: string[] = [];
        for (const key of keys) {
          await seed(key, bytesOf('version one'));
          stale.push((await source.head(key))!.etag);
          await seed(key, bytesOf('version two'));
        }
        await seed('delete/unchanged', bytesOf('same'));
        const unchanged = (await source.head('delete/unchanged'))!.etag;
        const outcome = await source.deleteObjects([
          ...keys.map((key, index) => ({ key, etag: stale[index]! })),
          { key: 'delete/unchanged', etag: unchanged },
        ]);
        expect(outcome.deleted).toEqual(['delete/unchanged']);
        expect(
          outcome.errors.map(({ key, code }) => ({ key, code })).sort((a, b) => compareUtf8(a.key, b.key)),
        ).toEqual(keys.map((key) => ({ key, code: 'PreconditionFailed' })));
        for (const key of keys) expect((await source.read(key)).bytes).toEqual(bytesOf('version two'));
        expect(await source.head('delete/unchanged')).toBeUndefined();
      },
    );

    test('more than 1,000 keys in one deleteObjects is refused as Internal, nothing deleted', async () => {
      const { source, seed } = await factory();
      await seed('delete/first', bytesOf('kept'));
      const targets = Array.from({ length: 1001 }, (_, index) => ({
        key: `delete/${index === 0 ? 'first' : index}`,
      }));
      const failure = await failureOf(source.deleteObjects(targets));
      expect(failure.errorClass).toBe('Internal');
      expect(await source.head('delete/first')).toBeDefined();
    });

    test.runIf(limits.enforcesCopySourceIfMatch)(
      'server-side copy of a changed source is SourceChanged',
      async () => {
        const { source, destination, seed } = await factory();
        await seed('copy/changing', bytesOf('before'));
        const stale = (await source.head('copy/changing'))!.etag;
        await seed('copy/changing', bytesOf('after, longer'));
        const from = { bucket: source.location.bucket, key: 'copy/changing', etag: stale };
        const failure = await failureOf(
          destination.serverSideCopy!.copyObject(from, 'copy/target', {
            metadata: noMetadata,
            checksumAlgorithm: algorithm,
          }),
        );
        expect(failure.errorClass).toBe('SourceChanged');
      },
    );
  });
}
