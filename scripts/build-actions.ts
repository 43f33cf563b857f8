// Builds every GitHub action's dist/ and the engine bundle with ncc, deterministically: same sources, same bytes.
//
//   node scripts/build-actions.ts              writes actions/<name>/dist/ and actions/deploy/dist/engine/
//   node scripts/build-actions.ts --out <dir>  writes the same tree under <dir> (the check-dist test compares it)
//   node scripts/build-actions.ts --only <action>  rebuilds that action's dist/index.js alone, for quick iteration
//
// ncc compiles the TypeScript sources itself (ts-loader, transpile only) with actions/tsconfig.json, which it finds by
// walking up from each entry: the repository's settings, emitting JavaScript from imports that end in `.ts`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

interface NccAsset {
  readonly source: Buffer | string;
}

interface NccOutput {
  readonly code: string;
  readonly assets: Readonly<Record<string, NccAsset>>;
}

interface NccOptions {
  readonly cache: false;
  readonly esm: boolean;
  readonly filename: string;
  readonly minify: false;
  readonly sourceMap: false;
  readonly transpileOnly: true;
  readonly quiet: true;
}

type Ncc = (entry: string, options: NccOptions) => Promise<NccOutput>;

const repoRoot = resolve(import.meta.dirname, '..');
const ncc = createRequire(import.meta.url)('@vercel/ncc') as Ncc;

/** Every action: each directory of actions/ with an action.yml and a src/main.ts, in name order. */
function actionNames(): string[] {
  const isAction = (name: string): boolean =>
    ['action.yml', 'src/main.ts'].every((file) => existsSync(join(repoRoot, 'actions', name, file)));
  return readdirSync(join(repoRoot, 'actions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && isAction(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/** The engine bundle's entry: the ferry executable (worker/bin/ferry.js), seen through actions/tsconfig.json. */
const engineEntry = 'actions/deploy/engine/ferry-entry.ts';
const engineBundlePath = 'actions/deploy/dist/engine/ferry-engine.tgz';
/** The CRC32C module the workers (x86_64 Linux) load. */
const engineNativeModule = 'crc32.linux-x64-gnu.node';

/** A file of the build, by its path relative to the output root. */
interface BuiltFile {
  readonly path: string;
  readonly bytes: Buffer;
}

function bytesOf(source: Buffer | string): Buffer {
  return typeof source === 'string' ? Buffer.from(source) : source;
}

/**
 * ncc emits every native module it meets as an asset, even one the bundle then leaves out (an action never loads the
 * engine's CRC module). A native asset that no emitted script (the bundle or its chunks) names is not shipped.
 */
function withoutUnusedNativeAssets(files: readonly BuiltFile[]): BuiltFile[] {
  const scripts = files
    .filter((file) => /\.[cm]?js$/.test(file.path))
    .map((file) => file.bytes.toString('utf8'))
    .join('\n');
  return files.filter((file) => !file.path.endsWith('.node') || scripts.includes(JSON.stringify(file.path)));
}

async function bundle(entry: string, output: { esm: boolean; filename: string }): Promise<BuiltFile[]> {
  // Module ids and comments name paths relative to the working directory: the same wherever the repository is.
  process.chdir(repoRoot);
  const built = await ncc(join(repoRoot, entry), {
    cache: false,
    esm: output.esm,
    filename: output.filename,
    minify: false,
    sourceMap: false,
    transpileOnly: true,
    quiet: true,
  });
  const files: BuiltFile[] = [{ path: output.filename, bytes: Buffer.from(built.code) }];
  for (const name of Object.keys(built.assets).sort()) {
    const asset = built.assets[name];
    if (asset !== undefined) files.push({ path: name, bytes: bytesOf(asset.source) });
  }
  return withoutUnusedNativeAssets(files);
}

/** One action's dist/: an ES module index.js (next to ncc's package.json saying so). */
async function buildAction(name: string): Promise<BuiltFile[]> {
  const files = await bundle(`actions/${name}/src/main.ts`, { esm: true, filename: 'index.js' });
  return files.map((file) => ({ ...file, path: `actions/${name}/dist/${file.path}` }));
}

function writeFiles(root: string, files: readonly BuiltFile[]): void {
  for (const file of files) {
    const path = join(root, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.bytes);
    chmodSync(path, 0o644);
  }
}

/**
 * A gzipped tar of the files that is the same bytes wherever it is built: sorted names, time 0, owner root, mode 0644,
 * no name or time in the gzip header.
 */
function deterministicTarball(files: readonly BuiltFile[]): Buffer {
  const staging = mkdtempSync(join(tmpdir(), 'ferry-engine-'));
  try {
    writeFiles(staging, files);
    const tar = execFileSync(
      'tar',
      [
        '--create',
        '--file=-',
        '--format=gnu',
        '--sort=name',
        '--mtime=@0',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '--mode=u=rw,go=r',
        `--directory=${staging}`,
        ...files.map((file) => file.path).sort(),
      ],
      { maxBuffer: 1 << 30 },
    );
    return execFileSync('gzip', ['-n', '-9', '--stdout'], { input: tar, maxBuffer: 1 << 30 });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The engine bundle: ferry.cjs (CommonJS, so `node ferry.cjs` runs it wherever it is unpacked), its chunks, the
 * linux-x64-gnu CRC module, and a package.json that keeps any enclosing `"type": "module"` from applying.
 */
async function buildEngineBundle(): Promise<BuiltFile[]> {
  const files = await bundle(engineEntry, { esm: false, filename: 'ferry.cjs' });
  if (!files.some((file) => file.path === engineNativeModule)) {
    throw new Error(
      `the engine bundle has no ${engineNativeModule}: build on x86_64 Linux, where npm installs @node-rs/crc32-linux-x64-gnu`,
    );
  }
  const tarball = deterministicTarball([
    ...files.filter((file) => file.path !== 'package.json'),
    { path: 'package.json', bytes: Buffer.from('{ "type": "commonjs" }\n') },
  ]);
  const sha256 = createHash('sha256').update(tarball).digest('hex');
  return [
    { path: engineBundlePath, bytes: tarball },
    { path: `${engineBundlePath}.sha256`, bytes: Buffer.from(`${sha256}  ferry-engine.tgz\n`) },
  ];
}

/** Builds everything; writes under outRoot, replacing each dist/ whole (stale files do not survive). */
async function buildActions(outRoot: string): Promise<BuiltFile[]> {
  const names = actionNames();
  const files: BuiltFile[] = [];
  for (const name of names) files.push(...(await buildAction(name)));
  files.push(...(await buildEngineBundle()));
  for (const name of names) rmSync(join(outRoot, 'actions', name, 'dist'), { recursive: true, force: true });
  writeFiles(outRoot, files);
  return files;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
  const outRoot = resolve(values.out ?? repoRoot);
  // --only <action>: that action's files alone, written over what is there (quick iteration; commit a full build).
  const files = values.only === undefined ? await buildActions(outRoot) : await buildAction(values.only);
  if (values.only !== undefined) writeFiles(outRoot, files);
  for (const file of files) process.stdout.write(`${file.path} ${file.bytes.length} bytes\n`);
}
