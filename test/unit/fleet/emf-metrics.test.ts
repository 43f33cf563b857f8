// EMF metrics: counts summed per interval, written as lines that parse and conform to the EMF specification.
import { describe, expect, test } from 'vitest';
import {
  countBatchOutcome,
  createEmfMetrics,
  type EmfMetrics,
  emfDocuments,
} from '../../../worker/src/fleet/emf-metrics.ts';
import { createManualClock, type ManualClock } from '../../support/manual-clock.ts';
import { emfViolations } from './emf-spec.ts';

const start = new Date('2025-06-01T12:00:00.000Z');

function setup(flushIntervalMs = 60_000): { clock: ManualClock; lines: string[]; metrics: EmfMetrics } {
  const clock = createManualClock(start);
  const lines: string[] = [];
  const metrics = createEmfMetrics({
    namespace: 'Ferry',
    dimensions: { RunId: 'run-42', Mapping: 'photos' },
    write: (line) => lines.push(line),
    clock,
    flushIntervalMs,
  });
  return { clock, lines, metrics };
}

function parsed(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((line) => {
    expect(line).not.toContain('\n');
    const document: unknown = JSON.parse(line);
    expect(emfViolations(document)).toEqual([]);
    return document as Record<string, unknown>;
  });
}

describe('the EMF checker', () => {
  test('rejects what the specification forbids', () => {
    const valid = {
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [
          { Namespace: 'Ferry', Dimensions: [['RunId']], Metrics: [{ Name: 'N', Unit: 'Count' }] },
        ],
      },
      RunId: 'r',
      N: 1,
    };
    expect(emfViolations(valid)).toEqual([]);
    expect(emfViolations({ ...valid, N: '1' })).toEqual(['metric N has no numeric value']);
    expect(emfViolations({ ...valid, RunId: 7 })).toEqual(['dimension RunId has no valid string value']);
    expect(emfViolations({ ...valid, _aws: { ...valid._aws, Timestamp: '2025' } })).not.toEqual([]);
    const badUnit = { Namespace: 'Ferry', Dimensions: [['RunId']], Metrics: [{ Name: 'N', Unit: 'Items' }] };
    expect(emfViolations({ ...valid, _aws: { Timestamp: 1, CloudWatchMetrics: [badUnit] } })).not.toEqual([]);
    const extra = { ...badUnit, Metrics: [{ Name: 'N' }], Extra: true };
    expect(emfViolations({ ...valid, _aws: { Timestamp: 1, CloudWatchMetrics: [extra] } })).not.toEqual([]);
  });
});

