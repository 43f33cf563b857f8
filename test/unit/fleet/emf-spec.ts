// A checker for CloudWatch Embedded Metric Format documents, written from the published specification.
import { Ajv2020 } from 'ajv/dist/2020.js';

const cloudWatchUnits = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
];

/**
 * The structure: a root object with `_aws` (Timestamp in epoch milliseconds, CloudWatchMetrics directives, optional
 * LogGroupName); a directive has Namespace, Dimensions (sets of at most 30 names) and Metrics (at most 100
 * definitions of Name, optional Unit and StorageResolution 1 or 60). Spec objects admit no other members.
 */
const emfSchema = {
  type: 'object',
  required: ['_aws'],
  properties: {
    _aws: {
      type: 'object',
      required: ['Timestamp', 'CloudWatchMetrics'],
      additionalProperties: false,
      properties: {
        Timestamp: { type: 'integer', minimum: 0 },
        LogGroupName: { type: 'string' },
        CloudWatchMetrics: {
          type: 'array',
          items: {
            type: 'object',
            required: ['Namespace', 'Dimensions', 'Metrics'],
            additionalProperties: false,
            properties: {
              Namespace: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[a-zA-Z0-9._#:/-]+$' },
              Dimensions: {
                type: 'array',
                items: {
                  type: 'array',
                  maxItems: 30,
                  uniqueItems: true,
                  items: { type: 'string', minLength: 1 },
                },
              },
              Metrics: {
                type: 'array',
                maxItems: 100,
                items: {
                  type: 'object',
                  required: ['Name'],
                  additionalProperties: false,
                  properties: {
                    Name: { type: 'string', minLength: 1, maxLength: 1024 },
                    Unit: { enum: cloudWatchUnits },
                    StorageResolution: { enum: [1, 60] },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

const validateStructure = new Ajv2020({ allErrors: true, strict: true }).compile(emfSchema);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMetricValue(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  return Array.isArray(value) && value.length <= 100 && value.every((item) => Number.isFinite(item));
}

function isDimensionValue(value: unknown): boolean {
  // Dimension values: non-blank ASCII strings of at most 1024 characters.
  return (
    typeof value === 'string' && value.trim() !== '' && value.length <= 1024 && /^[\x20-\x7e]+$/.test(value)
  );
}

/** Everything wrong with a parsed log line as an EMF document; empty when it conforms. */
export function emfViolations(document: unknown): string[] {
  if (!validateStructure(document)) {
    return (validateStructure.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
  }
  if (!isRecord(document) || !isRecord(document._aws) || !Array.isArray(document._aws.CloudWatchMetrics)) {
    return ['not an object'];
  }
  const problems: string[] = [];
  // Target members: every referenced dimension and metric must exist on the root with a value of the right kind.
  for (const directive of document._aws.CloudWatchMetrics as {
    Dimensions: string[][];
    Metrics: { Name: string }[];
  }[]) {
    for (const name of directive.Dimensions.flat()) {
      if (!isDimensionValue(document[name])) problems.push(`dimension ${name} has no valid string value`);
    }
    for (const { Name } of directive.Metrics) {
      if (!isMetricValue(document[Name])) problems.push(`metric ${Name} has no numeric value`);
    }
  }
  return problems;
}
