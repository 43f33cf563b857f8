// The committed dist/ of every action (and the engine bundle in deploy's) is exactly what the build makes from the
// sources now: CI fails when a source changed and `npm run build` was not run and committed.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/ferry-cli.ts';
import { cleanEnv } from '../../support/moto.ts';

const repoRoot = new URL('../../..', import.meta.url).pathname;

/** Every file under each actions/<name>/dist/ below root, as paths relative to root, sorted. */
function distFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(relative(root, path));
    }
  };
  for (const action of readdirSync(join(root, 'actions'), { withFileTypes: true })) {
    const dist = join(root, 'actions', action.name, 'dist');
    if (action.isDirectory() && statSync(dist, { throwIfNoEntry: false })?.isDirectory()) walk(dist);
  }
  return files.sort();
}

async function build(outRoot: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['scripts/build-actions.ts', '--out', outRoot], {
    cwd: repoRoot,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

/** The committed dist is built on x86_64 Linux (as CI runs): elsewhere npm installs another platform's CRC module. */
const buildPlatform = process.platform === 'linux' && process.arch === 'x64';

describe.runIf(buildPlatform)('committed dist/', () => {
  let built: string;

  beforeAll(async () => {
    built = tempDir('check-dist');
    const result = await build(built);
    expect(result.code, result.output).toBe(0);
  }, 900_000);

  it('has the same files as a fresh build', () => {
    const fresh = distFiles(built);
    expect(fresh).toContain('actions/deploy/dist/index.js');
    expect(fresh).toContain('actions/deploy/dist/engine/ferry-engine.tgz');
    expect(distFiles(repoRoot), 'actions/*/dist is stale: run `npm run build` and commit it').toEqual(fresh);
  });

  it('has the same bytes as a fresh build', () => {
    const stale = distFiles(built).filter(
      (path) =>
        statSync(join(repoRoot, path), { throwIfNoEntry: false }) === undefined ||
        !readFileSync(join(repoRoot, path)).equals(readFileSync(join(built, path))),
    );
    expect(stale, 'these files differ from a fresh build: run `npm run build` and commit them').toEqual([]);
  });

  it('ships no source maps and no paths of the machine it was built on', () => {
    const engine = tempDir('check-dist-engine');
    execFileSync('tar', ['-xzf', join(built, 'actions/deploy/dist/engine/ferry-engine.tgz'), '-C', engine]);
    const scripts = [
      ...distFiles(built).map((path) => join(built, path)),
      ...readdirSync(engine).map((name) => join(engine, name)),
    ].filter((path) => /\.[cm]?js$/.test(path));
    expect(scripts.length).toBeGreaterThan(6);
    const machinePath = /["'`](?:\/root|\/home\/[^/"'`]+|\/work)\//;
    for (const path of scripts) {
      const text = readFileSync(path, 'utf8');
      expect(text.includes(repoRoot), `${path} names ${repoRoot}`).toBe(false);
      expect(machinePath.exec(text)?.[0], `${path} names a home or work directory`).toBeUndefined();
      // Libraries keep their `//# sourceMappingURL=name.js.map` comments; no map is shipped, none is inlined.
      expect(/sourceMappingURL=(?:data:|\/)/.exec(text)?.[0], path).toBeUndefined();
    }
    expect(distFiles(built).filter((path) => path.endsWith('.map'))).toEqual([]);
  });
});
