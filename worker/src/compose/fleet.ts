// Joins a worker to its EC2 fleet when it runs on one: stop on SIGTERM or spot notice, scale-in protection, metrics.
import { createAutoScalingClient } from '../aws/clients.ts';
import type { EndpointConfig } from '../config/types.ts';
import { autoScalingInstanceApi } from '../fleet/auto-scaling-instance-api.ts';
import { countBatchOutcome, createEmfMetrics, type EmfMetrics } from '../fleet/emf-metrics.ts';
import { createImdsClient } from '../fleet/imds.ts';
import { createScaleInProtectorForInstance, type ScaleInProtector } from '../fleet/scale-in-protection.ts';
import { createShutdownSignals, describeShutdownReason } from '../fleet/shutdown-signals.ts';
import type { Clock } from '../ports/clock.ts';
import type { BatchOutcome } from '../ports/ledger.ts';
import type { Logger } from '../ports/logger.ts';

export interface FleetMembership {
  /** Aborts when the worker should stop receiving: SIGTERM/SIGINT, a spot interruption, or scale-in. */
  readonly signal: AbortSignal;
  /** The EC2 instance id when the worker runs on one (it names the worker's manifest parts). */
  readonly instanceId?: string;
  readonly onInFlightChange: (messages: number) => void;
  readonly onOutcome: (runId: string, mappingId: string, outcome: BatchOutcome) => void;
  /** Why the worker is stopping, once it is. */
  stopReason(): string | undefined;
  close(): Promise<void>;
}

/** Off EC2 (no instance metadata) only the process signals and the metrics apply: nothing else is an error. */
export async function joinFleet(options: {
  control: EndpointConfig;
  clock: Clock;
  logger: Logger;
  writeMetrics: (line: string) => void;
}): Promise<FleetMembership> {
  const { clock, logger } = options;
  const imds = createImdsClient({ clock });
  const shutdown = createShutdownSignals({ clock, logger, signals: process, imds });
  const identity = await imds.instanceIdentity();
  let protector: ScaleInProtector | undefined;
  if (identity) {
    logger.info('fleet.instance', { instanceId: identity.instanceId, region: identity.region });
    protector = await createScaleInProtectorForInstance({
      autoscaling: autoScalingInstanceApi(
        createAutoScalingClient({ ...options.control, region: identity.region }),
      ),
      instanceId: identity.instanceId,
      clock,
      logger,
    });
  }
  const metrics = new Map<string, EmfMetrics>();
  const metricsOf = (runId: string, mappingId: string): EmfMetrics => {
    const name = `${runId}\0${mappingId}`;
    let found = metrics.get(name);
    if (!found) {
      found = createEmfMetrics({
        namespace: 'Ferry',
        dimensions: { RunId: runId, Mapping: mappingId },
        write: (line) => options.writeMetrics(`${line}\n`),
        clock,
      });
      metrics.set(name, found);
    }
    return found;
  };
  return {
    signal: shutdown.signal,
    ...(identity ? { instanceId: identity.instanceId } : {}),
    stopReason: () => {
      const reason = shutdown.reason();
      return reason ? describeShutdownReason(reason) : undefined;
    },
    onInFlightChange: (messages) => protector?.busy(messages),
    onOutcome: (runId, mappingId, outcome) => countBatchOutcome(metricsOf(runId, mappingId), outcome),
    close: async () => {
      shutdown.dispose();
      for (const each of metrics.values()) each.close();
      await protector?.close();
    },
  };
}
