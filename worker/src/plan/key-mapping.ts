// Source key <-> destination key: the source prefix replaced by the destination prefix, and back.
import { FerryError } from '../domain/errors.ts';

/** S3's limit on a key's length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** The two prefixes of a mapping; a MappingConfig is one. */
export interface MappedPrefixes {
  readonly source: { readonly prefix: string };
  readonly destination: { readonly prefix: string };
}

/** The key's part after the source prefix, which include/exclude globs match; throws if not under it. */
export function relativeSourceKey(sourceKey: string, mapping: MappedPrefixes): string {
  if (!sourceKey.startsWith(mapping.source.prefix)) {
    throw new FerryError(
      'Internal',
      `The source key ${JSON.stringify(sourceKey)} is not under the source prefix ${JSON.stringify(mapping.source.prefix)}`,
    );
  }
  return sourceKey.slice(mapping.source.prefix.length);
}

/** Where a source object goes. The result may be unstorable (see destinationKeyProblem). */
export function toDestinationKey(sourceKey: string, mapping: MappedPrefixes): string {
  return mapping.destination.prefix + relativeSourceKey(sourceKey, mapping);
}

/** Which source key a destination key corresponds to; undefined when it is not under the destination prefix. */
export function toSourceKey(destinationKey: string, mapping: MappedPrefixes): string | undefined {
  if (!destinationKey.startsWith(mapping.destination.prefix)) return undefined;
  return mapping.source.prefix + destinationKey.slice(mapping.destination.prefix.length);
}

/** Why S3 would refuse this key, or undefined when it is storable. */
export function destinationKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the key is empty';
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) return `the key is ${bytes} bytes in UTF-8, over S3's limit of ${MAX_KEY_BYTES}`;
  return undefined;
}

/** Throws InvalidObject when S3 would refuse this key. */
export function assertStorableKey(key: string): void {
  const problem = destinationKeyProblem(key);
  if (problem !== undefined) {
    throw new FerryError('InvalidObject', `Cannot store ${JSON.stringify(key)} in S3: ${problem}`);
  }
}
