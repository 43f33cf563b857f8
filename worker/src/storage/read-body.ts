// Reads a response body into one buffer: straight into a buffer of the announced length, without a second copy.
import { FerryError } from '../domain/errors.ts';

/**
 * With a known length the chunks are copied into a single buffer as they arrive (no chunk list, no final
 * concatenation: half the peak memory of a buffered part). A body longer than announced is an error; a shorter one
 * is returned short, for the caller to judge.
 */
export async function readBody(
  body: AsyncIterable<Uint8Array>,
  lengthBytes: number | undefined,
): Promise<Uint8Array> {
  if (lengthBytes === undefined) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    const whole = Buffer.concat(chunks);
    return new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength);
  }
  const buffer = new Uint8Array(lengthBytes);
  let filled = 0;
  for await (const chunk of body) {
    if (filled + chunk.byteLength > lengthBytes) {
      throw new FerryError(
        'Transient',
        `response body longer than its Content-Length of ${lengthBytes} bytes`,
      );
    }
    buffer.set(chunk, filled);
    filled += chunk.byteLength;
  }
  return filled === lengthBytes ? buffer : buffer.subarray(0, filled);
}
