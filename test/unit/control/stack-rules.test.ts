// Pure stack rules: what a deploy does with a stack in each status, parameters kept on update, failed events.
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { describe, expect, test } from 'vitest';
import { failedEventsSince } from '../../../worker/src/control/stack-events.ts';
import {
  assertDeclaredParameters,
  changeSetParameters,
  parseParameterAssignments,
} from '../../../worker/src/control/stack-parameters.ts';
import {
  deployStartFor,
  isStackInProgress,
  meansNoChanges,
} from '../../../worker/src/control/stack-status.ts';

describe('deployStartFor', () => {
  test('no stack, or one left in review by a CREATE change set, is created', () => {
    expect(deployStartFor('f', undefined)).toEqual({ kind: 'create' });
    expect(deployStartFor('f', 'REVIEW_IN_PROGRESS')).toEqual({ kind: 'create' });
  });
  test('settled stacks are updated, including after a rolled-back update', () => {
    for (const status of [
      'CREATE_COMPLETE',
      'UPDATE_COMPLETE',
      'UPDATE_ROLLBACK_COMPLETE',
      'IMPORT_COMPLETE',
    ])
      expect(deployStartFor('f', status)).toEqual({ kind: 'update' });
  });
  test('a stack that is changing is waited for', () => {
    for (const status of [
      'CREATE_IN_PROGRESS',
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
    ]) {
      expect(isStackInProgress(status)).toBe(true);
      expect(deployStartFor('f', status)).toEqual({ kind: 'wait' });
    }
  });
  test('a failed creation is refused with what to do', () => {
    const start = deployStartFor('ferry-media', 'ROLLBACK_COMPLETE');
    expect(start.kind).toBe('refuse');
    expect(start.kind === 'refuse' && start.reason).toContain('delete-stack --stack-name ferry-media');
    expect(deployStartFor('f', 'UPDATE_ROLLBACK_FAILED').kind).toBe('refuse');
  });
  test('both wordings of an empty change set are recognised', () => {
    expect(
      meansNoChanges("The submitted information didn't contain changes. Submit different information"),
    ).toBe(true);
    expect(meansNoChanges('No updates are to be performed.')).toBe(true);
    expect(meansNoChanges('Template format error')).toBe(false);
    expect(meansNoChanges(undefined)).toBe(false);
  });
});

describe('stack parameters', () => {
  test('Key=Value assignments keep = and commas in the value; malformed and repeated keys are refused', () => {
    expect(parseParameterAssignments(['A=1', 'List=a,b', 'Eq=x=y', 'Empty='])).toEqual({
      A: '1',
      List: 'a,b',
      Eq: 'x=y',
      Empty: '',
    });
    expect(() => parseParameterAssignments(['novalue'])).toThrow('"novalue" is not Key=Value');
    expect(() => parseParameterAssignments(['=x'])).toThrow('is not Key=Value');
    expect(() => parseParameterAssignments(['A=1', 'A=2'])).toThrow('stack parameter A is given twice');
  });

  test('undeclared parameters are named, with the declared ones listed', () => {
    expect(() =>
      assertDeclaredParameters({
        templateName: 't.yaml',
        declared: ['B', 'A'],
        given: { A: '1', C: '2', D: '3' },
      }),
    ).toThrow('t.yaml has no parameter C, D; it declares: A, B');
    expect(() =>
      assertDeclaredParameters({ templateName: 't', declared: ['A'], given: { A: '' } }),
    ).not.toThrow();
  });

  test('on update, parameters not given keep their deployed values; on create they take the defaults', () => {
    const declared = ['FleetName', 'EngineBundleKey', 'UseSpot', 'NewOne'];
    const given = { UseSpot: 'true' };
    expect(
      changeSetParameters({
        declared,
        given,
        previous: new Set(['FleetName', 'EngineBundleKey', 'UseSpot']),
      }),
    ).toEqual([
      { ParameterKey: 'FleetName', UsePreviousValue: true },
      { ParameterKey: 'EngineBundleKey', UsePreviousValue: true },
      { ParameterKey: 'UseSpot', ParameterValue: 'true' },
    ]);
    expect(changeSetParameters({ declared, given, previous: new Set() })).toEqual([
      { ParameterKey: 'UseSpot', ParameterValue: 'true' },
    ]);
  });
});

describe('failedEventsSince', () => {
  const at = (iso: string) => new Date(iso);
  const event = (status: string, id: string, time: string, reason?: string): StackEvent => ({
    StackId: 's',
    EventId: `${id}-${status}`,
    StackName: 'ferry',
    LogicalResourceId: id,
    ResourceType: 'AWS::SQS::Queue',
    ResourceStatus: status as StackEvent['ResourceStatus'],
    Timestamp: at(time),
    ...(reason ? { ResourceStatusReason: reason } : {}),
  });

  test('keeps *_FAILED events at or after the start, oldest first, with their reasons', () => {
    const events = [
      event('UPDATE_ROLLBACK_COMPLETE', 'ferry', '2026-01-01T00:05:00Z'),
      event('UPDATE_FAILED', 'Queue', '2026-01-01T00:03:00Z', 'Resource handler returned message: quota'),
      event('CREATE_FAILED', 'Table', '2026-01-01T00:02:00Z'),
      event('UPDATE_IN_PROGRESS', 'Queue', '2026-01-01T00:01:00Z'),
      event('CREATE_FAILED', 'Old', '2025-12-31T00:00:00Z', 'an earlier deploy'),
    ];
    expect(failedEventsSince(events, at('2026-01-01T00:00:00Z'))).toEqual([
      {
        logicalResourceId: 'Table',
        resourceType: 'AWS::SQS::Queue',
        status: 'CREATE_FAILED',
        reason: '(no reason given)',
        at: at('2026-01-01T00:02:00Z'),
      },
      {
        logicalResourceId: 'Queue',
        resourceType: 'AWS::SQS::Queue',
        status: 'UPDATE_FAILED',
        reason: 'Resource handler returned message: quota',
        at: at('2026-01-01T00:03:00Z'),
      },
    ]);
  });
});
