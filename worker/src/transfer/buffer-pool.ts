// Reuses the large buffers that parts are read into, so memory stays flat and the GC does not churn per part.

export interface BufferPool {
  /** A buffer of at least sizeBytes (a reused one when one fits), or undefined for sizes too small to pool. */
  acquire(sizeBytes: number): Uint8Array | undefined;
  /** Gives a buffer back once nothing refers to its bytes any more. */
  release(buffer: Uint8Array): void;
}

export function createBufferPool(options: {
  /** Free buffers kept, in bytes, at most: with parts-in-flight × part size, memory is bounded. */
  maxPooledBytes: number;
  /** Smaller reads are left to the garbage collector. Default 1 MiB. */
  minPooledBytes?: number;
}): BufferPool {
  const minPooledBytes = options.minPooledBytes ?? 1024 * 1024;
  const free: Uint8Array[] = [];
  let freeBytes = 0;
  return {
    acquire(sizeBytes) {
      if (sizeBytes < minPooledBytes) return undefined;
      // A free buffer that fits without wasting more than its own size.
      const index = free.findIndex(
        (buffer) => buffer.byteLength >= sizeBytes && buffer.byteLength <= 2 * sizeBytes,
      );
      if (index === -1) return new Uint8Array(sizeBytes);
      const [buffer] = free.splice(index, 1);
      freeBytes -= buffer!.byteLength;
      return buffer;
    },
    release(buffer) {
      if (buffer.byteLength < minPooledBytes || freeBytes + buffer.byteLength > options.maxPooledBytes)
        return;
      free.push(buffer);
      freeBytes += buffer.byteLength;
    },
  };
}
