// What the actions mask, how they name outputs, and how a thrown error becomes the step's failure message.
import { FerryError } from '@ferry/worker';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../actions/lib/src/inputs.ts';
import { kebabCase } from '../../../actions/lib/src/outputs.ts';
import { failureMessage } from '../../../actions/lib/src/run-action.ts';
import { secretsToMask } from '../../../actions/lib/src/secrets.ts';
import { inputVariable, parseCommandFile } from '../../support/run-action.ts';

describe('secretsToMask', () => {
  it('masks AWS credentials from the environment, not other variables', () => {
    const secrets = secretsToMask({
      AWS_ACCESS_KEY_ID: 'AKIAABCDEFGHIJKLMNOP',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_SESSION_TOKEN: 'token-value',
      AWS_REGION: 'us-east-1',
      HOME: '/home/runner',
    });
    expect(secrets.sort()).toEqual(
      ['AKIAABCDEFGHIJKLMNOP', 'token-value', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'].sort(),
    );
  });

  it('masks credential-looking inputs, access key ids inside inputs, and secret Key=Value lines', () => {
    const secrets = secretsToMask({
      'INPUT_AWS-SECRET-ACCESS-KEY': 'the-secret',
      'INPUT_GITHUB-TOKEN': 'ghs_abc',
      INPUT_PARAMETERS:
        'FleetName=prod\nAlarmPassword=hunter2\nSourceCredentialsSecretArn=arn:aws:x\nNote=AKIAZZZZZZZZZZZZZZZZ here',
      'INPUT_STACK-NAME': 'ferry',
    });
    expect(secrets).toContain('the-secret');
    expect(secrets).toContain('ghs_abc');
    expect(secrets).toContain('hunter2');
    expect(secrets).toContain('AKIAZZZZZZZZZZZZZZZZ');
    expect(secrets).not.toContain('ferry');
    expect(secrets).not.toContain('prod');
    expect(secrets).not.toContain('arn:aws:x');
  });

  it('masks a multi-line secret whole and line by line', () => {
    const secrets = secretsToMask({ 'INPUT_PRIVATE-KEY': '-----BEGIN-----\nabc\n-----END-----' });
    expect(secrets).toEqual([
      '-----BEGIN-----\nabc\n-----END-----',
      '-----BEGIN-----',
      'abc',
      '-----END-----',
    ]);
  });
});

describe('kebabCase', () => {
  it.each([
    ['QueueUrl', 'queue-url'],
    ['ListerSubnetIds', 'lister-subnet-ids'],
    ['DeadLetterQueueUrl', 'dead-letter-queue-url'],
    ['DLQArn', 'dlq-arn'],
    ['EngineBundleSha256', 'engine-bundle-sha256'],
    ['already-kebab', 'already-kebab'],
  ])('%s → %s', (name, expected) => {
    expect(kebabCase(name)).toBe(expected);
  });
});

describe('failureMessage', () => {
  it('shows bad inputs as they are, engine errors with their class, anything else as Internal', () => {
    expect(failureMessage(new InputError('run-id', 'is required'))).toBe('input run-id: is required');
    expect(failureMessage(new FerryError('AccessDenied', 'no ecs:RunTask'))).toBe(
      'AccessDenied: no ecs:RunTask',
    );
    expect(failureMessage(new TypeError('x is undefined'))).toBe('Internal: x is undefined');
    expect(failureMessage('text')).toBe('Internal: text');
  });
});

describe('the runner stand-in', () => {
  it('names input variables as the runner does', () => {
    expect(inputVariable('stack-name')).toBe('INPUT_STACK-NAME');
    expect(inputVariable('my input')).toBe('INPUT_MY_INPUT');
  });

  it('parses heredoc and plain outputs', () => {
    const text = 'a<<ghadelimiter_1\nline 1\nline 2\nghadelimiter_1\nb=plain\nc<<EOF\n\nEOF\n';
    expect(parseCommandFile(text)).toEqual({ a: 'line 1\nline 2', b: 'plain', c: '' });
  });
});
