// Ferry start-lister action: starts (or resumes) a run of one mapping on the fleet's Fargate lister, optionally waiting.
import * as core from '@actions/core';
import { startLister } from '@ferry/worker';
import { fleetFromInputs, withFleet } from '../../lib/src/fleet.ts';
import {
  boolean,
  durationSec,
  mappingId,
  nonNegativeInteger,
  runId,
  runMode,
} from '../../lib/src/input-rules.ts';
import { optionalInput, requiredInput } from '../../lib/src/inputs.ts';
import { setOutputs } from '../../lib/src/outputs.ts';
import { runAction } from '../../lib/src/run-action.ts';

await runAction(async () => {
  const fleet = fleetFromInputs();
  const mapping = requiredInput('mapping', mappingId);
  const id = optionalInput('run-id', runId);
  const mode = requiredInput('mode', runMode);
  const resume = requiredInput('resume', boolean);
  const wait = requiredInput('wait', boolean);
  const intervalSec = requiredInput('interval', durationSec);
  const maxWaitMinutes = requiredInput('max-wait-minutes', nonNegativeInteger);

  const result = await withFleet(fleet, (session) =>
    startLister({
      ecs: session.clients.ecs,
      ledger: session.ledger,
      fleet: session.fleet.outputs,
      mappingId: mapping,
      ...(id !== undefined ? { runId: id } : {}),
      mode,
      resume,
      wait,
      pollIntervalMs: intervalSec * 1000,
      maxWaitMinutes,
    }),
  );

  setOutputs({
    'run-id': result.runId,
    'task-arn': result.taskArn ?? '',
    'lister-state': result.state,
    action: result.action,
  });
  core.info(
    `run ${result.runId} of mapping ${result.mappingId} (${result.mode}): ${result.action}, ${result.state}` +
      (result.taskArn ? `, lister task ${result.taskArn}` : ''),
  );
  if (result.state === 'still-running')
    core.notice(`the lister of run ${result.runId} was still running after ${maxWaitMinutes} minutes`);
});
