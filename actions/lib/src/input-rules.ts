// Pure rules for action inputs: each turns the text of one input into a value or says, in words, what is wrong with it.
import { isAbsolute, relative, resolve } from 'node:path';
import { assertRunId, FerryError, parseParameterAssignments, type RunRecord } from '@ferry/worker';

/** What a rule throws: the reason only; the reader adds which input it was. */
export class RuleViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleViolation';
  }
}

/** Turns an input's (trimmed, non-empty) text into a value, or throws a RuleViolation. */
export type InputRule<T> = (text: string) => T;

/** A value shown in a message: quoted, escaped (a newline cannot start a new log line), and cut to 80 characters. */
export function quoted(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(shown);
}

function refuse(text: string, what: string): never {
  throw new RuleViolation(`${quoted(text)} is not ${what}`);
}

const controlCharacters = /\p{Cc}/u;

/** CloudFormation: a letter, then letters, digits and hyphens; at most 128 characters. */
export const stackName: InputRule<string> = (text) => {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(text))
    refuse(text, 'a stack name (a letter, then up to 127 letters, digits and hyphens)');
  return text;
};

/** As the engine's config schema says: 1 to 63 lowercase letters, digits, `_` and `-`, starting with a letter or digit. */
export const mappingId: InputRule<string> = (text) => {
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(text))
    refuse(
      text,
      'a mapping id (1 to 63 lowercase letters, digits, "_" and "-", starting with a letter or digit)',
    );
  return text;
};

/** Runs an engine check: its Config errors (what it says about a bad value) become the reason for refusing. */
function checkedByEngine<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof FerryError && error.errorClass === 'Config') throw new RuleViolation(error.message);
    throw error;
  }
}

/** An engine parser as an input rule, so a value is checked by the same code that later uses it. */
export function engineRule<T>(parse: (text: string) => T): InputRule<T> {
  return (text) => checkedByEngine(() => parse(text));
}

/** As the engine stores them: 1 to 128 letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
export const runId: InputRule<string> = engineRule(assertRunId);

const reservedBucketPrefixes = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const reservedBucketSuffixes = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Amazon S3's general purpose bucket naming rules. */
export const bucketName: InputRule<string> = (text) => {
  const what =
    'an S3 bucket name (3 to 63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit)';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(text)) refuse(text, what);
  if (text.includes('..')) refuse(text, `${what}: it has two adjacent dots`);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) refuse(text, `${what}: it is formatted as an IP address`);
  const reserved = [
    ...reservedBucketPrefixes.filter((prefix) => text.startsWith(prefix)),
    ...reservedBucketSuffixes.filter((suffix) => text.endsWith(suffix)),
  ];
  if (reserved.length > 0) refuse(text, `${what}: ${quoted(reserved[0]!)} is reserved by S3`);
  return text;
};

/** A list of bucket names separated by commas or newlines, each checked. */
export const bucketNames: InputRule<string[]> = (text) => {
  const names = text
    .split(/[,\n]/)
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) refuse(text, 'a list of S3 bucket names');
  return names.map(bucketName);
};

/** An AWS Region code, as a regular expression source (for Regions and the ARNs that hold one). */
const regionPattern = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}';
const awsRegionPattern = new RegExp(`^${regionPattern}$`);

/** An AWS Region code such as us-east-1, eu-central-2, cn-north-1 or us-gov-west-1. */
export const awsRegion: InputRule<string> = (text) => {
  if (!awsRegionPattern.test(text)) refuse(text, 'an AWS Region (e.g. us-east-1)');
  return text;
};

/** ECS task ARNs, long (`task/<cluster>/<id>`) and old (`task/<id>`) format, in any partition. */
const ecsTaskArnPattern = new RegExp(
  `^arn:aws(?:-[a-z]+)*:ecs:${regionPattern}:\\d{12}:task/(?:[A-Za-z0-9_-]{1,255}/)?[A-Za-z0-9-]{1,64}$`,
);

/** An ECS task's ARN, as RunTask returns it (start-lister's task-arn output). */
export const ecsTaskArn: InputRule<string> = (text) => {
  if (!ecsTaskArnPattern.test(text))
    refuse(text, 'an ECS task ARN (arn:aws:ecs:<region>:<account>:task/<cluster>/<task id>)');
  return text;
};

