// Keeps one plan comment per pull request: finds the earlier one by its marker and author, updates it, else creates it.
import * as github from '@actions/github';
import { planCommentMarker } from '@ferry/worker';

type Octokit = ReturnType<typeof github.getOctokit>;

export interface CommentTarget {
  readonly token: string;
  /** owner/name */
  readonly repository: string;
  readonly pullRequest: number;
  /** Only this user's comments are updated (a comment someone else wrote with the marker is left alone). */
  readonly author: string;
}

export interface PostedComment {
  readonly url: string;
  readonly action: 'created' | 'updated';
}

function ownerAndRepo(repository: string): { owner: string; repo: string } {
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0)
    throw new Error(`GITHUB_REPOSITORY ${JSON.stringify(repository)} is not owner/name`);
  return { owner, repo };
}

function client(token: string): Octokit {
  return github.getOctokit(token);
}

/** The pull request's head commit, as GitHub has it now. */
export async function pullRequestHead(
  target: Omit<CommentTarget, 'author'>,
): Promise<{ sha: string; state: string }> {
  const { data } = await client(target.token).rest.pulls.get({
    ...ownerAndRepo(target.repository),
    pull_number: target.pullRequest,
  });
  return { sha: data.head.sha, state: data.state };
}

/** Updates the author's comment that starts with the marker, or creates one. */
export async function upsertPlanComment(target: CommentTarget, body: string): Promise<PostedComment> {
  const octokit = client(target.token);
  const where = { ...ownerAndRepo(target.repository), issue_number: target.pullRequest };
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...where, per_page: 100 });
  const earlier = comments.find(
    (comment) => comment.user?.login === target.author && (comment.body ?? '').startsWith(planCommentMarker),
  );
  if (earlier) {
    const { data } = await octokit.rest.issues.updateComment({ ...where, comment_id: earlier.id, body });
    return { url: data.html_url, action: 'updated' };
  }
  const { data } = await octokit.rest.issues.createComment({ ...where, body });
  return { url: data.html_url, action: 'created' };
}
