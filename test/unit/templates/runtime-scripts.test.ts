// The shell and Node glue inside templates/ferry.yaml, run for real: the lister's credentials entry point, the engine
// fetch of its init container, and the worker user data's syntax.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../../support/ferry-cli.ts';
import { cleanEnv } from '../../support/moto.ts';
import {
  isObject,
  type Json,
  type JsonObject,
  loadFerryTemplate,
  objectAt,
} from './cloudformation-template.ts';

const template = loadFerryTemplate();

/** Fn::Join and Fn::FindInMap over literals: the values that need no stack to be known. */
function resolveStatic(value: Json): string {
  if (typeof value === 'string') return value;
  if (isObject(value) && Array.isArray(value['Fn::Join'])) {
    const [separator, parts] = value['Fn::Join'];
    if (!Array.isArray(parts)) throw new Error('Fn::Join without a list');
    return parts.map(resolveStatic).join(String(separator));
  }
  if (isObject(value) && Array.isArray(value['Fn::FindInMap'])) {
    const [map, key, member] = value['Fn::FindInMap'].map(String);
    return String(objectAt(template, 'Mappings', map ?? '', key ?? '')[member ?? '']);
  }
  throw new Error(`not a static value: ${JSON.stringify(value)}`);
}

function container(name: string): JsonObject {
  const definitions = objectAt(
    template,
    'Resources',
    'ListerTaskDefinition',
    'Properties',
  ).ContainerDefinitions;
  const found = Array.isArray(definitions)
    ? definitions.find((each) => isObject(each) && each.Name === name)
    : undefined;
  return objectAt(found ?? null);
}

function strings(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.map(resolveStatic) : [];
}

const nodeDirectory = dirname(process.execPath);
const printEnv = [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))'];

/** Runs the ferry-lister container's entry point with its command replaced by one that prints the environment. */
function runListerEntryPoint(env: Record<string, string>) {
  const [shell, ...entryArgs] = strings(container('ferry-lister').EntryPoint);
  const result = spawnSync(shell ?? '/bin/sh', [...entryArgs, ...printEnv], {
    env: cleanEnv({ ...env, PATH: `${nodeDirectory}${delimiter}${process.env.PATH ?? ''}` }),
    encoding: 'utf8',
  });
  const childEnv: Record<string, string> = result.status === 0 ? JSON.parse(result.stdout) : {};
  return { status: result.status, stderr: result.stderr, childEnv };
}

describe('lister entry point: credentials secrets become <prefix>_* variables', () => {
  test('the command is `node /ferry/ferry.cjs list`, run by the entry point', () => {
    expect(strings(container('ferry-lister').Command)).toEqual(['node', '/ferry/ferry.cjs', 'list']);
    expect(strings(container('ferry-lister').EntryPoint).slice(0, 2)).toEqual(['/bin/sh', '-c']);
  });

  test('a source secret with a prefix is exported exactly, shell metacharacters and all', () => {
    const secretAccessKey = 'a$b"c`d e\\f;g|h&(i)*';
    const { status, childEnv } = runListerEntryPoint({
      FERRY_SOURCE_CREDENTIALS: JSON.stringify({ accessKeyId: 'AKSRC', secretAccessKey, prefix: 'SRC' }),
    });
    expect(status).toBe(0);
    expect(childEnv.SRC_ACCESS_KEY_ID).toBe('AKSRC');
    expect(childEnv.SRC_SECRET_ACCESS_KEY).toBe(secretAccessKey);
    expect(childEnv.SRC_SESSION_TOKEN).toBeUndefined();
    expect(childEnv.FERRY_SOURCE_CREDENTIALS).toBeUndefined();
  });

  test('without a prefix the destination secret becomes FERRY_DESTINATION_*, session token included', () => {
    const { status, childEnv } = runListerEntryPoint({
      FERRY_DESTINATION_CREDENTIALS: JSON.stringify({
        accessKeyId: 'AKCN',
        secretAccessKey: 'cn-secret',
        sessionToken: 'token/+=',
      }),
    });
    expect(status).toBe(0);
    expect(childEnv.FERRY_DESTINATION_ACCESS_KEY_ID).toBe('AKCN');
    expect(childEnv.FERRY_DESTINATION_SECRET_ACCESS_KEY).toBe('cn-secret');
    expect(childEnv.FERRY_DESTINATION_SESSION_TOKEN).toBe('token/+=');
    expect(childEnv.FERRY_DESTINATION_CREDENTIALS).toBeUndefined();
  });

  test('no secrets: the command runs with the environment it was given', () => {
    const { status, childEnv } = runListerEntryPoint({ FERRY_TABLE: 'ledger' });
    expect(status).toBe(0);
    expect(childEnv.FERRY_TABLE).toBe('ledger');
    expect(Object.keys(childEnv).filter((name) => name.endsWith('_ACCESS_KEY_ID'))).toEqual([]);
  });

  test.each([
    [
      'a prefix that is not a variable name',
      { accessKeyId: 'AK', secretAccessKey: 'hidden-1', prefix: 'x; rm' },
    ],
    ['a value with a single quote', { accessKeyId: 'AK', secretAccessKey: "hidden-2'" }],
    ['a missing secret key', { accessKeyId: 'AK' }],
  ])('refuses %s, without printing the secret and without running the command', (_, secret) => {
    const { status, stderr } = runListerEntryPoint({ FERRY_SOURCE_CREDENTIALS: JSON.stringify(secret) });
    expect(status).not.toBe(0);
    expect(stderr).toContain('source credentials secret');
    expect(stderr).not.toContain('hidden-');
  });

  test('refuses a secret that is not JSON without echoing it', () => {
    const { status, stderr } = runListerEntryPoint({ FERRY_SOURCE_CREDENTIALS: 'hidden-3 not json' });
    expect(status).not.toBe(0);
    expect(stderr).toContain('not JSON');
    expect(stderr).not.toContain('hidden-3');
  });
});

