// Pure comparisons for the verifier: which keys are missing or extra, and how two objects' metadata differ.
import type { ObjectMetadata } from '../../worker/src/domain/object.ts';

export type FindingKind = 'missing' | 'extra' | 'size' | 'content' | 'metadata' | 'error';

export interface Finding {
  readonly kind: FindingKind;
  readonly key: string;
  readonly detail: string;
}

const systemFields = [
  'contentType',
  'contentEncoding',
  'contentDisposition',
  'contentLanguage',
  'cacheControl',
  'expires',
] as const;

/** Every field in which the destination's metadata differs from the source's; empty when they agree. */
export function metadataDifferences(source: ObjectMetadata, destination: ObjectMetadata): string[] {
  const differences: string[] = [];
  for (const field of systemFields) {
    if (source[field] !== destination[field]) {
      differences.push(`${field}: ${JSON.stringify(source[field])} -> ${JSON.stringify(destination[field])}`);
    }
  }
  const names = new Set([...Object.keys(source.userMetadata), ...Object.keys(destination.userMetadata)]);
  for (const name of [...names].sort()) {
    const before = source.userMetadata[name];
    const after = destination.userMetadata[name];
    if (before !== after) {
      differences.push(`x-amz-meta-${name}: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    }
  }
  return differences;
}

/** Keys only in the source (missing) and keys only in the destination (extra). */
export function keyDifferences(sourceKeys: Iterable<string>, destinationKeys: Iterable<string>): Finding[] {
  const source = new Set(sourceKeys);
  const destination = new Set(destinationKeys);
  const findings: Finding[] = [];
  for (const key of source) {
    if (!destination.has(key)) findings.push({ kind: 'missing', key, detail: 'not in the destination' });
  }
  for (const key of destination) {
    if (!source.has(key)) findings.push({ kind: 'extra', key, detail: 'not in the source' });
  }
  return findings;
}

export interface VerificationReport {
  /** Objects and bytes in the source. */
  readonly objects: number;
  readonly bytes: number;
  readonly findings: readonly Finding[];
}

export function verificationPassed(report: VerificationReport): boolean {
  return report.findings.length === 0;
}

/** How many findings of each kind, e.g. "content ok, metadata: 200 differ". */
export function findingCounts(report: VerificationReport): Partial<Record<FindingKind, number>> {
  const counts: Partial<Record<FindingKind, number>> = {};
  for (const finding of report.findings) counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
  return counts;
}

/** A few lines for a person: counts per kind, then up to `examples` findings. */
export function describeFindings(report: VerificationReport, examples = 5): string {
  if (verificationPassed(report)) return 'no differences';
  const counts = Object.entries(findingCounts(report))
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
  const shown = report.findings
    .slice(0, examples)
    .map((finding) => `  ${finding.kind} ${JSON.stringify(finding.key)}: ${finding.detail}`);
  return [counts, ...shown].join('\n');
}
