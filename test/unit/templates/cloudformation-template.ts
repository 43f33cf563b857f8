// Reads templates/ferry.yaml as plain JSON (CloudFormation's short-form tags become their Fn:: objects) for tests.
import { readFileSync } from 'node:fs';
import { parse, type Tags, type YAMLSeq } from 'yaml';
import { fleetOutputNames } from '../../../worker/src/control/fleet-outputs.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const ferryTemplatePath = new URL('../../../templates/ferry.yaml', import.meta.url).pathname;

/** The contract's stack outputs (issue 4), in its order: the names the engine reads from a fleet stack. */
export const contractOutputs = fleetOutputNames;

const shortForms = [
  'Ref',
  'Condition',
  'GetAtt',
  'Sub',
  'Join',
  'Split',
  'Select',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Contains',
  'FindInMap',
  'Base64',
  'GetAZs',
  'Cidr',
  'ImportValue',
];

function longName(name: string): string {
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

/** `!X value` becomes `{ "Fn::X": value }` (`!GetAtt A.B` becomes `["A", "B"]`), for scalars, sequences and maps. */
const cloudFormationTags: Tags = shortForms.flatMap((name) => [
  {
    tag: `!${name}`,
    resolve: (text: string) => ({ [longName(name)]: name === 'GetAtt' ? text.split('.') : text }),
  },
  {
    tag: `!${name}`,
    collection: 'seq' as const,
    resolve: (seq: YAMLSeq) => ({ [longName(name)]: seq.toJSON() }),
  },
]);

export function parseTemplate(text: string): JsonObject {
  const parsed: unknown = parse(text, { customTags: cloudFormationTags });
  if (!isObject(parsed)) throw new Error('the template is not a YAML mapping');
  return parsed;
}

export function ferryTemplateText(): string {
  return readFileSync(ferryTemplatePath, 'utf8');
}

export function loadFerryTemplate(): JsonObject {
  return parseTemplate(ferryTemplateText());
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The member, which must be an object. */
export function objectAt(value: Json | undefined, ...path: string[]): JsonObject {
  let current: Json | undefined = value;
  for (const name of path) current = isObject(current) ? current[name] : undefined;
  if (!isObject(current)) throw new Error(`no object at ${path.join('.')}`);
  return current;
}

export function resourcesOf(template: JsonObject): [string, JsonObject][] {
  return Object.entries(objectAt(template, 'Resources')).map(([name, value]) => [name, objectAt(value)]);
}

/** Both branches of every Fn::If, without AWS::NoValue: what the value can be under some set of conditions. */
export function possibleValues(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  if (isObject(value)) {
    if (value.Ref === 'AWS::NoValue') return [];
    const branches = value['Fn::If'];
    if (Array.isArray(branches)) return [branches[1], branches[2]].flatMap((each) => possibleValues(each));
  }
  return [value];
}

/** A list (or one item, or an Fn::If of them) as the items it can hold. */
export function possibleItems(value: Json | undefined): Json[] {
  return possibleValues(value).flatMap((each) =>
    Array.isArray(each) ? each.flatMap((item) => possibleValues(item)) : [each],
  );
}

export interface PolicyStatement {
  /** Resource name and policy, e.g. "WorkerRole/copy-work". */
  readonly where: string;
  readonly statement: JsonObject;
}

function statementsOfDocument(where: string, document: Json | undefined): PolicyStatement[] {
  if (!isObject(document)) return [];
  return possibleItems(document.Statement)
    .filter(isObject)
    .map((statement) => ({ where, statement }));
}

/** Every statement of the identity policies: role inline policies, managed policies and AWS::IAM::Policy. */
export function identityPolicyStatements(template: JsonObject): PolicyStatement[] {
  return resourcesOf(template).flatMap(([name, resource]) => {
    const properties = isObject(resource.Properties) ? resource.Properties : {};
    if (resource.Type === 'AWS::IAM::Role') {
      return possibleItems(properties.Policies)
        .filter(isObject)
        .flatMap((policy) =>
          statementsOfDocument(`${name}/${String(policy.PolicyName)}`, policy.PolicyDocument),
        );
    }
    if (resource.Type === 'AWS::IAM::ManagedPolicy' || resource.Type === 'AWS::IAM::Policy') {
      return statementsOfDocument(name, properties.PolicyDocument);
    }
    return [];
  });
}

/** The literal strings of a statement's Action or Resource (intrinsics are not literals, so never "*"). */
export function literalStrings(value: Json | undefined): string[] {
  return possibleItems(value).filter((each): each is string => typeof each === 'string');
}
