// Progress lines and the end-of-run summary: what users read, from counts the run produced.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import type { RunRecord } from '../../../worker/src/ports/ledger.ts';
import { describeProgress, startProgressDisplay } from '../../../worker/src/report/progress-display.ts';
import { ProgressMeter } from '../../../worker/src/report/progress-meter.ts';
import { renderSummary } from '../../../worker/src/report/run-summary.ts';
import { createManualClock } from '../../support/manual-clock.ts';

const MiB = 1024 * 1024;

describe('progress', () => {
  test('a snapshot says objects, bytes, rate and ETA once the plan is known', async () => {
    const clock = createManualClock(new Date('2026-01-01T00:00:00Z'));
    const meter = new ProgressMeter(clock);
    meter.setPlan({
      planned: { objects: 10, bytes: 100 * MiB },
      skipped: { objects: 3, bytes: 0 },
      listing: false,
    });
    meter.onBytes(25 * MiB);
    meter.onObject('copied');
    meter.onObject('failed');
    await clock.advance(10_000);
    const line = describeProgress(meter.snapshot());
    expect(line).toBe('1/10 objects, 1 failed, 25.0 MiB/100.0 MiB, 2.50 MiB/s, 3 skipped, ETA 30s');
  });

  test('while listing, the total is open and there is no ETA', () => {
    const meter = new ProgressMeter(createManualClock());
    meter.setPlan({ planned: { objects: 5, bytes: 10 }, skipped: { objects: 0, bytes: 0 }, listing: true });
    expect(describeProgress(meter.snapshot())).toMatch(/0\/5\+ \(listing\) objects.*ETA \?$/);
  });

  test('off a terminal, progress comes as plain lines at the interval', async () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let written = '';
    (stream as unknown as PassThrough).on('data', (chunk: Buffer) => {
      written += chunk.toString();
    });
    const meter = new ProgressMeter(createManualClock());
    const display = startProgressDisplay({ meter, stream, intervalMs: 10, label: 'ferry' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    display.stop();
    const lines = written.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/^ferry: 0\/0\+ \(listing\) objects/);
  });
});

describe('summary', () => {
  const run = (overrides: Partial<RunRecord>): RunRecord => ({
    runId: 'media-1',
    mappingId: 'media',
    mode: 'incremental',
    listerState: 'LISTED',
    startedAt: new Date(0),
    planned: { objects: 3, bytes: 3 * MiB },
    skipped: { objects: 7, bytes: 0 },
    copied: { objects: 2, bytes: 2 * MiB },
    failed: { objects: 1, bytes: MiB },
    toDelete: { objects: 0, bytes: 0 },
    deleted: { objects: 0, bytes: 0 },
    ...overrides,
  });

  test('totals per mapping and failures grouped by class with sample keys', () => {
    const text = renderSummary([
      {
        run: run({}),
        durationMs: 2000,
        resumed: true,
        failures: [
          { key: 'a/b', errorClass: 'AccessDenied', message: 'GET s3://x/a/b: AccessDenied', attempts: 1 },
        ],
      },
    ]);
    expect(text).toMatch(
      /\| media +\| media-1 \(resumed\) \| 2 +\| 7 +\| 1 +\| 2\.00 MiB +\| 2\.0s +\| 1\.00 MiB\/s +\|/,
    );
    expect(text).toContain('Failures by class:\n  AccessDenied: 1\n    "a/b": GET s3://x/a/b: AccessDenied');
  });
});
