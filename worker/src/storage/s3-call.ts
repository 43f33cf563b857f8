// Runs one SDK call so that whatever it throws leaves as a classified FerryError naming the operation.
import { classifyS3Error } from './s3-errors.ts';

/** Awaits run(); a failure becomes classifyS3Error(failure, context). */
export async function classified<T>(context: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw classifyS3Error(error, context);
  }
}

/** The SDK's per-call options for an optional abort signal. */
export function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
