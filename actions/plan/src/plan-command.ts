// `command: plan`: reviews the change to ferry.yaml, writes the comment body (file + job summary), posts it when allowed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import {
  type ConfigText,
  type CostModel,
  defaultCostModel,
  ledgerRecall,
  type MappingsReview,
  maxDispatchWorkers,
  renderPlanComment,
  reviewMappings,
} from '@ferry/worker';
import { awsSettingsFromInputs } from '../../lib/src/aws-settings.ts';
import {
  boolean,
  type InputRule,
  mappingId,
  nonNegativeInteger,
  positiveInteger,
  RuleViolation,
  runMode,
} from '../../lib/src/input-rules.ts';
import { optionalInput, requiredInput, workspaceDirectory } from '../../lib/src/inputs.ts';
import { setOutputs } from '../../lib/src/outputs.ts';
import { writeJobSummary } from '../../lib/src/summary.ts';
import { configAtRef, gitRef } from './base-config.ts';
import {
  annotateConfigErrors,
  type ConfigFile,
  invalidConfigMessage,
  readWorkspaceFile,
  setConfigOutputs,
} from './config-report.ts';
import { upsertPlanComment } from './pr-comment.ts';
import { currentPullRequest, type PullRequestEvent } from './pull-request-event.ts';

/** A price or rate: a non-negative decimal number. */
const decimal: InputRule<number> = (text) => {
  if (!/^\d{1,12}(\.\d{1,9})?$/.test(text))
    throw new RuleViolation(`${JSON.stringify(text.slice(0, 40))} is not a number`);
  return Number(text);
};

/** 0 to maxDispatchWorkers workers, as the dispatch form allows. */
const workerCount: InputRule<number> = (text) => {
  const workers = nonNegativeInteger(text);
  if (workers > maxDispatchWorkers)
    throw new RuleViolation(`${workers} is more than ${maxDispatchWorkers} workers`);
  return workers;
};

function costModelFromInputs(): CostModel {
  const { rates, prices } = defaultCostModel;
  return {
    workers: requiredInput('workers', workerCount),
    rates: {
      ...rates,
      bytesPerSecPerWorker:
        optionalInput('worker-bytes-per-second', positiveInteger) ?? rates.bytesPerSecPerWorker,
      objectsPerSecPerWorker:
        optionalInput('worker-objects-per-second', positiveInteger) ?? rates.objectsPerSecPerWorker,
    },
    prices: {
      ...prices,
      transferPerGB: optionalInput('transfer-usd-per-gb', decimal) ?? prices.transferPerGB,
    },
  };
}

/** The base version: base-config, else base-ref, else the pull request's base commit; none: the file is new. */
function baseConfig(head: ConfigFile, pullRequest: PullRequestEvent | undefined): ConfigText | undefined {
  if (core.getInput('base-config') !== '') {
    const base = readWorkspaceFile('base-config');
    return { text: base.text, file: `${head.name} (base)` };
  }
  const ref = optionalInput('base-ref', gitRef) ?? pullRequest?.baseSha;
  if (ref === undefined) return undefined;
  const text = configAtRef({ workspace: workspaceDirectory(), ref, file: head.path });
  return text === undefined ? undefined : { text, file: `${head.name} (base)` };
}

function writeOutputFiles(body: string, pullRequest: PullRequestEvent | undefined): string {
  const dir =
    core.getInput('output-dir') || join(process.env.RUNNER_TEMP || workspaceDirectory(), 'ferry-plan');
  mkdirSync(dir, { recursive: true });
  const commentFile = join(dir, 'comment.md');
  writeFileSync(commentFile, body);
  if (pullRequest) {
    writeFileSync(join(dir, 'pr-number'), `${pullRequest.number}\n`);
    writeFileSync(join(dir, 'head-sha'), `${pullRequest.headSha}\n`);
  }
  return commentFile;
}

function overGuardrail(review: MappingsReview): boolean {
  return review.plans.some(
    (plan) => plan.outcome.kind === 'planned' && plan.outcome.guardrail?.exceeded === true,
  );
}

async function review(head: ConfigFile, pullRequest: PullRequestEvent | undefined): Promise<MappingsReview> {
  const list = requiredInput('list', boolean);
  const guardrailOnly = requiredInput('fail-on-guardrail', boolean);
  const only = optionalInput('mapping', mappingId);
  const table = core.getInput('ledger-table');
  const base = baseConfig(head, pullRequest);
  const mode = optionalInput('mode', runMode);
  return await reviewMappings({
    ...(base ? { base } : {}),
    head: { text: head.text, file: head.name },
    list,
    ...(only ? { mappingIds: [only] } : {}),
    guardrailOnly,
    ...(mode ? { mode } : {}),
    budget: {
      maxKeys: requiredInput('max-keys', positiveInteger),
      maxListMs: requiredInput('max-list-minutes', positiveInteger) * 60_000,
    },
    costModel: costModelFromInputs(),
    ...(list && table !== '' ? { recall: ledgerRecall({ table, ...awsSettingsFromInputs() }) } : {}),
  });
}

export async function planCommand(): Promise<void> {
  const pullRequest = currentPullRequest();
  const head = readWorkspaceFile('config');
  const result = await review(head, pullRequest);
  const body = renderPlanComment(result);
  const commentFile = writeOutputFiles(body, pullRequest);
  await writeJobSummary(body);
  annotateConfigErrors(result.headErrors);
  setConfigOutputs(result.head, result.headErrors);
  const over = overGuardrail(result);
  setOutputs({
    'comment-file': commentFile,
    'pr-number': pullRequest?.number ?? '',
    'over-guardrail': over,
  });
  const token = core.getInput('github-token');
  if (token !== '' && pullRequest && !pullRequest.fromFork) {
    const posted = await upsertPlanComment(
      {
        token,
        repository: process.env.GITHUB_REPOSITORY ?? '',
        pullRequest: pullRequest.number,
        author: core.getInput('comment-author'),
      },
      body,
    );
    core.setOutput('comment-url', posted.url);
    core.info(`plan comment ${posted.action}: ${posted.url}`);
  } else if (token !== '' && pullRequest?.fromFork) {
    core.notice(
      'Pull request from a fork: the plan is not posted from here (the comment workflow posts it).',
    );
  }
  if (!result.head) core.setFailed(invalidConfigMessage(head.name, result.headErrors));
  else if (over && requiredInput('fail-on-guardrail', boolean)) {
    core.setFailed('Config: a planned mapping would copy more than its maxBytesPerRun (see the plan)');
  }
}
