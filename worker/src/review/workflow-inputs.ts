// Checks what a person typed into a workflow_dispatch form (hostile until proven otherwise) and resolves the mapping it names.
import type { FerryConfig, MappingConfig } from '../config/types.ts';
import type { RunMode } from '../ports/ledger.ts';
import { mappingRunMode } from './mapping-run-mode.ts';

/** The form as typed; empty strings are fields left blank. */
export interface DispatchForm {
  readonly mapping?: string;
  readonly sourceBucket?: string;
  readonly sourcePrefix?: string;
  readonly destinationBucket?: string;
  readonly mode?: string;
  readonly workers?: string;
  readonly dryRun?: string;
}

export interface DispatchSelection {
  readonly mappingId: string;
  readonly mode: RunMode;
  readonly workers: number;
  readonly dryRun: boolean;
}

export type DispatchResult =
  | { readonly ok: true; readonly selection: DispatchSelection }
  /** One line per problem, each naming the field. */
  | { readonly ok: false; readonly problems: readonly string[] };

export const maxDispatchWorkers = 500;

/** The Migrate form's mode choices; copy starts an incremental run. */
const dispatchModes = ['copy', 'sync', 'full'] as const;
const runModeOfChoice: Readonly<Record<(typeof dispatchModes)[number], RunMode>> = {
  copy: 'incremental',
  sync: 'sync',
  full: 'full',
};

const mappingIdPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A prefix named in a form: letters, digits and . _ = / -; enough to pick a configured mapping. */
const prefixPattern = /^[A-Za-z0-9._=/-]{0,1024}$/;
const workersPattern = /^[0-9]{1,4}$/;
const lineBreakOrControl = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

type Check = (value: string) => string | undefined;

const mustMatch =
  (pattern: RegExp, what: string): Check =>
  (value) =>
    pattern.test(value) ? undefined : `must be ${what}`;

/** `a or b`, `a, b or c`. */
function alternatives(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

const oneOf =
  (allowed: readonly string[]): Check =>
  (value) =>
    allowed.includes(value) ? undefined : `must be ${alternatives(allowed)}`;

const checks: Readonly<Record<keyof DispatchForm, Check>> = {
  mode: oneOf(dispatchModes),
  dryRun: oneOf(['true', 'false']),
  mapping: mustMatch(mappingIdPattern, 'a mapping id: lowercase letters, digits, - and _ (at most 63)'),
  sourceBucket: mustMatch(bucketPattern, 'an S3 bucket name: lowercase letters, digits, . and -'),
  destinationBucket: mustMatch(bucketPattern, 'an S3 bucket name: lowercase letters, digits, . and -'),
  sourcePrefix: (value) => {
    if (!prefixPattern.test(value)) return 'may hold only letters, digits and . _ = / -';
    if (value.split('/').some((segment) => segment === '..' || segment === '.')) {
      return 'must not contain "." or ".." path segments';
    }
    if (value.startsWith('/')) return 'must not start with "/"';
    return undefined;
  },
  workers: (value) =>
    workersPattern.test(value) && Number(value) <= maxDispatchWorkers
      ? undefined
      : `must be a whole number from 0 to ${maxDispatchWorkers}`,
};

const inputNames: Readonly<Record<keyof DispatchForm, string>> = {
  mapping: 'mapping',
  sourceBucket: 'source-bucket',
  sourcePrefix: 'source-prefix',
  destinationBucket: 'destination-bucket',
  mode: 'mode',
  workers: 'workers',
  dryRun: 'dry-run',
};

/** A value as a problem message shows it: JSON-quoted (line breaks visible), cut short. */
function shown(value: string): string {
  const quoted = JSON.stringify(value);
  return quoted.length > 80 ? `${quoted.slice(0, 77)}..."` : quoted;
}

function fieldProblems(form: DispatchForm): string[] {
  const problems: string[] = [];
  for (const field of Object.keys(inputNames) as (keyof DispatchForm)[]) {
    const value = form[field] ?? '';
    if (value === '') continue;
    const name = inputNames[field];
    if (lineBreakOrControl.test(value)) {
      problems.push(`${name}: ${shown(value)} contains a line break or control character`);
      continue;
    }
    const problem = checks[field](value);
    if (problem !== undefined) problems.push(`${name}: ${shown(value)} ${problem}`);
  }
  return problems;
}

function describe(mapping: MappingConfig): string {
  return `${mapping.id} (${mapping.source.bucket}/${mapping.source.prefix} -> ${mapping.destination.bucket}/${mapping.destination.prefix})`;
}

/** The one configured mapping the form names: by id, or by source bucket (+ prefix) and destination bucket. */
function resolveMapping(config: FerryConfig, form: DispatchForm): { id: string } | { problem: string } {
  const ids = config.mappings.map((mapping) => mapping.id).join(', ');
  if (form.mapping) {
    const found = config.mappings.find((mapping) => mapping.id === form.mapping);
    return found
      ? { id: found.id }
      : { problem: `mapping: no mapping "${form.mapping}"; configured: ${ids}` };
  }
  if (!form.sourceBucket || !form.destinationBucket) {
    return { problem: 'mapping: name a mapping id, or a source-bucket and a destination-bucket' };
  }
  const candidates = config.mappings.filter(
    (mapping) =>
      mapping.source.bucket === form.sourceBucket &&
      mapping.destination.bucket === form.destinationBucket &&
      (!form.sourcePrefix || mapping.source.prefix === form.sourcePrefix),
  );
  const [only, ...others] = candidates;
  if (only !== undefined && others.length === 0) return { id: only.id };
  if (only === undefined) {
    return {
      problem: `source-bucket: no configured mapping copies ${form.sourceBucket}/${form.sourcePrefix ?? ''} to ${form.destinationBucket}; add one to ferry.yaml (configured: ${ids})`,
    };
  }
  return {
    problem: `source-prefix: several mappings match; name one: ${candidates.map(describe).join('; ')}`,
  };
}

/**
 * Every field checked before anything uses it (a value with a line break, a quote or a `..` segment is refused
 * with the field named), then resolved against the configuration. Only configured mappings can run.
 */
export function checkDispatchForm(config: FerryConfig, form: DispatchForm): DispatchResult {
  const problems = fieldProblems(form);
  if (problems.length > 0) return { ok: false, problems };
  const resolved = resolveMapping(config, form);
  if ('problem' in resolved) return { ok: false, problems: [resolved.problem] };
  return {
    ok: true,
    selection: {
      mappingId: resolved.id,
      mode: runModeOfChoice[dispatchModes.find((choice) => choice === form.mode) ?? 'copy'],
      workers: form.workers ? Number(form.workers) : 1,
      dryRun: form.dryRun === 'true',
    },
  };
}

function nightlyMappings(config: FerryConfig): MappingConfig[] {
  return config.mappings.filter((mapping) => mapping.schedule === 'nightly');
}

/** The ids of the mappings the nightly workflow runs, in file order. */
export function nightlyMappingIds(config: FerryConfig): string[] {
  return nightlyMappings(config).map((mapping) => mapping.id);
}

/**
 * The run mode of each nightly mapping by id (`mode: sync` runs in sync mode, anything else incremental): the
 * nightly workflow looks its matrix entry up here.
 */
export function nightlyRunModes(config: FerryConfig): Record<string, RunMode> {
  return Object.fromEntries(nightlyMappings(config).map((mapping) => [mapping.id, mappingRunMode(mapping)]));
}
