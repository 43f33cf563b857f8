// Reads Ferry's YAML configuration and turns it into FerryConfig, or into ConfigErrors that say file:line:column and field.
import { readFile } from 'node:fs/promises';
import { type Document, isAlias, LineCounter, parseDocument, visit } from 'yaml';
import { ConfigError, errorMessage } from '../domain/errors.ts';
import { buildConfig } from './build-config.ts';
import { type ConfigIssue, formatPath } from './config-issue.ts';
import { validateAgainstSchema } from './schema-validation.ts';
import type { FerryConfig } from './types.ts';
import { offsetsOfIssue, pathAtOffset, positionOf } from './yaml-locator.ts';

export type ConfigValidation =
  | { readonly ok: true; readonly config: FerryConfig }
  /** Every problem found, in file order; a file with YAML syntax errors reports only the first of those. */
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

/** Problems listed in full in one thrown ConfigError's message; the rest are counted. */
const maxListedProblems = 20;

const oneDocumentOnly = 'a configuration is a single YAML document, but a second one starts here';

/** Aliases without an anchor before them: `toJS` would throw without saying where. */
function unresolvedAliasIssues(doc: Document): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node) && node.resolve(doc) === undefined && node.range) {
        const message = `YAML error: alias "*${node.source}" has no anchor "&${node.source}" before it`;
        issues.push({ path: pathAtOffset(doc, node.range[0]), anchor: 'value', message });
      }
    },
  });
  return issues;
}

type Conversion =
  | { readonly ok: true; readonly data: unknown }
  | { readonly ok: false; readonly issues: ConfigIssue[] };

/** The document as plain data, or why it cannot be: syntax errors, broken aliases. */
function documentData(doc: Document): Conversion {
  // Only the first: after a syntax error the parser's later complaints are mostly its consequences.
  const syntaxIssues = doc.errors.slice(0, 1).map(
    (error): ConfigIssue => ({
      path: pathAtOffset(doc, error.pos[0]),
      anchor: 'value',
      message: `YAML syntax error: ${error.code === 'MULTIPLE_DOCS' ? oneDocumentOnly : error.message}`,
      offset: error.pos[0],
    }),
  );
  if (syntaxIssues.length > 0) return { ok: false, issues: syntaxIssues };
  const aliasIssues = unresolvedAliasIssues(doc);
  if (aliasIssues.length > 0) return { ok: false, issues: aliasIssues };
  try {
    return { ok: true, data: doc.toJS() };
  } catch (error) {
    return {
      ok: false,
      issues: [{ path: [], anchor: 'value', message: `YAML error: ${errorMessage(error)}` }],
    };
  }
}

function configIssues(
  doc: Document,
  file: string,
): { config: FerryConfig } | { issues: readonly ConfigIssue[] } {
  const conversion = documentData(doc);
  if (!conversion.ok) return { issues: conversion.issues };
  const validation = validateAgainstSchema(conversion.data);
  if (!validation.ok) return { issues: validation.issues };
  const built = buildConfig(validation.raw, file);
  return built.ok ? { config: built.config } : { issues: built.issues };
}

interface LocatedProblem {
  readonly where: {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly field: string;
  };
  readonly message: string;
  readonly sortAt: number;
}

function inFileOrder(a: LocatedProblem, b: LocatedProblem): number {
  return a.sortAt - b.sortAt || a.where.line - b.where.line || a.where.column - b.where.column;
}

function problemKey(problem: LocatedProblem): string {
  return JSON.stringify([problem.where.line, problem.where.column, problem.where.field, problem.message]);
}

/** The problems of a configuration text, located and in file order; none means `config` is set. */
function examine(
  text: string,
  file: string,
): { config: FerryConfig } | { problems: readonly LocatedProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const result = configIssues(doc, file);
  if ('config' in result) return result;
  const located = result.issues.map((issue): LocatedProblem => {
    const { pointAt, sortAt } = offsetsOfIssue(doc, issue);
    const where = { file, ...positionOf(lineCounter, pointAt), field: formatPath(issue.path) };
    return { where, message: issue.message, sortAt };
  });
  const unique = new Map(located.map((problem) => [problemKey(problem), problem]));
  return { problems: [...unique.values()].sort(inFileOrder) };
}

/** Validates a configuration text without throwing: the config, or every problem as a located ConfigError. */
export function validateConfig(text: string, file: string): ConfigValidation {
  const result = examine(text, file);
  if ('config' in result) return { ok: true, config: result.config };
  return {
    ok: false,
    errors: result.problems.map((problem) => new ConfigError(problem.where, problem.message)),
  };
}

/** One ConfigError located at the first problem; its message lists the others, one per line. */
function combinedError(problems: readonly LocatedProblem[]): ConfigError {
  const [first, ...rest] = problems;
  if (first === undefined) throw new Error('combinedError needs at least one problem');
  const listed = rest
    .slice(0, maxListedProblems - 1)
    .map((problem) => new ConfigError(problem.where, problem.message));
  const unlisted = rest.length - listed.length;
  const lines = [first.message, ...listed.map((error) => error.message)];
  if (unlisted > 0) lines.push(`... and ${unlisted} more problem(s)`);
  return new ConfigError(first.where, lines.join('\n'));
}

/**
 * Parses and validates a configuration text (pure). `file` names its source in messages and in the result.
 * Throws ConfigError at the first problem in file order; its message lists any others.
 */
export function parseConfig(text: string, file: string): FerryConfig {
  const result = examine(text, file);
  if ('config' in result) return result.config;
  throw combinedError(result.problems);
}

/** The configuration text behind a source name. Today a file path; the seam for sources such as `ssm:/param`. */
async function readConfigText(source: string): Promise<string> {
  try {
    return await readFile(source, 'utf8');
  } catch (error) {
    const where = { file: source, line: 1, column: 1, field: '(root)' };
    throw new ConfigError(where, `cannot read the configuration: ${errorMessage(error)}`);
  }
}

/** Reads, parses and validates a configuration file. Throws ConfigError for unreadable or invalid files. */
export async function loadConfig(file: string): Promise<FerryConfig> {
  return parseConfig(await readConfigText(file), file);
}
