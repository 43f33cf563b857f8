// How a delete request's report becomes an outcome that accounts for every target once; which keys XML can carry.
import { describe, expect, test } from 'vitest';
import { deleteOutcomeOf, mergeDeleteOutcomes } from '../../../worker/src/storage/delete-outcome.ts';
import { xmlCarriesKey } from '../../../worker/src/storage/s3-wire.ts';

describe('deleteOutcomeOf', () => {
  const targets = ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, etag: `etag-${key}` }));

  test('deleted and already-gone keys are deleted; refused and unmentioned ones are errors; strangers ignored', () => {
    const outcome = deleteOutcomeOf(targets, {
      deleted: ['a', 'not-asked'],
      errors: [
        { key: 'b', code: 'NoSuchKey', message: 'The specified key does not exist.' },
        { key: 'c', code: 'PreconditionFailed', message: 'At least one of the pre-conditions did not hold' },
        { key: 'd', code: 'AccessDenied', message: 'Access Denied' },
      ],
    });
    expect(outcome.deleted).toEqual(['a', 'b']);
    expect(outcome.errors).toEqual([
      { key: 'c', code: 'PreconditionFailed', message: 'At least one of the pre-conditions did not hold' },
      { key: 'd', code: 'AccessDenied', message: 'Access Denied' },
      { key: 'e', code: 'NotReported', message: expect.stringMatching(/does not mention/) },
    ]);
  });

  test('outcomes of disjoint targets merge', () => {
    const merged = mergeDeleteOutcomes(
      { deleted: ['a'], errors: [{ key: 'b', code: 'X', message: 'x' }] },
      { deleted: ['c'], errors: [] },
    );
    expect(merged).toEqual({ deleted: ['a', 'c'], errors: [{ key: 'b', code: 'X', message: 'x' }] });
  });
});

describe('xmlCarriesKey', () => {
  test('plain, unicode, tab and line-feed keys travel in XML; controls, CR, U+FFFE and lone surrogates do not', () => {
    for (const key of ['a/b', 'ünï/日本/😀', 'tab\there', 'line\nfeed', '&<>"\'', 'x\u0085y\u2028z']) {
      expect(xmlCarriesKey(key), JSON.stringify(key)).toBe(true);
    }
    for (const key of ['ctl\u0001', 'cr\rkey', 'nul\u0000', 'us\u001f', 'bad\uFFFE', 'lone\uD800']) {
      expect(xmlCarriesKey(key), JSON.stringify(key)).toBe(false);
    }
  });
});
