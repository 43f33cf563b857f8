// renderRunReport: the job summary from the ledger and the await samples, with hostile keys kept inert.
import { describe, expect, test } from 'vitest';
import type { ProgressSample } from '../../../worker/src/control/progress-sample.ts';
import { type RunReportInput, renderRunReport } from '../../../worker/src/control/run-report.ts';
import { throughputChart, throughputPoints } from '../../../worker/src/control/throughput-chart.ts';
import type { FailureRecord, RunRecord } from '../../../worker/src/ports/ledger.ts';

const MiB = 1024 * 1024;
const start = new Date('2026-03-01T02:00:00Z');
const minutes = (n: number) => new Date(start.getTime() + n * 60_000);

function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'media-20260301T020000Z',
    mappingId: 'media',
    mode: 'incremental',
    listerState: 'LISTED',
    startedAt: start,
    listedAt: minutes(6),
    planned: { objects: 1000, bytes: 6000 * MiB },
    skipped: { objects: 50, bytes: 10 * MiB },
    copied: { objects: 995, bytes: 5970 * MiB },
    failed: { objects: 5, bytes: 30 * MiB },
    toDelete: { objects: 0, bytes: 0 },
    deleted: { objects: 0, bytes: 0 },
    ...overrides,
  };
}

/** A sample every minute; copied bytes at 100 MiB/s for the first half, then 50. */
function samples(count: number, workers = 4): ProgressSample[] {
  let bytes = 0;
  return Array.from({ length: count }, (_, index) => {
    if (index > 0) bytes += (index <= count / 2 ? 100 : 50) * 60 * MiB;
    return {
      at: minutes(index),
      listerState: 'LISTED',
      planned: { objects: 1000, bytes: 6000 * MiB },
      copied: { objects: 0, bytes },
      skipped: { objects: 0, bytes: 0 },
      failed: { objects: 0, bytes: 0 },
      inServiceWorkers: workers,
      deadLetters: 0,
    };
  });
}

const hostileKeys = [
  'a|b|c',
  '``code`` and `x`',
  'line\nbreak\r\nand tab\t',
  '<script>alert(1)</script>',
  '[link](https://evil.example)',
  '**bold** _em_ ~~strike~~ # heading',
];

function failures(): FailureRecord[] {
  return [
    ...hostileKeys.map((key) => ({
      key,
      errorClass: 'NotFound' as const,
      message: `GET ${key}: NoSuchKey`,
      attempts: 1,
    })),
    { key: 'ok/key', errorClass: 'ChecksumMismatch', message: 'CRC32C differs', attempts: 3 },
  ];
}

function input(overrides: Partial<RunReportInput> = {}): RunReportInput {
  return {
    run: run(),
    state: 'failed',
    reason: '5 objects failed',
    failures: failures(),
    samples: samples(11),
    now: minutes(60),
    ...overrides,
  };
}

/** The cells of a Markdown table row. */
function cells(row: string): string[] {
  return row
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

describe('renderRunReport', () => {
  test('totals, throughput, chart, failures and cost, in that order', () => {
    const report = renderRunReport(input());
    const headings = report.split('\n').filter((line) => line.startsWith('#'));
    expect(headings).toEqual([
      '## Ferry run <code>media-20260301T020000Z</code>',
      '### Throughput over time',
      '### Failures by error class',
      '### Estimated cost',
    ]);
    expect(report).toContain(
      '❌ **Failed** — mapping <code>media</code>, incremental mode, started 2026-03-01 02:00 UTC, 10m00s',
    );
    const lines = report.split('\n');
    expect(lines.filter((line) => /^\| (planned|copied|skipped|failed) /.test(line)).map(cells)).toEqual([
      ['planned', '1,000', '5.86 GiB'],
      ['copied', '995', '5.83 GiB'],
      ['skipped', '50', '10.0 MiB'],
      ['failed', '5', '30.0 MiB'],
    ]);
    expect(report).toContain('Throughput: 9.95 MiB/s over 10m00s');
    expect(report).toContain('line [100.0, 100.0, 100.0, 100.0, 100.0, 50.0, 50.0, 50.0, 50.0, 50.0]');
    expect(report).not.toContain('partial');
  });

  test('hostile keys and messages cannot break the table, format, link or inject HTML', () => {
    const report = renderRunReport(input());
    const rows = report
      .split('\n')
      .filter((line) => line.startsWith('| NotFound') || line.startsWith('| ChecksumMismatch'));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(cells(row)).toHaveLength(4);
    const notFound = cells(rows[0] ?? '');
    expect(notFound[1]).toBe('6');
    const keys = (notFound[2] ?? '').split('<br>');
    expect(keys).toHaveLength(5);
    for (const key of keys) expect(key).toMatch(/^<code>[^<>`|*_[\]()~]*<\/code>$/);
    expect(keys[0]).toBe('<code>a&#124;b&#124;c</code>');
    expect(report).not.toContain('<script');
    expect(report).not.toContain('](');
    expect(report).toContain('line\\nbreak\\r\\nand tab\\t'.replace(/\\/g, '&#92;'));
  });

  test('samples that start after the run did are said to be partial', () => {
    const late = samples(5).map((sample) => ({
      ...sample,
      copied: { objects: 500, bytes: sample.copied.bytes + 3000 * MiB },
    }));
    const report = renderRunReport(input({ samples: late }));
    expect(report).toContain('The samples are partial: they start at 02:00 UTC');
  });

  test('with fewer than two samples there is no chart, and still-running says so', () => {
    const report = renderRunReport(input({ state: 'still-running', samples: samples(1), failures: [] }));
    expect(report).toContain('⏳ **Still running**');
    expect(report).toContain('so far');
    expect(report).toContain('Not enough progress samples for a chart');
    expect(report).not.toContain('xychart-beta');
  });

  test('more failures than were read are said to be the first ones', () => {
    const report = renderRunReport(input({ run: run({ failed: { objects: 12_000, bytes: 0 } }) }));
    expect(report).toContain('The first 7 of 12,000 failures:');
  });

  test('the cost counts worker-hours from the samples, at the c6in.xlarge price', () => {
    const report = renderRunReport(input());
    const row = report.split('\n').find((line) => line.startsWith('| EC2 c6in.xlarge worker-hours'));
    // 4 workers sampled over 10 minutes.
    expect(cells(row ?? '')).toEqual(['EC2 c6in.xlarge worker-hours', '0.67', '$0.15']);
    const other = renderRunReport(input({ instanceType: 'm7i.large' }));
    expect(other).toMatch(/\| EC2 m7i\.large worker-hours +\| 0\.67 +\| n\/a +\|/);
  });
});

describe('throughputPoints', () => {
  test('merges intervals into at most 48 points, each the true average over its time', () => {
    const many = samples(301);
    const points = throughputPoints(many);
    expect(points.length).toBeLessThanOrEqual(48);
    expect(points.length).toBeGreaterThan(40);
    const total = points.reduce((sum, point, index) => {
      const from = index === 0 ? many[0]?.at : points[index - 1]?.at;
      return sum + (point.bytesPerSec * (point.at.getTime() - (from?.getTime() ?? 0))) / 1000;
    }, 0);
    expect(total).toBeCloseTo(many.at(-1)?.copied.bytes ?? 0, -3);
  });

  test('no chart from a single sample', () => {
    expect(throughputChart(samples(1))).toBeUndefined();
  });
});
