// Ferry scale-workers action: sets the worker group's desired capacity, given or sized from a run and a target duration.
import * as core from '@actions/core';
import {
  describeWorkerGroup,
  FerryError,
  type FleetSession,
  fleetQueues,
  remaining,
  type ScaleWorkersResult,
  scaleInWhenIdle,
  scaleWorkers,
  workersForDuration,
} from '@ferry/worker';
import { fleetFromInputs, withFleet } from '../../lib/src/fleet.ts';
import {
  boolean,
  durationSec,
  nonNegativeInteger,
  positiveInteger,
  runId,
} from '../../lib/src/input-rules.ts';
import { InputError, optionalInput } from '../../lib/src/inputs.ts';
import { setOutputs } from '../../lib/src/outputs.ts';
import { runAction } from '../../lib/src/run-action.ts';

interface Sizing {
  readonly runId: string;
  readonly targetDurationSec: number;
  readonly bytesPerSecPerWorker?: number;
}

/** Either `desired`, or `run-id` with `target-duration`; never both, never neither. */
function readTarget(): { readonly desired: number } | { readonly sizing: Sizing } {
  const desired = optionalInput('desired', nonNegativeInteger);
  const id = optionalInput('run-id', runId);
  const targetDurationSec = optionalInput('target-duration', durationSec);
  const rate = optionalInput('bytes-per-second-per-worker', positiveInteger);
  if (desired !== undefined) {
    if (id !== undefined || targetDurationSec !== undefined)
      throw new InputError('desired', 'give desired, or run-id with target-duration, not both');
    return { desired };
  }
  if (id === undefined || targetDurationSec === undefined)
    throw new InputError('desired', 'is required unless run-id and target-duration are both given');
  return {
    sizing: { runId: id, targetDurationSec, ...(rate !== undefined ? { bytesPerSecPerWorker: rate } : {}) },
  };
}

/** Workers for the run's bytes still to copy within the target duration, at most the group's maximum. */
async function sizedCapacity(
  session: FleetSession,
  sizing: Sizing,
  maxSize: number | undefined,
): Promise<number> {
  const run = await session.ledger.getRun(sizing.runId);
  if (run === undefined) throw new FerryError('Config', `run ${sizing.runId} is not in the ledger`);
  const bytesLeft = remaining(run).bytes;
  const maxWorkers =
    maxSize ??
    (
      await describeWorkerGroup({
        autoScaling: session.clients.autoScaling,
        groupName: session.fleet.outputs.WorkerGroupName,
      })
    ).maxSize;
  const workers = workersForDuration({ ...sizing, bytes: bytesLeft, maxWorkers });
  core.info(
    `run ${run.runId}: ${Math.max(0, bytesLeft)} bytes left, listing ${run.listerState}: ${workers} workers`,
  );
  return workers;
}

/** Scales in unless the work queue still holds other runs' messages; undefined when it left the workers running. */
async function scaleInIfIdle(session: FleetSession): Promise<ScaleWorkersResult | undefined> {
  const outcome = await scaleInWhenIdle({
    autoScaling: session.clients.autoScaling,
    groupName: session.fleet.outputs.WorkerGroupName,
    workQueue: fleetQueues(session).work,
  });
  if (outcome.scaleInSkipped) core.notice(outcome.scaleInSkipped);
  return outcome.scaledIn;
}

await runAction(async () => {
  const fleet = fleetFromInputs();
  const target = readTarget();
  const maxSize = optionalInput('max', nonNegativeInteger);
  const onlyWhenIdle = optionalInput('only-when-idle', boolean) ?? false;
  if (onlyWhenIdle && !('desired' in target && target.desired === 0))
    throw new InputError('only-when-idle', 'applies only with desired 0');

  const result = await withFleet(fleet, async (session) => {
    if (onlyWhenIdle) return await scaleInIfIdle(session);
    const desiredCapacity =
      'desired' in target ? target.desired : await sizedCapacity(session, target.sizing, maxSize);
    return await scaleWorkers({
      autoScaling: session.clients.autoScaling,
      groupName: session.fleet.outputs.WorkerGroupName,
      desiredCapacity,
      ...(maxSize !== undefined ? { maxSize } : {}),
    });
  });
  if (result === undefined) {
    setOutputs({ skipped: 'true' });
    return;
  }
  setOutputs({
    desired: result.desiredCapacity,
    max: result.maxSize,
    'previous-desired': result.previous.desiredCapacity,
    skipped: 'false',
  });
  core.info(
    `worker group ${result.groupName}: desired ${result.previous.desiredCapacity} → ${result.desiredCapacity}, maximum ${result.maxSize}`,
  );
});
