// Helpers for manifest tests: lines to write, a log that keeps events, and reading parts back from a memory store.
import { gunzipSync } from 'node:zlib';
import type { ManifestLine } from '../../../worker/src/manifest/manifest-line.ts';
import type { LogFields, Logger } from '../../../worker/src/ports/logger.ts';
import type { MemoryObjectStore } from '../../../worker/src/storage/memory-object-store.ts';
import type { ManualClock } from '../../support/manual-clock.ts';

export function copiedLine(key: string, overrides: Partial<ManifestLine> = {}): ManifestLine {
  return {
    runId: 'run-1',
    mappingId: 'media',
    key,
    destinationKey: `copy/${key}`,
    size: key.length * 10,
    sourceEtag: `etag-${key}`,
    destinationEtag: `etag-${key}`,
    outcome: 'copied',
    time: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A delete's line: the mirrored source key, the deleted destination object as listed, no source ETag. */
export function deletedLine(key: string, overrides: Partial<ManifestLine> = {}): ManifestLine {
  return {
    runId: 'run-1',
    mappingId: 'media',
    key,
    destinationKey: `copy/${key}`,
    size: key.length * 100,
    destinationEtag: `listed-${key}`,
    outcome: 'deleted',
    time: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export interface LoggedEvent {
  readonly level: string;
  readonly event: string;
  readonly fields: LogFields;
}

export function recordingLogger(): Logger & { events: LoggedEvent[] } {
  const events: LoggedEvent[] = [];
  const at =
    (level: string) =>
    (event: string, fields: LogFields = {}): void => {
      events.push({ level, event, fields });
    };
  return { events, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Every stored part's key, in key order. */
export async function partKeys(store: MemoryObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list({ prefix })) keys.push(entry.key);
  return keys;
}

/** A stored part, gunzipped and split into its JSON lines. */
export async function partLines(store: MemoryObjectStore, key: string): Promise<unknown[]> {
  const { bytes } = await store.read(key);
  const text = gunzipSync(bytes).toString('utf8');
  if (!text.endsWith('\n')) throw new Error(`part ${key} does not end with a newline`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

/** Resolves the promise while moving the manual clock on, so retries' backoff sleeps pass. */
export async function whileAdvancing<T>(clock: ManualClock, promise: Promise<T>, stepMs = 50): Promise<T> {
  let settled = false;
  const done = promise.finally(() => {
    settled = true;
  });
  for (let steps = 0; !settled && steps < 10_000; steps++) await clock.advance(stepMs);
  return await done;
}
