// The sync fields of a mapping in ferry.yaml: mode, the delete guardrails, and a sync mapping owning its destination.
import { describe, expect, it } from 'vitest';
import { parseConfig, validateConfig } from '../../../worker/src/config/load-config.ts';

const config = (mappings: string) => `endpoints:
  src: { region: us-east-1 }
  dst: { region: eu-west-1 }
mappings:
${mappings}`;

const mapping = (id: string, destination: string, extra = '') =>
  `  - id: ${id}
    source: { endpoint: src, bucket: media-prod, prefix: "${id}/" }
    destination: { endpoint: dst, bucket: media-copy${destination} }
${extra}`;

describe('sync in ferry.yaml', () => {
  it('reads mode and the delete guardrails; a mapping is a copy by default', () => {
    const [sync, copy] = parseConfig(
      config(
        mapping(
          'a',
          ', prefix: "a/"',
          '    mode: sync\n    maxDeleteObjects: 0\n    maxDeleteBytes: 2GiB\n',
        ) + mapping('b', ', prefix: "b/"'),
      ),
      'f.yaml',
    ).mappings;
    expect(sync).toMatchObject({ mode: 'sync', maxDeleteObjects: 0, maxDeleteBytes: 2 * 1024 ** 3 });
    expect(copy?.mode).toBe('copy');
    expect(copy && 'maxDeleteObjects' in copy).toBe(false);
  });

  it.each([
    ['    mode: mirror\n', 'mappings[0].mode', /one of: "copy", "sync"/],
    ['    maxDeleteObjects: -1\n', 'mappings[0].maxDeleteObjects', />= 0/],
    ['    maxDeleteObjects: 1.5\n', 'mappings[0].maxDeleteObjects', /whole number, got 1.5/],
    ['    maxDeleteBytes: lots\n', 'mappings[0].maxDeleteBytes', /invalid size "lots"/],
  ])('refuses %j with the field named', (extra, field, message) => {
    const result = validateConfig(config(mapping('a', ', prefix: "a/"', extra)), 'f.yaml');
    expect(result.ok).toBe(false);
    const [error] = result.ok ? [] : result.errors;
    expect(error?.field).toBe(field);
    expect(error?.message).toMatch(message);
  });

  it.each([
    ['the same prefix', ', prefix: "a/"', ', prefix: "a/"'],
    ['a prefix inside it', ', prefix: "a/"', ', prefix: "a/deeper/"'],
    ['a prefix around it', ', prefix: "a/deeper/"', ', prefix: "a/"'],
    ['the whole bucket', ', prefix: "a/"', ''],
  ])(
    'refuses a sync mapping whose destination overlaps another mapping: %s',
    (_, syncPrefix, otherPrefix) => {
      const result = validateConfig(
        config(mapping('a', syncPrefix, '    mode: sync\n') + mapping('b', otherPrefix)),
        'f.yaml',
      );
      expect(result.ok).toBe(false);
      const [error] = result.ok ? [] : result.errors;
      expect(error).toMatchObject({ field: 'mappings[0].mode', line: 8 });
      expect(error?.message).toMatch(
        /mapping b also writes to s3:\/\/media-copy\/.*this sync would delete its objects/,
      );
    },
  );

  it('lets copy mappings share a destination, and a sync mapping sit beside others', () => {
    const shared = validateConfig(
      config(mapping('a', ', prefix: "x/"') + mapping('b', ', prefix: "x/"')),
      'f.yaml',
    );
    expect(shared.ok).toBe(true);
    const beside = validateConfig(
      config(mapping('a', ', prefix: "a/"', '    mode: sync\n') + mapping('b', ', prefix: "ab/"')),
      'f.yaml',
    );
    expect(beside.ok).toBe(true);
  });
});
