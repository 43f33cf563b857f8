// `renderRunReport` (pure): a run's job-summary Markdown — totals, throughput and its chart, failures, estimated cost.
import type { FailureRecord, RunRecord } from '../ports/ledger.ts';
import { groupFailures, renderTable } from '../report/run-summary.ts';
import { formatBytes, formatDuration, formatRate } from '../report/units.ts';
import { inertCode, inertText } from '../review/markdown-text.ts';
import type { ProgressSample } from './progress-sample.ts';
import { estimateRunCost, pricedWorkerInstanceType, pricesAsOf } from './run-cost.ts';
import { throughputChart } from './throughput-chart.ts';

export type ReportedState = 'succeeded' | 'failed' | 'still-running';

export interface RunReportInput {
  readonly run: RunRecord;
  readonly state: ReportedState;
  /** Why it failed, if it did. */
  readonly reason?: string;
  /** The failures read from the ledger (the first ones when there are many; run.failed has the count). */
  readonly failures: readonly FailureRecord[];
  /** The await loop's samples, oldest first. */
  readonly samples: readonly ProgressSample[];
  readonly now: Date;
  /** The workers' instance type, for the EC2 cost; default c6in.xlarge. */
  readonly instanceType?: string;
  /** Sample keys shown per error class; default 5. */
  readonly sampleKeysPerClass?: number;
}

const headlines: Readonly<Record<ReportedState, string>> = {
  succeeded: '✅ **Succeeded**',
  failed: '❌ **Failed**',
  'still-running': '⏳ **Still running**: await the run again to pick it up',
};

function number(value: number): string {
  return value.toLocaleString('en-US');
}

function usd(value: number | undefined): string {
  if (value === undefined) return 'n/a';
  return value < 0.01 && value > 0 ? '< $0.01' : `$${value.toFixed(2)}`;
}

/** When the report's numbers end: the last sample of a finished run, else now. */
function endOf(input: RunReportInput): Date {
  const last = input.samples.at(-1);
  return input.state !== 'still-running' && last !== undefined ? last.at : input.now;
}

function headline(input: RunReportInput): string[] {
  const { run } = input;
  const durationMs = endOf(input).getTime() - run.startedAt.getTime();
  const elapsed = `${formatDuration(durationMs)}${input.state === 'still-running' ? ' so far' : ''}`;
  const started = run.startedAt.toISOString().slice(0, 16).replace('T', ' ');
  const lines = [
    `## Ferry run ${inertCode(run.runId)}`,
    '',
    `${headlines[input.state]} — mapping ${inertCode(run.mappingId)}, ${run.mode} mode, started ${started} UTC, ${elapsed}`,
  ];
  if (input.reason !== undefined)
    lines.push('', `Reason: ${inertText(input.reason, { maxCodePoints: 1000 })}`);
  return lines;
}

const counters = ['planned', 'copied', 'skipped', 'failed'] as const;

/** A sync run's deletes: found (with whether they were released or refused), and done. */
function deleteRows(run: RunRecord): string[][] {
  if (run.deleteState === undefined) return [];
  return [
    [
      `to delete (${run.deleteState.toLowerCase()})`,
      number(run.toDelete.objects),
      formatBytes(run.toDelete.bytes),
    ],
    ['deleted', number(run.deleted.objects), formatBytes(run.deleted.bytes)],
  ];
}

function totals(input: RunReportInput): string[] {
  const { run } = input;
  const rows = [
    ...counters.map((counter) => [counter, number(run[counter].objects), formatBytes(run[counter].bytes)]),
    ...deleteRows(run),
  ];
  const durationMs = Math.max(1, endOf(input).getTime() - run.startedAt.getTime());
  const rate = formatRate((run.copied.bytes * 1000) / durationMs);
  const listing = run.listerState === 'LISTED' ? '' : ` The listing is ${run.listerState}.`;
  return [
    '',
    renderTable(['', 'objects', 'bytes'], rows),
    '',
    `Throughput: ${rate} over ${formatDuration(durationMs)} (bytes copied since the run started).${listing}`,
  ];
}

function chart(input: RunReportInput): string[] {
  const lines = ['', '### Throughput over time', ''];
  const first = input.samples[0];
  const rendered = throughputChart(input.samples);
  if (first === undefined || rendered === undefined) {
    lines.push('Not enough progress samples for a chart (fewer than two polls).');
    return lines;
  }
  const { run } = input;
  if (first.copied.objects + first.failed.objects > 0) {
    lines.push(
      `The samples are partial: they start at ${first.at.toISOString().slice(11, 16)} UTC, when this await picked the run up after ${formatDuration(first.at.getTime() - run.startedAt.getTime())} and ${formatBytes(first.copied.bytes)} copied.`,
      '',
    );
  }
  lines.push(rendered);
  return lines;
}

function failureSection(input: RunReportInput): string[] {
  const { run, failures } = input;
  if (run.failed.objects === 0 && failures.length === 0) return [];
  const perClass = input.sampleKeysPerClass ?? 5;
  const rows = [...groupFailures(failures)].map(([errorClass, group]) => [
    inertText(errorClass),
    number(group.length),
    group
      .slice(0, perClass)
      .map((failure) => inertCode(failure.key, { maxCodePoints: 120 }))
      .join('<br>'),
    inertText(group[0]?.message ?? '', { maxCodePoints: 300 }),
  ]);
  const lines = ['', '### Failures by error class', ''];
  if (failures.length < run.failed.objects)
    lines.push(`The first ${number(failures.length)} of ${number(run.failed.objects)} failures:`, '');
  lines.push(renderTable(['class', 'objects', 'sample keys', 'first message'], rows));
  return lines;
}

function costSection(input: RunReportInput): string[] {
  const lines = estimateRunCost({
    run: input.run,
    samples: input.samples,
    instanceType: input.instanceType ?? pricedWorkerInstanceType,
    now: endOf(input),
  });
  const known = lines.map((line) => line.usd).filter((value): value is number => value !== undefined);
  const rows = lines.map((line) => [line.item, line.quantity, usd(line.usd)]);
  rows.push(['total', '', usd(known.reduce((sum, value) => sum + value, 0))]);
  return [
    '',
    '### Estimated cost',
    '',
    renderTable(['item', 'quantity', 'USD'], rows),
    '',
    `An estimate, not a bill: us-east-1 on-demand list prices of ${pricesAsOf} (${pricedWorkerInstanceType} workers, a 2 vCPU / 4 GB lister); SQS and DynamoDB from the per-object counts Ferry measured, S3 from objects and 8 MiB parts copied, worker-hours from the in-service workers sampled while awaiting. The source's own request and egress charges are not included.`,
  ];
}

/** The run report as GitHub job-summary Markdown; every key, message and id from the ledger is escaped. */
export function renderRunReport(input: RunReportInput): string {
  return [
    ...headline(input),
    ...totals(input),
    ...chart(input),
    ...failureSection(input),
    ...costSection(input),
    '',
  ].join('\n');
}
