// Reads the ferry.yaml under review and reports on it: problems as file/line/column annotations, mapping lists as outputs.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import * as core from '@actions/core';
import {
  type ConfigError,
  type FerryConfig,
  nightlyMappingIds,
  nightlyRunModes,
  problemText,
} from '@ferry/worker';
import { workspaceFile } from '../../lib/src/input-rules.ts';
import { InputError, requiredInput, workspaceDirectory } from '../../lib/src/inputs.ts';
import { setOutputs } from '../../lib/src/outputs.ts';

export interface ConfigFile {
  /** Absolute path. */
  readonly path: string;
  /** As annotations and messages name it: relative to the workspace, with forward slashes. */
  readonly name: string;
  readonly text: string;
}

/** A file inside the workspace, read as text; `input` names the input it came from. */
export function readWorkspaceFile(input: string): ConfigFile {
  const workspace = workspaceDirectory();
  const path = requiredInput(input, workspaceFile(workspace));
  try {
    return { path, name: relative(workspace, path).split('\\').join('/'), text: readFileSync(path, 'utf8') };
  } catch (error) {
    throw new InputError(input, `cannot read ${path}: ${(error as Error).message}`);
  }
}

/** One error annotation per problem, on the file, line and column it is about. */
export function annotateConfigErrors(errors: readonly ConfigError[]): void {
  for (const error of errors) {
    core.error(`${error.field}: ${problemText(error)}`, {
      title: 'ferry.yaml',
      file: error.file,
      startLine: error.line,
      startColumn: error.column,
    });
  }
}

function bucketsOf(config: FerryConfig | undefined, side: 'source' | 'destination'): string {
  return [...new Set(config?.mappings.map((mapping) => mapping[side].bucket) ?? [])].sort().join(',');
}

/** Outputs valid, errors, mappings, nightly-mappings, nightly-modes, source-buckets and destination-buckets. */
export function setConfigOutputs(config: FerryConfig | undefined, errors: readonly ConfigError[]): void {
  setOutputs({
    'source-buckets': bucketsOf(config, 'source'),
    'destination-buckets': bucketsOf(config, 'destination'),
    valid: config !== undefined && errors.length === 0,
    errors: errors.length,
    mappings: JSON.stringify(config?.mappings.map((mapping) => mapping.id) ?? []),
    'nightly-mappings': JSON.stringify(config ? nightlyMappingIds(config) : []),
    'nightly-modes': JSON.stringify(config ? nightlyRunModes(config) : {}),
  });
}

/** The step fails with this when the configuration does not validate (after the annotations and outputs). */
export function invalidConfigMessage(file: string, errors: readonly ConfigError[]): string {
  return `Config: ${file} does not validate: ${errors.length} problem(s), each annotated on its line`;
}
