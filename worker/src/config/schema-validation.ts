// Checks a parsed configuration against ferry.schema.json, filling in its defaults.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ConfigIssue } from './config-issue.ts';
import schema from './ferry.schema.json' with { type: 'json' };
import type { RawConfig } from './raw-config.ts';
import { issuesFromSchemaErrors } from './schema-issues.ts';

const ajv = new Ajv2020({
  allErrors: true,
  // Errors carry their data and schema, from which messages are written.
  verbose: true,
  useDefaults: true,
  discriminator: true,
  // Sizes are integers or strings.
  allowUnionTypes: true,
});

const validate = ajv.compile<RawConfig>(schema);

export type SchemaValidation =
  | { readonly ok: true; readonly raw: RawConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Validates plain data (YAML already converted to JS). Fills schema defaults into `data` in place. */
export function validateAgainstSchema(data: unknown): SchemaValidation {
  if (validate(data)) return { ok: true, raw: data };
  return { ok: false, issues: issuesFromSchemaErrors(validate.errors ?? [], data) };
}
