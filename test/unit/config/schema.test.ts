// The JSON Schema stays self-documenting: every property has a description and appears in docs/configuration.md.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import schema from '../../../worker/src/config/ferry.schema.json' with { type: 'json' };

interface PropertyAt {
  readonly path: string;
  readonly name: string;
  readonly schema: unknown;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every entry of every `properties` keyword, anywhere in the schema. */
function propertiesIn(node: unknown, path: string): PropertyAt[] {
  if (Array.isArray(node)) return node.flatMap((item, index) => propertiesIn(item, `${path}/${index}`));
  if (!isRecord(node)) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    const here = `${path}/${key}`;
    const own =
      key === 'properties' && isRecord(value)
        ? Object.entries(value).map(([name, property]) => ({
            path: `${here}/${name}`,
            name,
            schema: property,
          }))
        : [];
    return [...own, ...propertiesIn(value, here)];
  });
}

const properties = propertiesIn(schema, '#');

test('the walk finds the nested properties, so the checks below are not vacuous', () => {
  const names = properties.map((property) => property.name);
  expect(names).toEqual(
    expect.arrayContaining(['endpoints', 'forcePathStyle', 'env', 'partSize', 'kmsKeyId']),
  );
  expect(properties.length).toBeGreaterThan(30);
});

test('every property has a description', () => {
  const undocumented = properties.filter(
    (property) => !isRecord(property.schema) || typeof property.schema.description !== 'string',
  );
  expect(undocumented.map((property) => property.path)).toEqual([]);
});

test('every property is documented in docs/configuration.md', async () => {
  const docs = await readFile(join(import.meta.dirname, '../../../docs/configuration.md'), 'utf8');
  const missing = [...new Set(properties.map((property) => property.name))].filter(
    (name) => !docs.includes(`\`${name}\``),
  );
  expect(missing).toEqual([]);
});

/** Every object in the schema, with its JSON pointer. */
function schemaObjectsIn(
  node: unknown,
  path: string,
): { path: string; schema: Readonly<Record<string, unknown>> }[] {
  if (Array.isArray(node)) return node.flatMap((item, index) => schemaObjectsIn(item, `${path}/${index}`));
  if (!isRecord(node)) return [];
  return [
    { path, schema: node },
    ...Object.entries(node).flatMap(([key, value]) => schemaObjectsIn(value, `${path}/${key}`)),
  ];
}

function isClosed(objectSchema: Readonly<Record<string, unknown>>): boolean {
  const { additionalProperties, oneOf } = objectSchema;
  if (additionalProperties === false || isRecord(additionalProperties)) return true;
  return (
    Array.isArray(oneOf) && oneOf.every((branch) => isRecord(branch) && branch.additionalProperties === false)
  );
}

test('every object forbids unknown properties, so typos are caught', () => {
  const objects = schemaObjectsIn(schema, '#').filter((node) => node.schema.type === 'object');
  expect(objects.length).toBeGreaterThan(5);
  expect(objects.filter((node) => !isClosed(node.schema)).map((node) => node.path)).toEqual([]);
});
