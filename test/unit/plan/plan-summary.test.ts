import { describe, expect, it } from 'vitest';
import { PlanSummarizer, type SummarizedDecision } from '../../../worker/src/plan/plan-summary.ts';
import { describeReason, planReasons } from '../../../worker/src/plan/reasons.ts';

const decision = (
  sourceKey: string,
  action: SummarizedDecision['action'],
  reason: SummarizedDecision['reason'],
  size: number,
): SummarizedDecision =>
  action === 'delete'
    ? { sourceKey, action, reason, destination: { size } }
    : { sourceKey, action, reason, source: { size } };

describe('PlanSummarizer', () => {
  it('counts objects and bytes per action and per reason, and samples the first keys of each', () => {
    const summarizer = new PlanSummarizer({ sampleSize: 2 });
    for (const item of [
      decision('a', 'copy', 'new', 10),
      decision('b', 'skip', 'same-etag', 20),
      decision('c', 'copy', 'size-differs', 30),
      decision('d', 'copy', 'new', 40),
      decision('e', 'copy', 'new', 50),
      decision('f', 'fail', 'invalid-key', 60),
      decision('g', 'skip', 'same-as-copied', 70),
      decision('h', 'delete', 'not-in-source', 80),
    ]) {
      summarizer.add(item);
    }
    const summary = summarizer.summary();
    expect(summary.total).toEqual({ objects: 8, bytes: 360 });
    expect(summary.byAction).toEqual({
      copy: { objects: 4, bytes: 130 },
      skip: { objects: 2, bytes: 90 },
      delete: { objects: 1, bytes: 80 },
      fail: { objects: 1, bytes: 60 },
    });
    expect(summary.byReason.new).toEqual({ objects: 3, bytes: 100 });
    expect(summary.byReason['size-differs']).toEqual({ objects: 1, bytes: 30 });
    expect(summary.byReason['same-etag']).toEqual({ objects: 1, bytes: 20 });
    expect(summary.byReason['same-as-copied']).toEqual({ objects: 1, bytes: 70 });
    expect(summary.byReason['invalid-key']).toEqual({ objects: 1, bytes: 60 });
    expect(summary.byReason.unverifiable).toEqual({ objects: 0, bytes: 0 });
    expect(summary.sampleKeysByAction).toEqual({
      copy: ['a', 'c'],
      skip: ['b', 'g'],
      delete: ['h'],
      fail: ['f'],
    });
    expect(summary.byReason['not-in-source']).toEqual({ objects: 1, bytes: 80 });
    expect(summary.sampleKeysByReason.new).toEqual(['a', 'd']);
    expect(summary.sampleKeysByReason['full-mode']).toEqual([]);
  });

  it('has every reason, at zero, before any decision', () => {
    const summary = new PlanSummarizer().summary();
    expect(Object.keys(summary.byReason).sort()).toEqual([...planReasons].sort());
    expect(
      Object.values(summary.byReason).every((counts) => counts.objects === 0 && counts.bytes === 0),
    ).toBe(true);
    expect(summary.total).toEqual({ objects: 0, bytes: 0 });
  });

  it('returns snapshots that later decisions do not change', () => {
    const summarizer = new PlanSummarizer();
    summarizer.add(decision('a', 'copy', 'new', 1));
    const before = summarizer.summary();
    summarizer.add(decision('b', 'copy', 'new', 2));
    expect(before.byAction.copy).toEqual({ objects: 1, bytes: 1 });
    expect(before.sampleKeysByAction.copy).toEqual(['a']);
    expect(summarizer.summary().sampleKeysByAction.copy).toEqual(['a', 'b']);
  });

  it('samples ten keys by default', () => {
    const summarizer = new PlanSummarizer();
    for (let index = 0; index < 25; index++) summarizer.add(decision(`k${index}`, 'copy', 'full-mode', 1));
    expect(summarizer.summary().sampleKeysByReason['full-mode']).toHaveLength(10);
  });
});

describe('describeReason', () => {
  it('has distinct wording for every reason', () => {
    const descriptions = planReasons.map(describeReason);
    expect(new Set(descriptions).size).toBe(planReasons.length);
    expect(descriptions.every((text) => text.length > 10)).toBe(true);
  });
});
