// Runs registered clean-up steps once, in reverse order, at the end of a script or when it is interrupted.
import { errorMessage } from '../../worker/src/domain/errors.ts';

export interface Cleanup {
  /** Registers a step; steps run last-registered first. */
  add(step: () => Promise<void> | void): void;
  /** Runs every step once; later calls do nothing. */
  run(): Promise<void>;
}

/** A cleanup that also runs on Ctrl-C (SIGINT) and SIGTERM, then exits with 130 or 143. */
export function createCleanup(): Cleanup {
  const steps: (() => Promise<void> | void)[] = [];
  let running: Promise<void> | undefined;
  const run = (): Promise<void> => {
    running ??= (async () => {
      for (const step of steps.reverse()) {
        try {
          await step();
        } catch (error) {
          process.stderr.write(`clean-up step failed: ${errorMessage(error)}\n`);
        }
      }
    })();
    return running;
  };
  const onSignal = (signal: NodeJS.Signals, exitCode: number): void => {
    process.stderr.write(`\n${signal}: cleaning up...\n`);
    void run().finally(() => process.exit(exitCode));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  return { add: (step) => steps.push(step), run };
}