describe('createEmfMetrics', () => {
  test('sums an interval into one line with the EMF shape', async () => {
    const { clock, lines, metrics } = setup();
    metrics.count('BytesCopied', 1_000, 'Bytes');
    metrics.count('ObjectsCopied', 1, 'Count');
    metrics.count('BytesCopied', 24, 'Bytes');
    metrics.count('ObjectsCopied', 1, 'Count');
    metrics.count('ObjectsFailed', 0, 'Count');
    await clock.advance(59_999);
    expect(lines).toEqual([]);
    await clock.advance(1);
    expect(parsed(lines)).toEqual([
      {
        _aws: {
          Timestamp: start.getTime() + 60_000,
          CloudWatchMetrics: [
            {
              Namespace: 'Ferry',
              Dimensions: [['RunId', 'Mapping']],
              Metrics: [
                { Name: 'BytesCopied', Unit: 'Bytes' },
                { Name: 'ObjectsCopied', Unit: 'Count' },
                { Name: 'ObjectsFailed', Unit: 'Count' },
              ],
            },
          ],
        },
        RunId: 'run-42',
        Mapping: 'photos',
        BytesCopied: 1_024,
        ObjectsCopied: 2,
        ObjectsFailed: 0,
      },
    ]);
    metrics.close();
  });

  test('each interval holds only its own counts, and a quiet interval writes nothing', async () => {
    const { clock, lines, metrics } = setup(10_000);
    metrics.count('ObjectsCopied', 3, 'Count');
    await clock.advance(10_000);
    await clock.advance(10_000);
    metrics.count('ObjectsCopied', 2, 'Count');
    await clock.advance(10_000);
    const documents = parsed(lines);
    expect(documents.map((document) => document.ObjectsCopied)).toEqual([3, 2]);
    expect(documents.map((document) => (document._aws as { Timestamp: number }).Timestamp)).toEqual([
      start.getTime() + 10_000,
      start.getTime() + 30_000,
    ]);
    metrics.close();
  });

  test('errors by class: one line per class with the ErrorClass dimension', async () => {
    const { lines, metrics } = setup();
    metrics.count('ObjectsFailed', 3, 'Count');
    metrics.countError('Throttled');
    metrics.countError('AccessDenied', 2);
    metrics.countError('Throttled');
    metrics.close();
    const documents = parsed(lines);
    expect(documents).toHaveLength(3);
    expect(documents[0]?.ObjectsFailed).toBe(3);
    const byClass = documents.slice(1).map((document) => ({
      dimensions: (document._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]
        ?.Dimensions,
      errorClass: document.ErrorClass,
      count: document.ErrorsByClass,
      run: document.RunId,
    }));
    expect(byClass).toEqual([
      { dimensions: [['RunId', 'Mapping', 'ErrorClass']], errorClass: 'Throttled', count: 2, run: 'run-42' },
      {
        dimensions: [['RunId', 'Mapping', 'ErrorClass']],
        errorClass: 'AccessDenied',
        count: 2,
        run: 'run-42',
      },
    ]);
  });

  test('close flushes what is left and stops the timer', async () => {
    const { clock, lines, metrics } = setup();
    metrics.count('BytesCopied', 5, 'Bytes');
    metrics.close();
    expect(parsed(lines).map((document) => document.BytesCopied)).toEqual([5]);
    expect(clock.sleepers).toBe(0);
    metrics.close();
    expect(lines).toHaveLength(1);
  });

  test('misuse is refused', () => {
    const { metrics } = setup();
    metrics.count('BytesCopied', 1, 'Bytes');
    expect(() => metrics.count('BytesCopied', 1, 'Count')).toThrow(/counted in Bytes/);
    expect(() => metrics.count('RunId', 1, 'Count')).toThrow(/taken by a dimension/);
    expect(() => metrics.count('ErrorsByClass', 1, 'Count')).toThrow(/countError/);
    expect(() => metrics.count('ObjectsCopied', Number.NaN, 'Count')).toThrow(/finite/);
    metrics.close();
    const clock = createManualClock();
    const write = (): void => undefined;
    expect(() => createEmfMetrics({ namespace: 'Ferry metrics', dimensions: {}, write, clock })).toThrow(
      /namespace/,
    );
    expect(() => createEmfMetrics({ namespace: 'Ferry', dimensions: { RunId: ' ' }, write, clock })).toThrow(
      /RunId is empty/,
    );
  });

  test('countBatchOutcome counts copies, failures and their classes', () => {
    const { lines, metrics } = setup();
    countBatchOutcome(metrics, {
      batchId: 'b1',
      copied: { objects: 4, bytes: 4_096 },
      failed: { objects: 2, bytes: 10 },
      failures: [
        { key: 'a', errorClass: 'NotFound', message: 'gone', attempts: 1 },
        { key: 'b', errorClass: 'NotFound', message: 'gone', attempts: 1 },
      ],
    });
    countBatchOutcome(metrics, {
      batchId: 'b2',
      copied: { objects: 1, bytes: 1 },
      failed: { objects: 0, bytes: 0 },
      failures: [],
    });
    metrics.close();
    const [totals, notFound] = parsed(lines);
    expect(totals).toMatchObject({ BytesCopied: 4_097, ObjectsCopied: 5, ObjectsFailed: 2 });
    expect(notFound).toMatchObject({ ErrorClass: 'NotFound', ErrorsByClass: 2 });
  });
});

describe('emfDocuments', () => {
  test('more than 100 metrics are split across documents', () => {
    const metrics = Array.from({ length: 150 }, (_, index) => ({
      name: `M${index}`,
      unit: 'Count' as const,
      value: index,
    }));
    const documents = emfDocuments({
      namespace: 'Ferry',
      dimensions: { RunId: 'r' },
      timestampMs: 0,
      metrics,
      errorsByClass: new Map(),
    });
    expect(documents).toHaveLength(2);
    for (const document of documents) expect(emfViolations(JSON.parse(JSON.stringify(document)))).toEqual([]);
    expect(documents[1]?.M149).toBe(149);
  });

  test('nothing counted, no documents', () => {
    expect(
      emfDocuments({
        namespace: 'Ferry',
        dimensions: {},
        timestampMs: 0,
        metrics: [],
        errorsByClass: new Map(),
      }),
    ).toEqual([]);
  });
});
