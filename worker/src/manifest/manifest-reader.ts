// Reads a run's manifest back: streams its parts one at a time, dedupes lines by object, and totals the outcomes.
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { ErrorClass } from '../domain/errors.ts';
import type { Counts } from '../ports/ledger.ts';
import type { ObjectLister, ObjectReader } from '../ports/object-store.ts';
import {
  lineIdentity,
  type ManifestLine,
  type ManifestOutcome,
  parseManifestLine,
  preferredLine,
} from './manifest-line.ts';
import { manifestPartSuffix, manifestRunPrefix } from './manifest-location.ts';

const gunzipAsync = promisify(gunzip);

export interface ManifestSource {
  readonly store: ObjectLister & ObjectReader;
  /** The manifest's key prefix, as the writers were given it. */
  readonly prefix: string;
  readonly runId: string;
  /** Only this mapping's parts; absent: every mapping of the run. */
  readonly mappingId?: string;
  readonly signal?: AbortSignal;
}

/** What one part held: its lines, and the text of lines that were not manifest lines. */
export interface ManifestPart {
  readonly key: string;
  readonly lines: readonly ManifestLine[];
  readonly malformed: readonly string[];
}

/** Every part of the run (or mapping), in key order, each read and parsed whole; one part in memory at a time. */
export async function* readManifestParts(source: ManifestSource): AsyncIterable<ManifestPart> {
  const prefix = manifestRunPrefix(source);
  const signalOption = source.signal ? { signal: source.signal } : {};
  for await (const entry of source.store.list({ prefix, ...signalOption })) {
    if (!entry.key.endsWith(manifestPartSuffix)) continue;
    const { bytes } = await source.store.read(entry.key, signalOption);
    const text = (await gunzipAsync(bytes)).toString('utf8');
    const lines: ManifestLine[] = [];
    const malformed: string[] = [];
    for (const json of text.split('\n')) {
      if (json === '') continue;
      try {
        lines.push(parseManifestLine(json));
      } catch {
        malformed.push(json);
      }
    }
    yield { key: entry.key, lines, malformed };
  }
}

export interface ManifestRead {
  /** One line per object (mapping and key), chosen by preferredLine. */
  readonly objects: ReadonlyMap<string, ManifestLine>;
  readonly parts: number;
  readonly linesRead: number;
  readonly malformedLines: number;
}

/**
 * The run's manifest, deduped. Memory grows with the run's distinct objects (about 300 bytes each): past some tens of
 * millions of objects, query the parts with Athena instead (docs/manifest.md).
 */
export async function readManifest(source: ManifestSource): Promise<ManifestRead> {
  const objects = new Map<string, ManifestLine>();
  let parts = 0;
  let linesRead = 0;
  let malformedLines = 0;
  for await (const part of readManifestParts(source)) {
    parts += 1;
    linesRead += part.lines.length;
    malformedLines += part.malformed.length;
    for (const line of part.lines) {
      if (line.runId !== source.runId) continue;
      const identity = lineIdentity(line);
      const earlier = objects.get(identity);
      objects.set(identity, earlier ? preferredLine(earlier, line) : line);
    }
  }
  return { objects, parts, linesRead, malformedLines };
}

export interface ManifestTotals {
  readonly byOutcome: Readonly<Record<ManifestOutcome, Counts>>;
  readonly failuresByClass: Readonly<Partial<Record<ErrorClass, number>>>;
}

/** Objects and bytes per outcome (deleted: the listed bytes), and failures per error class, of deduped lines. */
export function totalManifest(lines: Iterable<ManifestLine>): ManifestTotals {
  const byOutcome: Record<ManifestOutcome, Counts> = {
    copied: { objects: 0, bytes: 0 },
    skipped: { objects: 0, bytes: 0 },
    deleted: { objects: 0, bytes: 0 },
    failed: { objects: 0, bytes: 0 },
  };
  const failuresByClass: Partial<Record<ErrorClass, number>> = {};
  for (const line of lines) {
    const sum = byOutcome[line.outcome];
    byOutcome[line.outcome] = { objects: sum.objects + 1, bytes: sum.bytes + line.size };
    if (line.outcome === 'failed') {
      const errorClass = line.errorClass ?? 'Internal';
      failuresByClass[errorClass] = (failuresByClass[errorClass] ?? 0) + 1;
    }
  }
  return { byOutcome, failuresByClass };
}
