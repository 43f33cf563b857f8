import { describe, expect, it } from 'vitest';
import { PlanSummarizer } from '../../../worker/src/plan/plan-summary.ts';
import { defaultCostModel, estimateCost } from '../../../worker/src/review/cost-estimate.ts';
import { exactTotals, extrapolateTotals } from '../../../worker/src/review/plan-totals.ts';
import type { SampledPlan } from '../../../worker/src/review/sample-plan.ts';

function sampleOf(options: {
  copies: number[];
  skips: number[];
  deletes?: number[];
  complete: boolean;
}): SampledPlan {
  const summarizer = new PlanSummarizer();
  let index = 0;
  const key = () => {
    index += 1;
    return `k${String(index).padStart(4, '0')}`;
  };
  for (const size of options.copies)
    summarizer.add({ sourceKey: key(), action: 'copy', reason: 'new', source: { size } });
  for (const size of options.skips)
    summarizer.add({ sourceKey: key(), action: 'skip', reason: 'same-etag', source: { size } });
  for (const size of options.deletes ?? [])
    summarizer.add({ sourceKey: key(), action: 'delete', reason: 'not-in-source', destination: { size } });
  const copiedBytes = options.copies.reduce((sum, size) => sum + size, 0);
  return {
    complete: options.complete,
    ...(options.complete ? {} : { stoppedBy: 'keys' as const, coveredThrough: key() }),
    sourceKeys: options.copies.length + options.skips.length,
    destinationKeys: options.skips.length + (options.deletes?.length ?? 0),
    summary: summarizer.summary(),
    work: {
      objects: options.copies.length,
      sourceReads: options.copies.length,
      destinationWrites: options.copies.length,
      bytesThroughWorkers: copiedBytes,
      bytesServerSide: 0,
    },
  };
}

describe('extrapolateTotals', () => {
  it('scales every sampled count by (sampled + rest) / sampled source keys', () => {
    const sample = sampleOf({ copies: [100, 300], skips: [50, 50], deletes: [7], complete: false });
    const { extrapolation, totals } = extrapolateTotals({ sample, restSourceKeys: 36, probes: 3 });
    expect(extrapolation).toMatchObject({ sampledSourceKeys: 4, restSourceKeys: 36, probes: 3, factor: 10 });
    expect(totals).toMatchObject({
      exact: false,
      byAction: {
        copy: { objects: 20, bytes: 4000 },
        skip: { objects: 20, bytes: 1000 },
        delete: { objects: 10, bytes: 70 },
        fail: { objects: 0, bytes: 0 },
      },
      sourceKeys: 40,
      destinationKeys: 30,
    });
    expect(totals?.work.bytesThroughWorkers).toBe(4000);
  });

  it('gives no totals when nothing was sampled', () => {
    const sample = { ...sampleOf({ copies: [], skips: [], complete: false }), sourceKeys: 0 };
    expect(extrapolateTotals({ sample, restSourceKeys: 1000, probes: 2 }).totals).toBeUndefined();
  });
});

describe('estimateCost', () => {
  it('prices requests, transfer and compute and takes the longer of listing and copying', () => {
    const totals = exactTotals(sampleOf({ copies: [1e9, 1e9], skips: [5], complete: true }));
    const model = {
      ...defaultCostModel,
      workers: 2,
      rates: { bytesPerSecPerWorker: 1e8, objectsPerSecPerWorker: 1, listKeysPerSec: 1 },
    };
    const cost = estimateCost(totals, model);
    expect(cost.requests).toEqual({
      sourceReads: 2,
      sourceLists: 1,
      destinationWrites: 2,
      destinationLists: 1,
      queueRequests: 1,
      ledgerWrites: 1,
    });
    // (2 objects / 1 per s + 2e9 bytes / 1e8 per s) / 2 workers = 11 s; listing 3 keys at 1 per s = 3 s.
    expect(cost.copySec).toBeCloseTo(11);
    expect(cost.listSec).toBeCloseTo(3);
    expect(cost.durationSec).toBeCloseTo(11);
    expect(cost.usd.transfer).toBeCloseTo(2 * 0.09);
    expect(cost.usd.compute).toBeCloseTo((2 * 11 * 0.2268 + 3 * 0.0987) / 3600);
    const requestUsd = (4 * 0.005 + 2 * 0.0004) / 1000 + (0.4 + 0.625) / 1e6;
    expect(cost.usd.requests).toBeCloseTo(requestUsd, 10);
    expect(cost.usd.total).toBeCloseTo(cost.usd.requests + cost.usd.transfer + cost.usd.compute, 10);
  });
});
