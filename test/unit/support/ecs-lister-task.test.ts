// What the local fleet runtime runs for a lister task: ferry arguments from the command, environment with overrides.
import { describe, expect, test } from 'vitest';
import { ferryArgsOf, listerProcessSpec } from '../../support/ecs-lister-task.ts';

describe('ferry arguments of a container command', () => {
  test('whatever follows the ferry script, directly or inside sh -c', () => {
    expect(ferryArgsOf(['node', '/ferry/ferry.cjs', 'list'])).toEqual(['list']);
    expect(ferryArgsOf(['node', '/opt/ferry/ferry.cjs', 'list', '--list-concurrency', '4'])).toEqual([
      'list',
      '--list-concurrency',
      '4',
    ]);
    expect(ferryArgsOf(['sh', '-c', 'test -f /ferry/ok && exec node /ferry/ferry.cjs list'])).toEqual([
      'list',
    ]);
  });

  test('no command: the image default, list; a command without ferry is an error', () => {
    expect(ferryArgsOf(undefined)).toEqual(['list']);
    expect(() => ferryArgsOf(['sleep', '10'])).toThrow(/does not run ferry/);
    expect(() => ferryArgsOf(['node', '/opt/notferry.cjs'])).toThrow(/does not run ferry/);
  });
});

describe('the lister process of a task', () => {
  const containers = [
    { name: 'init', command: ['sh', '-c', 'true'], environment: [{ name: 'ONLY_INIT', value: '1' }] },
    {
      name: 'ferry-lister',
      command: ['node', '/ferry/ferry.cjs', 'list'],
      environment: [
        { name: 'FERRY_TABLE', value: 'ledger' },
        { name: 'FERRY_MODE', value: 'full' },
      ],
    },
  ];

  test('the named container environment, with the task overrides on top; other containers ignored', () => {
    const spec = listerProcessSpec({
      containers,
      containerName: 'ferry-lister',
      overrides: {
        containerOverrides: [
          { name: 'init', environment: [{ name: 'FERRY_RUN_ID', value: 'wrong' }] },
          {
            name: 'ferry-lister',
            environment: [
              { name: 'FERRY_MODE', value: 'incremental' },
              { name: 'FERRY_RUN_ID', value: 'run-7' },
            ],
          },
        ],
      },
    });
    expect(spec).toEqual({
      args: ['list'],
      env: { FERRY_TABLE: 'ledger', FERRY_MODE: 'incremental', FERRY_RUN_ID: 'run-7' },
    });
  });

  test('a command override replaces the definition command', () => {
    const spec = listerProcessSpec({
      containers,
      containerName: 'ferry-lister',
      overrides: { containerOverrides: [{ name: 'ferry-lister', command: ['node', 'ferry.cjs', 'status'] }] },
    });
    expect(spec?.args).toEqual(['status']);
  });

  test('a task without the lister container is not a lister task', () => {
    expect(listerProcessSpec({ containers, containerName: 'other', overrides: undefined })).toBeUndefined();
  });
});
