// Reading a response body into one buffer: exact fill, short bodies returned short, long ones refused.
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { FerryError } from '../../../worker/src/domain/errors.ts';
import { readBody } from '../../../worker/src/storage/read-body.ts';

const stream = (...chunks: string[]) => Readable.from(chunks.map((chunk) => Buffer.from(chunk)));

describe('readBody', () => {
  test('fills a buffer of the announced length from many chunks', async () => {
    const bytes = await readBody(stream('ab', 'cde', '', 'f'), 6);
    expect(Buffer.from(bytes).toString()).toBe('abcdef');
    expect(bytes).toBeInstanceOf(Uint8Array);
  });

  test('a body cut short comes back short, for the caller to reject', async () => {
    expect((await readBody(stream('abc'), 10)).byteLength).toBe(3);
  });

  test('a body longer than announced is a transient error', async () => {
    await expect(readBody(stream('abcdef'), 4)).rejects.toSatisfy(
      (error: unknown) => error instanceof FerryError && error.errorClass === 'Transient',
    );
  });

  test('without a length, the chunks are joined', async () => {
    expect(Buffer.from(await readBody(stream('x', 'yz'), undefined)).toString()).toBe('xyz');
  });
});
