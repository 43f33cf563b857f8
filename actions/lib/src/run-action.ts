// Runs one action's main: masks secrets first, and turns what it throws into a failed step that says what went wrong.
import * as core from '@actions/core';
import { errorMessage, FerryError } from '@ferry/worker';
import { InputError } from './inputs.ts';
import { maskSecrets } from './secrets.ts';

/** The step's failure message: bad inputs as they are, engine errors with their class (e.g. `Config: …`). */
export function failureMessage(error: unknown): string {
  if (error instanceof InputError) return error.message;
  if (error instanceof FerryError) return `${error.errorClass}: ${error.message}`;
  return `Internal: ${errorMessage(error)}`;
}

/** Masks secrets, runs main, and fails the step (exit code 1, an error annotation) if it throws. */
export async function runAction(main: () => Promise<void>): Promise<void> {
  maskSecrets();
  try {
    await main();
  } catch (error) {
    core.setFailed(failureMessage(error));
    if (error instanceof Error && !(error instanceof InputError) && error.stack) core.debug(error.stack);
  }
}
