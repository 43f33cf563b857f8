// The boundary between the actions and the engine: actions import the engine only through its public API
// (`@ferry/worker`, worker/src/index.ts), and the engine never imports the actions.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = new URL('../../..', import.meta.url).pathname;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.[cm]?[jt]s$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.includes('/dist/') && !path.includes('/node_modules/'));
}

/** Every module specifier a file imports (static, dynamic, re-exports). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map(
    (match) => match[1] ?? '',
  );
}

function violations(directory: string, forbidden: (specifier: string) => boolean): string[] {
  return sourceFiles(join(repoRoot, directory)).flatMap((file) =>
    specifiers(file)
      .filter(forbidden)
      .map((specifier) => `${relative(repoRoot, file)} imports ${specifier}`),
  );
}

describe('import boundaries', () => {
  it('actions reach the engine only through @ferry/worker', () => {
    const deepIntoEngine = (specifier: string): boolean =>
      specifier.startsWith('@ferry/worker/') || /(?:^|\/)worker\/(?:src|bin)\//.test(specifier);
    // The engine bundle's entry is the one exception: it is the ferry executable, bundled for the deploy action.
    const found = violations('actions', deepIntoEngine).filter(
      (line) => line !== 'actions/deploy/engine/ferry-entry.ts imports ../../../worker/bin/ferry.js',
    );
    expect(found).toEqual([]);
  });

  it('the engine never imports the actions', () => {
    const intoActions = (specifier: string): boolean =>
      specifier.startsWith('@ferry/actions') || /(?:^|\/)actions\//.test(specifier);
    expect([...violations('worker/src', intoActions), ...violations('worker/bin', intoActions)]).toEqual([]);
  });

  it('sees the imports it checks (the scan is not empty)', () => {
    expect(specifiers(join(repoRoot, 'actions/await-run/src/main.ts'))).toContain('@ferry/worker');
    expect(violations('actions', (specifier) => specifier.endsWith('ferry.js'))).toEqual([
      'actions/deploy/engine/ferry-entry.ts imports ../../../worker/bin/ferry.js',
    ]);
  });
});
