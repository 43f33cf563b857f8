import { describe, expect, it } from 'vitest';
import { parseConfig, validateConfig } from '../../../worker/src/config/load-config.ts';

const withMapping = (extra: string) => `endpoints:
  src: { region: us-east-1 }
mappings:
  - id: media
    source: { endpoint: src, bucket: media-prod }
    destination: { endpoint: src, bucket: media-copy }
${extra}`;

describe('schedule and maxBytesPerRun in ferry.yaml', () => {
  it('reads a nightly schedule and a size guardrail', () => {
    const [mapping] = parseConfig(
      withMapping('    schedule: nightly\n    maxBytesPerRun: 1.5KiB\n'),
      'f.yaml',
    ).mappings;
    expect(mapping).toMatchObject({ schedule: 'nightly', maxBytesPerRun: 1536 });
  });

  it('leaves both out when they are not written', () => {
    const [mapping] = parseConfig(withMapping(''), 'f.yaml').mappings;
    expect(mapping && 'schedule' in mapping).toBe(false);
    expect(mapping && 'maxBytesPerRun' in mapping).toBe(false);
  });

  it.each([
    ['    schedule: hourly\n', 'mappings[0].schedule', /nightly/],
    ['    maxBytesPerRun: 0\n', 'mappings[0].maxBytesPerRun', /at least 1 byte/],
    ['    maxBytesPerRun: lots\n', 'mappings[0].maxBytesPerRun', /invalid size "lots"/],
    ['    sync: true\n', 'mappings[0].sync', /unknown property "sync"/],
  ])('refuses %j with the field named', (extra, field, message) => {
    const result = validateConfig(withMapping(extra), 'f.yaml');
    expect(result.ok).toBe(false);
    const [error] = result.ok ? [] : result.errors;
    expect(error?.field).toBe(field);
    expect(error?.message).toMatch(message);
  });
});
