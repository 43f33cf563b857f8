// The review of a ferry.yaml change against moto: classification, exact counts, estimates, failures, escaping.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { formatBytes } from '../../../worker/src/report/units.ts';
import { planCommentMarker, renderPlanComment } from '../../../worker/src/review/plan-comment.ts';
import type { MappingPlanOutcome, MappingsReview } from '../../../worker/src/review/review-mappings.ts';
import { reviewMappings } from '../../../worker/src/review/review-mappings.ts';
import { cliCredentialsEnv } from '../../support/ferry-cli.ts';
import {
  bulkKeys,
  bulkObjectBytes,
  expectedLogs,
  expectedMedia,
  expectedMirror,
  hostileKeys,
  type ReviewFixture,
  seedReviewFixture,
} from './review-fixture.ts';

type Planned = Extract<MappingPlanOutcome, { kind: 'planned' }>;

function plannedOf(review: MappingsReview, id: string): Planned {
  const outcome = review.plans.find((plan) => plan.mapping.id === id)?.outcome;
  if (outcome?.kind !== 'planned') throw new Error(`${id} was not planned: ${JSON.stringify(outcome)}`);
  return outcome;
}

describe('reviewMappings against moto', () => {
  let fixture: ReviewFixture;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, cliCredentialsEnv, { AWS_EC2_METADATA_DISABLED: 'true' });
    fixture = await seedReviewFixture({
      source: inject('motoSource'),
      destination: inject('motoDestination'),
    });
  });

  afterAll(() => {
    process.env = savedEnv;
  });

  test('classifies the change and plans added and changed mappings with exact counts and bytes', async () => {
    const review = await reviewMappings({
      base: { text: fixture.baseYaml, file: 'ferry.yaml' },
      head: { text: fixture.headYaml, file: 'ferry.yaml' },
      list: true,
    });
    expect(review.headErrors).toEqual([]);
    expect(review.changes?.added.map((mapping) => mapping.id)).toEqual(['logs', 'bulk']);
    expect(review.changes?.changed.map((change) => [change.mapping.id, change.fields])).toEqual([
      ['media', ['destination.storageClass', 'maxBytesPerRun']],
    ]);
    expect(review.changes?.removed.map((mapping) => mapping.id)).toEqual(['retired']);
    expect(review.plans.map((plan) => plan.mapping.id)).toEqual(['logs', 'bulk', 'media']);

    const media = plannedOf(review, 'media');
    expect(media.totals?.exact).toBe(true);
    expect(media.totals?.byAction.copy).toEqual(expectedMedia.copy);
    expect(media.totals?.byAction.skip).toEqual(expectedMedia.skip);
    expect(media.totals?.byAction.fail).toEqual({ objects: 0, bytes: 0 });
    // Destination keys listed under copy/: same, resized and the one only there.
    expect(media.sample.destinationKeys).toBe(3);
    expect(media.guardrail).toEqual({
      limitBytes: 1024,
      plannedBytes: expectedMedia.copy.bytes,
      exceeded: true,
      estimated: false,
    });
    expect(media.cost?.requests.sourceReads).toBe(expectedMedia.copy.objects);
    expect(media.cost?.transferBytes).toBe(expectedMedia.copy.bytes);

    expect(plannedOf(review, 'logs').totals?.byAction.copy).toEqual(expectedLogs.copy);
    expect(plannedOf(review, 'bulk').totals?.byAction.copy).toEqual({
      objects: bulkKeys,
      bytes: bulkKeys * bulkObjectBytes,
    });

    const comment = renderPlanComment(review);
    expect(comment.startsWith(`${planCommentMarker}\n`)).toBe(true);
    expect(comment).toContain('**2 added · 1 changed · 1 removed · 0 unchanged**');
    expect(comment).toContain(
      `| copy | ${expectedMedia.copy.objects} objects, ${formatBytes(expectedMedia.copy.bytes)} |`,
    );
    expect(comment).toContain('Guardrail maxBytesPerRun 1.00 KiB: **exceeded**');
    expect(comment).toContain('| delete | none | copy mode: nothing is deleted |');
    expect(comment).toContain('<code>retired</code> removed: no longer run. Removing it deletes nothing');
    expect(media.deletes).toBeUndefined();
  });

  test('plans a sync mapping in sync mode: the deletes, and the delete guardrails verdict', async () => {
    const review = await reviewMappings({
      base: { text: fixture.headYaml, file: 'ferry.yaml' },
      head: { text: fixture.syncYaml, file: 'ferry.yaml' },
      list: true,
      mappingIds: ['media', 'mirror'],
    });
    expect(review.headErrors).toEqual([]);
    const mirror = plannedOf(review, 'mirror');
    expect(mirror.mode).toBe('sync');
    expect(mirror.totals?.exact).toBe(true);
    expect(mirror.totals?.byAction.copy).toEqual(expectedMirror.copy);
    expect(mirror.totals?.byAction.skip).toEqual(expectedMirror.skip);
    expect(mirror.totals?.byAction.delete).toEqual(expectedMirror.delete);
    expect(mirror.sample.summary.byReason['not-in-source']).toEqual(expectedMirror.delete);
    // maxDeleteObjects 1, two to delete: the run would delete none.
    expect(mirror.deletes).toMatchObject({
      limits: { maxDeleteObjects: 1 },
      toDelete: expectedMirror.delete,
      verdict: { allowed: false, reason: expect.stringMatching(/over maxDeleteObjects 1$/) },
      estimated: false,
    });
    // The copy mapping in the same review stays in incremental mode: nothing to delete, no delete verdict.
    const media = plannedOf(review, 'media');
    expect(media.mode).toBe('incremental');
    expect(media.totals?.byAction.delete).toEqual({ objects: 0, bytes: 0 });
    expect(media.deletes).toBeUndefined();

    const comment = renderPlanComment(review);
    expect(comment).toContain('**Exact** (sync mode): listed 9 source keys and 3 destination keys.');
    expect(comment).toContain(
      '| delete | 2 objects, 100 B | <code>data/gone-1</code>, <code>data/gone-2</code> |',
    );
    expect(comment).toContain('| delete | none | copy mode: nothing is deleted |');
    expect(comment).toContain('Reasons (sampled): new 8 · same-etag 1 · not-in-source 2.');
    // The engine's reason, made inert like every other text (a parenthesis is an entity, shown as itself).
    expect(comment).toContain(
      'Delete guardrails (maxDeleteObjects 1, maxDeleteBytes not set; an empty source deletes nothing unless maxDeleteObjects is set): **refused**: the sync would delete 2 objects &#40;100 B&#41;&#44; over maxDeleteObjects 1. A sync run would copy, then delete nothing and fail with this reason.',
    );
    expect(comment).toMatch(/\| <code>mirror<\/code> \| added \| [^|]+ \| [^|]+ \| 2 objects, 100 B \|/);
    expect(comment).toMatch(/\| <code>media<\/code> \| unchanged \| [^|]+ \| [^|]+ \| none \(copy mode\) \|/);

    // A mode given explicitly (Migrate's form) plans every chosen mapping in it: no deletes in copy mode.
    const asCopy = await reviewMappings({
      head: { text: fixture.syncYaml, file: 'ferry.yaml' },
      list: true,
      mappingIds: ['mirror'],
      mode: 'incremental',
    });
    expect(plannedOf(asCopy, 'mirror').totals?.byAction.delete).toEqual({ objects: 0, bytes: 0 });
    expect(plannedOf(asCopy, 'mirror').deletes).toBeUndefined();
  });

  test('renders hostile keys inert: no markup, tab or bidi override survives', async () => {
    const review = await reviewMappings({
      head: { text: fixture.headYaml, file: 'ferry.yaml' },
      list: true,
      mappingIds: ['media'],
    });
    const comment = renderPlanComment(review);
    const copyRow = comment.split('\n').find((line) => line.startsWith('| copy |')) ?? '';
    // The first three keys shown are the hostile ones, each in its own code element.
    expect(copyRow.match(/<code>/g)).toHaveLength(3);
    expect(copyRow).toContain('<code>data/&#33;tab&#92;there</code>');
    for (const forbidden of ['<img', '\u202E', '\t', '"', '`']) expect(comment).not.toContain(forbidden);
    expect(comment).toContain('&#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62;');
    expect(comment).toContain('&#92;u&#123;202e&#125;gnp&#46;exe');
    expect(hostileKeys).toHaveLength(3);
  });

  test('estimates a key space larger than the budget, labelled, from the sampled prefix', async () => {
    const review = await reviewMappings({
      head: { text: fixture.headYaml, file: 'ferry.yaml' },
      list: true,
      mappingIds: ['bulk'],
      budget: { maxKeys: 25 },
    });
    const bulk = plannedOf(review, 'bulk');
    expect(bulk.sample.complete).toBe(false);
    expect(bulk.extrapolation).toMatchObject({
      stoppedBy: 'keys',
      coveredThrough: 'big/0024',
      sampledSourceKeys: 25,
      restSourceKeys: bulkKeys - 25,
    });
    expect(bulk.totals?.exact).toBe(false);
    expect(bulk.totals?.byAction.copy).toEqual({ objects: bulkKeys, bytes: bulkKeys * bulkObjectBytes });
    const comment = renderPlanComment(review);
    expect(comment).toContain("**Estimate** — the listing's key budget ran out after <code>big/0024</code>");
    expect(comment).toContain("by the lister's range sampler");
    expect(comment).toContain(`| copy | ~${bulkKeys} objects, ~600 B |`);
  });

  test("estimates a sync mapping's deletes beyond the budget like every other count", async () => {
    const review = await reviewMappings({
      head: { text: fixture.syncYaml, file: 'ferry.yaml' },
      list: true,
      mappingIds: ['mirror'],
      // Enough for the merge of both listings to reach mirror/gone-2, not the end of data/.
      budget: { maxKeys: 8 },
    });
    const mirror = plannedOf(review, 'mirror');
    const factor = mirror.extrapolation?.factor ?? 0;
    const sampled = mirror.sample.summary.byAction.delete;
    expect(mirror.sample.complete).toBe(false);
    expect(sampled.objects).toBeGreaterThan(0);
    expect(factor).toBeGreaterThan(1);
    const scaled = {
      objects: Math.round(sampled.objects * factor),
      bytes: Math.round(sampled.bytes * factor),
    };
    expect(mirror.totals?.byAction.delete).toEqual(scaled);
    expect(mirror.deletes).toMatchObject({ toDelete: scaled, estimated: true, verdict: { allowed: false } });
    const comment = renderPlanComment(review);
    expect(comment).toContain(`| delete | ~${scaled.objects} objects, ~${formatBytes(scaled.bytes)} |`);
    expect(comment).toContain('**refused** (on the estimate; the run decides on its complete listing)');
  });

  test('reports a mapping it cannot list, and validates only when told not to list', async () => {
    const broken = fixture.headYaml.replace(
      `bucket: ${fixture.sourceBucket}, prefix: logs/`,
      'bucket: no-such-bucket-ferry, prefix: logs/',
    );
    const review = await reviewMappings({
      head: { text: broken, file: 'ferry.yaml' },
      list: true,
      mappingIds: ['logs'],
    });
    const outcome = review.plans[0]?.outcome;
    expect(outcome?.kind).toBe('failed');
    expect(outcome?.kind === 'failed' ? outcome.error : '').toMatch(/NoSuchBucket|does not exist/);
    expect(renderPlanComment(review)).toContain('**Could not plan**');

    const unlisted = await reviewMappings({
      head: { text: fixture.headYaml, file: 'ferry.yaml' },
      list: false,
    });
    expect(unlisted.listed).toBe(false);
    expect(unlisted.plans).toEqual([]);
    expect(renderPlanComment(unlisted)).toContain('Buckets were not listed');
  });

  test('reports every validation problem with file, line, column and field', async () => {
    const invalid = fixture.headYaml
      .replace('schedule: nightly', 'schedule: hourly')
      .replace('prefix: big/ }', 'prefx: big/ }');
    const review = await reviewMappings({ head: { text: invalid, file: 'ferry.yaml' }, list: true });
    expect(review.plans).toEqual([]);
    expect(review.headErrors.map((error) => [error.field, error.line])).toEqual([
      ['mappings[1].schedule', 20],
      ['mappings[2].source.prefx', 22],
    ]);
    const comment = renderPlanComment(review);
    expect(comment).toContain('**The configuration does not validate** (2 problems)');
    expect(comment).toContain('<code>ferry&#46;yaml&#58;20&#58;15</code>');
  });
});
