// Cuts the lister's stream of objects to copy into work batches, by count and by bytes, deterministically.
import { createHash } from 'node:crypto';
import { encodedItemBytes, type WorkBatch, type WorkItem } from '../queue/work-message.ts';

export interface BatchLimits {
  /** Most objects per message: small objects travel many to a message. */
  readonly maxItems: number;
  /** Most object bytes per message: a large object travels alone. */
  readonly maxBytes: number;
  /** Most encoded message bytes: long, escaped keys must not push a message past the queue's limit. */
  readonly maxMessageBytes: number;
}

export const defaultBatchLimits: BatchLimits = {
  maxItems: 100,
  maxBytes: 256 * 1024 * 1024,
  maxMessageBytes: 200 * 1024,
};

/** The same run and the same keys always give the same id, so a batch re-sent after a lister restart is recognised. */
export function batchIdOf(runId: string, items: readonly WorkItem[]): string {
  const first = items[0]?.key ?? '';
  const last = items[items.length - 1]?.key ?? '';
  return createHash('sha256')
    .update(`${runId}\0${first}\0${last}\0${items.length}`)
    .digest('hex')
    .slice(0, 32);
}

export class WorkBatcher {
  readonly #runId: string;
  readonly #mappingId: string;
  readonly #limits: BatchLimits;
  #items: WorkItem[] = [];
  #bytes = 0;
  #messageBytes = 0;

  constructor(options: { runId: string; mappingId: string; limits: BatchLimits }) {
    this.#runId = options.runId;
    this.#mappingId = options.mappingId;
    this.#limits = options.limits;
  }

  /** Adds an object; returns the batches it completes (none, the one before it, and/or its own). */
  add(item: WorkItem): WorkBatch[] {
    const completed: WorkBatch[] = [];
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
    return { runId: this.#runId, mappingId: this.#mappingId, batchId: batchIdOf(this.#runId, items), items };
  }
}
