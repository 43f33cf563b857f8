// `command: validate`: checks ferry.yaml, and a workflow_dispatch form against it, before any other step uses the form.
import * as core from '@actions/core';
import { checkDispatchForm, type DispatchForm, reviewMappings } from '@ferry/worker';
import { boolean } from '../../lib/src/input-rules.ts';
import { requiredInput } from '../../lib/src/inputs.ts';
import { setOutputs } from '../../lib/src/outputs.ts';
import {
  annotateConfigErrors,
  invalidConfigMessage,
  readWorkspaceFile,
  setConfigOutputs,
} from './config-report.ts';

/** The form as typed (not trimmed: a stray space or line break is the user's to fix, not ours to hide). */
function formInputs(): DispatchForm {
  const read = (name: string): string => core.getInput(name, { trimWhitespace: false });
  return {
    mapping: read('mapping'),
    sourceBucket: read('source-bucket'),
    sourcePrefix: read('source-prefix'),
    destinationBucket: read('destination-bucket'),
    mode: read('mode'),
    workers: read('workers'),
    dryRun: read('dry-run'),
  };
}

export async function validateCommand(): Promise<void> {
  const file = readWorkspaceFile('config');
  const review = await reviewMappings({ head: { text: file.text, file: file.name }, list: false });
  annotateConfigErrors(review.headErrors);
  setConfigOutputs(review.head, review.headErrors);
  if (!review.head) {
    core.setFailed(invalidConfigMessage(file.name, review.headErrors));
    return;
  }
  if (!requiredInput('dispatch-form', boolean)) return;
  const result = checkDispatchForm(review.head, formInputs());
  if (!result.ok) {
    for (const problem of result.problems) core.error(problem, { title: 'workflow input' });
    core.setFailed(`the workflow inputs are not valid: ${result.problems.join('; ')}`);
    return;
  }
  const { selection } = result;
  setOutputs({
    'mapping-id': selection.mappingId,
    mode: selection.mode,
    workers: selection.workers,
    'dry-run': selection.dryRun,
  });
  core.info(
    `mapping ${selection.mappingId}, mode ${selection.mode}, ${selection.workers} workers, dry run ${selection.dryRun}`,
  );
}
