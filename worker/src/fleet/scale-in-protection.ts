// Keeps this instance protected from Auto Scaling scale-in while it holds work, and lets it go once idle a while.
import { errorMessage } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { AutoScalingInstanceApi } from './auto-scaling-instance-api.ts';

/** How long the worker must hold nothing before scale-in may pick this instance again. */
export const defaultIdleGraceMs = 60_000;

export interface ScaleInProtectorOptions {
  readonly autoscaling: AutoScalingInstanceApi;
  readonly instanceId: string;
  readonly autoScalingGroupName: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly idleGraceMs?: number;
}

export interface ScaleInProtector {
  /** The worker loop calls this whenever the number of messages it holds changes (0 included). */
  busy(messagesInFlight: number): void;
  /** Protects now; resolves once AWS has been asked (errors are logged, never thrown). */
  hold(): Promise<void>;
  /** Unprotects now, without waiting for the idle grace period. */
  release(): Promise<void>;
  /** Resolves when every change asked for so far has been sent. */
  settled(): Promise<void>;
  /** The worker is exiting: stops the idle timer, releases protection and waits for it. busy() is ignored after. */
  close(): Promise<void>;
}

export function createScaleInProtector(options: ScaleInProtectorOptions): ScaleInProtector {
  const { autoscaling, instanceId, autoScalingGroupName, clock, logger } = options;
  const idleGraceMs = options.idleGraceMs ?? defaultIdleGraceMs;
  /** What AWS was last told successfully; undefined until the first call, and after a failed one. */
  let applied: boolean | undefined;
  let wanted: boolean | undefined;
  let queue: Promise<void> = Promise.resolve();
  let idleTimer: AbortController | undefined;
  let closed = false;

  /** Sends the latest wanted state if AWS does not have it yet; queued so calls never overtake each other. */
  const sync = async (): Promise<void> => {
    const target = wanted;
    if (target === undefined || target === applied) return;
    try {
      await autoscaling.setInstanceProtection({
        instanceId,
        autoScalingGroupName,
        protectedFromScaleIn: target,
      });
      applied = target;
      logger.info('scale-in-protection.changed', { instanceId, autoScalingGroupName, protected: target });
    } catch (error) {
      applied = undefined;
      logger.warn('scale-in-protection.failed', {
        instanceId,
        autoScalingGroupName,
        protected: target,
        error: errorMessage(error),
      });
    }
  };

  const want = (protect: boolean): Promise<void> => {
    wanted = protect;
    queue = queue.then(sync);
    return queue;
  };

  const stopIdleTimer = (): void => {
    idleTimer?.abort();
    idleTimer = undefined;
  };

  const startIdleTimer = (): void => {
    if (idleTimer) return;
    const timer = new AbortController();
    idleTimer = timer;
    clock.sleep(idleGraceMs, timer.signal).then(
      () => {
        if (idleTimer !== timer) return;
        idleTimer = undefined;
        void want(false);
      },
      () => undefined,
    );
  };

  return {
    busy(messagesInFlight) {
      if (closed) return;
      if (messagesInFlight > 0) {
        stopIdleTimer();
        void want(true);
      } else {
        startIdleTimer();
      }
    },
    hold: () => {
      stopIdleTimer();
      return want(true);
    },
    release: () => {
      stopIdleTimer();
      return want(false);
    },
    settled: () => queue,
    async close() {
      closed = true;
      stopIdleTimer();
      await want(false);
    },
  };
}

/**
 * The protector for this instance, or undefined when it belongs to no Auto Scaling group (or the lookup fails,
 * which is logged): a worker outside a group has nothing to protect.
 */
export async function createScaleInProtectorForInstance(
  options: Omit<ScaleInProtectorOptions, 'autoScalingGroupName'>,
): Promise<ScaleInProtector | undefined> {
  let autoScalingGroupName: string | undefined;
  try {
    autoScalingGroupName = await options.autoscaling.autoScalingGroupOf(options.instanceId);
  } catch (error) {
    options.logger.warn('scale-in-protection.lookup-failed', {
      instanceId: options.instanceId,
      error: errorMessage(error),
    });
    return undefined;
  }
  if (autoScalingGroupName === undefined) {
    options.logger.info('scale-in-protection.no-group', { instanceId: options.instanceId });
    return undefined;
  }
  return createScaleInProtector({ ...options, autoScalingGroupName });
}
