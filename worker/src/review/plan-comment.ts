// Renders a mapping review as the one pull-request comment (found again by its marker): every user value made inert.
import type { MappingConfig } from '../config/types.ts';
import type { ConfigError } from '../domain/errors.ts';
import type { PlanSummary } from '../plan/plan-summary.ts';
import { planReasons } from '../plan/reasons.ts';
import { type Counts, comparesWithDestination, type RunMode } from '../ports/ledger.ts';
import { formatBytes, formatDuration } from '../report/units.ts';
import type { CostEstimate, CostModel } from './cost-estimate.ts';
import type { DeleteCheck, GuardrailCheck } from './guardrail.ts';
import { inertCode, inertText } from './markdown-text.ts';
import type { Extrapolation, PlanTotals } from './plan-totals.ts';
import type { MappingPlan, MappingsReview } from './review-mappings.ts';

/** The hidden first line by which a workflow finds its earlier comment and updates it in place. */
export const planCommentMarker = '<!-- ferry-plan -->';

/** GitHub refuses comments over 65,536 characters; the body stays under this. */
export const maxCommentChars = 60_000;

const code = (text: string): string => inertCode(text);

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function usd(value: number): string {
  if (value > 0 && value < 0.005) return '< $0.01';
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function countsText(counts: Counts, approximate: boolean): string {
  const about = approximate ? '~' : '';
  return `${about}${count(counts.objects)} objects, ${about}${formatBytes(counts.bytes)}`;
}

/** A run mode as ferry.yaml and the Migrate form name it: incremental is `copy`. */
function modeName(mode: RunMode): string {
  return mode === 'incremental' ? 'copy' : mode;
}

function location(side: { endpoint: string; bucket: string; prefix: string }): string {
  const prefix = side.prefix === '' ? '' : ` prefix ${code(side.prefix)}`;
  return `${code(side.endpoint)} bucket ${code(side.bucket)}${prefix}`;
}

/** A ConfigError's own message: its text without the location it starts with. */
export function problemText(error: ConfigError): string {
  const located = `${error.file}:${error.line}:${error.column}: ${error.field}: `;
  return error.message.startsWith(located) ? error.message.slice(located.length) : error.message;
}

function errorLines(errors: readonly ConfigError[]): string[] {
  return errors.map(
    (error) =>
      `- ${code(`${error.file}:${error.line}:${error.column}`)} ${code(error.field)}: ${inertText(problemText(error), { maxCodePoints: 400 })}`,
  );
}

function changeOf(review: MappingsReview, mapping: MappingConfig): string {
  const changes = review.changes;
  if (changes?.added.includes(mapping)) return 'added';
  return changes?.changed.some((change) => change.mapping === mapping) ? 'changed' : 'unchanged';
}

function estimateNote(extrapolation: Extrapolation, totals: PlanTotals | undefined): string {
  const limit = extrapolation.stoppedBy === 'keys' ? 'key' : 'time';
  const after =
    extrapolation.coveredThrough === undefined
      ? 'before any key'
      : `after ${code(extrapolation.coveredThrough)}`;
  const sampled = `${count(extrapolation.sampledSourceKeys)} source keys were planned`;
  const rest = `the rest of the key space was estimated at ~${count(extrapolation.restSourceKeys)} keys by the lister's range sampler (${count(extrapolation.probes)} list requests)`;
  const scaled =
    extrapolation.factor === undefined || totals === undefined
      ? 'nothing was planned before the budget ran out, so nothing can be extrapolated: raise max-keys'
      : `every count below is the sample's × ${extrapolation.factor.toFixed(2)}, assuming the rest of the key space looks like its first part`;
  return `**Estimate** — the listing's ${limit} budget ran out ${after}: ${sampled}; ${rest}; ${scaled}.`;
}

function actionRows(summary: PlanSummary, totals: PlanTotals, mode: RunMode): string[] {
  const approximate = !totals.exact;
  const row = (action: 'copy' | 'skip' | 'delete' | 'fail'): string => {
    const keys = summary.sampleKeysByAction[action].slice(0, 3).map(code).join(', ');
    return `| ${action} | ${countsText(totals.byAction[action], approximate)} | ${keys} |`;
  };
  // Only a sync deletes; any other run says so where its deletes would be.
  const deleteRow =
    mode === 'sync' ? row('delete') : `| delete | none | ${modeName(mode)} mode: nothing is deleted |`;
  return [
    '| action | planned | first keys |',
    '| --- | --- | --- |',
    row('copy'),
    row('skip'),
    deleteRow,
    row('fail'),
  ];
}

function reasonLine(summary: PlanSummary): string {
  const parts = planReasons
    .filter((reason) => summary.byReason[reason].objects > 0)
    .map((reason) => `${reason} ${count(summary.byReason[reason].objects)}`);
  return parts.length === 0 ? '' : `Reasons (sampled): ${parts.join(' · ')}.`;
}

function costLines(cost: CostEstimate, model: CostModel, approximate: boolean): string[] {
  const { requests } = cost;
  const label = approximate ? 'Estimated cost (from the estimate above)' : 'Estimated cost';
  return [
    `${label}: **${usd(cost.usd.total)}** — requests ${usd(cost.usd.requests)} (${count(requests.sourceReads)} source reads, ${count(requests.destinationWrites)} destination writes, ${count(requests.sourceLists + requests.destinationLists)} list requests, ${count(requests.queueRequests)} SQS requests, ${count(requests.ledgerWrites)} DynamoDB writes) · transfer ${usd(cost.usd.transfer)} (${formatBytes(cost.transferBytes)} read from the source) · compute ${usd(cost.usd.compute)} (${cost.workerHours.toFixed(2)} worker-hours, ${cost.listerHours.toFixed(2)} lister-hours).`,
    `Estimated duration: **${formatDuration(cost.durationSec * 1000)}** with ${count(model.workers)} workers (copying ${formatDuration(cost.copySec * 1000)}, listing ${formatDuration(cost.listSec * 1000)}).`,
  ];
}

function guardrailLine(check: GuardrailCheck): string {
  const planned = `${check.estimated ? '~' : ''}${formatBytes(check.plannedBytes)}`;
  const verdict = check.exceeded
    ? `**exceeded**: ${planned} planned. A run would be refused`
    : `within: ${planned} planned`;
  return `Guardrail maxBytesPerRun ${formatBytes(check.limitBytes)}: ${verdict}.`;
}

function deleteLimitsText(check: DeleteCheck): string {
  const { maxDeleteObjects, maxDeleteBytes } = check.limits;
  const limits = [
    maxDeleteObjects === undefined
      ? 'maxDeleteObjects not set'
      : `maxDeleteObjects ${count(maxDeleteObjects)}`,
    maxDeleteBytes === undefined ? 'maxDeleteBytes not set' : `maxDeleteBytes ${formatBytes(maxDeleteBytes)}`,
  ];
  return limits.join(', ');
}

/** The delete guardrails' verdict, as the run's release step would give it on these counts. */
function deleteGuardrailLine(check: DeleteCheck): string {
  const planned = `${countsText(check.toDelete, check.estimated)} to delete`;
  const onEstimate = check.estimated ? ' (on the estimate; the run decides on its complete listing)' : '';
  const verdict = check.verdict.allowed
    ? `within: ${planned}${onEstimate}`
    : `**refused**${onEstimate}: ${inertText(check.verdict.reason, { maxCodePoints: 400 })}. A sync run would copy, then delete nothing and fail with this reason`;
  return `Delete guardrails (${deleteLimitsText(check)}; an empty source deletes nothing unless maxDeleteObjects is set): ${verdict}.`;
}

function mappingSection(review: MappingsReview, plan: MappingPlan): string {
  const { mapping, outcome } = plan;
  const change = review.changes?.changed.find((candidate) => candidate.mapping === mapping);
  const lines = [
    `#### ${code(mapping.id)} (${changeOf(review, mapping)})`,
    '',
    `From ${location(mapping.source)} to ${location(mapping.destination)}${mapping.schedule ? ` · schedule ${mapping.schedule}` : ''}.`,
  ];
  if (change) lines.push(`Changed: ${change.fields.map(code).join(', ')}.`);
  if (outcome.kind === 'failed') {
    lines.push('', `**Could not plan**: ${inertText(outcome.error, { maxCodePoints: 400 })}`);
    return lines.join('\n');
  }
  const { sample, totals, extrapolation } = outcome;
  lines.push('');
  if (extrapolation) lines.push(estimateNote(extrapolation, totals));
  else {
    const destination = comparesWithDestination(outcome.mode)
      ? ` and ${count(sample.destinationKeys)} destination keys`
      : '';
    lines.push(
      `**Exact** (${modeName(outcome.mode)} mode): listed ${count(sample.sourceKeys)} source keys${destination}.`,
    );
  }
  if (totals === undefined) return lines.join('\n');
  lines.push('', ...actionRows(sample.summary, totals, outcome.mode), '', reasonLine(sample.summary));
  if (!review.usedCopyRecords && sample.summary.byReason.unverifiable.objects > 0) {
    lines.push(
      "Planned without Ferry's ledger: objects it copied as multipart count as 'unverifiable' copies here, and a run that reads the ledger may skip them.",
    );
  }
  if (outcome.cost) lines.push('', ...costLines(outcome.cost, review.costModel, !totals.exact));
  if (outcome.guardrail) lines.push(guardrailLine(outcome.guardrail));
  if (outcome.deletes) lines.push(deleteGuardrailLine(outcome.deletes));
  return lines.join('\n');
}

function summaryRow(review: MappingsReview, plan: MappingPlan): string {
  const { mapping, outcome } = plan;
  const cells =
    outcome.kind === 'failed'
      ? ['could not plan', '', '', '', '']
      : outcome.totals === undefined
        ? ['estimate failed', '', '', '', '']
        : [
            countsText(outcome.totals.byAction.copy, !outcome.totals.exact),
            countsText(outcome.totals.byAction.skip, !outcome.totals.exact),
            outcome.mode === 'sync'
              ? countsText(outcome.totals.byAction.delete, !outcome.totals.exact)
              : `none (${modeName(outcome.mode)} mode)`,
            outcome.cost ? usd(outcome.cost.usd.total) : '',
            outcome.cost ? formatDuration(outcome.cost.durationSec * 1000) : '',
          ];
  return `| ${code(mapping.id)} | ${changeOf(review, mapping)} | ${cells.join(' | ')} |`;
}

function assumptions(model: CostModel): string {
  const { rates, prices } = model;
  return [
    '<details><summary>How cost and duration are estimated</summary>',
    '',
    `Requests are counted per planned object as the workers make them (single PUT, multipart parts, server-side copy); listing at 1,000 keys per request; SQS and DynamoDB at the measured 31,000 requests and 82,500 write units per million objects. Duration: per worker ${count(rates.bytesPerSecPerWorker / 1e6)} MB/s and ${count(rates.objectsPerSecPerWorker)} objects/s (measured, README benchmark), listing ${count(rates.listKeysPerSec)} keys/s; ${count(model.workers)} workers. Prices (USD, us-east-1 list prices; check yours): S3 writes and lists $${prices.s3WritePer1000} and reads $${prices.s3ReadPer1000} per 1,000, SQS $${prices.sqsPerMillion} and DynamoDB writes $${prices.dynamoDbWritePerMillion} per million, transfer from the source $${prices.transferPerGB}/GB, worker $${prices.workerPerHour}/h, lister $${prices.listerPerHour}/h. A sync's deletes are not in the estimate (up to 1,000 keys per DeleteObjects request).`,
    '',
    '</details>',
  ].join('\n');
}

/** Adds parts while they fit in maxChars; says how many were left out. */
function fitted(parts: readonly string[], maxChars: number, what: string): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const [index, part] of parts.entries()) {
    if (used + part.length + 2 > maxChars) {
      kept.push(
        `_… ${parts.length - index} more ${what} not shown (comment size limit); see the job summary._`,
      );
      break;
    }
    kept.push(part);
    used += part.length + 2;
  }
  return kept;
}

