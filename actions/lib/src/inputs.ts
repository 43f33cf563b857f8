// Reads an action's inputs (the INPUT_* variables the runner sets) through a rule, naming the input in every error.
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { type InputRule, RuleViolation } from './input-rules.ts';

/** A bad input: the action stops before it calls AWS, with this message. */
export class InputError extends Error {
  readonly input: string;

  constructor(input: string, message: string) {
    super(`input ${input}: ${message}`);
    this.name = 'InputError';
    this.input = input;
  }
}

/** Checks a value that belongs to an input (e.g. a part of it) with a rule, naming that input in the error. */
export function checkInputValue<T>(name: string, text: string, rule: InputRule<T>): T {
  try {
    return rule(text);
  } catch (error) {
    if (error instanceof RuleViolation) throw new InputError(name, error.message);
    throw error;
  }
}

/** The input's text, trimmed; empty when it was not given (and action.yml has no default). */
function inputText(name: string): string {
  return core.getInput(name, { trimWhitespace: true });
}

/** An input that must be given. */
export function requiredInput<T>(name: string, rule: InputRule<T>): T {
  const text = inputText(name);
  if (text === '') throw new InputError(name, 'is required and was not given (or is empty)');
  return checkInputValue(name, text, rule);
}

/** An input that may be left out (or empty): undefined then. */
export function optionalInput<T>(name: string, rule: InputRule<T>): T | undefined {
  const text = inputText(name);
  return text === '' ? undefined : checkInputValue(name, text, rule);
}

/** The workflow's workspace (GITHUB_WORKSPACE), where relative paths in inputs are resolved; else the working directory. */
export function workspaceDirectory(): string {
  return process.env.GITHUB_WORKSPACE || process.cwd();
}

/** The text of a file an input names; a file that cannot be read is that input's error. */
export function readInputFile(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InputError(name, `cannot read ${path}: ${reason}`);
  }
}
