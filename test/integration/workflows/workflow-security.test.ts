// Static rules every workflow keeps: pinned third-party actions, no persisted checkout credentials, no expressions in
// scripts, least privilege per job, inputs that the local actions declare, and the shapes the runbooks rely on.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  allSteps,
  expression,
  hasExpression,
  type Job,
  localActionInputs,
  readWorkflow,
  workflowFiles,
} from './workflow-files.ts';

const workflows = workflowFiles().map(readWorkflow);
const fullSha = /^[0-9a-f]{40}$/;

function hasIdToken(job: Job): boolean {
  return typeof job.permissions === 'object' && job.permissions !== null && 'id-token' in job.permissions;
}

describe.each(workflows.map((workflow) => [workflow.file, workflow] as const))('%s', (_file, workflow) => {
  test('pins every third-party action to a full commit sha with a version comment', () => {
    const usesLines = workflow.text.split('\n').filter((line) => /^\s*(?:-\s+)?uses:/.test(line));
    expect(usesLines.length).toBeGreaterThan(0);
    for (const line of usesLines) {
      const [, target = '', comment = ''] = /uses:\s*(\S+)\s*(#.*)?$/.exec(line) ?? [];
      if (target.startsWith('./')) continue;
      const [action, ref = ''] = target.split('@');
      expect({ action, ref: fullSha.test(ref) }).toEqual({ action, ref: true });
      expect(comment).toMatch(/^# v\d+(\.\d+)*$/);
    }
  });

  test('checks out without persisting credentials, and never the pull request head in a privileged run', () => {
    const privileged = 'workflow_run' in workflow.on || 'pull_request_target' in workflow.on;
    for (const { step } of allSteps(workflow)) {
      if (!step.uses?.startsWith('actions/checkout@')) continue;
      expect(step.with?.['persist-credentials']).toBe(false);
      if (privileged) expect(step.with?.ref).toBeUndefined();
    }
  });

  test('puts no expression in any run script (values reach scripts through env)', () => {
    for (const { job, step } of allSteps(workflow)) {
      if (step.run === undefined) continue;
      expect({
        job,
        step: step.name ?? step.run.slice(0, 40),
        expression: hasExpression(step.run),
      }).toMatchObject({
        expression: false,
      });
    }
  });

  test('grants nothing at the top and explicit permissions in every job', () => {
    expect(workflow.permissions).toEqual({});
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect({ name, permissions: typeof job.permissions }).toEqual({ name, permissions: 'object' });
    }
  });

  test('runs every job that gets AWS credentials under a concurrency group', () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      if (!hasIdToken(job)) continue;
      expect({ name, grouped: job.concurrency !== undefined || workflow.concurrency !== undefined }).toEqual({
        name,
        grouped: true,
      });
    }
  });

  test("gives the repository's own actions only inputs they declare, and every required one", () => {
    for (const { job, step } of allSteps(workflow)) {
      if (!step.uses?.startsWith('./actions/')) continue;
      const declared = localActionInputs(step.uses);
      const given = Object.keys(step.with ?? {});
      const where = `${workflow.file} ${job} ${step.name ?? step.uses}`;
      expect({ where, unknown: given.filter((name) => !(name in declared)) }).toEqual({ where, unknown: [] });
      const missing = Object.entries(declared)
        .filter(
          ([name, input]) => input.required === true && input.default === undefined && !given.includes(name),
        )
        .map(([name]) => name);
      expect({ where, missing }).toEqual({ where, missing: [] });
    }
  });
});

describe('the pinned third-party actions', () => {
  test("are the commits docs/workflows.md's pin table records, with the same tags", () => {
    const pinned = new Set(
      workflows.flatMap((workflow) =>
        [...workflow.text.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v[\d.]+)/g)].map(
          ([, action, sha, tag]) => `${action} ${tag} ${sha}`,
        ),
      ),
    );
    const docs = readFileSync(new URL('../../../docs/workflows.md', import.meta.url), 'utf8');
    const documented = new Set(
      [...docs.matchAll(/^ *\| `([\w.-]+\/[\w.-]+)` +\| (v[\d.]+) +\| `([0-9a-f]{40})` \|/gm)].map(
        ([, action, tag, sha]) => `${action} ${tag} ${sha}`,
      ),
    );
    expect(pinned.size).toBeGreaterThanOrEqual(4);
    expect([...pinned].sort()).toEqual([...documented].sort());
  });
});

