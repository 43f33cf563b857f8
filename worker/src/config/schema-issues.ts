// Turns ajv's validation errors into readable configuration issues addressed by document path.
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { ConfigIssue, PathSegment } from './config-issue.ts';

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON pointer as a path, with list indices as numbers so they print as `[0]`. */
function pathOfPointer(pointer: string, data: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  let node = data;
  for (const token of pointer.split('/').slice(1)) {
    const segment = token.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = isRecord(node) ? node[segment] : undefined;
    }
  }
  return path;
}

/** A value as a message mentions it: `"x"`, `5`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

const typeNames: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function typeList(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((name) => typeNames[String(name)] ?? String(name)).join(' or ');
}

function quotedList(values: unknown): string {
  return Array.isArray(values) ? values.map((value) => JSON.stringify(value)).join(', ') : '';
}

function schemaDescription(error: ErrorObject): string | undefined {
  const description = isRecord(error.parentSchema) ? error.parentSchema.description : undefined;
  return typeof description === 'string' ? description : undefined;
}

function schemaPropertyNames(error: ErrorObject): readonly string[] {
  const properties = isRecord(error.parentSchema) ? error.parentSchema.properties : undefined;
  return isRecord(properties) ? Object.keys(properties) : [];
}

/** The tag values of a discriminated oneOf: each branch's `properties.<tag>.const`. */
function discriminatorTags(error: ErrorObject, tag: string): readonly unknown[] {
  const branches = isRecord(error.parentSchema) ? error.parentSchema.oneOf : undefined;
  if (!Array.isArray(branches)) return [];
  return branches.map((branch) => {
    const properties = isRecord(branch) ? branch.properties : undefined;
    const tagSchema = isRecord(properties) ? properties[tag] : undefined;
    return isRecord(tagSchema) ? tagSchema.const : undefined;
  });
}

function propertyCountMessage(error: ErrorObject, limit: unknown): string {
  const names = schemaPropertyNames(error);
  if (names.length === 0) return `must have at least ${limit} ${limit === 1 ? 'entry' : 'entries'}`;
  const bound = error.keyword === 'minProperties' ? 'at least' : 'at most';
  return `must set ${bound} ${limit} of: ${names.join(', ')}`;
}

function issueOf(error: ErrorObject, data: unknown): ConfigIssue | undefined {
  const path = pathOfPointer(error.instancePath, data);
  const params: Readonly<Record<string, unknown>> = error.params;
  // propertyNames reports twice: the failing keyword on the name (with propertyName set), then a summary.
  if (error.keyword === 'propertyNames') return undefined;
  if (error.propertyName !== undefined) {
    const expected = schemaDescription(error) ?? error.message ?? 'a valid name';
    const message = `invalid name ${JSON.stringify(error.propertyName)}: expected ${expected}`;
    return { path: [...path, error.propertyName], anchor: 'key', message };
  }
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return {
        path: [...path, missing],
        anchor: 'parent',
        message: `missing required property "${missing}"`,
      };
    }
    case 'additionalProperties': {
      const unknown = String(params.additionalProperty);
      const known = schemaPropertyNames(error).join(', ');
      return {
        path: [...path, unknown],
        anchor: 'key',
        message: `unknown property "${unknown}"; expected one of: ${known}`,
      };
    }
    case 'type':
      return {
        path,
        anchor: 'value',
        message: `must be ${typeList(params.type)}, got ${describeValue(error.data)}`,
      };
    case 'enum': {
      const allowed = quotedList(params.allowedValues);
      return {
        path,
        anchor: 'value',
        message: `must be one of: ${allowed}; got ${describeValue(error.data)}`,
      };
    }
    case 'discriminator': {
      const tag = String(params.tag);
      const value = isRecord(error.data) ? error.data[tag] : undefined;
      // A missing tag is already reported by `required`.
      if (value === undefined) return undefined;
      const allowed = quotedList(discriminatorTags(error, tag));
      return {
        path: [...path, tag],
        anchor: 'value',
        message: `must be one of: ${allowed}; got ${describeValue(value)}`,
      };
    }
    case 'pattern': {
      const expected = schemaDescription(error) ?? error.message ?? 'a different value';
      return {
        path,
        anchor: 'value',
        message: `invalid value ${describeValue(error.data)}: expected ${expected}`,
      };
    }
    case 'minProperties':
    case 'maxProperties':
      return { path, anchor: 'value', message: propertyCountMessage(error, params.limit) };
    case 'minItems':
      return { path, anchor: 'value', message: `must have at least ${params.limit} item(s)` };
    default:
      return {
        path,
        anchor: 'value',
        message: `${error.message ?? 'is invalid'}, got ${describeValue(error.data)}`,
      };
  }
}

/** Readable issues for ajv's errors (ajv must run with verbose: true so errors carry their data and schema). */
export function issuesFromSchemaErrors(errors: readonly ErrorObject[], data: unknown): ConfigIssue[] {
  return errors.flatMap((error) => issueOf(error, data) ?? []);
}