function toolPath(tool: string): string {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { env: cleanEnv(), encoding: 'utf8' }).stdout.trim();
}

/** The real interpreter (a pyenv shim would not run on a PATH of its own). */
const python3 = toolPath('python3')
  ? spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
      env: cleanEnv(),
      encoding: 'utf8',
    }).stdout.trim()
  : '';

interface EngineFetch {
  readonly status: number | null;
  readonly stderr: string;
  readonly engineDir: string;
  readonly awsCalls: string;
}

/**
 * Runs the fetch-engine container's script with a fake `aws` (copies from a local "bucket" folder) and a PATH of only
 * what the aws-cli image has; /tmp and /ferry point into a test folder.
 */
function runFetchEngine(options: {
  bundle: Buffer;
  key: string;
  sha256: string;
  withTar: boolean;
}): EngineFetch {
  const dir = tempDir('fetch-engine');
  const engineDir = join(dir, 'engine');
  const bin = join(dir, 'bin');
  mkdirSync(engineDir);
  mkdirSync(bin);
  if (options.key !== '') {
    mkdirSync(dirname(join(dir, 'bucket', options.key)), { recursive: true });
    writeFileSync(join(dir, 'bucket', options.key), options.bundle);
  }
  for (const tool of ['sha256sum', 'cp', 'cut', 'gzip', ...(options.withTar ? ['tar'] : [])]) {
    const found = toolPath(tool);
    if (found) symlinkSync(found, join(bin, tool));
  }
  if (python3) symlinkSync(python3, join(bin, 'python3'));
  writeFileSync(
    join(bin, 'aws'),
    `#!/bin/sh\necho "$*" >> "${dir}/aws-calls"\ncp "${dir}/bucket/$(echo "$3" | cut -d/ -f4-)" "$4"\n`,
    { mode: 0o755 },
  );
  const script = strings(container('fetch-engine').Command)[0] ?? '';
  const local = script
    .replaceAll('/tmp/ferry-engine.tgz', join(dir, 'download.tgz'))
    .replace(/(?<![\w.-])\/ferry\b/g, engineDir);
  const result = spawnSync('/bin/sh', ['-c', local], {
    env: cleanEnv({
      PATH: bin,
      BUNDLE_BUCKET: 'artifacts',
      BUNDLE_KEY: options.key,
      BUNDLE_SHA256: options.sha256,
    }),
    encoding: 'utf8',
  });
  const callsFile = join(dir, 'aws-calls');
  return {
    status: result.status,
    stderr: result.stderr,
    engineDir,
    awsCalls: existsSync(callsFile) ? readFileSync(callsFile, 'utf8') : '',
  };
}

