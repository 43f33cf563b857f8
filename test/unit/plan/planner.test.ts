import { describe, expect, it } from 'vitest';
import type { MappingConfig } from '../../../worker/src/config/types.ts';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import type { ObjectEntry } from '../../../worker/src/domain/object.ts';
import { type PlanDecision, type PlanOptions, plan } from '../../../worker/src/plan/planner.ts';
import type { CopyRecord } from '../../../worker/src/ports/ledger.ts';
import { collect, entry, instrumentedListing, listingOf, md5A, md5B, md5C } from './plan-fixtures.ts';

const composite2 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2';
const composite3 = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-3';

function mappingFor(
  options: Partial<Pick<MappingConfig, 'include' | 'exclude'>> & {
    source?: string;
    destination?: string;
  } = {},
): MappingConfig {
  return {
    id: 'photos',
    source: { endpoint: 'src', bucket: 'in', prefix: options.source ?? 'data/' },
    destination: { endpoint: 'dst', bucket: 'out', prefix: options.destination ?? 'backup/2024/' },
    include: options.include ?? [],
    exclude: options.exclude ?? [],
  };
}

/** A recall backed by a map, recording every call. */
function memory(records: readonly CopyRecord[] = []) {
  const calls: string[][] = [];
  const recall = async (keys: string[]): Promise<Map<string, CopyRecord>> => {
    calls.push([...keys]);
    return new Map(
      records.filter((record) => keys.includes(record.key)).map((record) => [record.key, record]),
    );
  };
  return { calls, recall };
}

const summary = (decision: PlanDecision) => [
  decision.sourceKey,
  decision.destinationKey,
  decision.action,
  decision.reason,
];

