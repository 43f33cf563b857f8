import { describe, expect, it } from 'vitest';
import { planCommentMarker, renderPlanComment } from '../../../worker/src/review/plan-comment.ts';
import { type MappingsReview, reviewMappings } from '../../../worker/src/review/review-mappings.ts';

function configWith(mappings: string): string {
  return `endpoints:
  src: { url: "http://127.0.0.1:9000", region: us-east-1 }
  dst: { region: us-east-1 }
mappings:
${mappings}`;
}

const hostileMapping = `  - id: evil
    source: { endpoint: src, bucket: evil-src, prefix: "x</code><img src=x onerror=alert(1)>\\n@octo-org/admins |" }
    destination: { endpoint: dst, bucket: evil-dst }
`;

describe('renderPlanComment', () => {
  it('starts with the marker and keeps hostile prefixes, error texts and field names inert', async () => {
    const review = await reviewMappings({
      head: { text: configWith(hostileMapping), file: 'ferry.yaml' },
      list: false,
    });
    const mapping = review.head?.mappings[0];
    if (!mapping) throw new Error('the hostile mapping does not validate');
    const failed: MappingsReview = {
      ...review,
      listed: true,
      plans: [
        {
          mapping,
          outcome: {
            kind: 'failed',
            error: 'AccessDenied: <b>no</b> @octo-org/admins\n[x](https://evil.example)',
          },
        },
      ],
    };
    const comment = renderPlanComment(failed);
    expect(comment.startsWith(`${planCommentMarker}\n`)).toBe(true);
    for (const forbidden of ['<img', '<b>', '@octo', '](https', '\\n@', '|"'])
      expect(comment).not.toContain(forbidden);
    expect(comment).toContain(
      '**Could not plan**: AccessDenied&#58; &#60;b&#62;no&#60;/b&#62; &#64;octo-org/admins&#92;n',
    );
    // Every line of the comment is one the renderer wrote: the hostile text brought no line break of its own.
    expect(comment.split('\n').filter((line) => line.includes('onerror'))).toHaveLength(1);
  });

  it('reports validation problems with their location, the messages inert', async () => {
    const broken = configWith(hostileMapping.replace('bucket: evil-dst', 'bucket: "Evil<script>"'));
    const review = await reviewMappings({ head: { text: broken, file: 'ferry.yaml' }, list: false });
    const comment = renderPlanComment(review);
    expect(comment).toContain('**The configuration does not validate** (1 problems)');
    expect(comment).toContain('<code>mappings&#91;0&#93;&#46;destination&#46;bucket</code>');
    expect(comment).not.toContain('<script>');
  });

  it('stays under the size limit, saying what it left out', async () => {
    const many = Array.from(
      { length: 300 },
      (_, index) => `  - id: m${index}
    source: { endpoint: src, bucket: bucket-${index}, prefix: ${'p'.repeat(150)}/ }
    destination: { endpoint: dst, bucket: copy-${index} }
`,
    ).join('');
    const review = await reviewMappings({
      head: { text: configWith(many), file: 'ferry.yaml' },
      list: false,
    });
    const withPlans: MappingsReview = {
      ...review,
      listed: true,
      plans: (review.head?.mappings ?? []).map((mapping) => ({
        mapping,
        outcome: { kind: 'failed', error: 'x'.repeat(300) },
      })),
    };
    const comment = renderPlanComment(withPlans, { maxChars: 20_000 });
    expect(comment.length).toBeLessThanOrEqual(20_000);
    expect(comment).toMatch(/_… \d+ more sections not shown \(comment size limit\); see the job summary\._/);
    expect(comment).toMatch(/_… \d+ more rows not shown/);
  });

  it('says when buckets were not listed', async () => {
    const review = await reviewMappings({
      head: { text: configWith(hostileMapping), file: 'ferry.yaml' },
      list: false,
    });
    expect(renderPlanComment(review)).toContain('Buckets were not listed');
  });
});