/** An http(s) URL without credentials, query or fragment: an emulator or a VPC endpoint. */
export const endpointUrl: InputRule<string> = (text) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    refuse(text, 'a URL (e.g. https://vpce-1234.sqs.us-east-1.vpce.amazonaws.com)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse(text, 'an http:// or https:// URL');
  if (url.username !== '' || url.password !== '') refuse(text, 'a URL without a user name or password in it');
  if (url.search !== '' || url.hash !== '' || /\s/.test(text))
    refuse(text, 'a URL without a query or fragment');
  return text;
};

function wholeNumber(text: string, what: string): number {
  if (!/^\d{1,15}$/.test(text)) refuse(text, what);
  return Number(text);
}

/** 1, 2, 3, ... */
export const positiveInteger: InputRule<number> = (text) => {
  const value = wholeNumber(text, 'a whole number above 0');
  if (value === 0) refuse(text, 'a whole number above 0');
  return value;
};

/** 0, 1, 2, ... */
export const nonNegativeInteger: InputRule<number> = (text) =>
  wholeNumber(text, 'a whole number (0 or more)');

/** YAML 1.2's booleans, as the Actions toolkit reads them: true, True, TRUE, false, False, FALSE. */
export const boolean: InputRule<boolean> = (text) => {
  if (['true', 'True', 'TRUE'].includes(text)) return true;
  if (['false', 'False', 'FALSE'].includes(text)) return false;
  return refuse(text, 'true or false');
};

/** A duration in seconds from `90s`, `15m`, `2h`, `1h30m` or a bare number of seconds; more than 0. */
export const durationSec: InputRule<number> = (text) => {
  const what = 'a duration such as 30s, 15m, 2h or 1h30m';
  if (/^\d{1,9}$/.test(text)) return positiveInteger(text);
  const match = /^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,9})s)?$/.exec(text);
  if (match === null) return refuse(text, what);
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  const total = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  if (total <= 0) refuse(text, `${what}, longer than 0`);
  return total;
};

/** One of the given words. */
export function oneOf<const T extends string>(choices: readonly T[]): InputRule<T> {
  return (text) => {
    const choice = choices.find((candidate) => candidate === text);
    if (choice === undefined) refuse(text, `one of ${choices.join(', ')}`);
    return choice;
  };
}

/**
 * A run mode: incremental (copy what is new or changed), sync (that, and delete destination objects gone from the
 * source) or full (copy everything); `copy`, the name ferry.yaml and the Migrate form use, means incremental.
 */
export const runMode: InputRule<RunRecord['mode']> = (text) => {
  const mode = oneOf(['copy', 'incremental', 'sync', 'full'])(text);
  return mode === 'copy' ? 'incremental' : mode;
};

/**
 * A file inside the workspace, given relative to it (or absolute, inside it): the absolute path. A path that leaves
 * the workspace (`../`) or holds control characters is refused.
 */
export function workspaceFile(workspace: string): InputRule<string> {
  return (text) => {
    if (controlCharacters.test(text)) refuse(text, 'a file path (it holds control characters)');
    const path = resolve(workspace, text);
    const inside = relative(workspace, path);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
      refuse(text, `a file inside the workspace ${workspace}`);
    return path;
  };
}

/** CloudFormation parameter names: letters and digits. */
const parameterKey = /^[A-Za-z0-9]{1,255}$/;

/**
 * Template parameters, one `Key=Value` per line (blank lines and `#` comments skipped), read by the engine's own
 * parser: the value may hold `=`, commas and spaces; a key given twice is refused.
 */
export const stackParameters: InputRule<Record<string, string>> = (text) => {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const parameters = checkedByEngine(() => parseParameterAssignments(lines));
  for (const [key, value] of Object.entries(parameters)) {
    if (!parameterKey.test(key)) refuse(key, 'a template parameter name (letters and digits)');
    if (controlCharacters.test(value)) refuse(value, `a value for ${key} (it holds control characters)`);
  }
  return parameters;
};
