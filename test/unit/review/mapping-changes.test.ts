import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../worker/src/config/load-config.ts';
import { diffMappings } from '../../../worker/src/review/mapping-changes.ts';

const base = parseConfig(
  `
endpoints:
  src: { url: "http://127.0.0.1:9000", region: us-east-1, forcePathStyle: true }
  dst: { region: us-east-1 }
transfer: { concurrency: 8 }
mappings:
  - id: media
    source: { endpoint: src, bucket: media-prod, prefix: data/ }
    destination: { endpoint: dst, bucket: media-archive, prefix: copy/ }
  - id: logs
    source: { endpoint: src, bucket: logs-prod }
    destination: { endpoint: dst, bucket: logs-archive }
  - id: retired
    source: { endpoint: src, bucket: old-prod }
    destination: { endpoint: dst, bucket: old-archive }
`,
  'base.yaml',
);

describe('diffMappings', () => {
  it('classifies mappings by id and names the fields that changed, endpoints used included', () => {
    const head = parseConfig(
      `
endpoints:
  src: { url: "http://127.0.0.1:9001", region: us-east-1, forcePathStyle: true }
  dst: { region: us-east-1 }
transfer: { concurrency: 16 }
mappings:
  - id: fresh
    source: { endpoint: src, bucket: fresh-prod }
    destination: { endpoint: dst, bucket: fresh-archive }
  - id: media
    source: { endpoint: src, bucket: media-prod, prefix: data/ }
    destination: { endpoint: dst, bucket: media-archive, prefix: copy2/, storageClass: GLACIER_IR }
    include: ["**/*.jpg"]
    schedule: nightly
  - id: logs
    source: { endpoint: src, bucket: logs-prod }
    destination: { endpoint: dst, bucket: logs-archive }
`,
      'head.yaml',
    );
    const changes = diffMappings(base, head);
    expect(changes.added.map((mapping) => mapping.id)).toEqual(['fresh']);
    expect(changes.removed.map((mapping) => mapping.id)).toEqual(['retired']);
    expect(changes.changed.map((change) => [change.mapping.id, change.fields])).toEqual([
      [
        'media',
        ['destination.prefix', 'destination.storageClass', 'endpoints.src.url', 'include', 'schedule'],
      ],
      ['logs', ['endpoints.src.url']],
    ]);
    expect(changes.unchanged).toEqual([]);
    expect(changes.transferFields).toEqual(['transfer.concurrency']);
  });

  it('finds nothing changed between equal configurations', () => {
    const changes = diffMappings(base, base);
    expect(changes.unchanged.map((mapping) => mapping.id)).toEqual(['media', 'logs', 'retired']);
    expect([changes.added, changes.changed, changes.removed, changes.transferFields]).toEqual([
      [],
      [],
      [],
      [],
    ]);
  });

  it('treats every mapping as added when there is no base', () => {
    const changes = diffMappings(undefined, base);
    expect(changes.added.map((mapping) => mapping.id)).toEqual(['media', 'logs', 'retired']);
    expect(changes.removed).toEqual([]);
  });
});
