import { describe, expect, it } from 'vitest';
import { deleteVerdict } from '../../../worker/src/plan/delete-guardrail.ts';

const MiB = 1024 * 1024;

describe('deleteVerdict', () => {
  it('allows deletes within the limits, and any number when there are none', () => {
    const toDelete = { objects: 10, bytes: 10 * MiB };
    expect(deleteVerdict({ toDelete, sourceObjects: 5, limits: {} })).toEqual({ allowed: true });
    expect(
      deleteVerdict({
        toDelete,
        sourceObjects: 5,
        limits: { maxDeleteObjects: 10, maxDeleteBytes: 10 * MiB },
      }),
    ).toEqual({ allowed: true });
  });

  it('refuses one object or one byte over a limit, naming the counts and the limit', () => {
    const toDelete = { objects: 11, bytes: 10 * MiB + 1 };
    const byObjects = deleteVerdict({ toDelete, sourceObjects: 5, limits: { maxDeleteObjects: 10 } });
    expect(byObjects).toEqual({
      allowed: false,
      reason: 'the sync would delete 11 objects (10.0 MiB), over maxDeleteObjects 10',
    });
    const byBytes = deleteVerdict({ toDelete, sourceObjects: 5, limits: { maxDeleteBytes: 10 * MiB } });
    expect(byBytes.allowed).toBe(false);
    expect(!byBytes.allowed && byBytes.reason).toMatch(/over maxDeleteBytes 10\.0 MiB/);
  });

  it('refuses to empty the destination when the source listed nothing, unless maxDeleteObjects allows it', () => {
    const toDelete = { objects: 3, bytes: 300 };
    const refused = deleteVerdict({ toDelete, sourceObjects: 0, limits: { maxDeleteBytes: 1000 } });
    expect(!refused.allowed && refused.reason).toMatch(/source listed no object.*set maxDeleteObjects/);
    expect(deleteVerdict({ toDelete, sourceObjects: 0, limits: { maxDeleteObjects: 3 } })).toEqual({
      allowed: true,
    });
    expect(deleteVerdict({ toDelete, sourceObjects: 1, limits: {} })).toEqual({ allowed: true });
  });

  it('has nothing to refuse when nothing is to be deleted', () => {
    const verdict = deleteVerdict({
      toDelete: { objects: 0, bytes: 0 },
      sourceObjects: 0,
      limits: { maxDeleteObjects: 0, maxDeleteBytes: 0 },
    });
    expect(verdict).toEqual({ allowed: true });
  });
});
