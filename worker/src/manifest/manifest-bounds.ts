// When an open manifest part is written: enough lines, enough bytes, or old enough. Pure decisions, no I/O.

export interface ManifestBounds {
  /** Lines in one part. */
  readonly maxLines: number;
  /** Uncompressed JSON bytes in one part: with maxPendingParts, this bounds the writer's memory. */
  readonly maxBytes: number;
  /** A part is written at the latest this long after its first line. */
  readonly maxAgeMs: number;
  /** Parts compressed or uploading at once; a part sealed beyond this is dropped (and counted) rather than held. */
  readonly maxPendingParts: number;
}

export const defaultManifestBounds: ManifestBounds = {
  maxLines: 100_000,
  maxBytes: 16 * 1024 * 1024,
  maxAgeMs: 60_000,
  maxPendingParts: 4,
};

export interface OpenPartSize {
  readonly lines: number;
  readonly bytes: number;
  readonly openedAtMs: number;
}

/** Full: write it now, whatever its age. */
export function isPartFull(part: OpenPartSize, bounds: ManifestBounds): boolean {
  return part.lines >= bounds.maxLines || part.bytes >= bounds.maxBytes;
}

/** Full, or its first line has waited maxAgeMs. */
export function isPartDue(part: OpenPartSize, nowMs: number, bounds: ManifestBounds): boolean {
  return isPartFull(part, bounds) || nowMs - part.openedAtMs >= bounds.maxAgeMs;
}

/** How often the writer looks for parts that are due by age: often enough to be at most a second (or 1/4) late. */
export function ageCheckIntervalMs(bounds: ManifestBounds): number {
  return Math.max(1, Math.min(1000, Math.floor(bounds.maxAgeMs / 4)));
}
