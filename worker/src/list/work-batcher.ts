// Cuts the lister's stream of objects to copy into work batches, by count and by bytes, deterministically; a very
// large object becomes a batch of its own that travels as ranges shared by several workers.
import { createHash } from 'node:crypto';
import type { TransferSettings } from '../config/types.ts';
import {
  encodedItemBytes,
  maxDeleteBatchItems,
  type WorkBatch,
  type WorkItem,
} from '../queue/work-message.ts';
import { planSharing, type SharingSettings } from '../transfer/shared-ranges.ts';

export interface BatchLimits {
  /** Most objects per message: small objects travel many to a message. */
  readonly maxItems: number;
  /** Most object bytes per message: a large object travels alone. */
  readonly maxBytes: number;
  /** Most encoded message bytes: long, escaped keys must not push a message past the queue's limit. */
  readonly maxMessageBytes: number;
  /** Which objects several workers share, a range of parts each; absent: none. */
  readonly sharing?: SharingSettings;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Objects of 4 GiB and more are shared in ranges of about 1 GiB; parts as transfer.partSize's default. */
export const defaultSharing: SharingSettings = {
  thresholdBytes: 4 * GiB,
  rangeSizeBytes: GiB,
  minPartSizeBytes: 8 * MiB,
};

export const defaultBatchLimits: BatchLimits = {
  maxItems: 100,
  maxBytes: 256 * 1024 * 1024,
  maxMessageBytes: 200 * 1024,
  sharing: defaultSharing,
};

/** The batch limits for a configuration: the default ones, sharing large objects as its transfer settings say. */
export function batchLimitsFor(transfer: TransferSettings): BatchLimits {
  return {
    ...defaultBatchLimits,
    sharing: {
      thresholdBytes: transfer.sharedObjectThresholdBytes ?? defaultSharing.thresholdBytes,
      rangeSizeBytes: transfer.rangeSizeBytes ?? defaultSharing.rangeSizeBytes,
      minPartSizeBytes: transfer.partSizeBytes,
    },
  };
}

/** Objects to copy, or (a sync run's) destination objects to delete: their batches' ids never meet. */
export type BatchKind = 'copy' | 'delete';

/** A sync run's deletes: up to one DeleteObjects request per batch, under the queue's message limit. */
export const deleteBatchLimits: BatchLimits = {
  maxItems: maxDeleteBatchItems,
  maxBytes: Number.POSITIVE_INFINITY,
  maxMessageBytes: defaultBatchLimits.maxMessageBytes,
};

/** The same run and the same keys always give the same id, so a batch re-sent after a lister restart is recognised. */
export function batchIdOf(runId: string, items: readonly WorkItem[], kind: BatchKind = 'copy'): string {
  const first = items[0]?.key ?? '';
  const last = items[items.length - 1]?.key ?? '';
  const kindTag = kind === 'copy' ? '' : `${kind}\0`;
  return createHash('sha256')
    .update(`${kindTag}${runId}\0${first}\0${last}\0${items.length}`)
    .digest('hex')
    .slice(0, 32);
}

export class WorkBatcher {
  readonly #runId: string;
  readonly #mappingId: string;
  readonly #limits: BatchLimits;
  readonly #kind: BatchKind;
  #items: WorkItem[] = [];
  #bytes = 0;
  #messageBytes = 0;

  constructor(options: { runId: string; mappingId: string; limits: BatchLimits; kind?: BatchKind }) {
    this.#runId = options.runId;
    this.#mappingId = options.mappingId;
    this.#limits = options.limits;
    this.#kind = options.kind ?? 'copy';
  }

  /** Adds an object; returns the batches it completes (none, the one before it, and/or its own). */
  add(item: WorkItem): WorkBatch[] {
    const completed: WorkBatch[] = [];
    const layout = this.#limits.sharing ? planSharing(item.size, this.#limits.sharing) : undefined;
    if (layout) {
      // A shared object travels alone, as its ranges: whatever is pending goes first.
      if (this.#items.length > 0) completed.push(this.#take());
      const shared = { partSizeBytes: layout.partSizeBytes, rangeCount: layout.rangeCount };
      return [...completed, { ...this.#batchOf([item]), shared }];
    }
    const itemMessageBytes = encodedItemBytes(item);
    const overflows =
      this.#bytes + item.size > this.#limits.maxBytes ||
      this.#messageBytes + itemMessageBytes > this.#limits.maxMessageBytes;
    if (this.#items.length > 0 && overflows) completed.push(this.#take());
    this.#items.push(item);
    this.#bytes += item.size;
    this.#messageBytes += itemMessageBytes;
    if (this.#items.length >= this.#limits.maxItems || this.#bytes >= this.#limits.maxBytes) {
      completed.push(this.#take());
    }
    return completed;
  }

  get pending(): number {
    return this.#items.length;
  }

  /** The batch of whatever is pending, or undefined when nothing is. */
  flush(): WorkBatch | undefined {
    return this.#items.length === 0 ? undefined : this.#take();
  }

  #take(): WorkBatch {
    const items = this.#items;
    this.#items = [];
    this.#bytes = 0;
    this.#messageBytes = 0;
    return this.#batchOf(items);
  }

  #batchOf(items: WorkItem[]): WorkBatch {
    const batchId = batchIdOf(this.#runId, items, this.#kind);
    return { runId: this.#runId, mappingId: this.#mappingId, batchId, items };
  }
}
