// Seeding helpers for the lister's moto tests: keys moto can carry, stored with chosen bodies.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';

export { withoutLastCharacter } from '../../unit/list/parallel-fake-lister.ts';

/** A key moto can store and list back: no control characters or non-characters, which XML cannot carry. */
export function storable(key: string): boolean {
  return Array.from(key).every((character) => {
    const codePoint = character.codePointAt(0) ?? 0;
    return codePoint >= 0x20 && codePoint !== 0xfffe && codePoint !== 0xffff;
  });
}

/** Stores every key, its body chosen by bodyOf (equal bodies: equal ETags), 32 at a time. */
export async function putKeys(
  client: S3Client,
  target: { bucket: string; keys: readonly string[]; bodyOf: (key: string) => string },
): Promise<void> {
  const limit = pLimit(32);
  await Promise.all(
    target.keys.map((key) =>
      limit(() =>
        client.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: target.bodyOf(key) })),
      ),
    ),
  );
}
