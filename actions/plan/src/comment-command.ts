// `command: comment`: posts a plan made by another (untrusted) workflow run, treating its files as data only.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { maxCommentChars, planCommentMarker } from '@ferry/worker';
import { type InputRule, RuleViolation } from '../../lib/src/input-rules.ts';
import { InputError, requiredInput } from '../../lib/src/inputs.ts';
import { pullRequestHead, upsertPlanComment } from './pr-comment.ts';

/** GitHub's own limit on a comment, in characters; a larger file is refused unread. */
const maxBodyBytes = 65_536 * 4;

const commitSha: InputRule<string> = (text) => {
  if (!/^[0-9a-f]{40}$/.test(text))
    throw new RuleViolation(`${JSON.stringify(text.slice(0, 60))} is not a commit sha`);
  return text;
};

const directory: InputRule<string> = (text) => {
  if (/\p{Cc}/u.test(text)) throw new RuleViolation('a directory path cannot hold control characters');
  return text;
};

/** At most maxBytes of a regular file, as strict UTF-8; anything else is refused. */
function readSmallTextFile(path: string, maxBytes: number): string {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats?.isFile()) throw new InputError('comment-dir', `${path} is missing or not a regular file`);
  if (stats.size > maxBytes)
    throw new InputError('comment-dir', `${path} is ${stats.size} bytes, over ${maxBytes}`);
  const bytes = Buffer.alloc(stats.size);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, bytes, 0, stats.size, 0);
  } finally {
    closeSync(fd);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError('comment-dir', `${path} is not UTF-8 text`);
  }
}

/** The pull request number, as the artifact says: digits only. */
function prNumberOf(text: string): number {
  const trimmed = text.trim();
  if (!/^[1-9][0-9]{0,9}$/.test(trimmed)) {
    throw new InputError(
      'comment-dir',
      `pr-number ${JSON.stringify(trimmed.slice(0, 40))} is not a pull request number`,
    );
  }
  return Number(trimmed);
}

function checkedBody(text: string): string {
  if (!text.startsWith(`${planCommentMarker}\n`)) {
    throw new InputError(
      'comment-dir',
      'comment.md is not a Ferry plan (it does not start with the plan marker)',
    );
  }
  if (text.length > maxCommentChars + 4096) {
    throw new InputError('comment-dir', `comment.md has ${text.length} characters, over the plan's limit`);
  }
  return text;
}

export async function commentCommand(): Promise<void> {
  const dir = requiredInput('comment-dir', directory);
  const expectedHeadSha = requiredInput('expected-head-sha', commitSha);
  const token = requiredInput('github-token', (text) => text);
  const pullRequest = prNumberOf(readSmallTextFile(join(dir, 'pr-number'), 64));
  const artifactSha = readSmallTextFile(join(dir, 'head-sha'), 128).trim();
  if (artifactSha !== expectedHeadSha) {
    throw new InputError(
      'comment-dir',
      `the plan is of commit ${JSON.stringify(artifactSha.slice(0, 40))}, not ${expectedHeadSha}`,
    );
  }
  const body = checkedBody(readSmallTextFile(join(dir, 'comment.md'), maxBodyBytes));
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  const head = await pullRequestHead({ token, repository, pullRequest });
  if (head.sha !== expectedHeadSha) {
    core.notice(
      `Pull request #${pullRequest} is now at ${head.sha}, not ${expectedHeadSha}: this plan is stale, not posted.`,
    );
    return;
  }
  const posted = await upsertPlanComment(
    { token, repository, pullRequest, author: core.getInput('comment-author') },
    body,
  );
  core.setOutput('pr-number', String(pullRequest));
  core.setOutput('comment-url', posted.url);
  core.info(`plan comment ${posted.action}: ${posted.url}`);
}