describe('the shapes the runbooks rely on', () => {
  const byFile = (file: string) => {
    const workflow = workflows.find((candidate) => candidate.file === file);
    if (!workflow) throw new Error(`no ${file}`);
    return workflow;
  };
  const stepUsing = (job: Job, action: string) => {
    const step = job.steps?.find((candidate) => candidate.uses === action);
    if (!step) throw new Error(`no step uses ${action}`);
    return step;
  };

  test('migrate: the form is checked by the plan action before the protected job uses it', () => {
    const migrate = byFile('migrate.yml');
    const validate = migrate.jobs.validate;
    const run = migrate.jobs.migrate;
    expect(validate?.steps?.find((step) => step.uses === './actions/plan')?.with?.command).toBe('validate');
    expect(run?.needs).toBe('validate');
    expect(run?.environment).toBe('production');
    expect(run?.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    // After the check, the protected job reads only the checked outputs, never the raw form.
    const rawForm = JSON.stringify(run).match(/inputs\.[a-z-]+/g) ?? [];
    expect(rawForm).toEqual([]);
    expect(stepUsing(run ?? {}, './actions/start-lister').with?.resume).toBe(true);
    // The form offers copy, sync and full; the later steps get the run mode the check resolved, never the raw choice.
    const mode = (migrate.on.workflow_dispatch as { inputs: Record<string, { options?: string[] }> }).inputs
      .mode;
    expect(mode?.options).toEqual(['copy', 'sync', 'full']);
    for (const action of ['./actions/plan', './actions/start-lister']) {
      for (const step of run?.steps?.filter((candidate) => candidate.uses === action) ?? []) {
        expect([action, step.with?.mode]).toEqual([action, expression('needs.validate.outputs.mode')]);
      }
    }
  });

  test('nightly: off the hour, one job per nightly mapping, resumed and never run twice at once', () => {
    const nightly = byFile('nightly.yml');
    const [cron] = (nightly.on.schedule as { cron: string }[]).map((entry) => entry.cron);
    expect(cron?.split(' ')[0]).not.toBe('0');
    const sync = nightly.jobs.sync ?? {};
    expect(sync.strategy?.matrix?.mapping).toBe(expression('fromJSON(needs.mappings.outputs.nightly)'));
    expect(sync.concurrency).toEqual({
      group: `ferry-${expression('matrix.mapping')}`,
      'cancel-in-progress': false,
    });
    expect(sync.environment).toBeUndefined();
    // Each mapping runs in its own mode: its matrix entry looks it up in the mappings job's id → mode object.
    expect(nightly.jobs.mappings?.steps?.find((step) => step.id === 'config')?.uses).toBe('./actions/plan');
    const ownMode = expression('fromJSON(needs.mappings.outputs.modes)[matrix.mapping]');
    expect(nightly.text).toContain(`modes: ${expression('steps.config.outputs.nightly-modes')}`);
    const start = stepUsing(sync, './actions/start-lister');
    expect(start.with).toMatchObject({ mapping: expression('matrix.mapping'), resume: true, mode: ownMode });
    // No run id of its own: with resume, start-lister attaches to the mapping's unfinished run, or starts one.
    expect(start.with?.['run-id']).toBeUndefined();
    expect(stepUsing(sync, './actions/await-run').with?.['run-id']).toBe(
      expression(`steps.${start.id}.outputs.run-id`),
    );
    const guardrail = stepUsing(sync, './actions/plan');
    expect(guardrail.with).toMatchObject({ command: 'plan', 'fail-on-guardrail': true, mode: ownMode });
    expect(nightly.jobs['scale-down']?.if).toMatch(/^always\(\)/);
  });

  test('migrate and nightly share the per-mapping concurrency group', () => {
    const migrateGroup = byFile('migrate.yml').jobs.migrate?.concurrency;
    expect(migrateGroup).toEqual({
      group: `ferry-${expression('needs.validate.outputs.mapping-id')}`,
      'cancel-in-progress': false,
    });
  });

  test('mappings review: plans on pull requests without secrets for forks; applies on the default branch', () => {
    const review = byFile('mappings-review.yml');
    expect(review.on.pull_request).toEqual({ paths: ['ferry.yaml'] });
    const plan = review.jobs.plan ?? {};
    expect(plan.environment).toBeUndefined();
    const planStep = stepUsing(plan, './actions/plan');
    expect(planStep.with?.list).toBe(expression('env.CAN_LIST'));
    expect(planStep.with?.['github-token']).toBeUndefined();
    expect(JSON.stringify(plan)).toContain(
      'github.event.pull_request.head.repo.full_name == github.repository',
    );
    const apply = review.jobs.apply ?? {};
    expect(apply.environment).toBe('production');
    expect(stepUsing(apply, './actions/deploy').with?.config).toBe('ferry.yaml');
  });

  test('mappings comment: the only job with write access reads the artifact as data', () => {
    const comment = byFile('mappings-comment.yml');
    expect(comment.on.workflow_run).toEqual({ workflows: ['Mappings review'], types: ['completed'] });
    const job = comment.jobs.comment ?? {};
    expect(job.permissions).toEqual({ contents: 'read', actions: 'read', 'pull-requests': 'write' });
    expect(job.steps?.some((step) => step.run !== undefined)).toBe(false);
    expect(stepUsing(job, './actions/plan').with).toMatchObject({
      command: 'comment',
      'expected-head-sha': expression('github.event.workflow_run.head_sha'),
    });
  });
});
