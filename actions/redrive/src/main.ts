// Ferry redrive action: moves dead-lettered work back to the work queue, for one run, one mapping, or all of it.
import * as core from '@actions/core';
import { fleetQueues, redriveDeadLetters } from '@ferry/worker';
import { fleetFromInputs, withFleet } from '../../lib/src/fleet.ts';
import { boolean, mappingId, runId } from '../../lib/src/input-rules.ts';
import { optionalInput, requiredInput } from '../../lib/src/inputs.ts';
import { setOutputs } from '../../lib/src/outputs.ts';
import { runAction } from '../../lib/src/run-action.ts';

await runAction(async () => {
  const fleet = fleetFromInputs();
  const id = optionalInput('run-id', runId);
  const mapping = optionalInput('mapping', mappingId);
  const all = requiredInput('all', boolean);

  const result = await withFleet(fleet, (session) =>
    redriveDeadLetters({
      ...fleetQueues(session),
      ...(id !== undefined ? { runId: id } : {}),
      ...(mapping !== undefined ? { mappingId: mapping } : {}),
      all,
    }),
  );

  setOutputs({
    moved: result.moved,
    'kept-other-runs': result.keptOtherRuns,
    'kept-undecodable': result.keptUndecodable,
  });
  core.info(
    `moved ${result.moved} messages back to the work queue; left ${result.keptOtherRuns} of other runs or mappings` +
      ` and ${result.keptUndecodable} that are not Ferry work messages${all ? '' : ' (all: true moves those too)'}`,
  );
});
