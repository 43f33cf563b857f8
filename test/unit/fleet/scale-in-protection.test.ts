// Scale-in protection decisions on a manual clock: protect when work arrives, release after an idle grace period.
import { describe, expect, test } from 'vitest';
import type {
  AutoScalingInstanceApi,
  InstanceProtectionChange,
} from '../../../worker/src/fleet/auto-scaling-instance-api.ts';
import {
  createScaleInProtector,
  createScaleInProtectorForInstance,
} from '../../../worker/src/fleet/scale-in-protection.ts';
import type { LogFields, Logger } from '../../../worker/src/ports/logger.ts';
import { createManualClock } from '../../support/manual-clock.ts';

interface FakeAutoScaling extends AutoScalingInstanceApi {
  readonly calls: boolean[];
  /** The next n SetInstanceProtection calls fail. */
  failNext(n: number): void;
}

function fakeAutoScaling(groups: Record<string, string> = { 'i-1': 'workers' }): FakeAutoScaling {
  const calls: boolean[] = [];
  let failures = 0;
  return {
    calls,
    failNext: (n) => {
      failures = n;
    },
    autoScalingGroupOf: async (instanceId) => groups[instanceId],
    async setInstanceProtection(change: InstanceProtectionChange) {
      if (change.instanceId !== 'i-1' || change.autoScalingGroupName !== 'workers')
        throw new Error('wrong target');
      if (failures > 0) {
        failures -= 1;
        throw new Error('Rate exceeded');
      }
      calls.push(change.protectedFromScaleIn);
    },
  };
}

function recordingLogger(): Logger & { events: { level: string; event: string; fields?: LogFields }[] } {
  const events: { level: string; event: string; fields?: LogFields }[] = [];
  const at = (level: string) => (event: string, fields?: LogFields) => {
    events.push(fields ? { level, event, fields } : { level, event });
  };
  return { events, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function setup(idleGraceMs = 30_000) {
  const clock = createManualClock();
  const autoscaling = fakeAutoScaling();
  const logger = recordingLogger();
  const protector = createScaleInProtector({
    autoscaling,
    instanceId: 'i-1',
    autoScalingGroupName: 'workers',
    clock,
    logger,
    idleGraceMs,
  });
  return { clock, autoscaling, logger, protector };
}

describe('busy(count)', () => {
  test('protects on the first message and calls AWS only when the state changes', async () => {
    const { autoscaling, protector } = setup();
    protector.busy(1);
    protector.busy(2);
    protector.busy(3);
    await protector.settled();
    expect(autoscaling.calls).toEqual([true]);
  });

  test('releases only after the worker has been idle for the grace period', async () => {
    const { clock, autoscaling, protector } = setup(30_000);
    protector.busy(1);
    protector.busy(0);
    await clock.advance(29_999);
    await protector.settled();
    expect(autoscaling.calls).toEqual([true]);
    protector.busy(0);
    await clock.advance(1);
    await protector.settled();
    expect(autoscaling.calls).toEqual([true, false]);
  });

  test('work arriving within the grace period keeps the protection without any call', async () => {
    const { clock, autoscaling, protector } = setup(30_000);
    protector.busy(2);
    protector.busy(0);
    await clock.advance(20_000);
    protector.busy(1);
    await clock.advance(60_000);
    await protector.settled();
    expect(autoscaling.calls).toEqual([true]);
    expect(clock.sleepers).toBe(0);
  });

  test('an idle worker that was already released makes no further calls', async () => {
    const { clock, autoscaling, protector } = setup(1_000);
    protector.busy(1);
    protector.busy(0);
    await clock.advance(1_000);
    protector.busy(0);
    await clock.advance(1_000);
    await protector.settled();
    expect(autoscaling.calls).toEqual([true, false]);
  });

  test('a failed call is logged, not thrown, and tried again on the next change', async () => {
    const { autoscaling, logger, protector } = setup();
    autoscaling.failNext(1);
    protector.busy(1);
    await protector.settled();
    expect(autoscaling.calls).toEqual([]);
    expect(logger.events).toEqual([
      {
        level: 'warn',
        event: 'scale-in-protection.failed',
        fields: {
          instanceId: 'i-1',
          autoScalingGroupName: 'workers',
          protected: true,
          error: 'Rate exceeded',
        },
      },
    ]);
    protector.busy(2);
    await protector.settled();
    expect(autoscaling.calls).toEqual([true]);
  });
});

describe('hold, release, close', () => {
  test('hold and release act at once and skip repeats', async () => {
    const { autoscaling, protector } = setup();
    await protector.hold();
    await protector.hold();
    await protector.release();
    await protector.release();
    expect(autoscaling.calls).toEqual([true, false]);
  });

  test('changes asked for before AWS is called collapse into the latest one', async () => {
    const { autoscaling, protector } = setup();
    const first = protector.hold();
    void protector.release();
    void protector.hold();
    void protector.release();
    await first;
    await protector.settled();
    expect(autoscaling.calls).toEqual([false]);
  });

  test('close releases, stops the idle timer and ignores later busy()', async () => {
    const { clock, autoscaling, protector } = setup();
    protector.busy(1);
    await protector.settled();
    protector.busy(0);
    await protector.close();
    expect(autoscaling.calls).toEqual([true, false]);
    expect(clock.sleepers).toBe(0);
    protector.busy(5);
    await protector.settled();
    expect(autoscaling.calls).toEqual([true, false]);
  });
});

describe('createScaleInProtectorForInstance', () => {
  test('finds the group of the instance', async () => {
    const autoscaling = fakeAutoScaling();
    const protector = await createScaleInProtectorForInstance({
      autoscaling,
      instanceId: 'i-1',
      clock: createManualClock(),
      logger: recordingLogger(),
    });
    await protector?.hold();
    expect(autoscaling.calls).toEqual([true]);
  });

  test('an instance in no group gets no protector', async () => {
    const logger = recordingLogger();
    const protector = await createScaleInProtectorForInstance({
      autoscaling: fakeAutoScaling({}),
      instanceId: 'i-1',
      clock: createManualClock(),
      logger,
    });
    expect(protector).toBeUndefined();
    expect(logger.events.map((event) => event.event)).toEqual(['scale-in-protection.no-group']);
  });

  test('a failed lookup is logged and gives no protector', async () => {
    const logger = recordingLogger();
    const protector = await createScaleInProtectorForInstance({
      autoscaling: {
        autoScalingGroupOf: async () => {
          throw new Error('AccessDenied');
        },
        setInstanceProtection: async () => undefined,
      },
      instanceId: 'i-1',
      clock: createManualClock(),
      logger,
    });
    expect(protector).toBeUndefined();
    expect(logger.events).toEqual([
      {
        level: 'warn',
        event: 'scale-in-protection.lookup-failed',
        fields: { instanceId: 'i-1', error: 'AccessDenied' },
      },
    ]);
  });
});
