// The work message codec: batches (v1) unchanged, ranges of shared objects (v2) and deletes (v3) round-trip, hostile
// values refused.
import { describe, expect, test } from 'vitest';
import {
  decodeWorkBatch,
  decodeWorkMessage,
  encodeDeleteBatch,
  encodeRangeWork,
  encodeWorkBatch,
  encodeWorkMessages,
  type RangeWork,
  rangesOfSharedBatch,
  type WorkBatch,
} from '../../../worker/src/queue/work-message.ts';

const MiB = 1024 * 1024;
const item = { key: 'in/giant\uFFFE.bin', size: 40 * MiB, etag: '0123456789abcdef0123456789abcdef-8' };
const shared: WorkBatch = {
  runId: 'run',
  mappingId: 'm',
  batchId: 'b-giant',
  items: [item],
  shared: { partSizeBytes: 5 * MiB, rangeCount: 3 },
};

describe('work messages', () => {
  test('a shared batch travels as one message per range, each naming the object batch and its parts', () => {
    const bodies = encodeWorkMessages(shared);
    expect(bodies).toHaveLength(3);
    for (const body of bodies) expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    const decoded = bodies.map(decodeWorkMessage);
    expect(decoded).toEqual(rangesOfSharedBatch(shared).map((range) => ({ kind: 'range', range })));
    expect(decoded.map((message) => (message.kind === 'range' ? message.range.firstPart : 0))).toEqual([
      1, 4, 7,
    ]);
    expect(decoded[2]).toEqual({
      kind: 'range',
      range: {
        runId: 'run',
        mappingId: 'm',
        batchId: 'b-giant',
        item,
        partSizeBytes: 5 * MiB,
        rangeCount: 3,
        firstPart: 7,
        lastPart: 8,
      },
    });
  });

  test('rangesOfSharedBatch picks ranges by index; a batch that is not shared has none', () => {
    expect(rangesOfSharedBatch(shared, [2, 0]).map((range) => range.firstPart)).toEqual([7, 1]);
    const { shared: _layout, ...plain } = shared;
    expect(rangesOfSharedBatch(plain)).toEqual([]);
    expect(encodeWorkMessages(plain)).toEqual([encodeWorkBatch(plain)]);
  });

  test('version 1 batches decode as they always did, through both decoders', () => {
    const batch = { runId: 'r', mappingId: 'm', batchId: 'b', items: [{ key: 'k', size: 1, etag: 'e' }] };
    const body = encodeWorkBatch(batch);
    expect(body).toBe('{"v":1,"r":"r","m":"m","b":"b","i":[["k",1,"e"]]}');
    expect(decodeWorkBatch(body)).toEqual(batch);
    expect(decodeWorkMessage(body)).toEqual({ kind: 'batch', batch });
    expect(() => decodeWorkBatch(encodeWorkMessages(shared)[0] ?? '')).toThrow(/unknown version 2/);
  });

  const range = rangesOfSharedBatch(shared)[1] as RangeWork;
  const wire = JSON.parse(encodeRangeWork(range)) as { p: unknown[] };
  const withFields = (fields: unknown[]): string => JSON.stringify({ ...wire, p: fields });
  const fields = wire.p;

  test.each([
    ['not an array', JSON.stringify({ ...wire, p: 'x' }), /range is not/],
    ['too few fields', withFields(fields.slice(0, 6)), /range is not/],
    ['an empty key', withFields(['', ...fields.slice(1)]), /no valid key/],
    ['a key over 1024 bytes', withFields(['k'.repeat(1025), ...fields.slice(1)]), /no valid key/],
    ['a negative size', withFields([fields[0], -1, ...fields.slice(2)]), /bad size/],
    ['a fractional size', withFields([fields[0], 1.5, ...fields.slice(2)]), /bad size/],
    ['an empty etag', withFields([fields[0], fields[1], '', ...fields.slice(3)]), /no etag/],
    [
      'a part size below 5 MiB',
      withFields([...fields.slice(0, 3), 1024, ...fields.slice(4)]),
      /no valid layout/,
    ],
    ['a part size as text', withFields([...fields.slice(0, 3), '5MiB', ...fields.slice(4)]), /bad layout/],
    [
      'more than 10,000 parts',
      withFields([fields[0], 10_001 * 5 * MiB, ...fields.slice(2)]),
      /no valid layout/,
    ],
    ['one range', withFields([...fields.slice(0, 6), 1]), /no valid layout/],
    ['more ranges than parts', withFields([...fields.slice(0, 6), 9]), /no valid layout/],
    ['parts off the layout', withFields([...fields.slice(0, 4), 5, 7, 3]), /not a range of its layout/],
    [
      'a last part past the object',
      withFields([...fields.slice(0, 4), 7, 9, 3]),
      /not a range of its layout/,
    ],
    ['part numbers as text', withFields([...fields.slice(0, 4), '4', 6, 3]), /bad part numbers/],
    ['no batch id', JSON.stringify({ ...wire, b: '' }), /missing run, mapping or batch id/],
  ])('a range message with %s is refused as malformed', (_label, body, reason) => {
    let thrown: unknown;
    try {
      decodeWorkMessage(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ errorClass: 'InvalidObject', message: expect.stringMatching(reason) });
  });

  test('bodies that are not messages are refused', () => {
    expect(() => decodeWorkMessage('[1,2]')).toThrow(/not an object/);
    expect(() => decodeWorkMessage('nope')).toThrow(/not JSON/);
    expect(() => decodeWorkMessage('{"v":4}')).toThrow(/unknown version 4/);
  });

  test('version 3 delete batches round-trip, awkward keys included, and malformed ones are poison', () => {
    const batch = {
      runId: 'run',
      mappingId: 'm',
      batchId: 'd-1',
      items: [
        { key: 'out/a\uFFFF', size: 0, etag: '"e1"' },
        { key: `out/${'\u{1F600}'.repeat(255)}`, size: 5 * MiB, etag: 'e2-3' },
      ],
    };
    const body = encodeDeleteBatch(batch);
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(decodeWorkMessage(body)).toEqual({ kind: 'delete', batch });
    const wire = { v: 3, r: 'run', m: 'm', b: 'd-1' };
    const poison = [
      { ...wire, d: [] },
      { ...wire, d: [['k', -1, 'e']] },
      { ...wire, d: [['', 1, 'e']] },
      { ...wire, d: Array.from({ length: 1001 }, (_, index) => [`k${index}`, 1, 'e']) },
      { ...wire, r: '', d: [['k', 1, 'e']] },
    ];
    for (const message of poison) {
      expect(() => decodeWorkMessage(JSON.stringify(message))).toThrow(/malformed work message/);
    }
  });
});