function changeCounts(review: MappingsReview): string {
  const changes = review.changes;
  if (!changes) return '';
  const parts = [
    `${changes.added.length} added`,
    `${changes.changed.length} changed`,
    `${changes.removed.length} removed`,
    `${changes.unchanged.length} unchanged`,
  ];
  const transfer =
    changes.transferFields.length > 0
      ? `\n\nTransfer settings changed for every mapping: ${changes.transferFields.map(code).join(', ')}.`
      : '';
  return `**${parts.join(' · ')}**${transfer}`;
}

/** The comment body: marker first, then validation problems or the change and each planned mapping. */
export function renderPlanComment(review: MappingsReview, options: { maxChars?: number } = {}): string {
  const maxChars = options.maxChars ?? maxCommentChars;
  const head = [planCommentMarker, `### Ferry plan for ${code(review.headFile)}`, ''];
  if (review.headErrors.length > 0) {
    const problems = fitted(errorLines(review.headErrors), maxChars / 2, 'problems');
    head.push(`**The configuration does not validate** (${count(review.headErrors.length)} problems):`, '');
    return [...head, ...problems].join('\n');
  }
  head.push(changeCounts(review), '');
  if (review.baseErrors.length > 0) {
    head.push('The base version does not validate, so every mapping is compared as added.', '');
  }
  if (!review.listed) {
    head.push(
      '> Buckets were not listed (this job has no credentials, as in a pull request from a fork): the file was validated and compared only.',
      '',
    );
  } else if (review.plans.length > 0) {
    head.push(
      '| mapping | change | copy | skip | delete | estimated cost | estimated duration |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...fitted(
        review.plans.map((plan) => summaryRow(review, plan)),
        maxChars / 4,
        'rows',
      ),
      '',
    );
  } else {
    head.push('No mapping was added or changed: nothing to plan.', '');
  }
  const removed = (review.changes?.removed ?? []).map(
    (mapping) =>
      `- ${code(mapping.id)} removed: no longer run. Removing it deletes nothing at its destination (sync or not); its ledger history stays.`,
  );
  const sections = review.plans.map((plan) => mappingSection(review, plan));
  const footer = review.listed && review.plans.length > 0 ? [assumptions(review.costModel)] : [];
  const budget = maxChars - head.join('\n').length - footer.join('\n').length - 200;
  const body = fitted([...sections, ...removed], Math.max(0, budget), 'sections');
  return [...head, ...body.flatMap((part) => [part, '']), ...footer].join('\n');
}