describe('plan, incremental', () => {
  it("decides each source object against its mapped destination and Ferry's records, in key order", async () => {
    const { calls, recall } = memory([
      { key: 'backup/2024/e-copied', sourceEtag: composite3, sourceSize: 10, destinationEtag: composite2 },
      { key: 'backup/2024/f-edited', sourceEtag: composite3, sourceSize: 10, destinationEtag: composite2 },
    ]);
    const decisions = await collect(
      plan({
        mode: 'incremental',
        mapping: mappingFor(),
        recall,
        sourceListing: listingOf([
          entry('data/a-new'),
          entry('data/b-resized', { size: 11 }),
          entry('data/c-same', { etag: md5A }),
          entry('data/d-edited', { etag: md5B }),
          entry('data/e-copied', { etag: composite3 }),
          entry('data/f-edited', { etag: composite2 }),
          entry('data/g-unknown', { etag: composite3 }),
          entry('data/\uFFFD'),
          entry('data/\u{1F600}', { etag: md5A }),
        ]),
        destinationListing: listingOf([
          entry('backup/2024/b-resized'),
          entry('backup/2024/c-same', { etag: md5A }),
          entry('backup/2024/d-edited', { etag: md5C }),
          entry('backup/2024/e-copied', { etag: composite2 }),
          entry('backup/2024/f-edited', { etag: composite3 }),
          entry('backup/2024/g-unknown', { etag: composite2 }),
          entry('backup/2024/only-in-destination'),
          entry('backup/2024/\u{1F600}', { etag: md5A }),
        ]),
      }),
    );
    expect(decisions.map(summary)).toEqual([
      ['data/a-new', 'backup/2024/a-new', 'copy', 'new'],
      ['data/b-resized', 'backup/2024/b-resized', 'copy', 'size-differs'],
      ['data/c-same', 'backup/2024/c-same', 'skip', 'same-etag'],
      ['data/d-edited', 'backup/2024/d-edited', 'copy', 'etag-differs'],
      ['data/e-copied', 'backup/2024/e-copied', 'skip', 'same-as-copied'],
      ['data/f-edited', 'backup/2024/f-edited', 'copy', 'changed-since-copy'],
      ['data/g-unknown', 'backup/2024/g-unknown', 'copy', 'unverifiable'],
      ['data/\uFFFD', 'backup/2024/\uFFFD', 'copy', 'new'],
      ['data/\u{1F600}', 'backup/2024/\u{1F600}', 'skip', 'same-etag'],
    ]);
    // Only the keys whose decision depends on a record are looked up, in one batch.
    expect(calls).toEqual([
      ['backup/2024/d-edited', 'backup/2024/e-copied', 'backup/2024/f-edited', 'backup/2024/g-unknown'],
    ]);
  });

  it('carries both entries on each decision', async () => {
    const source = entry('data/x', { etag: md5A });
    const destination = entry('backup/2024/x', { etag: md5A });
    const [decision] = await collect(
      plan({
        mode: 'incremental',
        mapping: mappingFor(),
        recall: memory().recall,
        sourceListing: listingOf([source]),
        destinationListing: listingOf([destination]),
      }),
    );
    expect(decision).toEqual({
      sourceKey: 'data/x',
      destinationKey: 'backup/2024/x',
      source,
      destination,
      action: 'skip',
      reason: 'same-etag',
    });
  });

  it('applies include and exclude globs relative to the source prefix, on both sides', async () => {
    const { calls, recall } = memory();
    const decisions = await collect(
      plan({
        mode: 'incremental',
        mapping: mappingFor({ include: ['**/*.jpg'], exclude: ['tmp/**'] }),
        recall,
        sourceListing: listingOf(
          ['data/a.jpg', 'data/b.png', 'data/sub/c.jpg', 'data/tmp/d.jpg'].map((key) =>
            entry(key, { etag: md5A }),
          ),
        ),
        destinationListing: listingOf(
          ['backup/2024/b.png', 'backup/2024/tmp/d.jpg'].map((key) => entry(key, { etag: md5B })),
        ),
      }),
    );
    expect(decisions.map(summary)).toEqual([
      ['data/a.jpg', 'backup/2024/a.jpg', 'copy', 'new'],
      ['data/sub/c.jpg', 'backup/2024/sub/c.jpg', 'copy', 'new'],
    ]);
    expect(calls).toEqual([]);
  });

  it('recalls in batches of recallBatchSize keys, never per key', async () => {
    const count = 1234;
    const key = (prefix: string, index: number) => `${prefix}${String(index).padStart(5, '0')}`;
    const { calls, recall } = memory();
    const decisions = await collect(
      plan({
        mode: 'incremental',
        mapping: mappingFor(),
        recall,
        recallBatchSize: 500,
        sourceListing: listingOf(
          Array.from({ length: count }, (_, index) => entry(key('data/', index), { etag: md5A })),
        ),
        destinationListing: listingOf(
          Array.from({ length: count }, (_, index) => entry(key('backup/2024/', index), { etag: md5B })),
        ),
      }),
    );
    expect(calls.map((keys) => keys.length)).toEqual([500, 500, 234]);
    expect(calls.flat()).toEqual(decisions.map((decision) => decision.destinationKey));
    expect(decisions.map((decision) => decision.sourceKey)).toEqual(
      Array.from({ length: count }, (_, index) => key('data/', index)),
    );
  });

  it('uses the recalled record for the right key within a batch', async () => {
    const { recall } = memory([
      { key: 'backup/2024/b', sourceEtag: composite3, sourceSize: 10, destinationEtag: composite2 },
    ]);
    const decisions = await collect(
      plan({
        mode: 'incremental',
        mapping: mappingFor(),
        recall,
        sourceListing: listingOf(
          ['data/a', 'data/b', 'data/c'].map((key) => entry(key, { etag: composite3 })),
        ),
        destinationListing: listingOf(
          ['backup/2024/a', 'backup/2024/b', 'backup/2024/c'].map((key) => entry(key, { etag: composite2 })),
        ),
      }),
    );
    expect(decisions.map((decision) => decision.reason)).toEqual([
      'unverifiable',
      'same-as-copied',
      'unverifiable',
    ]);
  });

  it('streams: holds back at most maxPendingDecisions entries and stops listing when the consumer stops', async () => {
    const source = instrumentedListing(
      (index) => entry(`data/${String(index).padStart(9, '0')}`),
      10_000_000,
    );
    const destination = instrumentedListing(
      (index) => entry(`backup/2024/${String(index).padStart(9, '0')}`),
      10_000_000,
    );
    const decisions = plan({
      mode: 'incremental',
      mapping: mappingFor(),
      recall: memory().recall,
      recallBatchSize: 10,
      maxPendingDecisions: 25,
      sourceListing: source.listing,
      destinationListing: destination.listing,
    });
    const first = await decisions.next();
    expect(first.value).toMatchObject({ sourceKey: 'data/000000000', action: 'skip' });
    expect(source.stats.pulled).toBeLessThanOrEqual(27);
    await decisions.return(undefined);
    expect(source.stats.closed).toBe(true);
    expect(destination.stats.closed).toBe(true);
  });

  it('fails a key whose destination key would be too long, in order with the rest', async () => {
    const longTail = 'x'.repeat(1020);
    const mapping = mappingFor({ source: 's/', destination: 'a-much-longer-prefix/' });
    const { calls, recall } = memory();
    const decisions = await collect(
      plan({
        mode: 'incremental',
        mapping,
        recall,
        sourceListing: listingOf([entry('s/a', { etag: md5A }), entry(`s/${longTail}`), entry('s/z')]),
        destinationListing: listingOf([entry('a-much-longer-prefix/a', { etag: md5B })]),
      }),
    );
    expect(decisions.map((decision) => [decision.sourceKey, decision.action, decision.reason])).toEqual([
      ['s/a', 'copy', 'etag-differs'],
      [`s/${longTail}`, 'fail', 'invalid-key'],
      ['s/z', 'copy', 'new'],
    ]);
    const failed = decisions[1];
    expect(failed?.action === 'fail' && failed.detail).toBe(
      "the key is 1041 bytes in UTF-8, over S3's limit of 1024",
    );
    expect(failed?.destinationKey).toBe(`a-much-longer-prefix/${longTail}`);
    expect(calls).toEqual([['a-much-longer-prefix/a']]);
  });

  it('fails a folder marker that would map to an empty key', async () => {
    const decisions = await collect(
      plan({
        mode: 'full',
        mapping: mappingFor({ source: 'data/', destination: '' }),
        recall: memory().recall,
        sourceListing: listingOf([entry('data/'), entry('data/x')]),
      }),
    );
    expect(decisions.map((decision) => [decision.destinationKey, decision.action, decision.reason])).toEqual([
      ['', 'fail', 'invalid-key'],
      ['x', 'copy', 'full-mode'],
    ]);
  });

  it('throws when the source listing is out of order', async () => {
    const decisions = plan({
      mode: 'incremental',
      mapping: mappingFor(),
      recall: memory().recall,
      sourceListing: listingOf([entry('data/\u{1F600}'), entry('data/\uFFFD')]),
      destinationListing: listingOf([]),
    });
    await expect(collect(decisions)).rejects.toThrow(/source listing is not in UTF-8 byte order/);
  });

  it('throws when the source listing strays outside the source prefix', async () => {
    const decisions = plan({
      mode: 'full',
      mapping: mappingFor(),
      recall: memory().recall,
      sourceListing: listingOf([entry('elsewhere/x')]),
    });
    await expect(collect(decisions)).rejects.toThrow(/not under the source prefix/);
  });

  it('needs a destination listing', async () => {
    const options: PlanOptions = {
      mode: 'incremental',
      mapping: mappingFor(),
      recall: memory().recall,
      sourceListing: listingOf([entry('data/x')]),
    };
    await expect(collect(plan(options))).rejects.toThrow(FerryError);
  });
});

