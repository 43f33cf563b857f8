// The behaviour every RunLedger and ObjectMemory adapter must show (SQLite now, DynamoDB later).
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { FerryError } from '../../worker/src/domain/errors.ts';
import type {
  BatchOutcome,
  CopyRecord,
  DeleteItem,
  FailureRecord,
  HeldDeletes,
  ObjectMemory,
  RunLedger,
  RunRecord,
  SharedObjectRef,
  SharedUploadRecord,
  SharedUploadStart,
  UploadRecord,
} from '../../worker/src/ports/ledger.ts';
import type { CompletedPart } from '../../worker/src/ports/object-store.ts';

export interface LedgerUnderTest {
  readonly ledger: RunLedger;
  readonly memory: ObjectMemory;
  /** Frees what the factory made (closes the database, deletes the tables). */
  dispose(): Promise<void>;
}

/** Makes a ledger for one test; cases use fresh run and mapping ids, so a factory may hand out shared storage. */
export type LedgerFactory = () => Promise<LedgerUnderTest>;

const zero = { objects: 0, bytes: 0 };

/** S3's key order: UTF-8 bytes, not JavaScript's UTF-16 code units. */
export function compareUtf8(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

/** A run as startRun creates it: LISTING, every counter zero. */
function freshRun(run: Pick<RunRecord, 'runId' | 'mappingId' | 'mode' | 'startedAt'>): RunRecord {
  const counters = {
    planned: zero,
    skipped: zero,
    copied: zero,
    failed: zero,
    toDelete: zero,
    deleted: zero,
  };
  return { ...run, listerState: 'LISTING', ...counters };
}

function uniqueId(label: string): string {
  return `${label}-${randomUUID()}`;
}

function outcome(
  batchId: string,
  copiedObjects: number,
  failures: readonly FailureRecord[] = [],
): BatchOutcome {
  return {
    batchId,
    copied: { objects: copiedObjects, bytes: copiedObjects * 1000 },
    failed: { objects: failures.length, bytes: failures.length * 7 },
    failures,
  };
}

function failure(key: string, attempts = 3): FailureRecord {
  return { key, errorClass: 'AccessDenied', message: `denied: ${key}`, attempts };
}

async function allHeldPages(
  ledger: RunLedger,
  runId: string,
  limit: number,
): Promise<{ batches: HeldDeletes[]; pages: number }> {
  const batches: HeldDeletes[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await ledger.listHeldDeletes(runId, { limit, ...(after === undefined ? {} : { after }) });
    expect(page.batches.length).toBeLessThanOrEqual(limit);
    expect(page.batches.length).toBeGreaterThan(0);
    batches.push(...page.batches);
    pages += 1;
    after = page.next;
    if (pages > 100) throw new Error('listHeldDeletes never ended');
  } while (after !== undefined);
  return { batches, pages };
}

async function allFailurePages(
  ledger: RunLedger,
  runId: string,
  limit: number,
): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await ledger.listFailures(runId, { limit, ...(after === undefined ? {} : { after }) });
    expect(page.failures.length).toBeLessThanOrEqual(limit);
    keys.push(...page.failures.map((record) => record.key));
    pages += 1;
    after = page.next;
    if (pages > 100) throw new Error('listFailures never ended');
  } while (after !== undefined);
  return { keys, pages };
}

