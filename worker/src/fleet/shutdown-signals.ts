// One "stop receiving" signal for a fleet worker: SIGTERM/SIGINT, a spot interruption notice, or scale-in termination.
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import { type ImdsClient, type ImdsRead, imdsPaths, parseSpotInterruption } from './imds.ts';

export const defaultImdsPollIntervalMs = 5_000;

export type StopSignalName = 'SIGTERM' | 'SIGINT';

/** Where process signals come from: `process` in production, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: StopSignalName, listener: () => void): unknown;
  off(signal: StopSignalName, listener: () => void): unknown;
}

export type ShutdownReason =
  | { readonly kind: 'signal'; readonly signal: StopSignalName }
  | { readonly kind: 'spot-interruption'; readonly action: string; readonly time: Date | undefined }
  | { readonly kind: 'scale-in'; readonly targetLifecycleState: string };

export interface ShutdownSignals {
  /** Aborts (with the ShutdownReason as its reason) when the worker should stop receiving new work. */
  readonly signal: AbortSignal;
  reason(): ShutdownReason | undefined;
  /** Removes the signal listeners and stops polling IMDS. */
  dispose(): void;
}

export interface ShutdownSignalsOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Default: no process signals are watched. */
  readonly signals?: SignalSource;
  /** Default: IMDS is not polled. */
  readonly imds?: ImdsClient;
  readonly pollIntervalMs?: number;
}

const stopSignals: readonly StopSignalName[] = ['SIGTERM', 'SIGINT'];

/** Target lifecycle states that mean the instance is leaving service (terminated, or sent to a warm pool). */
const leavingStates: ReadonlySet<string> = new Set([
  'Terminated',
  'Warmed:Terminated',
  'Warmed:Stopped',
  'Warmed:Hibernated',
]);

export function lifecycleStateMeansStop(targetLifecycleState: string): boolean {
  return leavingStates.has(targetLifecycleState.trim());
}

/** What one round of IMDS reads says: stop (and why), carry on, or IMDS never answered. */
export type ImdsVerdict =
  | { readonly kind: 'stop'; readonly reason: ShutdownReason }
  | { readonly kind: 'carry-on' }
  | { readonly kind: 'unavailable'; readonly detail: string };

/** Pure decision over the spot instance-action and target-lifecycle-state reads. */
export function judgeImdsReads(reads: { spot: ImdsRead; lifecycle: ImdsRead }): ImdsVerdict {
  const { spot, lifecycle } = reads;
  if (spot.kind === 'found') {
    // A present but unreadable notice still means the instance is going away.
    const notice = parseSpotInterruption(spot.text);
    return {
      kind: 'stop',
      reason: { kind: 'spot-interruption', action: notice?.action ?? 'unknown', time: notice?.time },
    };
  }
  if (lifecycle.kind === 'found' && lifecycleStateMeansStop(lifecycle.text)) {
    return { kind: 'stop', reason: { kind: 'scale-in', targetLifecycleState: lifecycle.text.trim() } };
  }
  if (spot.kind === 'unavailable' && lifecycle.kind === 'unavailable') {
    return { kind: 'unavailable', detail: spot.reason };
  }
  return { kind: 'carry-on' };
}

export function describeShutdownReason(reason: ShutdownReason): string {
  switch (reason.kind) {
    case 'signal':
      return `received ${reason.signal}`;
    case 'spot-interruption':
      return `spot interruption notice: ${reason.action}${reason.time ? ` at ${reason.time.toISOString()}` : ''}`;
    case 'scale-in':
      return `Auto Scaling target lifecycle state is ${reason.targetLifecycleState}`;
  }
}

export function createShutdownSignals(options: ShutdownSignalsOptions): ShutdownSignals {
  const { clock, logger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? defaultImdsPollIntervalMs;
  const stop = new AbortController();
  const disposed = new AbortController();
  let stopReason: ShutdownReason | undefined;

  const listeners = new Map<StopSignalName, () => void>();
  const removeListeners = (): void => {
    for (const [name, listener] of listeners) options.signals?.off(name, listener);
    listeners.clear();
  };

  const fire = (reason: ShutdownReason): void => {
    if (stop.signal.aborted) return;
    stopReason = reason;
    logger.warn('worker.stopping', { reason: describeShutdownReason(reason) });
    // A second Ctrl-C or SIGTERM then gets the process's default behaviour: exit at once.
    removeListeners();
    stop.abort(reason);
  };

  for (const name of stopSignals) {
    const listener = (): void => fire({ kind: 'signal', signal: name });
    listeners.set(name, listener);
    options.signals?.on(name, listener);
  }

  const finished = AbortSignal.any([stop.signal, disposed.signal]);
  const poll = async (imds: ImdsClient): Promise<void> => {
    let everAnswered = false;
    while (!finished.aborted) {
      const [spot, lifecycle] = await Promise.all([
        imds.read(imdsPaths.spotInstanceAction),
        imds.read(imdsPaths.targetLifecycleState),
      ]);
      if (finished.aborted) return;
      const verdict = judgeImdsReads({ spot, lifecycle });
      if (verdict.kind === 'stop') {
        fire(verdict.reason);
        return;
      }
      if (verdict.kind === 'unavailable') {
        if (!everAnswered) {
          logger.debug('imds.unavailable', { detail: verdict.detail });
          return;
        }
        logger.debug('imds.poll-missed', { detail: verdict.detail });
      } else {
        everAnswered = true;
      }
      await clock.sleep(pollIntervalMs, finished).catch(() => undefined);
    }
  };

  if (options.imds) {
    poll(options.imds).catch((error: unknown) => {
      logger.warn('imds.poll-failed', { error: String(error) });
    });
  }

  return {
    signal: stop.signal,
    reason: () => stopReason,
    dispose() {
      removeListeners();
      disposed.abort();
    },
  };
}
