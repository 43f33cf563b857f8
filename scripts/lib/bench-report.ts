// Turns the benchmark's measurements into one markdown table per dataset, with notes (pure, no I/O).
import type { CopierName } from './copiers.ts';
import { findingCounts, type VerificationReport, verificationPassed } from './copy-findings.ts';
import { markdownTable } from './markdown-table.ts';
import { addCounts, describeCounts, type RequestCounts, totalRequests } from './request-counts.ts';
import { fixed, GiB, MiB } from './units.ts';

export interface CopyMeasurement {
  readonly copier: CopierName;
  readonly commandLines: readonly string[];
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly stderrTail: string;
  readonly wallSec: number;
  /** The copier's process tree: user + system. */
  readonly clientCpuSec: number;
  readonly maxRssBytes: number;
  readonly sourceRequests: RequestCounts;
  readonly destinationRequests: RequestCounts;
  /** s3rver and proxy processes of both endpoints, user + system, during the copy. */
  readonly serverCpuSec: number;
  readonly verification?: VerificationReport;
  readonly verificationError?: string;
  /** The machine's 1-minute load average just before the copy: other work on the machine skews results. */
  readonly loadBefore: number;
}

export interface DatasetResult {
  readonly title: string;
  readonly objectCount: number;
  readonly totalBytes: number;
  readonly measurements: readonly CopyMeasurement[];
  readonly notes: readonly string[];
}

/** "verified", or what went wrong, most serious first. */
export function resultLabel(measurement: CopyMeasurement): string {
  if (measurement.timedOut) return 'TIMED OUT';
  const verdict = (() => {
    if (measurement.verificationError) return `not verified (${measurement.verificationError})`;
    const report = measurement.verification;
    if (!report) return 'not verified';
    if (verificationPassed(report)) return 'verified';
    const kinds = findingCounts(report);
    if (Object.keys(kinds).length === 1 && kinds.metadata !== undefined) {
      return `content verified; metadata differs on ${kinds.metadata} objects`;
    }
    const counts = Object.entries(findingCounts(report))
      .map(([kind, count]) => `${count} ${kind}`)
      .join(', ');
    return `FAILED verification: ${counts}`;
  })();
  return measurement.exitCode === 0 ? verdict : `exit ${measurement.exitCode}; ${verdict}`;
}

const headers = [
  'copier',
  'result',
  'wall s',
  'MB/s',
  'objects/s',
  'client CPU s',
  'CPU s/GiB',
  'peak RSS MiB',
  'requests/object',
  'server CPU s',
  'server CPU share',
  'in flight, mean/peak (source · destination)',
  'requests (source · destination)',
];

function inFlight(counts: RequestCounts, wallSec: number): string {
  return `${fixed(counts.requestSeconds / wallSec, 1)}/${counts.peakInFlight}`;
}

function row(result: DatasetResult, measurement: CopyMeasurement): string[] {
  const { clientCpuSec } = measurement;
  const completed = measurement.exitCode === 0 && !measurement.timedOut;
  // A copy that failed moved less than the dataset: its throughput would be meaningless.
  const wallSec = completed ? measurement.wallSec : Number.NaN;
  const requests = totalRequests(addCounts(measurement.sourceRequests, measurement.destinationRequests));
  return [
    measurement.copier,
    resultLabel(measurement),
    fixed(measurement.wallSec, 1),
    fixed(result.totalBytes / 1e6 / wallSec, 1),
    fixed(result.objectCount / wallSec, 1),
    fixed(clientCpuSec, 1),
    fixed(completed ? clientCpuSec / (result.totalBytes / GiB) : Number.NaN, 1),
    fixed(measurement.maxRssBytes / MiB, 0),
    fixed(requests / result.objectCount, 2),
    fixed(measurement.serverCpuSec, 1),
    `${fixed((100 * measurement.serverCpuSec) / (measurement.serverCpuSec + clientCpuSec), 0)}%`,
    `${inFlight(measurement.sourceRequests, measurement.wallSec)} · ${inFlight(measurement.destinationRequests, measurement.wallSec)}`,
    `${describeCounts(measurement.sourceRequests)} · ${describeCounts(measurement.destinationRequests)}`,
  ];
}

export function datasetMarkdown(result: DatasetResult): string {
  const table = markdownTable({
    headers,
    rows: result.measurements.map((measurement) => row(result, measurement)),
    rightAligned: headers.slice(2, -2),
  });
  const commands = result.measurements.flatMap((measurement) =>
    measurement.commandLines.map((line) => `- ${measurement.copier}: \`${line}\``),
  );
  const load = result.measurements.map(
    (measurement) => `${measurement.copier} ${fixed(measurement.loadBefore, 2)}`,
  );
  const failures = result.measurements.flatMap((measurement) => {
    const lines: string[] = [];
    if (measurement.exitCode !== 0 && measurement.stderrTail.trim()) {
      lines.push(`- ${measurement.copier} stderr: ${stderrGist(measurement.stderrTail)}`);
    }
    const first = measurement.verification?.findings[0];
    if (first)
      lines.push(`- ${measurement.copier} first finding: ${first.kind} \`${first.key}\`: ${first.detail}`);
    return lines;
  });
  return [
    `### ${result.title}`,
    '',
    table,
    '',
    ...commands,
    ...failures,
    ...result.notes.map((note) => `- ${note}`),
    `- 1-minute load average before each copy (2 CPUs shared with anything else running): ${load.join(', ')}`,
  ].join('\n');
}

/** The first error-looking lines of a failed tool's stderr, else its last lines, on one line. */
export function stderrGist(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const errors = lines.filter((line) => /error|fatal|failed/i.test(line));
  return (errors.length > 0 ? errors.slice(0, 2) : lines.slice(-3)).join(' / ').slice(0, 400);
}

export const tableLegend = [
  'MB/s = 10^6 bytes per wall-clock second. Client CPU = user + system seconds of the copier process tree (GNU time);',
  'peak RSS = largest resident set of one process in that tree. Requests are counted by proxies in front of both',
  'servers, by HTTP method; "in flight" is the mean (summed request durations / wall time) and peak number of',
  'requests open at once on each side. Server CPU = user + system seconds of both s3rver processes and both proxies during the',
  'copy; its share is of all CPU used (client + servers). Every copy went into a fresh, empty destination bucket and',
  'was then compared with the source (keys, sizes, content MD5, Content-Type/-Encoding/-Disposition/-Language,',
  'Cache-Control, Expires and user metadata).',
].join(' ');
