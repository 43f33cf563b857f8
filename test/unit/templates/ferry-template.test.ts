// templates/ferry.yaml read as data: least-privilege IAM, the contract's parameters and outputs, size, rules, dashboard.
import { describe, expect, test } from 'vitest';
import { maxTemplateBodyBytes } from '../../../worker/src/control/deploy-stack.ts';
import { TTL_ATTRIBUTE } from '../../../worker/src/distributed/create-table.ts';
import { errorClassDimension, ferryMetricNames } from '../../../worker/src/fleet/emf-metrics.ts';
import {
  contractOutputs,
  ferryTemplateText,
  identityPolicyStatements,
  isObject,
  type Json,
  type JsonObject,
  literalStrings,
  loadFerryTemplate,
  objectAt,
  type PolicyStatement,
  parseTemplate,
} from './cloudformation-template.ts';

const template = loadFerryTemplate();

/** Services whose actions read or write data: a statement allowing one of them must name its resources. */
const dataServices = ['s3', 'dynamodb', 'sqs', 'secretsmanager', 'kms', 'ssm', 'logs'];

function isDataAction(action: string): boolean {
  return dataServices.includes(action.split(':')[0]?.toLowerCase() ?? '');
}

/** "where: action on *" for every Allow statement that grants a data action on every resource. */
function dataActionsOnEverything(statements: readonly PolicyStatement[]): string[] {
  return statements.flatMap(({ where, statement }) => {
    if (statement.Effect !== 'Allow' || !literalStrings(statement.Resource).includes('*')) return [];
    return literalStrings(statement.Action)
      .filter(isDataAction)
      .map((action) => `${where}: ${action} on *`);
  });
}

