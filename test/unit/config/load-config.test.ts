// The config loader: valid files become the exact FerryConfig; every kind of mistake is located by line, column and field.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig, parseConfig, validateConfig } from '../../../worker/src/config/load-config.ts';
import type { FerryConfig } from '../../../worker/src/config/types.ts';
import { ConfigError } from '../../../worker/src/domain/errors.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/config');

function fixturePath(name: string): string {
  return join(fixtures, name);
}

/** The ConfigError parseConfig throws for a text; fails the test if it throws anything else or nothing. */
function configErrorOf(text: string, file = 'ferry.yaml'): ConfigError {
  try {
    parseConfig(text, file);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected parseConfig to throw a ConfigError');
}

async function fixtureErrorOf(name: string): Promise<ConfigError> {
  const error = await loadConfig(fixturePath(name)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (error instanceof ConfigError) return error;
  throw new Error(`expected loadConfig(${name}) to reject with a ConfigError, got ${String(error)}`);
}

/** Two endpoints and one mapping, valid; tests append or replace lines to break one thing at a time. */
const validLines = [
  'endpoints:',
  '  src:',
  '    region: us-east-1',
  'mappings:',
  '  - id: media',
  '    source: { endpoint: src, bucket: media }',
  '    destination: { endpoint: src, bucket: media-copy }',
];

function withLines(replacements: Readonly<Record<number, string>>, extra: readonly string[] = []): string {
  return [...validLines.map((line, index) => replacements[index + 1] ?? line), ...extra].join('\n');
}

describe('valid configurations', () => {
  test('the full fixture parses to exactly the expected FerryConfig', async () => {
    const file = fixturePath('full.yaml');
    const expected: FerryConfig = {
      file,
      endpoints: {
        src: {
          name: 'src',
          url: 'http://127.0.0.1:9000',
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: { kind: 'env', prefix: 'SRC' },
        },
        other: {
          name: 'other',
          region: 'eu-west-1',
          forcePathStyle: false,
          credentials: { kind: 'profile', profile: 'migration' },
        },
        dst: { name: 'dst', region: 'us-east-1', forcePathStyle: false, credentials: { kind: 'default' } },
      },
      transfer: {
        concurrency: 64,
        multipartThresholdBytes: 100_000_000,
        partSizeBytes: 16_777_216,
        maxPartsInFlight: 24,
        checksumAlgorithm: 'CRC64NVME',
        maxAttempts: 7,
      },
      mappings: [
        {
          id: 'media',
          source: { endpoint: 'src', bucket: 'media-prod', prefix: 'data/' },
          destination: {
            endpoint: 'dst',
            bucket: 'media-archive',
            prefix: 'copy/',
            storageClass: 'STANDARD',
            encryption: { type: 'aws:kms', kmsKeyId: 'alias/x' },
            acl: 'bucket-owner-full-control',
          },
          include: ['**/*.jpg'],
          exclude: ['tmp/**'],
          mode: 'copy',
        },
        {
          id: 'logs_2024',
          source: { endpoint: 'other', bucket: 'logs.example.com', prefix: '' },
          destination: {
            endpoint: 'dst',
            bucket: 'logs-archive',
            prefix: '',
            storageClass: 'DEEP_ARCHIVE',
            encryption: { type: 'AES256' },
          },
          include: [],
          exclude: [],
          mode: 'copy',
        },
      ],
    };
    // toStrictEqual: no extra keys, and no optional key present with an undefined value.
    expect(await loadConfig(file)).toStrictEqual(expected);
  });

  test('a minimal configuration gets every default', async () => {
    const file = fixturePath('minimal.yaml');
    expect(await loadConfig(file)).toStrictEqual({
      file,
      endpoints: {
        old: {
          name: 'old',
          url: 'https://storage.example.net',
          region: 'us-east-1',
          forcePathStyle: false,
          credentials: { kind: 'default' },
        },
        aws: { name: 'aws', region: 'us-east-1', forcePathStyle: false, credentials: { kind: 'default' } },
      },
      transfer: {
        concurrency: 32,
        multipartThresholdBytes: 16 * 1024 * 1024,
        partSizeBytes: 8 * 1024 * 1024,
        maxPartsInFlight: 8,
        checksumAlgorithm: 'CRC32C',
        maxAttempts: 5,
      },
      mappings: [
        {
          id: 'everything',
          source: { endpoint: 'old', bucket: 'archive', prefix: '' },
          destination: { endpoint: 'aws', bucket: 'archive-copy', prefix: '' },
          include: [],
          exclude: [],
          mode: 'copy',
        },
      ],
    });
  });

  test('parseConfig is pure: the same text gives equal, independent results', () => {
    const text = withLines({});
    const first = parseConfig(text, 'a.yaml');
    const second = parseConfig(text, 'a.yaml');
    expect(second).toStrictEqual(first);
    expect(second.transfer).not.toBe(first.transfer);
  });

  test('a transfer section with some fields keeps the defaults of the others', () => {
    const config = parseConfig(withLines({}, ['transfer:', '  partSize: 5MiB']), 'a.yaml');
    expect(config.transfer).toStrictEqual({
      concurrency: 32,
      multipartThresholdBytes: 16_777_216,
      partSizeBytes: 5_242_880,
      maxPartsInFlight: 8,
      checksumAlgorithm: 'CRC32C',
      maxAttempts: 5,
    });
  });

  test('validateConfig returns the config instead of throwing', () => {
    const result = validateConfig(withLines({}), 'a.yaml');
    expect(result.ok && result.config.mappings.map((mapping) => mapping.id)).toEqual(['media']);
  });
});

describe('each kind of mistake is located exactly', () => {
  test('a bad bucket name points at the value', async () => {
    const error = await fixtureErrorOf('bad-bucket.yaml');
    expect(error).toMatchObject({
      file: fixturePath('bad-bucket.yaml'),
      line: 9,
      column: 43,
      field: 'mappings[0].destination.bucket',
      errorClass: 'Config',
      retryability: 'fatal',
    });
    expect(error.message).toBe(
      `${fixturePath('bad-bucket.yaml')}:9:43: mappings[0].destination.bucket: invalid value "Media_Archive": ` +
        'expected an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, ' +
        'starting and ending with a letter or digit',
    );
  });

  test('a misspelt field points at the typo first, then at the field it left missing', async () => {
    const error = await fixtureErrorOf('unknown-field.yaml');
    expect(error).toMatchObject({ line: 8, column: 7, field: 'mappings[0].source.bukcet' });
    expect(error.message).toContain('unknown property "bukcet"; expected one of: endpoint, bucket, prefix');
    const result = validateConfig(
      await readFile(fixturePath('unknown-field.yaml'), 'utf8'),
      'unknown-field.yaml',
    );
    expect(
      result.ok ? [] : result.errors.map(({ line, column, field }) => ({ line, column, field })),
    ).toEqual([
      { line: 8, column: 7, field: 'mappings[0].source.bukcet' },
      { line: 7, column: 7, field: 'mappings[0].source.bucket' },
    ]);
  });

  test('an unknown endpoint points at the reference and lists the defined ones', async () => {
    const error = await fixtureErrorOf('unknown-endpoint.yaml');
    expect(error).toMatchObject({ line: 11, column: 25, field: 'mappings[1].source.endpoint' });
    expect(error.message).toContain('unknown endpoint "scr"; defined endpoints: src, dst');
  });

  test('a duplicate mapping id points at the second use', async () => {
    const error = await fixtureErrorOf('duplicate-id.yaml');
    expect(error).toMatchObject({ line: 11, column: 9, field: 'mappings[2].id' });
    expect(error.message).toContain('duplicate mapping id "media": mappings[0] already uses it');
  });

  test('a size that is not a size points at the value', async () => {
    const error = await fixtureErrorOf('bad-size.yaml');
    expect(error).toMatchObject({ line: 6, column: 13, field: 'transfer.partSize' });
    expect(error.message).toContain('invalid size "8 megs"');
  });

  test('a part size below S3 minimum is rejected with the limits', async () => {
    const error = await fixtureErrorOf('part-size-too-small.yaml');
    expect(error).toMatchObject({ line: 5, column: 13, field: 'transfer.partSize' });
    expect(error.message).toContain('must be between 5MiB and 5GiB, got 1MiB (1048576 bytes)');
  });

  test('a missing required property points at its parent object and names the field', async () => {
    const error = await fixtureErrorOf('missing-required.yaml');
    expect(error).toMatchObject({ line: 8, column: 7, field: 'mappings[0].destination.bucket' });
    expect(error.message).toContain('missing required property "bucket"');
  });

  test('a missing property of a flow mapping points at its opening brace', () => {
    const error = configErrorOf(withLines({ 6: '    source: { endpoint: src }' }));
    expect(error).toMatchObject({ line: 6, column: 13, field: 'mappings[0].source.bucket' });
  });

  test('a missing top-level section points at the document', () => {
    const error = configErrorOf(validLines.slice(0, 3).join('\n'));
    expect(error).toMatchObject({ line: 1, column: 1, field: 'mappings' });
    expect(error.message).toContain('missing required property "mappings"');
  });

  test('several problems: the first locates the error, the message lists all in file order', async () => {
    const file = fixturePath('several-problems.yaml');
    const error = await fixtureErrorOf('several-problems.yaml');
    expect(error).toMatchObject({ line: 5, column: 16, field: 'transfer.concurrency' });
    expect(error.message.split('\n')).toEqual([
      `${file}:5:16: transfer.concurrency: must be >= 1, got 0`,
      `${file}:6:22: transfer.checksumAlgorithm: must be one of: "CRC32C", "CRC32", "CRC64NVME"; got "MD5"`,
      `${file}:8:9: mappings[0].id: invalid value "Media": expected a mapping id: 1 to 63 lowercase letters, ` +
        'digits, hyphens and underscores, starting with a letter or digit',
      `${file}:9:45: mappings[0].source.prefx: unknown property "prefx"; expected one of: endpoint, bucket, prefix`,
    ]);
  });
});

describe('YAML-level mistakes', () => {
  test('a syntax error is located and attributed to the field it is in', () => {
    const error = configErrorOf(withLines({ 6: '    source: { endpoint: src, bucket: @media }' }));
    expect(error).toMatchObject({ line: 6, column: 38, field: 'mappings[0].source.bucket' });
    expect(error.message).toBe(
      'ferry.yaml:6:38: mappings[0].source.bucket: YAML syntax error: Plain value cannot start with reserved character @',
    );
  });

  test('an unclosed bracket is reported once, where the parser notices it', () => {
    const result = validateConfig(
      withLines({ 6: '    source: { endpoint: src, bucket: media' }),
      'ferry.yaml',
    );
    const errors = result.ok ? [] : result.errors;
    expect(errors.map(({ line, column }) => ({ line, column }))).toEqual([{ line: 7, column: 5 }]);
    expect(errors[0]?.message).toContain(
      'Flow map in block collection must be sufficiently indented and end with a }',
    );
  });

  test('a cascade of syntax errors is reported as its first', () => {
    const result = validateConfig(
      withLines({ 6: '    source: { endpoint: src, bucket: media }}' }),
      'ferry.yaml',
    );
    const errors = result.ok ? [] : result.errors;
    expect(errors.map(({ line, column, field }) => ({ line, column, field }))).toEqual([
      { line: 6, column: 45, field: '(root)' },
    ]);
  });

  test('a duplicate key is a syntax error at the second key', () => {
    const error = configErrorOf(withLines({}, ['endpoints:', '  dst:', '    region: us-east-1']));
    expect(error).toMatchObject({ line: 8, column: 1, field: 'endpoints' });
    expect(error.message).toContain('Map keys must be unique');
  });

  test('a second document is rejected where it starts', () => {
    const error = configErrorOf(withLines({}, ['---', 'mappings: []']));
    expect(error).toMatchObject({ line: 8, column: 1, field: '(root)' });
    expect(error.message).toContain('a configuration is a single YAML document');
  });

  test('an alias without an anchor is located', () => {
    const error = configErrorOf(withLines({ 7: '    destination: *copy' }));
    expect(error).toMatchObject({ line: 7, column: 18, field: 'mappings[0].destination' });
    expect(error.message).toContain('alias "*copy" has no anchor "&copy" before it');
  });

  test('anchors and aliases that resolve are followed', () => {
    const config = parseConfig(
      withLines({
        6: '    source: &loc { endpoint: src, bucket: media, prefix: a/ }',
        7: '    destination: *loc',
      }),
      'a.yaml',
    );
    expect(config.mappings[0]?.destination).toStrictEqual({ endpoint: 'src', bucket: 'media', prefix: 'a/' });
  });

  test('an empty file needs a mapping at 1:1', () => {
    expect(configErrorOf('')).toMatchObject({ line: 1, column: 1, field: '(root)' });
    expect(configErrorOf('').message).toContain('must be a mapping, got an empty value');
  });

  test('a scalar document needs a mapping', () => {
    expect(configErrorOf('hello').message).toBe('ferry.yaml:1:1: (root): must be a mapping, got "hello"');
  });
});

describe('schema rules', () => {
  test('a number written as a string is not a number', () => {
    const error = configErrorOf(withLines({}, ['transfer:', '  concurrency: "32"']));
    expect(error).toMatchObject({ line: 9, column: 16, field: 'transfer.concurrency' });
    expect(error.message).toContain('must be a whole number, got "32"');
  });

  test('an empty value names the key', () => {
    const error = configErrorOf(withLines({ 3: '    region:' }));
    expect(error).toMatchObject({ line: 3, column: 5, field: 'endpoints.src.region' });
    expect(error.message).toContain('must be a string, got an empty value');
  });

  test('credentials take exactly one of env and profile', () => {
    const error = configErrorOf(
      withLines({ 3: '    region: us-east-1\n    credentials: { env: SRC, profile: p }' }),
    );
    expect(error).toMatchObject({ line: 4, column: 18, field: 'endpoints.src.credentials' });
    expect(error.message).toContain('must set at most 1 of: env, profile');
    const none = configErrorOf(withLines({ 3: '    region: us-east-1\n    credentials: {}' }));
    expect(none.message).toContain('must set at least 1 of: env, profile');
  });

  test('an environment-variable prefix must be a valid variable name', () => {
    const error = configErrorOf(withLines({ 3: '    region: us-east-1\n    credentials: { env: 1SRC }' }));
    expect(error).toMatchObject({ line: 4, column: 25, field: 'endpoints.src.credentials.env' });
  });

  test('an endpoint name is checked where it is written', () => {
    const error = configErrorOf(
      withLines({ 2: '  "my src":', 6: '    source: { endpoint: my src, bucket: media }' }),
    );
    expect(error).toMatchObject({ line: 2, column: 3, field: 'endpoints["my src"]' });
    expect(error.message).toContain('invalid name "my src": expected an endpoint name');
  });

  test('an endpoint url must be http or https', () => {
    const error = configErrorOf(withLines({ 3: '    region: us-east-1\n    url: ftp://example.com' }));
    expect(error).toMatchObject({ line: 4, column: 10, field: 'endpoints.src.url' });
    expect(error.message).toContain('expected an http:// or https:// URL');
  });

  test('an unknown encryption type points at the type', () => {
    const error = configErrorOf(
      withLines({ 7: '    destination: { endpoint: src, bucket: media-copy, encryption: { type: SSE } }' }),
    );
    expect(error).toMatchObject({ line: 7, column: 75, field: 'mappings[0].destination.encryption.type' });
    expect(error.message).toContain('must be one of: "AES256", "aws:kms"; got "SSE"');
  });

  test('a KMS key on AES256 encryption is an unknown property', () => {
    const error = configErrorOf(
      withLines({
        7: '    destination: { endpoint: src, bucket: media-copy, encryption: { type: AES256, kmsKeyId: k } }',
      }),
    );
    expect(error).toMatchObject({
      line: 7,
      column: 83,
      field: 'mappings[0].destination.encryption.kmsKeyId',
    });
  });

  test('aws:kms encryption without a key id uses the AWS managed key', () => {
    const config = parseConfig(
      withLines({
        7: '    destination: { endpoint: src, bucket: media-copy, encryption: { type: "aws:kms" } }',
      }),
      'a.yaml',
    );
    expect(config.mappings[0]?.destination.encryption).toStrictEqual({ type: 'aws:kms' });
  });

  test('storage class and ACL are S3 enums', () => {
    const storage = configErrorOf(
      withLines({ 7: '    destination: { endpoint: src, bucket: media-copy, storageClass: COLD }' }),
    );
    expect(storage).toMatchObject({ line: 7, column: 69, field: 'mappings[0].destination.storageClass' });
    const acl = configErrorOf(
      withLines({ 7: '    destination: { endpoint: src, bucket: media-copy, acl: public }' }),
    );
    expect(acl).toMatchObject({ line: 7, column: 60, field: 'mappings[0].destination.acl' });
    expect(acl.message).toContain('"bucket-owner-full-control"');
  });

  test('a mapping id with capitals is rejected', () => {
    const error = configErrorOf(withLines({ 5: '  - id: Media' }));
    expect(error).toMatchObject({ line: 5, column: 9, field: 'mappings[0].id' });
  });

  test('at least one mapping is required', () => {
    const error = configErrorOf(['endpoints:', '  src:', '    region: us-east-1', 'mappings: []'].join('\n'));
    expect(error).toMatchObject({ line: 4, column: 11, field: 'mappings' });
    expect(error.message).toContain('must have at least 1 item(s)');
  });

  test('bucket names follow S3 rules', () => {
    const bucketError = (bucket: string) =>
      validateConfig(withLines({ 7: `    destination: { endpoint: src, bucket: "${bucket}" }` }), 'a.yaml');
    for (const valid of ['abc', 'a.b-c', 'x'.repeat(63), '1bucket']) expect(bucketError(valid).ok).toBe(true);
    for (const invalid of ['ab', 'x'.repeat(64), '-abc', 'abc-', 'ab_c', 'Abc', 'a b c']) {
      expect(bucketError(invalid).ok).toBe(false);
    }
  });

  test('a multipart threshold above the single-PUT limit is rejected', () => {
    const error = configErrorOf(withLines({}, ['transfer:', '  multipartThreshold: 6GiB']));
    expect(error).toMatchObject({ line: 9, column: 23, field: 'transfer.multipartThreshold' });
    expect(error.message).toContain('must be at most 5GiB, got 6GiB');
  });

  test('a fractional byte count is rejected', () => {
    const error = configErrorOf(withLines({}, ['transfer:', '  partSize: 5.5B']));
    expect(error.message).toContain('not a whole number of bytes');
  });
});

describe('loadConfig', () => {
  test('reads a file from disk and names it in the result', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'ferry-config-'));
    try {
      const file = join(directory, 'ferry.yaml');
      await writeFile(file, withLines({}));
      expect((await loadConfig(file)).file).toBe(file);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('a missing file is a ConfigError naming it', async () => {
    const file = fixturePath('does-not-exist.yaml');
    const error = await fixtureErrorOf('does-not-exist.yaml');
    expect(error).toMatchObject({ file, line: 1, column: 1 });
    expect(error.message).toContain('cannot read the configuration: ENOENT');
  });
});
