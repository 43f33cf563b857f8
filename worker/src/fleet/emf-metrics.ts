// Counts the worker's progress and writes it, summed per interval, as CloudWatch Embedded Metric Format log lines.
import { type ErrorClass, FerryError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { BatchOutcome } from '../ports/ledger.ts';

/** The units CloudWatch accepts. */
export type EmfUnit =
  | 'Seconds'
  | 'Microseconds'
  | 'Milliseconds'
  | 'Bytes'
  | 'Kilobytes'
  | 'Megabytes'
  | 'Gigabytes'
  | 'Terabytes'
  | 'Bits'
  | 'Kilobits'
  | 'Megabits'
  | 'Gigabits'
  | 'Terabits'
  | 'Percent'
  | 'Count'
  | 'Bytes/Second'
  | 'Kilobytes/Second'
  | 'Megabytes/Second'
  | 'Gigabytes/Second'
  | 'Terabytes/Second'
  | 'Bits/Second'
  | 'Kilobits/Second'
  | 'Megabits/Second'
  | 'Gigabits/Second'
  | 'Terabits/Second'
  | 'Count/Second'
  | 'None';

export const ferryMetricNames = {
  bytesCopied: 'BytesCopied',
  objectsCopied: 'ObjectsCopied',
  objectsFailed: 'ObjectsFailed',
  errorsByClass: 'ErrorsByClass',
} as const;

/** The extra dimension of ErrorsByClass. */
export const errorClassDimension = 'ErrorClass';
export const defaultEmfFlushIntervalMs = 60_000;

/** EMF limits: metrics per directive, dimensions per dimension set, namespace characters. */
const maxMetricsPerDocument = 100;
const maxDimensionsPerSet = 30;
const namespacePattern = /^[a-zA-Z0-9._#:/-]{1,256}$/;

export interface EmfMetricDefinition {
  readonly Name: string;
  readonly Unit: EmfUnit;
}

export interface EmfMetricDirective {
  readonly Namespace: string;
  readonly Dimensions: readonly (readonly string[])[];
  readonly Metrics: readonly EmfMetricDefinition[];
}

/** One EMF log event: the `_aws` metadata plus the dimension and metric values it points at. */
export type EmfDocument = {
  readonly _aws: { readonly Timestamp: number; readonly CloudWatchMetrics: readonly EmfMetricDirective[] };
} & Readonly<Record<string, unknown>>;

export interface CountedMetric {
  readonly name: string;
  readonly unit: EmfUnit;
  readonly value: number;
}

/** Pure: the documents for one interval's sums; none when nothing was counted. */
export function emfDocuments(input: {
  namespace: string;
  dimensions: Readonly<Record<string, string>>;
  timestampMs: number;
  metrics: readonly CountedMetric[];
  errorsByClass: ReadonlyMap<ErrorClass, number>;
}): EmfDocument[] {
  const dimensionNames = Object.keys(input.dimensions);
  const document = (extraDimensions: Readonly<Record<string, string>>, metrics: readonly CountedMetric[]) => {
    const values = Object.fromEntries(metrics.map((metric) => [metric.name, metric.value]));
    return {
      _aws: {
        Timestamp: input.timestampMs,
        CloudWatchMetrics: [
          {
            Namespace: input.namespace,
            Dimensions: [[...dimensionNames, ...Object.keys(extraDimensions)]],
            Metrics: metrics.map((metric) => ({ Name: metric.name, Unit: metric.unit })),
          },
        ],
      },
      ...input.dimensions,
      ...extraDimensions,
      ...values,
    };
  };
  const documents: EmfDocument[] = [];
  for (let start = 0; start < input.metrics.length; start += maxMetricsPerDocument) {
    documents.push(document({}, input.metrics.slice(start, start + maxMetricsPerDocument)));
  }
  // A document holds one value per member, so each error class gets its own.
  for (const [errorClass, value] of input.errorsByClass) {
    documents.push(
      document({ [errorClassDimension]: errorClass }, [
        { name: ferryMetricNames.errorsByClass, unit: 'Count', value },
      ]),
    );
  }
  return documents;
}

export interface EmfMetricsOptions {
  /** 'Ferry'. */
  readonly namespace: string;
  /** On every metric, e.g. { RunId, Mapping }. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Gets one JSON document per call, without a trailing newline. */
  readonly write: (line: string) => void;
  readonly clock: Clock;
  readonly flushIntervalMs?: number;
}

export interface EmfMetrics {
  /** Adds value to the interval's sum of the metric; a metric keeps the unit it was first counted with. */
  count(name: string, value: number, unit: EmfUnit): void;
  /** Adds to ErrorsByClass for this error class. */
  countError(errorClass: ErrorClass, value?: number): void;
  /** Writes what was counted since the last flush (nothing when nothing was). */
  flush(): void;
  /** Stops the interval timer and flushes what is left. */
  close(): void;
}

function assertValidSetup(options: EmfMetricsOptions): void {
  if (!namespacePattern.test(options.namespace)) {
    throw new FerryError('Config', `metrics namespace ${JSON.stringify(options.namespace)} is not valid`);
  }
  const names = Object.keys(options.dimensions);
  // ErrorsByClass adds one more dimension to the set.
  if (names.length + 1 > maxDimensionsPerSet) {
    throw new FerryError('Config', `at most ${maxDimensionsPerSet - 1} metric dimensions are allowed`);
  }
  for (const [name, value] of Object.entries(options.dimensions)) {
    if (value.trim() === '') throw new FerryError('Config', `metric dimension ${name} is empty`);
  }
}

function assertCountable(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`metric ${name}: ${value} is not a finite number`);
}

export function createEmfMetrics(options: EmfMetricsOptions): EmfMetrics {
  assertValidSetup(options);
  const flushIntervalMs = options.flushIntervalMs ?? defaultEmfFlushIntervalMs;
  const reserved = new Set([...Object.keys(options.dimensions), errorClassDimension, '_aws']);
  const units = new Map<string, EmfUnit>([[ferryMetricNames.errorsByClass, 'Count']]);
  let sums = new Map<string, number>();
  let errorSums = new Map<ErrorClass, number>();
  const stopped = new AbortController();

  const flush = (): void => {
    if (sums.size === 0 && errorSums.size === 0) return;
    const metrics = [...sums].map(([name, value]) => ({ name, value, unit: units.get(name) ?? 'None' }));
    const documents = emfDocuments({
      namespace: options.namespace,
      dimensions: options.dimensions,
      timestampMs: options.clock.now().getTime(),
      metrics,
      errorsByClass: errorSums,
    });
    sums = new Map();
    errorSums = new Map();
    for (const document of documents) options.write(JSON.stringify(document));
  };

  const tick = async (): Promise<void> => {
    while (!stopped.signal.aborted) {
      await options.clock.sleep(flushIntervalMs, stopped.signal);
      flush();
    }
  };
  tick().catch(() => undefined);

  return {
    count(name, value, unit) {
      if (reserved.has(name)) throw new RangeError(`metric name ${name} is taken by a dimension`);
      if (name === ferryMetricNames.errorsByClass) throw new RangeError(`count ${name} with countError()`);
      assertCountable(name, value);
      const known = units.get(name);
      if (known !== undefined && known !== unit) {
        throw new RangeError(`metric ${name} is counted in ${known}, not ${unit}`);
      }
      units.set(name, unit);
      sums.set(name, (sums.get(name) ?? 0) + value);
    },
    countError(errorClass, value = 1) {
      assertCountable(ferryMetricNames.errorsByClass, value);
      errorSums.set(errorClass, (errorSums.get(errorClass) ?? 0) + value);
    },
    flush,
    close() {
      stopped.abort();
      flush();
    },
  };
}

/** Counts one processed batch: bytes and objects copied, objects failed, and each failure by its error class. */
export function countBatchOutcome(metrics: EmfMetrics, outcome: BatchOutcome): void {
  metrics.count(ferryMetricNames.bytesCopied, outcome.copied.bytes, 'Bytes');
  metrics.count(ferryMetricNames.objectsCopied, outcome.copied.objects, 'Count');
  metrics.count(ferryMetricNames.objectsFailed, outcome.failed.objects, 'Count');
  for (const failure of outcome.failures) metrics.countError(failure.errorClass);
}
