// A sync plan's delete guardrails (checkDeletes) and how the plan comment shows them, next to a copy plan's "nothing
// is deleted".
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../worker/src/config/load-config.ts';
import type { MappingConfig } from '../../../worker/src/config/types.ts';
import { PlanSummarizer } from '../../../worker/src/plan/plan-summary.ts';
import type { RunMode } from '../../../worker/src/ports/ledger.ts';
import { formatBytes } from '../../../worker/src/report/units.ts';
import { noWork } from '../../../worker/src/review/copy-work.ts';
import { defaultCostModel } from '../../../worker/src/review/cost-estimate.ts';
import { checkDeletes } from '../../../worker/src/review/guardrail.ts';
import { renderPlanComment } from '../../../worker/src/review/plan-comment.ts';
import { exactTotals, type PlanTotals } from '../../../worker/src/review/plan-totals.ts';
import type { MappingsReview } from '../../../worker/src/review/review-mappings.ts';
import type { SampledPlan } from '../../../worker/src/review/sample-plan.ts';

const GiB = 1024 ** 3;

function mappingWith(extra: string): MappingConfig {
  const [mapping] = parseConfig(
    `endpoints:
  src: { region: us-east-1 }
mappings:
  - id: mirror
    source: { endpoint: src, bucket: media-prod, prefix: data/ }
    destination: { endpoint: src, bucket: media-copy, prefix: data/ }
    mode: sync
${extra}`,
    'ferry.yaml',
  ).mappings;
  if (!mapping) throw new Error('no mapping');
  return mapping;
}

/** A complete sample: `copies` source objects to copy and `deletes` destination objects to delete, sizes in bytes. */
function sampleOf(options: { copies: number[]; deletes: number[] }): SampledPlan {
  const summarizer = new PlanSummarizer();
  options.copies.forEach((size, index) => {
    summarizer.add({ sourceKey: `data/c${index}`, action: 'copy', reason: 'new', source: { size } });
  });
  options.deletes.forEach((size, index) => {
    summarizer.add({
      sourceKey: `data/d${index}`,
      action: 'delete',
      reason: 'not-in-source',
      destination: { size },
    });
  });
  return {
    complete: true,
    sourceKeys: options.copies.length,
    destinationKeys: options.deletes.length,
    summary: summarizer.summary(),
    work: noWork,
  };
}

function totalsOf(options: { copies: number[]; deletes: number[] }): PlanTotals {
  return exactTotals(sampleOf(options));
}

describe('checkDeletes', () => {
  it('allows deletes within both limits, and says what it checked', () => {
    const check = checkDeletes(
      mappingWith('    maxDeleteObjects: 3\n    maxDeleteBytes: 1KiB\n'),
      totalsOf({ copies: [5], deletes: [100, 200, 300] }),
    );
    expect(check).toEqual({
      limits: { maxDeleteObjects: 3, maxDeleteBytes: 1024 },
      toDelete: { objects: 3, bytes: 600 },
      sourceObjects: 1,
      verdict: { allowed: true },
      estimated: false,
    });
  });

  it('refuses over maxDeleteBytes', () => {
    const check = checkDeletes(
      mappingWith('    maxDeleteBytes: 500B\n'),
      totalsOf({ copies: [5], deletes: [300, 300] }),
    );
    expect(check.verdict).toEqual({
      allowed: false,
      reason: expect.stringMatching(/over maxDeleteBytes 500 B$/),
    });
  });

  it('refuses to empty the destination when the source listed nothing, unless maxDeleteObjects is set', () => {
    const emptySource = totalsOf({ copies: [], deletes: [10, 20] });
    const refused = checkDeletes(mappingWith(''), emptySource);
    expect(refused.sourceObjects).toBe(0);
    expect(refused.verdict).toEqual({
      allowed: false,
      reason: expect.stringMatching(/^the source listed no object.*set maxDeleteObjects to allow it$/),
    });
    expect(checkDeletes(mappingWith('    maxDeleteObjects: 2\n'), emptySource).verdict).toEqual({
      allowed: true,
    });
  });
});

describe('the plan comment of a sync mapping', () => {
  function commentFor(options: { mapping: MappingConfig; mode: RunMode; totals: PlanTotals }): string {
    const sample = sampleOf({ copies: [], deletes: [] });
    const review: MappingsReview = {
      headFile: 'ferry.yaml',
      headErrors: [],
      baseErrors: [],
      listed: true,
      costModel: defaultCostModel,
      usedCopyRecords: false,
      plans: [
        {
          mapping: options.mapping,
          outcome: {
            kind: 'planned',
            mode: options.mode,
            sample: { ...sample, summary: { ...sample.summary, byAction: options.totals.byAction } },
            totals: options.totals,
            ...(options.mode === 'sync' ? { deletes: checkDeletes(options.mapping, options.totals) } : {}),
          },
        },
      ],
    };
    return renderPlanComment(review);
  }

  it('shows the deletes and the verdict when the run may delete them', () => {
    const totals = totalsOf({ copies: [10], deletes: [GiB, GiB] });
    const comment = commentFor({ mapping: mappingWith('    maxDeleteBytes: 10GiB\n'), mode: 'sync', totals });
    expect(comment).toContain('**Exact** (sync mode)');
    expect(comment).toContain('| delete | 2 objects, 2.00 GiB |');
    expect(comment).toContain(
      `Delete guardrails (maxDeleteObjects not set, maxDeleteBytes ${formatBytes(10 * GiB)}; an empty source deletes nothing unless maxDeleteObjects is set): within: 2 objects, ${formatBytes(2 * GiB)} to delete.`,
    );
    expect(comment).toContain('| 2 objects, 2.00 GiB |');
  });

  it('shows the empty-source refusal', () => {
    const totals = totalsOf({ copies: [], deletes: [1, 2, 3] });
    const comment = commentFor({ mapping: mappingWith(''), mode: 'sync', totals });
    expect(comment).toMatch(/\*\*refused\*\*: the source listed no object/);
    expect(comment).toContain('A sync run would copy, then delete nothing and fail with this reason.');
  });

  it('says nothing is deleted when the mapping is planned in copy or full mode', () => {
    const totals = totalsOf({ copies: [10], deletes: [] });
    for (const [mode, name] of [
      ['incremental', 'copy'],
      ['full', 'full'],
    ] as const) {
      const comment = commentFor({ mapping: mappingWith(''), mode, totals });
      expect(comment).toContain(`| delete | none | ${name} mode: nothing is deleted |`);
      expect(comment).toContain(`| none (${name} mode) |`);
      expect(comment).not.toContain('Delete guardrails');
    }
  });
});