describe('IAM', () => {
  const statements = identityPolicyStatements(template);

  test('the policies of every component are found (lister task, lister execution, workers, shared policy)', () => {
    const owners = new Set(statements.map(({ where }) => where.split('/')[0]));
    expect([...owners].sort()).toEqual([
      'FleetRunAccessPolicy',
      'ListerExecutionRole',
      'ListerTaskRole',
      'WorkerRole',
    ]);
  });

  test('the check catches a data action on Resource "*" (so the next test can fail)', () => {
    const bad = parseTemplate(`
Resources:
  Bad:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - !If [C, { Effect: Allow, Action: [sqs:SendMessage], Resource: ['*'] }, !Ref AWS::NoValue]
`);
    expect(dataActionsOnEverything(identityPolicyStatements(bad))).toEqual(['Bad/p: sqs:SendMessage on *']);
  });

  test('no statement allows a data action (s3, dynamodb, sqs, secretsmanager, kms, ssm, logs) on "*"', () => {
    expect(dataActionsOnEverything(statements)).toEqual([]);
  });

  test('no wildcard actions: every action is named', () => {
    const wildcards = statements.flatMap(({ where, statement }) =>
      literalStrings(statement.Action)
        .filter((action) => action.includes('*'))
        .map((action) => `${where}: ${action}`),
    );
    expect(wildcards).toEqual([]);
  });

  test('the only "*" resource is the Describe call that has no resource-level permissions', () => {
    const everything = statements.flatMap(({ statement }) =>
      literalStrings(statement.Resource).includes('*') ? literalStrings(statement.Action) : [],
    );
    expect(everything).toEqual(['autoscaling:DescribeAutoScalingInstances']);
  });

  test('s3:DeleteObject: only the workers, only with AllowDeletes=true, only on destination objects in every partition', () => {
    const deleting = statements.filter(({ statement }) =>
      literalStrings(statement.Action).some((action) => action.toLowerCase().startsWith('s3:delete')),
    );
    expect(deleting.map(({ where, statement }) => [where, statement.Sid, statement.Action])).toEqual([
      ['WorkerRole/copy-work', 'DeleteFromDestinations', 's3:DeleteObject'],
    ]);
    const [statement] = deleting.map((each) => each.statement);
    // The very destination object ARNs the workers write (all three partitions), never a source's.
    const write = statements.find((each) => each.statement.Sid === 'WriteDestinations')?.statement;
    expect(statement?.Resource).toEqual(write?.Resource);
    const resource = JSON.stringify(statement?.Resource);
    for (const partition of ['arn:aws:s3:::', 'arn:aws-cn:s3:::', 'arn:aws-us-gov:s3:::'])
      expect(resource).toContain(`${partition}\${N}/*`);
    expect(resource).toContain('DestinationBucketNames');
    expect(resource).not.toContain('SourceBucketNames');
    // Granted under the DeletesAllowed condition only, which is AllowDeletes = 'true' (default 'false').
    const workerStatements = objectAt(template, 'Resources', 'WorkerRole', 'Properties').Policies;
    const conditions = JSON.stringify(workerStatements).match(
      /"Fn::If":\["DeletesAllowed",\{"Sid":"DeleteFromDestinations"/g,
    );
    expect(conditions).toHaveLength(1);
    expect(objectAt(template, 'Conditions').DeletesAllowed).toEqual({
      'Fn::Equals': [{ Ref: 'AllowDeletes' }, 'true'],
    });
    const parameter = objectAt(template, 'Parameters', 'AllowDeletes');
    expect([parameter.Default, parameter.AllowedValues]).toEqual(['false', ['true', 'false']]);
  });

  test('a conditional delete (If-Match on the ETag) also needs s3:GetObject on the destination objects: the workers have it', () => {
    const workerManaged = objectAt(template, 'Resources', 'WorkerRole', 'Properties').ManagedPolicyArns;
    expect(workerManaged).toEqual([{ Ref: 'FleetRunAccessPolicy' }]);
    const read = statements.find(
      ({ where, statement }) => where === 'FleetRunAccessPolicy' && statement.Sid === 'ReadMappedBuckets',
    )?.statement;
    expect(literalStrings(read?.Action)).toContain('s3:GetObject');
    const resource = JSON.stringify(read?.Resource);
    for (const partition of ['arn:aws:s3:::', 'arn:aws-cn:s3:::', 'arn:aws-us-gov:s3:::'])
      expect(resource).toContain(`${partition}\${DO}/*`);
    expect(resource).toContain('"DO":{"Fn::Join":["/*,arn:aws:s3:::",{"Ref":"DestinationBucketNames"}]}');
  });

  test('the secrets are readable only when given, and then exactly those ARNs', () => {
    const secretStatements = statements.filter(({ statement }) =>
      literalStrings(statement.Action).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(secretStatements.map(({ where }) => where).sort()).toEqual([
      'ListerExecutionRole/logs-and-secrets',
      'ListerExecutionRole/logs-and-secrets',
      'WorkerRole/copy-work',
      'WorkerRole/copy-work',
    ]);
    const resources = secretStatements.map(({ statement }) => statement.Resource);
    expect(resources).toContainEqual({ Ref: 'SourceCredentialsSecretArn' });
    expect(resources).toContainEqual({ Ref: 'DestinationCredentialsSecretArn' });
    expect(resources.every((resource) => isObject(resource) && typeof resource.Ref === 'string')).toBe(true);
  });
});

describe('contract', () => {
  test('the outputs are exactly the contract list', () => {
    expect(Object.keys(objectAt(template, 'Outputs')).sort()).toEqual([...contractOutputs].sort());
  });

  test('the contract parameters exist with their defaults', () => {
    const parameters = objectAt(template, 'Parameters');
    const defaultOf = (name: string): string | undefined => {
      const value = objectAt(parameters, name).Default;
      return value === undefined ? undefined : String(value);
    };
    const expected: Record<string, string | undefined> = {
      FleetName: 'ferry',
      EngineBundleKey: '',
      EngineBundleSha256: '',
      // Empty stands for /ferry/<FleetName>/config (a default cannot refer to another parameter).
      ConfigParameterName: '',
      SourceBucketNames: undefined,
      DestinationBucketNames: undefined,
      SourceCredentialsSecretArn: '',
      DestinationCredentialsSecretArn: '',
      AllowDeletes: 'false',
      WorkerInstanceType: 'c6in.xlarge',
      WorkerMaxCapacity: '20',
      UseSpot: 'false',
      TargetBacklogPerInstance: '40',
      MaxReceiveCount: '5',
      QueueRetentionDays: '4',
      DeadLetterRetentionDays: '14',
      LogRetentionDays: '30',
      AlarmEmail: '',
      ListerCpu: '2048',
      ListerMemory: '4096',
      VpcCidr: '10.42.0.0/16',
    };
    for (const [name, value] of Object.entries(expected))
      expect([name, defaultOf(name)]).toEqual([name, value]);
    expect(objectAt(parameters, 'SourceBucketNames').Type).toBe('CommaDelimitedList');
    expect(objectAt(parameters, 'DestinationBucketNames').Type).toBe('CommaDelimitedList');
  });

  test('CloudFormation takes the template inline (TemplateBody), with room to spare', () => {
    const bytes = Buffer.byteLength(ferryTemplateText());
    expect(bytes).toBeLessThanOrEqual(maxTemplateBodyBytes * 0.95);
  });
});

describe('ledger table', () => {
  const table = objectAt(template, 'Resources', 'LedgerTable', 'Properties');

  // The keys are compared with a table made by createLedgerTable in test/integration/deploy/template.test.ts;
  // moto's CloudFormation ignores TTL and point-in-time recovery, so they are checked here.
  test('expires batch markers by the attribute `ferry init` sets TTL on, with point-in-time recovery on', () => {
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  test('is on demand, encrypted with the stack key, and protected from deletion', () => {
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: { Ref: 'Key' },
    });
    expect(table.DeletionProtectionEnabled).toBe(true);
  });
});

/** The Rules functions CloudFormation evaluates on parameter values. */
function evaluateRule(expression: Json, parameters: Readonly<Record<string, string>>): Json {
  if (!isObject(expression)) return expression;
  const [name, argument] = Object.entries(expression)[0] ?? [];
  const args = Array.isArray(argument) ? argument.map((each) => evaluateRule(each, parameters)) : [];
  switch (name) {
    case 'Ref':
      return parameters[String(argument)] ?? null;
    case 'Fn::And':
      return args.every((each) => each === true);
    case 'Fn::Or':
      return args.some((each) => each === true);
    case 'Fn::Not':
      return args[0] !== true;
    case 'Fn::Equals':
      return args[0] === args[1];
    case 'Fn::Contains':
      return Array.isArray(args[0]) && args[0].includes(args[1] ?? null);
    default:
      throw new Error(`the rule evaluator does not know ${String(name)}`);
  }
}

describe('rules', () => {
  test('the dead-letter queue must keep messages longer than the work queue, for every allowed pair', () => {
    const parameters = objectAt(template, 'Parameters');
    const allowed = (name: string): string[] => literalStrings(objectAt(parameters, name).AllowedValues);
    const assertions = objectAt(template, 'Rules', 'DeadLettersOutliveWork').Assertions;
    if (!Array.isArray(assertions)) throw new Error('no assertions');
    let pairs = 0;
    for (const queueDays of allowed('QueueRetentionDays')) {
      for (const deadLetterDays of allowed('DeadLetterRetentionDays')) {
        const values = { QueueRetentionDays: queueDays, DeadLetterRetentionDays: deadLetterDays };
        const accepted = assertions.every(
          (each) => evaluateRule(objectAt(each).Assert ?? null, values) === true,
        );
        expect([queueDays, deadLetterDays, accepted]).toEqual([
          queueDays,
          deadLetterDays,
          Number(deadLetterDays) > Number(queueDays),
        ]);
        pairs += 1;
      }
    }
    expect(pairs).toBe(13 * 13);
  });
});

/** The Fn::Sub template with every ${…} replaced by a placeholder string (JSON-safe). */
function substituted(text: string): string {
  return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => `sub-${name.replace(/\W/g, '-')}`);
}

function metricExpressions(widgets: Json): string[] {
  const found: string[] = [];
  const visit = (value: Json): void => {
    if (typeof value === 'string') found.push(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) Object.values(value).forEach(visit);
  };
  visit(widgets);
  return found;
}

describe('dashboard', () => {
  const body = objectAt(template, 'Resources', 'Dashboard', 'Properties').DashboardBody;
  const text = isObject(body) ? body['Fn::Sub'] : undefined;

  test('its body is JSON once the variables are filled in', () => {
    expect(typeof text).toBe('string');
    expect(() => JSON.parse(substituted(String(text)))).not.toThrow();
  });

  test("it charts Ferry's EMF metrics by their names, errors grouped by class, queues and workers", () => {
    const dashboard: JsonObject = JSON.parse(substituted(String(text)));
    const strings = metricExpressions(dashboard.widgets ?? null).join('\n');
    for (const metric of Object.values(ferryMetricNames)) expect(strings).toContain(metric);
    expect(strings).toContain(`GROUP BY ${errorClassDimension}`);
    expect(strings).toContain('{Ferry,Mapping,RunId}');
    expect(strings).toContain('sub-FleetName-work-dlq');
    expect(strings).toContain('GroupInServiceInstances');
  });
});
