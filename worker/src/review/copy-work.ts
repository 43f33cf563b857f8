// The requests and bytes copying objects takes, counted with the transfer's own strategy and part layout.
import type { StoreLocation } from '../ports/object-store.ts';
import { partPlan } from '../transfer/part-size.ts';
import { chooseStrategy, serverSideMethod } from '../transfer/strategy.ts';

export interface CopyWork {
  readonly objects: number;
  /** GET and HEAD requests to the source (GET-tier). */
  readonly sourceReads: number;
  /** PutObject, CopyObject, CreateMultipartUpload, UploadPart(Copy), CompleteMultipartUpload (PUT-tier). */
  readonly destinationWrites: number;
  /** Bytes read from the source and written to the destination by the workers. */
  readonly bytesThroughWorkers: number;
  /** Bytes copied inside the service (server-side copy): no transfer through the workers. */
  readonly bytesServerSide: number;
}

export const noWork: CopyWork = {
  objects: 0,
  sourceReads: 0,
  destinationWrites: 0,
  bytesThroughWorkers: 0,
  bytesServerSide: 0,
};

/** How the workers will copy: the two stores and the transfer settings that choose a strategy. */
export interface CopyRoute {
  readonly source: StoreLocation;
  readonly destination: StoreLocation;
  readonly destinationCanCopy: boolean;
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
}

function partCount(size: number, partSizeBytes: number): number {
  try {
    return partPlan({ size, minPartSizeBytes: partSizeBytes }).parts.length;
  } catch {
    // Larger than S3 allows: the worker fails it after one HEAD; count it as one part.
    return 1;
  }
}

/**
 * One object's requests as the worker makes them on a first attempt: a single copy is one GET and one PUT;
 * multipart is a HEAD, a ranged GET per part and create + parts + complete; server-side is a HEAD and a
 * CopyObject, or create + UploadPartCopy per part + complete above 5 GiB.
 */
export function copyWorkOf(size: number, route: CopyRoute): CopyWork {
  const strategy = chooseStrategy({ size, ...route });
  if (strategy === 'single') {
    return {
      objects: 1,
      sourceReads: 1,
      destinationWrites: 1,
      bytesThroughWorkers: size,
      bytesServerSide: 0,
    };
  }
  if (strategy === 'multipart') {
    const parts = partCount(size, route.partSizeBytes);
    return {
      objects: 1,
      sourceReads: 1 + parts,
      destinationWrites: parts + 2,
      bytesThroughWorkers: size,
      bytesServerSide: 0,
    };
  }
  const writes = serverSideMethod({ size }) === 'copy-object' ? 1 : partCount(size, route.partSizeBytes) + 2;
  return {
    objects: 1,
    sourceReads: 1,
    destinationWrites: writes,
    bytesThroughWorkers: 0,
    bytesServerSide: size,
  };
}

export function addWork(a: CopyWork, b: CopyWork): CopyWork {
  return {
    objects: a.objects + b.objects,
    sourceReads: a.sourceReads + b.sourceReads,
    destinationWrites: a.destinationWrites + b.destinationWrites,
    bytesThroughWorkers: a.bytesThroughWorkers + b.bytesThroughWorkers,
    bytesServerSide: a.bytesServerSide + b.bytesServerSide,
  };
}

/** The work scaled by factor (an extrapolation), rounded to whole requests and bytes. */
export function scaleWork(work: CopyWork, factor: number): CopyWork {
  const scale = (value: number): number => Math.round(value * factor);
  return {
    objects: scale(work.objects),
    sourceReads: scale(work.sourceReads),
    destinationWrites: scale(work.destinationWrites),
    bytesThroughWorkers: scale(work.bytesThroughWorkers),
    bytesServerSide: scale(work.bytesServerSide),
  };
}