export function describeLedgerContract(name: string, factory: LedgerFactory): void {
  const withLedger = (body: (subject: LedgerUnderTest) => Promise<void>) => async (): Promise<void> => {
    const subject = await factory();
    try {
      await body(subject);
    } finally {
      await subject.dispose();
    }
  };

  const startRun = (ledger: RunLedger, options: { mappingId?: string; startedAt?: Date } = {}) =>
    ledger.startRun({
      runId: uniqueId('run'),
      mappingId: options.mappingId ?? uniqueId('mapping'),
      mode: 'full',
      startedAt: options.startedAt ?? new Date('2025-03-01T10:00:00.000Z'),
    });

  describe(`RunLedger contract: ${name}`, () => {
    test(
      'startRun creates a LISTING run with zero counters, and repeating it returns the run unchanged',
      withLedger(async ({ ledger }) => {
        const runId = uniqueId('run');
        const startedAt = new Date('2025-03-01T10:00:00.123Z');
        const created = await ledger.startRun({ runId, mappingId: 'photos', mode: 'incremental', startedAt });
        const expected = freshRun({ runId, mappingId: 'photos', mode: 'incremental', startedAt });
        expect(created).toEqual(expected);
        expect(created.checkpoint).toBeUndefined();
        expect(created.listedAt).toBeUndefined();
        expect(created.reason).toBeUndefined();
        await ledger.recordPlanned(runId, {
          batchId: 'b1',
          planned: { objects: 2, bytes: 20 },
          skipped: zero,
        });
        const again = await ledger.startRun({
          runId,
          mappingId: 'photos',
          mode: 'full',
          startedAt: new Date('2025-04-01T00:00:00.000Z'),
        });
        expect(again).toEqual({ ...expected, planned: { objects: 2, bytes: 20 } });
        expect(await ledger.getRun(runId)).toEqual(again);
      }),
    );

    test(
      'getRun of an unknown run is undefined',
      withLedger(async ({ ledger }) => {
        expect(await ledger.getRun(uniqueId('missing'))).toBeUndefined();
      }),
    );

    test(
      'recordPlanned adds to the counters and moves the checkpoint; a repeated batchId changes nothing',
      withLedger(async ({ ledger }) => {
        const { runId } = await startRun(ledger);
        expect(
          await ledger.recordPlanned(runId, {
            batchId: 'b1',
            planned: { objects: 3, bytes: 300 },
            skipped: { objects: 1, bytes: 10 },
            checkpoint: 'a/0003',
          }),
        ).toBe(true);
        expect(
          await ledger.recordPlanned(runId, {
            batchId: 'b2',
            planned: { objects: 2, bytes: 200 },
            skipped: zero,
            checkpoint: 'a/0005',
          }),
        ).toBe(true);
        const duplicate = await ledger.recordPlanned(runId, {
          batchId: 'b1',
          planned: { objects: 3, bytes: 300 },
          skipped: { objects: 1, bytes: 10 },
          checkpoint: 'a/0003',
        });
        expect(duplicate).toBe(false);
        const run = await ledger.getRun(runId);
        expect(run?.planned).toEqual({ objects: 5, bytes: 500 });
        expect(run?.skipped).toEqual({ objects: 1, bytes: 10 });
        expect(run?.checkpoint).toBe('a/0005');
        expect(run?.copied).toEqual(zero);
      }),
    );

    test(
      'recordPlanned without a checkpoint keeps the one recorded before',
      withLedger(async ({ ledger }) => {
        const { runId } = await startRun(ledger);
        await ledger.recordPlanned(runId, {
          batchId: 'b1',
          planned: { objects: 1, bytes: 1 },
          skipped: zero,
          checkpoint: 'k1',
        });
        await ledger.recordPlanned(runId, {
          batchId: 'b2',
          planned: { objects: 1, bytes: 1 },
          skipped: zero,
        });
        expect((await ledger.getRun(runId))?.checkpoint).toBe('k1');
      }),
    );

    test(
      'recordOutcome adds copied and failed counts and stores the failures; a repeated batchId changes nothing',
      withLedger(async ({ ledger }) => {
        const { runId } = await startRun(ledger);
        expect(await ledger.recordOutcome(runId, outcome('b1', 4, [failure('x/1', 2)]))).toBe(true);
        expect(await ledger.recordOutcome(runId, outcome('b1', 4, [failure('x/1', 9), failure('x/2')]))).toBe(
          false,
        );
        const run = await ledger.getRun(runId);
        expect(run?.copied).toEqual({ objects: 4, bytes: 4000 });
        expect(run?.failed).toEqual({ objects: 1, bytes: 7 });
        expect(await ledger.listFailures(runId, { limit: 10 })).toEqual({ failures: [failure('x/1', 2)] });
      }),
    );

    test(
      'counters are exact after 100 concurrent outcomes, a third of them duplicates',
      withLedger(async ({ ledger }) => {
        const { runId } = await startRun(ledger);
        const distinct = Array.from({ length: 67 }, (_, index) =>
          outcome(`batch-${index}`, (index % 5) + 1, index % 10 === 0 ? [failure(`fail/${index}`)] : []),
        );
        const deliveries = [...distinct, ...distinct.slice(0, 33)];
        const results = await Promise.all(deliveries.map((each) => ledger.recordOutcome(runId, each)));
        expect(results.filter((recorded) => recorded)).toHaveLength(67);
        const copiedObjects = distinct.reduce((sum, each) => sum + each.copied.objects, 0);
        const failedObjects = distinct.reduce((sum, each) => sum + each.failed.objects, 0);
        const run = await ledger.getRun(runId);
        expect(run?.copied).toEqual({ objects: copiedObjects, bytes: copiedObjects * 1000 });
        expect(run?.failed).toEqual({ objects: failedObjects, bytes: failedObjects * 7 });
        expect((await allFailurePages(ledger, runId, 100)).keys).toHaveLength(failedObjects);
      }),
    );

    test(
      'a later failure of the same key replaces the earlier one',
      withLedger(async ({ ledger }) => {
        const { runId } = await startRun(ledger);
        await ledger.recordOutcome(runId, outcome('b1', 0, [failure('same', 1)]));
        await ledger.recordOutcome(
          runId,
          outcome('b2', 0, [{ ...failure('same', 4), errorClass: 'NotFound' }]),
        );
        expect(await ledger.listFailures(runId, { limit: 10 })).toEqual({
          failures: [{ key: 'same', errorClass: 'NotFound', message: 'denied: same', attempts: 4 }],
        });
      }),
    );

    test(
      'failures come in pages, in UTF-8 key order, with no gaps or repeats, and only the last page lacks next',
      withLedger(async ({ ledger }) => {
        const { runId } = await startRun(ledger);
        const keys = [
          ...Array.from({ length: 20 }, (_, index) => `photos/${index}.jpg`),
          'photos/\u{1F600}.jpg',
          'photos/\uFFFD.jpg',
          'photos/é.jpg',
          'Photos/upper.jpg',
          'photos/z',
        ];
        for (let index = 0; index < keys.length; index += 4) {
          await ledger.recordOutcome(
            runId,
            outcome(
              `b${index}`,
              0,
              keys.slice(index, index + 4).map((key) => failure(key)),
            ),
          );
        }
        const expected = [...keys].sort(compareUtf8);
        // The emoji sorts after U+FFFD in UTF-8 bytes but before it in UTF-16 code units.
        expect(expected.indexOf('photos/\uFFFD.jpg')).toBeLessThan(expected.indexOf('photos/\u{1F600}.jpg'));
        const { keys: listed, pages } = await allFailurePages(ledger, runId, 7);
        expect(listed).toEqual(expected);
        expect(pages).toBe(Math.ceil(keys.length / 7));
        const lastPage = await ledger.listFailures(runId, { limit: 7, after: expected.at(-2) ?? '' });
        expect(lastPage).toEqual({ failures: [failure(expected.at(-1) ?? '')] });
      }),
    );

    test(
      'listFailures of a run without failures is one empty page',
      withLedger(async ({ ledger }) => {
        const { runId } = await startRun(ledger);
        expect(await ledger.listFailures(runId, { limit: 5 })).toEqual({ failures: [] });
      }),
    );

    test(
      'setListerState records LISTED with its time, and FAILED with its reason',
      withLedger(async ({ ledger }) => {
        const { runId } = await startRun(ledger);
        const listedAt = new Date('2025-03-01T11:30:00.500Z');
        await ledger.setListerState(runId, 'LISTED', { at: listedAt });
        const listed = await ledger.getRun(runId);
        expect(listed?.listerState).toBe('LISTED');
        expect(listed?.listedAt).toEqual(listedAt);

        const other = await startRun(ledger);
        await ledger.setListerState(other.runId, 'FAILED', { reason: 'AccessDenied listing source' });
        const failed = await ledger.getRun(other.runId);
        expect(failed?.listerState).toBe('FAILED');
        expect(failed?.reason).toBe('AccessDenied listing source');
        await ledger.setListerState(other.runId, 'LISTING');
        const resumed = await ledger.getRun(other.runId);
        expect(resumed?.listerState).toBe('LISTING');
        expect(resumed?.reason).toBeUndefined();
      }),
    );

    test(
      'setListerState LISTED without a time stamps one',
      withLedger(async ({ ledger }) => {
        const { runId } = await startRun(ledger);
        await ledger.setListerState(runId, 'LISTED');
        expect((await ledger.getRun(runId))?.listedAt).toBeInstanceOf(Date);
      }),
    );

    test(
      'latestRun is the run of that mapping that started last, whatever order they were created in',
      withLedger(async ({ ledger }) => {
        const mappingId = uniqueId('mapping');
        await startRun(ledger, { mappingId, startedAt: new Date('2025-03-01T00:00:00Z') });
        const newest = await startRun(ledger, { mappingId, startedAt: new Date('2025-03-03T00:00:00Z') });
        await startRun(ledger, { mappingId, startedAt: new Date('2025-03-02T00:00:00Z') });
        await startRun(ledger, { startedAt: new Date('2025-03-09T00:00:00Z') });
        expect(await ledger.latestRun(mappingId)).toEqual(newest);
        expect(await ledger.latestRun(uniqueId('mapping'))).toBeUndefined();
      }),
    );
  });

  describe(`ObjectMemory contract: ${name}`, () => {
    const copy = (key: string, version = 1): CopyRecord => ({
      key,
      sourceEtag: `${version}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2`,
      sourceSize: 5 * 1024 ** 3 + version,
      destinationEtag: `${version}bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-1`,
    });

    test(
      'recallCopies returns the records of the remembered keys only, per mapping',
      withLedger(async ({ memory }) => {
        const mappingId = uniqueId('mapping');
        await memory.rememberCopies(mappingId, [copy('a'), copy('b/\u{1F600}'), copy('c')]);
        await memory.rememberCopies(uniqueId('mapping'), [copy('d')]);
        const recalled = await memory.recallCopies(mappingId, ['a', 'b/\u{1F600}', 'missing', 'd']);
        expect(recalled).toEqual(
          new Map([
            ['a', copy('a')],
            ['b/\u{1F600}', copy('b/\u{1F600}')],
          ]),
        );
        expect(await memory.recallCopies(mappingId, [])).toEqual(new Map());
      }),
    );

    test(
      'remembering a key again replaces its record',
      withLedger(async ({ memory }) => {
        const mappingId = uniqueId('mapping');
        await memory.rememberCopies(mappingId, [copy('a'), copy('b')]);
        await memory.rememberCopies(mappingId, [copy('a', 2)]);
        expect(await memory.recallCopies(mappingId, ['a', 'b'])).toEqual(
          new Map([
            ['a', copy('a', 2)],
            ['b', copy('b')],
          ]),
        );
      }),
    );

    test(
      'recall of 500 keys returns all of them',
      withLedger(async ({ memory }) => {
        const mappingId = uniqueId('mapping');
        const records = Array.from({ length: 500 }, (_, index) => copy(`many/${index}`));
        await memory.rememberCopies(mappingId, records);
        const recalled = await memory.recallCopies(
          mappingId,
          records.map((record) => record.key),
        );
        expect(recalled.size).toBe(500);
        expect(recalled.get('many/499')).toEqual(copy('many/499'));
      }),
    );

    test(
      'an upload is remembered, replaced, recalled and forgotten per mapping and key',
      withLedger(async ({ memory }) => {
        const mappingId = uniqueId('mapping');
        const upload: UploadRecord = {
          key: 'big.bin',
          uploadId: 'upload-1',
          sourceEtag: 'etag-1',
          partSize: 8 * 1024 ** 2,
          checksumAlgorithm: 'CRC32C',
        };
        expect(await memory.recallUpload(mappingId, 'big.bin')).toBeUndefined();
        await memory.rememberUpload(mappingId, upload);
        expect(await memory.recallUpload(mappingId, 'big.bin')).toEqual(upload);
        expect(await memory.recallUpload(uniqueId('mapping'), 'big.bin')).toBeUndefined();
        const replacement: UploadRecord = {
          ...upload,
          uploadId: 'upload-2',
          partSize: 16 * 1024 ** 2,
          checksumAlgorithm: 'CRC64NVME',
        };
        await memory.rememberUpload(mappingId, replacement);
        expect(await memory.recallUpload(mappingId, 'big.bin')).toEqual(replacement);
        await memory.forgetUpload(mappingId, 'big.bin');
        expect(await memory.recallUpload(mappingId, 'big.bin')).toBeUndefined();
        await memory.forgetUpload(mappingId, 'never-remembered');
      }),
    );
  });

  describe(`SharedUploads contract: ${name}`, () => {
    const sharedRef = (): SharedObjectRef => ({ runId: uniqueId('run'), batchId: uniqueId('batch') });
    const start = (uploadId: string, rangeCount = 3): SharedUploadStart => ({
      key: 'out/giant.bin',
      uploadId,
      sourceEtag: '0123456789abcdef0123456789abcdef-9',
      sourceSize: 40 * 1024 ** 2,
      partSize: 5 * 1024 ** 2,
      checksumAlgorithm: 'CRC32C',
      rangeCount,
    });
    const opened = (uploadId: string, rangeCount = 3): SharedUploadRecord => ({
      ...start(uploadId, rangeCount),
      state: 'OPEN',
      doneRanges: [],
    });
    const part = (partNumber: number, etag = `etag-${partNumber}`): CompletedPart => ({
      partNumber,
      etag,
      size: 5 * 1024 ** 2,
      checksum: `crc${partNumber}==`,
    });

    test(
      "the first claim wins; a later claim gets the winner's record; an unknown object has none",
      withLedger(async ({ memory }) => {
        const ref = sharedRef();
        expect(await memory.recallSharedUpload(ref)).toBeUndefined();
        expect(await memory.claimSharedUpload(ref, start('upload-a'))).toEqual(opened('upload-a'));
        expect(await memory.claimSharedUpload(ref, start('upload-b', 7))).toEqual(opened('upload-a'));
        expect(await memory.recallSharedUpload(ref)).toEqual(opened('upload-a'));
        expect(await memory.recallSharedUpload({ ...ref, batchId: uniqueId('batch') })).toBeUndefined();
      }),
    );

    test(
      'concurrent claims store exactly one upload, and every claimer is told which',
      withLedger(async ({ memory }) => {
        const ref = sharedRef();
        const claims = await Promise.all(
          ['u1', 'u2', 'u3', 'u4'].map((uploadId) => memory.claimSharedUpload(ref, start(uploadId))),
        );
        const winners = new Set(claims.map((record) => record.uploadId));
        expect(winners.size).toBe(1);
        expect(await memory.recallSharedUpload(ref)).toEqual(claims[0]);
      }),
    );

    test(
      'a range is marked done once; marks for another upload, or out of range, are refused',
      withLedger(async ({ memory }) => {
        const ref = sharedRef();
        await memory.claimSharedUpload(ref, start('upload-a'));
        const first = await memory.markRangeDone(ref, { uploadId: 'upload-a', rangeIndex: 2 });
        expect(first).toEqual({ marked: true, record: { ...opened('upload-a'), doneRanges: [2] } });
        const again = await memory.markRangeDone(ref, { uploadId: 'upload-a', rangeIndex: 2 });
        expect(again).toEqual({ marked: false, record: { ...opened('upload-a'), doneRanges: [2] } });
        const stale = await memory.markRangeDone(ref, { uploadId: 'upload-old', rangeIndex: 0 });
        expect(stale).toEqual({ marked: false, record: { ...opened('upload-a'), doneRanges: [2] } });
        await expect(memory.markRangeDone(ref, { uploadId: 'upload-a', rangeIndex: 3 })).rejects.toThrow(
          RangeError,
        );
        const second = await memory.markRangeDone(ref, { uploadId: 'upload-a', rangeIndex: 0 });
        expect(second.record?.doneRanges).toEqual([0, 2]);
        expect(await memory.markRangeDone(sharedRef(), { uploadId: 'x', rangeIndex: 0 })).toEqual({
          marked: false,
          record: undefined,
        });
      }),
    );

    test(
      'of concurrent marks, duplicates among them, each range counts once and exactly one mark completes the set',
      withLedger(async ({ memory }) => {
        const ref = sharedRef();
        const rangeCount = 6;
        await memory.claimSharedUpload(ref, start('upload-a', rangeCount));
        const indexes = [0, 1, 2, 3, 4, 5, 1, 4, 5];
        const marks = await Promise.all(
          indexes.map((rangeIndex) => memory.markRangeDone(ref, { uploadId: 'upload-a', rangeIndex })),
        );
        expect(marks.filter((mark) => mark.marked)).toHaveLength(rangeCount);
        const completing = marks.filter(
          (mark) => mark.marked && mark.record.doneRanges.length === rangeCount,
        );
        expect(completing).toHaveLength(1);
        expect((await memory.recallSharedUpload(ref))?.doneRanges).toEqual([0, 1, 2, 3, 4, 5]);
      }),
    );

    test(
      'parts are recorded idempotently per upload and recalled by span, in part order',
      withLedger(async ({ memory }) => {
        const ref = sharedRef();
        await memory.rememberSharedParts(ref, 'upload-a', [part(3), part(1)]);
        await memory.rememberSharedParts(ref, 'upload-a', [part(2), part(3, 'etag-3b')]);
        await memory.rememberSharedParts(ref, 'upload-a', [{ partNumber: 4, etag: 'etag-4', size: 9 }]);
        await memory.rememberSharedParts(ref, 'upload-a', []);
        expect(
          await memory.recallSharedParts(ref, { uploadId: 'upload-a', firstPart: 1, lastPart: 8 }),
        ).toEqual([part(1), part(2), part(3, 'etag-3b'), { partNumber: 4, etag: 'etag-4', size: 9 }]);
        expect(
          await memory.recallSharedParts(ref, { uploadId: 'upload-a', firstPart: 2, lastPart: 3 }),
        ).toEqual([part(2), part(3, 'etag-3b')]);
        expect(
          await memory.recallSharedParts(ref, { uploadId: 'upload-b', firstPart: 1, lastPart: 8 }),
        ).toEqual([]);
        await memory.rememberSharedParts(ref, 'upload-b', [part(2, 'etag-2b')]);
        expect(
          await memory.recallSharedParts(ref, { uploadId: 'upload-a', firstPart: 1, lastPart: 8 }),
        ).toEqual([part(1), part(3, 'etag-3b'), { partNumber: 4, etag: 'etag-4', size: 9 }]);
        expect(
          await memory.recallSharedParts(ref, { uploadId: 'upload-b', firstPart: 1, lastPart: 2 }),
        ).toEqual([part(2, 'etag-2b')]);
        expect(
          await memory.recallSharedParts(sharedRef(), { uploadId: 'upload-a', firstPart: 1, lastPart: 8 }),
        ).toEqual([]);
      }),
    );

    test(
      'replacing a vanished upload clears the ranges done and reports them; only from the upload named',
      withLedger(async ({ memory }) => {
        const ref = sharedRef();
        await memory.claimSharedUpload(ref, start('upload-a'));
        await memory.markRangeDone(ref, { uploadId: 'upload-a', rangeIndex: 1 });
        await memory.markRangeDone(ref, { uploadId: 'upload-a', rangeIndex: 0 });
        const refused = await memory.replaceSharedUpload(ref, {
          fromUploadId: 'upload-x',
          toUploadId: 'upload-b',
        });
        expect(refused).toEqual({ replaced: false, record: { ...opened('upload-a'), doneRanges: [0, 1] } });
        const replaced = await memory.replaceSharedUpload(ref, {
          fromUploadId: 'upload-a',
          toUploadId: 'upload-b',
        });
        expect(replaced).toEqual({ replaced: true, record: opened('upload-b'), abandonedRanges: [0, 1] });
        expect(await memory.recallSharedUpload(ref)).toEqual(opened('upload-b'));
        const late = await memory.markRangeDone(ref, { uploadId: 'upload-a', rangeIndex: 2 });
        expect(late).toEqual({ marked: false, record: opened('upload-b') });
        const twice = await memory.replaceSharedUpload(ref, {
          fromUploadId: 'upload-a',
          toUploadId: 'upload-c',
        });
        expect(twice).toEqual({ replaced: false, record: opened('upload-b') });
        expect(
          await memory.replaceSharedUpload(sharedRef(), { fromUploadId: 'upload-a', toUploadId: 'upload-c' }),
        ).toEqual({ replaced: false, record: undefined });
      }),
    );

    test(
      'an OPEN record settles once, as DONE or FAILED with its failure; a settled one changes no more',
      withLedger(async ({ memory }) => {
        const done = sharedRef();
        await memory.claimSharedUpload(done, start('upload-a', 2));
        await memory.markRangeDone(done, { uploadId: 'upload-a', rangeIndex: 0 });
        const completed = { ...opened('upload-a', 2), state: 'DONE' as const, doneRanges: [0] };
        expect(await memory.settleSharedUpload(done, { state: 'DONE' })).toEqual(completed);
        const tooLate = failure('in/giant.bin', 2);
        expect(await memory.settleSharedUpload(done, { state: 'FAILED', failure: tooLate })).toEqual(
          completed,
        );
        expect(await memory.markRangeDone(done, { uploadId: 'upload-a', rangeIndex: 1 })).toEqual({
          marked: false,
          record: completed,
        });

        const failed = sharedRef();
        await memory.claimSharedUpload(failed, start('upload-f'));
        const why: FailureRecord = {
          key: 'in/giant.bin',
          errorClass: 'NotFound',
          message: 'gone',
          attempts: 1,
        };
        const failedRecord = { ...opened('upload-f'), state: 'FAILED' as const, failure: why };
        expect(await memory.settleSharedUpload(failed, { state: 'FAILED', failure: why })).toEqual(
          failedRecord,
        );
        expect(await memory.settleSharedUpload(failed, { state: 'DONE' })).toEqual(failedRecord);
        expect(await memory.recallSharedUpload(failed)).toEqual(failedRecord);
        expect(
          await memory.replaceSharedUpload(failed, { fromUploadId: 'upload-f', toUploadId: 'upload-g' }),
        ).toEqual({ replaced: false, record: failedRecord });
        expect(await memory.settleSharedUpload(sharedRef(), { state: 'DONE' })).toBeUndefined();
      }),
    );
  });

  describe(`Sync deletes contract: ${name}`, () => {
    const startSync = (ledger: RunLedger) =>
      ledger.startRun({
        runId: uniqueId('run'),
        mappingId: uniqueId('mapping'),
        mode: 'sync',
        startedAt: new Date('2025-03-01T10:00:00.000Z'),
      });
    const item = (
      key: string,
      size = 10,
      etag = `"${key.length.toString(16).padStart(32, '0')}"`,
    ): DeleteItem => ({
      key,
      size,
      etag,
    });
    const held = (batchId: string, items: readonly DeleteItem[]): HeldDeletes => ({ batchId, items });
    const planned = (batchId: string, deletes?: HeldDeletes) => ({
      batchId,
      planned: { objects: 1, bytes: 100 },
      skipped: zero,
      ...(deletes ? { deletes } : {}),
    });
    const bytesOf = (items: readonly DeleteItem[]) => items.reduce((sum, each) => sum + each.size, 0);

    test(
      'a sync run starts with its deletes HELD and zero toDelete and deleted; other modes have no deleteState',
      withLedger(async ({ ledger }) => {
        const runId = uniqueId('run');
        const startedAt = new Date('2025-03-01T10:00:00.123Z');
        const created = await ledger.startRun({ runId, mappingId: 'photos', mode: 'sync', startedAt });
        const expected: RunRecord = {
          ...freshRun({ runId, mappingId: 'photos', mode: 'sync', startedAt }),
          deleteState: 'HELD',
        };
        expect(created).toEqual(expected);
        expect(await ledger.getRun(runId)).toEqual(expected);
        expect(await ledger.startRun({ runId, mappingId: 'photos', mode: 'full', startedAt })).toEqual(
          expected,
        );
        for (const mode of ['full', 'incremental'] as const) {
          const other = await ledger.startRun({
            runId: uniqueId('run'),
            mappingId: 'photos',
            mode,
            startedAt,
          });
          expect(other.deleteState).toBeUndefined();
          expect(other.deleteReason).toBeUndefined();
          expect(other.toDelete).toEqual(zero);
          expect(other.deleted).toEqual(zero);
          // Only HELD deletes settle: a run without any stays without a state.
          await ledger.settleDeletes(other.runId, { state: 'RELEASED' });
          expect(await ledger.getRun(other.runId)).toEqual(other);
          expect(await ledger.listHeldDeletes(other.runId, { limit: 5 })).toEqual({ batches: [] });
        }
      }),
    );

    test(
      'deletes held with a planned batch add to toDelete once; the same batchId again changes nothing',
      withLedger(async ({ ledger }) => {
        const { runId } = await startSync(ledger);
        const neighbour = await startSync(ledger);
        const items = [item('old/a', 5), item('old/b', 0), item('old/c', 7)];
        expect(await ledger.recordPlanned(runId, planned('b1', held('d1', items)))).toBe(true);
        const once = await ledger.getRun(runId);
        expect(once?.toDelete).toEqual({ objects: 3, bytes: 12 });
        expect(once?.planned).toEqual({ objects: 1, bytes: 100 });
        expect(once?.deleted).toEqual(zero);
        expect(await ledger.recordPlanned(runId, planned('b1', held('d1', items)))).toBe(false);
        expect(await ledger.getRun(runId)).toEqual(once);
        expect(await ledger.listHeldDeletes(runId, { limit: 10 })).toEqual({ batches: [held('d1', items)] });

        // A batch without deletes, and one that is only deletes (named after them, as the lister does).
        expect(await ledger.recordPlanned(runId, planned('b2'))).toBe(true);
        const more = [item('old/d', 1000)];
        expect(
          await ledger.recordPlanned(runId, {
            batchId: 'd2',
            planned: zero,
            skipped: zero,
            deletes: held('d2', more),
          }),
        ).toBe(true);
        const run = await ledger.getRun(runId);
        expect(run?.toDelete).toEqual({ objects: 4, bytes: 1012 });
        expect(run?.planned).toEqual({ objects: 2, bytes: 200 });
        expect(run?.deleteState).toBe('HELD');
        expect(await ledger.listHeldDeletes(runId, { limit: 10 })).toEqual({
          batches: [held('d1', items), held('d2', more)],
        });

        expect(await ledger.getRun(neighbour.runId)).toEqual(neighbour);
        expect(await ledger.listHeldDeletes(neighbour.runId, { limit: 10 })).toEqual({ batches: [] });
      }),
    );

    test(
      'a deletes batch held already, under another planned batch, is refused and changes nothing',
      withLedger(async ({ ledger }) => {
        const { runId } = await startSync(ledger);
        const items = [item('x', 3)];
        await ledger.recordPlanned(runId, planned('b1', held('d1', items)));
        const before = await ledger.getRun(runId);
        await expect(ledger.recordPlanned(runId, planned('b2', held('d1', [item('y', 4)])))).rejects.toThrow(
          FerryError,
        );
        expect(await ledger.getRun(runId)).toEqual(before);
        expect(await ledger.listHeldDeletes(runId, { limit: 10 })).toEqual({ batches: [held('d1', items)] });
        // Its planned batch was not recorded either: it can be recorded once the deletes are right.
        expect(await ledger.recordPlanned(runId, planned('b2'))).toBe(true);
      }),
    );

    test(
      'held batches come in pages in batchId order, items exactly as held, and only the last page lacks next',
      withLedger(async ({ ledger }) => {
        const { runId } = await startSync(ledger);
        const longestS3Key = '\u{1F600}'.repeat(256);
        const odd = [
          item('photos/\u{1F600}.jpg', 5 * 1024 ** 4, '"0123456789abcdef0123456789abcdef-10000"'),
          item('photos/\uFFFD.jpg', 0, ''),
          item('photos/é "quoted" \\ back\\slash', 1, 'W/"weak"'),
          item(longestS3Key, 123_456_789),
          item('tab\there/new\nline', 2),
        ];
        const ids = ['c3', 'a1', 'f6', 'b2', 'e5', 'd4', 'g7'];
        const batches = ids.map((batchId, index) =>
          held(
            batchId,
            index === 0 ? odd : [item(`k/${batchId}/1`, index), item(`k/${batchId}/2`, index * 2)],
          ),
        );
        for (const [index, batch] of batches.entries()) {
          expect(await ledger.recordPlanned(runId, planned(`b${index}`, batch))).toBe(true);
        }
        const expected = [...batches].sort((left, right) => compareUtf8(left.batchId, right.batchId));
        const paged = await allHeldPages(ledger, runId, 3);
        expect(paged).toEqual({ batches: expected, pages: 3 });
        expect(await allHeldPages(ledger, runId, 7)).toEqual({ batches: expected, pages: 1 });
        expect(await ledger.listHeldDeletes(runId, { limit: 1, after: 'f6' })).toEqual({
          batches: [expected[6]],
        });
        expect(await ledger.listHeldDeletes(runId, { limit: 2, after: 'g7' })).toEqual({ batches: [] });
        const toDelete = (await ledger.getRun(runId))?.toDelete;
        expect(toDelete).toEqual({
          objects: batches.reduce((sum, batch) => sum + batch.items.length, 0),
          bytes: batches.reduce((sum, batch) => sum + bytesOf(batch.items), 0),
        });
        await expect(ledger.listHeldDeletes(runId, { limit: 0 })).rejects.toThrow(RangeError);
      }),
    );

    test(
      'a batch of 1,000 deletes as large as a delete message round-trips',
      withLedger(async ({ ledger }) => {
        const { runId } = await startSync(ledger);
        // About 195 KiB of encoded items, near the 200 KiB message limit: 1,000 keys of 145 bytes, multipart ETags.
        const items = Array.from({ length: 1000 }, (_, index) =>
          item(
            `${String(index).padStart(4, '0')}/${'é'.repeat(70)}`,
            index * 1024,
            `"${'f'.repeat(32)}-${index}"`,
          ),
        );
        await ledger.recordPlanned(runId, planned('big', held('d-big', items)));
        expect(await ledger.listHeldDeletes(runId, { limit: 1 })).toEqual({
          batches: [held('d-big', items)],
        });
        expect((await ledger.getRun(runId))?.toDelete).toEqual({ objects: 1000, bytes: bytesOf(items) });
      }),
    );

    test(
      'settleDeletes moves HELD deletes once: RELEASED, or REFUSED with its reason; later settlements change nothing',
      withLedger(async ({ ledger }) => {
        const released = await startSync(ledger);
        const refused = await startSync(ledger);
        const untouched = await startSync(ledger);
        await ledger.settleDeletes(released.runId, { state: 'RELEASED' });
        await ledger.settleDeletes(released.runId, { state: 'REFUSED', reason: 'too late' });
        await ledger.settleDeletes(released.runId, { state: 'RELEASED' });
        expect(await ledger.getRun(released.runId)).toEqual({ ...released, deleteState: 'RELEASED' });

        const reason = '1,200 objects to delete, more than maxDeleteObjects (1,000)';
        await ledger.settleDeletes(refused.runId, { state: 'REFUSED', reason });
        await ledger.settleDeletes(refused.runId, { state: 'RELEASED' });
        await ledger.settleDeletes(refused.runId, { state: 'REFUSED', reason: 'another reason' });
        expect(await ledger.getRun(refused.runId)).toEqual({
          ...refused,
          deleteState: 'REFUSED',
          deleteReason: reason,
        });

        expect(await ledger.getRun(untouched.runId)).toEqual(untouched);
      }),
    );

    test(
      'settleDeletes of an unknown run throws an Internal error; it has no held deletes',
      withLedger(async ({ ledger }) => {
        const runId = uniqueId('missing');
        await expect(ledger.settleDeletes(runId, { state: 'RELEASED' })).rejects.toThrow(FerryError);
        await expect(ledger.settleDeletes(runId, { state: 'REFUSED', reason: 'x' })).rejects.toMatchObject({
          errorClass: 'Internal',
        });
        expect(await ledger.getRun(runId)).toBeUndefined();
        expect(await ledger.listHeldDeletes(runId, { limit: 3 })).toEqual({ batches: [] });
      }),
    );

    test(
      'recordOutcome adds deleted once per batchId; failed deletes count as failed with their failures',
      withLedger(async ({ ledger }) => {
        const { runId } = await startSync(ledger);
        const neighbour = await startSync(ledger);
        const deleteOutcome: BatchOutcome = {
          batchId: 'd1',
          copied: zero,
          failed: { objects: 1, bytes: 9 },
          failures: [failure('dest/changed')],
          deleted: { objects: 2, bytes: 30 },
        };
        expect(await ledger.recordOutcome(runId, deleteOutcome)).toBe(true);
        expect(await ledger.recordOutcome(runId, deleteOutcome)).toBe(false);
        expect(await ledger.recordOutcome(runId, outcome('b1', 3))).toBe(true);
        const run = await ledger.getRun(runId);
        expect(run?.deleted).toEqual({ objects: 2, bytes: 30 });
        expect(run?.failed).toEqual({ objects: 1, bytes: 9 });
        expect(run?.copied).toEqual({ objects: 3, bytes: 3000 });
        expect(run?.toDelete).toEqual(zero);
        expect(await ledger.listFailures(runId, { limit: 10 })).toEqual({
          failures: [failure('dest/changed')],
        });
        expect(await ledger.getRun(neighbour.runId)).toEqual(neighbour);
      }),
    );
  });
}