describe('plan, full', () => {
  it('copies every filtered source object without looking at the destination or the ledger', async () => {
    const { calls, recall } = memory();
    const sources: ObjectEntry[] = ['data/a', 'data/b.tmp', 'data/c'].map((key) => entry(key));
    const decisions = await collect(
      plan({
        mode: 'full',
        mapping: mappingFor({ exclude: ['*.tmp'] }),
        recall,
        sourceListing: listingOf(sources),
      }),
    );
    expect(decisions.map(summary)).toEqual([
      ['data/a', 'backup/2024/a', 'copy', 'full-mode'],
      ['data/c', 'backup/2024/c', 'copy', 'full-mode'],
    ]);
    expect(decisions.every((decision) => decision.destination === undefined)).toBe(true);
    expect(calls).toEqual([]);
  });
});

describe('plan, sync', () => {
  it('deletes, in key order with the rest, each destination object gone from the source that the filters pass', async () => {
    const { calls, recall } = memory([
      { key: 'backup/2024/d-copied', sourceEtag: composite3, sourceSize: 10, destinationEtag: composite2 },
    ]);
    const decisions = await collect(
      plan({
        mode: 'sync',
        mapping: mappingFor({ exclude: ['keep/**'] }),
        recall,
        sourceListing: listingOf([
          entry('data/b-new'),
          entry('data/d-copied', { etag: composite3 }),
          entry('data/f-same', { etag: md5A }),
        ]),
        destinationListing: listingOf([
          entry('backup/2024/a-gone', { size: 7 }),
          entry('backup/2024/c-gone'),
          entry('backup/2024/d-copied', { etag: composite2 }),
          entry('backup/2024/e-\u{1F600}-gone'),
          entry('backup/2024/f-same', { etag: md5A }),
          entry('backup/2024/keep/excluded'),
          entry('backup/2024/z-\uFFFD-gone'),
        ]),
      }),
    );
    expect(decisions.map(summary)).toEqual([
      ['data/a-gone', 'backup/2024/a-gone', 'delete', 'not-in-source'],
      ['data/b-new', 'backup/2024/b-new', 'copy', 'new'],
      ['data/c-gone', 'backup/2024/c-gone', 'delete', 'not-in-source'],
      ['data/d-copied', 'backup/2024/d-copied', 'skip', 'same-as-copied'],
      ['data/e-\u{1F600}-gone', 'backup/2024/e-\u{1F600}-gone', 'delete', 'not-in-source'],
      ['data/f-same', 'backup/2024/f-same', 'skip', 'same-etag'],
      ['data/z-\uFFFD-gone', 'backup/2024/z-\uFFFD-gone', 'delete', 'not-in-source'],
    ]);
    const [first] = decisions;
    expect(first).toMatchObject({ action: 'delete', destination: { key: 'backup/2024/a-gone', size: 7 } });
    expect(first?.source).toBeUndefined();
    expect(calls).toEqual([['backup/2024/d-copied']]);
  });

  it('never deletes in incremental mode', async () => {
    const decisions = await collect(
      plan({
        mode: 'incremental',
        mapping: mappingFor(),
        recall: memory().recall,
        sourceListing: listingOf([entry('data/a')]),
        destinationListing: listingOf([entry('backup/2024/a'), entry('backup/2024/b-gone')]),
      }),
    );
    expect(decisions.map((decision) => decision.action)).toEqual(['skip']);
  });

  it('needs a destination listing', async () => {
    const options: PlanOptions = {
      mode: 'sync',
      mapping: mappingFor(),
      recall: memory().recall,
      sourceListing: listingOf([entry('data/x')]),
    };
    await expect(collect(plan(options))).rejects.toThrow(/sync mode needs the destination listing/);
  });
});
