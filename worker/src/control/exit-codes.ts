// Exit codes of the control-plane commands (deploy, start, scale, await, redrive), for CI and scripts.

/** Done, and it worked. */
export const succeededExitCode = 0;
/** The run (or deploy, or listing) failed. */
export const failedExitCode = 1;
/** A usage or configuration error: bad flags, a missing stack or output, an invalid ferry.yaml. */
export const usageExitCode = 2;
/** Waited until the deadline and the run goes on: run the same command again later to pick it up. */
export const stillRunningExitCode = 3;
