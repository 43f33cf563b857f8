// The worker's stop signal: process signals, spot notices and scale-in, polled on a manual clock.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  createImdsClient,
  type ImdsClient,
  type ImdsRead,
  imdsPaths,
} from '../../../worker/src/fleet/imds.ts';
import {
  createShutdownSignals,
  describeShutdownReason,
  judgeImdsReads,
  lifecycleStateMeansStop,
  type SignalSource,
} from '../../../worker/src/fleet/shutdown-signals.ts';
import type { LogFields, Logger } from '../../../worker/src/ports/logger.ts';
import { createManualClock } from '../../support/manual-clock.ts';
import { found, notFound, startFakeImds } from './fake-imds.ts';

// The real process is a valid signal source.
const processSource: SignalSource = process;
void processSource;

interface LogLine {
  readonly level: string;
  readonly event: string;
  readonly fields: LogFields | undefined;
}

function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (event: string, fields?: LogFields): void => {
      lines.push({ level, event, fields });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** An in-memory IMDS whose answers are set per path; counts reads. */
function scriptedImds(
  answers: Record<string, (read: number) => ImdsRead>,
): ImdsClient & { reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const read = async (path: string): Promise<ImdsRead> => {
    const count = (reads.get(path) ?? 0) + 1;
    reads.set(path, count);
    return answers[path]?.(count) ?? { kind: 'absent' };
  };
  const unused = async (): Promise<undefined> => undefined;
  return {
    reads,
    read,
    instanceIdentity: unused,
    spotInterruption: unused,
    autoScalingTargetLifecycleState: unused,
  };
}

const absent: ImdsRead = { kind: 'absent' };
const unavailable: ImdsRead = { kind: 'unavailable', reason: 'token request failed: EHOSTUNREACH' };
const text = (value: string): ImdsRead => ({ kind: 'found', text: value });

describe('process signals', () => {
  test('SIGTERM aborts with its reason, then lets a second signal through', () => {
    const signals = new EventEmitter();
    const logger = recordingLogger();
    const shutdown = createShutdownSignals({ clock: createManualClock(), logger, signals });
    expect(signals.listenerCount('SIGTERM')).toBe(1);
    expect(signals.listenerCount('SIGINT')).toBe(1);
    expect(shutdown.signal.aborted).toBe(false);
    signals.emit('SIGTERM');
    expect(shutdown.signal.aborted).toBe(true);
    expect(shutdown.reason()).toEqual({ kind: 'signal', signal: 'SIGTERM' });
    expect(shutdown.signal.reason).toEqual({ kind: 'signal', signal: 'SIGTERM' });
    expect(signals.listenerCount('SIGTERM')).toBe(0);
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(logger.lines).toEqual([
      { level: 'warn', event: 'worker.stopping', fields: { reason: 'received SIGTERM' } },
    ]);
  });

  test('SIGINT works too', () => {
    const signals = new EventEmitter();
    const shutdown = createShutdownSignals({
      clock: createManualClock(),
      logger: recordingLogger(),
      signals,
    });
    signals.emit('SIGINT');
    expect(shutdown.reason()).toEqual({ kind: 'signal', signal: 'SIGINT' });
  });

  test('dispose removes the listeners without aborting', () => {
    const signals = new EventEmitter();
    const shutdown = createShutdownSignals({
      clock: createManualClock(),
      logger: recordingLogger(),
      signals,
    });
    shutdown.dispose();
    expect(signals.listenerCount('SIGTERM')).toBe(0);
    signals.emit('SIGTERM');
    expect(shutdown.signal.aborted).toBe(false);
    expect(shutdown.reason()).toBeUndefined();
  });
});

describe('IMDS polling', () => {
  let dispose: (() => void) | undefined;
  afterEach(() => {
    dispose?.();
    dispose = undefined;
  });

  test('a spot notice on the third poll aborts then, five seconds apart', async () => {
    const clock = createManualClock();
    const imds = scriptedImds({
      [imdsPaths.spotInstanceAction]: (read) =>
        read < 3 ? absent : text('{"action":"terminate","time":"2025-01-01T00:02:10Z"}'),
      [imdsPaths.targetLifecycleState]: () => text('InService'),
    });
    const shutdown = createShutdownSignals({ clock, logger: recordingLogger(), imds });
    dispose = shutdown.dispose;
    await clock.advance(0);
    expect(imds.reads.get(imdsPaths.spotInstanceAction)).toBe(1);
    await clock.advance(4_999);
    expect(imds.reads.get(imdsPaths.spotInstanceAction)).toBe(1);
    await clock.advance(1);
    expect(imds.reads.get(imdsPaths.spotInstanceAction)).toBe(2);
    expect(shutdown.signal.aborted).toBe(false);
    await clock.advance(5_000);
    expect(shutdown.signal.aborted).toBe(true);
    expect(shutdown.reason()).toEqual({
      kind: 'spot-interruption',
      action: 'terminate',
      time: new Date('2025-01-01T00:02:10Z'),
    });
    await clock.advance(60_000);
    expect(imds.reads.get(imdsPaths.spotInstanceAction)).toBe(3);
    expect(clock.sleepers).toBe(0);
  });

  test('target lifecycle state Terminated aborts', async () => {
    const clock = createManualClock();
    const imds = scriptedImds({
      [imdsPaths.targetLifecycleState]: (read) => text(read === 1 ? 'InService' : 'Terminated'),
    });
    const shutdown = createShutdownSignals({ clock, logger: recordingLogger(), imds });
    dispose = shutdown.dispose;
    await clock.advance(0);
    expect(shutdown.signal.aborted).toBe(false);
    await clock.advance(5_000);
    expect(shutdown.reason()).toEqual({ kind: 'scale-in', targetLifecycleState: 'Terminated' });
  });

  test('off EC2 the first miss ends polling quietly', async () => {
    const clock = createManualClock();
    const logger = recordingLogger();
    const imds = scriptedImds({
      [imdsPaths.spotInstanceAction]: () => unavailable,
      [imdsPaths.targetLifecycleState]: () => unavailable,
    });
    const shutdown = createShutdownSignals({ clock, logger, imds });
    dispose = shutdown.dispose;
    await clock.advance(60_000);
    expect(imds.reads.get(imdsPaths.spotInstanceAction)).toBe(1);
    expect(clock.sleepers).toBe(0);
    expect(shutdown.signal.aborted).toBe(false);
    expect(logger.lines.map((line) => line.level)).toEqual(['debug']);
  });

  test('once IMDS has answered, a missed poll does not stop polling', async () => {
    const clock = createManualClock();
    const imds = scriptedImds({
      [imdsPaths.spotInstanceAction]: (read) =>
        read === 2
          ? unavailable
          : read === 4
            ? text('{"action":"stop","time":"2025-01-01T00:01:00Z"}')
            : absent,
      [imdsPaths.targetLifecycleState]: (read) => (read === 2 ? unavailable : absent),
    });
    const shutdown = createShutdownSignals({ clock, logger: recordingLogger(), imds });
    dispose = shutdown.dispose;
    await clock.advance(15_000);
    expect(imds.reads.get(imdsPaths.spotInstanceAction)).toBe(4);
    expect(shutdown.reason()?.kind).toBe('spot-interruption');
  });

  test('dispose stops polling', async () => {
    const clock = createManualClock();
    const imds = scriptedImds({});
    const shutdown = createShutdownSignals({ clock, logger: recordingLogger(), imds });
    await clock.advance(10_000);
    expect(imds.reads.get(imdsPaths.spotInstanceAction)).toBe(3);
    shutdown.dispose();
    await clock.advance(60_000);
    expect(imds.reads.get(imdsPaths.spotInstanceAction)).toBe(3);
    expect(clock.sleepers).toBe(0);
  });

  test('a process signal also ends polling', async () => {
    const clock = createManualClock();
    const signals = new EventEmitter();
    const imds = scriptedImds({});
    const shutdown = createShutdownSignals({ clock, logger: recordingLogger(), imds, signals });
    dispose = shutdown.dispose;
    await clock.advance(0);
    signals.emit('SIGTERM');
    await clock.advance(60_000);
    expect(imds.reads.get(imdsPaths.spotInstanceAction)).toBe(1);
    expect(shutdown.reason()).toEqual({ kind: 'signal', signal: 'SIGTERM' });
  });

  test('with the real client against a fake IMDS: the notice that appears on the third poll stops the worker', async () => {
    const server = await startFakeImds();
    try {
      const notice = JSON.stringify({ action: 'terminate', time: '2025-01-01T00:02:00Z' });
      server.route(imdsPaths.spotInstanceAction, (read) => (read < 3 ? notFound : found(notice)));
      server.route(imdsPaths.targetLifecycleState, () => found('InService'));
      const clock = createManualClock();
      const imds = createImdsClient({ clock, baseUrl: server.url, env: {} });
      const shutdown = createShutdownSignals({ clock, logger: recordingLogger(), imds });
      dispose = shutdown.dispose;
      for (const poll of [1, 2]) {
        await vi.waitFor(() => expect(clock.sleepers).toBe(1));
        expect(server.reads(imdsPaths.spotInstanceAction)).toBe(poll);
        expect(shutdown.signal.aborted).toBe(false);
        await clock.advance(5_000);
      }
      await vi.waitFor(() => expect(shutdown.signal.aborted).toBe(true));
      expect(server.reads(imdsPaths.spotInstanceAction)).toBe(3);
      expect(server.tokenRequests).toHaveLength(1);
      expect(describeShutdownReason(shutdown.reason() ?? { kind: 'signal', signal: 'SIGINT' })).toBe(
        'spot interruption notice: terminate at 2025-01-01T00:02:00.000Z',
      );
    } finally {
      await server.close();
    }
  });
});

describe('decisions', () => {
  test('which target lifecycle states mean leaving service', () => {
    expect(lifecycleStateMeansStop('Terminated')).toBe(true);
    expect(lifecycleStateMeansStop('Warmed:Stopped')).toBe(true);
    expect(lifecycleStateMeansStop('Warmed:Hibernated')).toBe(true);
    expect(lifecycleStateMeansStop('InService')).toBe(false);
    expect(lifecycleStateMeansStop('Warmed:Running')).toBe(false);
  });

  test('judging one round of reads', () => {
    expect(judgeImdsReads({ spot: absent, lifecycle: text('InService') })).toEqual({ kind: 'carry-on' });
    expect(judgeImdsReads({ spot: absent, lifecycle: absent })).toEqual({ kind: 'carry-on' });
    expect(judgeImdsReads({ spot: unavailable, lifecycle: absent })).toEqual({ kind: 'carry-on' });
    expect(judgeImdsReads({ spot: unavailable, lifecycle: unavailable })).toEqual({
      kind: 'unavailable',
      detail: 'token request failed: EHOSTUNREACH',
    });
    expect(judgeImdsReads({ spot: text('garbled'), lifecycle: unavailable })).toEqual({
      kind: 'stop',
      reason: { kind: 'spot-interruption', action: 'unknown', time: undefined },
    });
    expect(judgeImdsReads({ spot: absent, lifecycle: text('Terminated\n') })).toEqual({
      kind: 'stop',
      reason: { kind: 'scale-in', targetLifecycleState: 'Terminated' },
    });
  });
});
