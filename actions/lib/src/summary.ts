// Writes markdown to the job summary (the run's page on GitHub); outside a runner, to the log instead.
import * as core from '@actions/core';

export async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(markdown);
    return;
  }
  await core.summary.addRaw(markdown, true).write();
}
