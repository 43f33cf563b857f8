// Ferry await-run action: waits for a run to be done, writes its report to the job summary, fails on too many failures.
import * as core from '@actions/core';
import {
  type AwaitRunResult,
  awaitRun,
  fleetQueues,
  parseFailureThreshold,
  renderRunReport,
} from '@ferry/worker';
import { fleetFromInputs, withFleet } from '../../lib/src/fleet.ts';
import {
  boolean,
  durationSec,
  ecsTaskArn,
  engineRule,
  nonNegativeInteger,
  runId,
} from '../../lib/src/input-rules.ts';
import { optionalInput, requiredInput } from '../../lib/src/inputs.ts';
import { setOutputs } from '../../lib/src/outputs.ts';
import { runAction } from '../../lib/src/run-action.ts';
import { writeJobSummary } from '../../lib/src/summary.ts';

/** state and the run's counts (0 while the run is not in the ledger yet). */
function runOutputs(result: AwaitRunResult): Record<string, string | number> {
  const zero = { objects: 0, bytes: 0 };
  const { planned, copied, failed } = result.run ?? { planned: zero, copied: zero, failed: zero };
  return {
    state: result.state,
    'planned-objects': planned.objects,
    'planned-bytes': planned.bytes,
    'copied-objects': copied.objects,
    'copied-bytes': copied.bytes,
    'failed-objects': failed.objects,
    'failed-bytes': failed.bytes,
  };
}

await runAction(async () => {
  const fleet = fleetFromInputs();
  const id = requiredInput('run-id', runId);
  const listerTaskArn = optionalInput('lister-task-arn', ecsTaskArn);
  const intervalSec = requiredInput('interval', durationSec);
  const maxWaitMinutes = requiredInput('max-wait-minutes', nonNegativeInteger);
  const failureThreshold = requiredInput('failure-threshold', engineRule(parseFailureThreshold));
  const scaleToZero = requiredInput('scale-to-zero', boolean);
  const failIfStillRunning = requiredInput('fail-if-still-running', boolean);

  const result = await withFleet(fleet, async (session) => {
    const outcome = await awaitRun({
      ledger: session.ledger,
      runId: id,
      pollIntervalMs: intervalSec * 1000,
      maxWaitMinutes,
      probe: session.probe,
      failureThreshold,
      onProgress: (line) => core.info(line),
      ...(listerTaskArn !== undefined
        ? { listerTask: { ecs: session.clients.ecs, fleet: session.fleet.outputs, taskArn: listerTaskArn } }
        : {}),
      ...(scaleToZero
        ? {
            scaleInWhenDone: {
              autoScaling: session.clients.autoScaling,
              groupName: session.fleet.outputs.WorkerGroupName,
              workQueue: fleetQueues(session).work,
            },
          }
        : {}),
    });
    if (outcome.run !== undefined) {
      const instanceType = session.fleet.parameters.WorkerInstanceType;
      await writeJobSummary(
        renderRunReport({
          ...outcome,
          run: outcome.run,
          failures: outcome.state === 'still-running' ? [] : outcome.failures,
          now: new Date(),
          ...(instanceType ? { instanceType } : {}),
        }),
      );
    }
    return outcome;
  });

  setOutputs(runOutputs(result));
  if (result.state !== 'still-running' && result.scaleInSkipped) core.notice(result.scaleInSkipped);
  if (result.state === 'failed') {
    core.setFailed(`run ${id} failed: ${result.reason ?? 'see the job summary'}`);
  } else if (result.state === 'still-running') {
    const message = `run ${id} is still running after ${maxWaitMinutes} minutes: run await-run again with the same run-id to pick it up`;
    if (failIfStillRunning) core.setFailed(message);
    else core.notice(message);
  } else {
    core.info(`run ${id} succeeded`);
  }
});
