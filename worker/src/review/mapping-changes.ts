// Which mappings a configuration change adds, changes (and in which fields) or removes: a pure comparison by id.
import type { FerryConfig, MappingConfig } from '../config/types.ts';

export interface ChangedMapping {
  readonly mapping: MappingConfig;
  /** Dotted field paths that differ, e.g. `destination.prefix`, `include`, `endpoints.src.url`. */
  readonly fields: readonly string[];
}

export interface MappingChanges {
  /** In the head configuration's order. */
  readonly added: readonly MappingConfig[];
  readonly changed: readonly ChangedMapping[];
  readonly unchanged: readonly MappingConfig[];
  /** In the base configuration's order. */
  readonly removed: readonly MappingConfig[];
  /** `transfer.*` fields that differ: they apply to every mapping. */
  readonly transferFields: readonly string[];
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Leaf values by dotted path; lists are leaves (their order matters). */
function flatten(value: unknown, path: string, into: Map<string, string>): Map<string, string> {
  if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value))
      flatten(child, path === '' ? key : `${path}.${key}`, into);
  } else {
    into.set(path, JSON.stringify(value));
  }
  return into;
}

/** Paths whose values differ between a and b (present on one side only counts), sorted. */
function differingPaths(a: Map<string, string>, b: Map<string, string>): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((path) => a.get(path) !== b.get(path)).sort();
}

/** What decides a mapping's behaviour: its own fields and those of the endpoints it uses. */
function mappingFields(config: FerryConfig, mapping: MappingConfig): Map<string, string> {
  const { id: _id, ...fields } = mapping;
  const into = flatten(fields, '', new Map());
  for (const name of new Set([mapping.source.endpoint, mapping.destination.endpoint])) {
    const { name: _name, ...endpoint } = config.endpoints[name] ?? {};
    flatten(endpoint, `endpoints.${name}`, into);
  }
  return into;
}

/** Compares two configurations mapping by mapping; without a base, every mapping is added. */
export function diffMappings(base: FerryConfig | undefined, head: FerryConfig): MappingChanges {
  const baseById = new Map((base?.mappings ?? []).map((mapping) => [mapping.id, mapping]));
  const headIds = new Set(head.mappings.map((mapping) => mapping.id));
  const added: MappingConfig[] = [];
  const changed: ChangedMapping[] = [];
  const unchanged: MappingConfig[] = [];
  for (const mapping of head.mappings) {
    const before = baseById.get(mapping.id);
    if (base === undefined || before === undefined) {
      added.push(mapping);
      continue;
    }
    const fields = differingPaths(mappingFields(base, before), mappingFields(head, mapping));
    if (fields.length > 0) changed.push({ mapping, fields });
    else unchanged.push(mapping);
  }
  const removed = (base?.mappings ?? []).filter((mapping) => !headIds.has(mapping.id));
  const transferFields =
    base === undefined
      ? []
      : differingPaths(
          flatten(base.transfer, 'transfer', new Map()),
          flatten(head.transfer, 'transfer', new Map()),
        );
  return { added, changed, unchanged, removed, transferFields };
}
