// The mapping's include/exclude globs as one predicate over keys relative to the source prefix.
import picomatch from 'picomatch';

export interface KeyFilterPatterns {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

const globOptions: picomatch.PicomatchOptions = { dot: true, windows: false };

function matcherFor(patterns: readonly string[]): picomatch.Matcher | undefined {
  return patterns.length === 0 ? undefined : picomatch([...patterns], globOptions);
}

/**
 * True for the relative keys to copy: matched by some include pattern (no patterns: every key)
 * and by no exclude pattern. `*` stays within one `/`-separated segment; `**` crosses them.
 */
export function createKeyFilter(patterns: KeyFilterPatterns): (relativeKey: string) => boolean {
  const included = matcherFor(patterns.include);
  const excluded = matcherFor(patterns.exclude);
  return (relativeKey) =>
    (included === undefined || included(relativeKey)) && (excluded === undefined || !excluded(relativeKey));
}