function engineBundle(): { bundle: Buffer; sha256: string; script: string } {
  const dir = tempDir('bundle');
  const script = `// engine ${Date.now()}\n`;
  mkdirSync(join(dir, 'content'));
  writeFileSync(join(dir, 'content', 'ferry.cjs'), script);
  const tar = spawnSync(
    'tar',
    ['-czf', join(dir, 'ferry-engine.tgz'), '-C', join(dir, 'content'), 'ferry.cjs'],
    { env: cleanEnv() },
  );
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  const bundle = readFileSync(join(dir, 'ferry-engine.tgz'));
  return { bundle, sha256: createHash('sha256').update(bundle).digest('hex'), script };
}

describe('lister init container: fetch, verify, unpack the engine bundle', () => {
  const key = 'engine/abc/ferry-engine.tgz';

  test('the lister waits for it to succeed', () => {
    expect(container('ferry-lister').DependsOn).toEqual([
      { ContainerName: 'fetch-engine', Condition: 'SUCCESS' },
    ]);
  });

  const unpackers: [string, boolean][] = [['with tar', true]];
  if (python3 !== '') unpackers.push(['without tar (the aws-cli image): Python unpacks it', false]);
  test.each(unpackers)('a bundle whose SHA-256 matches is unpacked, %s', (_, withTar) => {
    const { bundle, sha256, script } = engineBundle();
    const fetched = runFetchEngine({ bundle, key, sha256, withTar });
    expect(fetched.stderr).not.toContain('did NOT match');
    expect(fetched.status).toBe(0);
    expect(fetched.awsCalls).toContain(`s3 cp s3://artifacts/${key}`);
    expect(readFileSync(join(fetched.engineDir, 'ferry.cjs'), 'utf8')).toBe(script);
  });

  test('a bundle whose SHA-256 differs is refused and not unpacked', () => {
    const { bundle } = engineBundle();
    const fetched = runFetchEngine({ bundle, key, sha256: 'f'.repeat(64), withTar: true });
    expect(fetched.awsCalls).toContain(`s3 cp s3://artifacts/${key}`);
    expect(fetched.stderr).toContain('did NOT match');
    expect(fetched.status).not.toBe(0);
    expect(existsSync(join(fetched.engineDir, 'ferry.cjs'))).toBe(false);
  });

  test('no bundle configured (first phase of a deploy): refuses before downloading anything', () => {
    const { bundle } = engineBundle();
    const fetched = runFetchEngine({ bundle, key: '', sha256: '', withTar: true });
    expect(fetched.status).not.toBe(0);
    expect(fetched.stderr).toContain('no engine bundle');
    expect(fetched.awsCalls).toBe('');
  });
});

describe('worker user data', () => {
  const userData = objectAt(
    template,
    'Resources',
    'WorkerLaunchTemplate',
    'Properties',
    'LaunchTemplateData',
    'UserData',
  );
  const sub = objectAt(userData, 'Fn::Base64')['Fn::Sub'];
  const [text, variables] = Array.isArray(sub) ? sub : [];
  const credentialsEnv = resolveStatic(objectAt(variables ?? null).CredentialsEnv ?? null);
  const rendered = String(text).replace(/\$\{([^}!]+)\}/g, (_, name: string) =>
    name === 'CredentialsEnv' ? credentialsEnv : `sub-${name.replace(/\W/g, '-')}`,
  );

  test('is valid bash once CloudFormation has filled it in', () => {
    const result = spawnSync('bash', ['-n'], { input: rendered, env: cleanEnv(), encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('verifies the bundle, turns on BBR and runs the worker under systemd with the contract environment', () => {
    expect(rendered).toContain('sha256sum -c -');
    expect(rendered).toContain('net.ipv4.tcp_congestion_control = bbr');
    expect(rendered).toContain('exec node --max-semi-space-size=16 /opt/ferry/ferry.cjs worker');
    expect(rendered).toContain('Restart=on-failure');
    for (const line of [
      'FERRY_CONFIG=ssm:sub-ConfigName',
      'FERRY_QUEUE_URL=sub-WorkQueue',
      'FERRY_TABLE=sub-LedgerTable',
      'FERRY_REGION=sub-AWS--Region',
      'FERRY_LOG_FORMAT=json',
    ]) {
      expect(rendered.split('\n')).toContain(line);
    }
  });
});
