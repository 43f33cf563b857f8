// A bounded queue between one range's listing and the in-order reader: the writer waits while it is full.

/** One waiting side's wake-up call. */
type Wake = () => void;

export class ParallelBuffer<T> {
  readonly #capacity: number;
  #items: T[] = [];
  #head = 0;
  #ended = false;
  #cancelled = false;
  #failure: { readonly error: unknown } | undefined;
  #wakeWriter: Wake | undefined;
  #wakeReader: Wake | undefined;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be >= 1: ${capacity}`);
    this.#capacity = capacity;
  }

  /** Items stored and not yet taken. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** The writer has finished and every item has been taken. */
  get drained(): boolean {
    return this.#ended && this.size === 0;
  }

  /** Stores item once there is room; false when the reader has cancelled (the writer should stop). */
  async put(item: T): Promise<boolean> {
    while (this.size >= this.#capacity && !this.#cancelled) {
      await new Promise<void>((resolve) => {
        this.#wakeWriter = resolve;
      });
    }
    if (this.#cancelled) return false;
    this.#items.push(item);
    this.#wake('reader');
    return true;
  }

  /** The writer has no more items. */
  end(): void {
    this.#ended = true;
    this.#wake('reader');
  }

  /** Makes the reader's next take or wait throw error. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#wake('reader');
  }

  /** The reader stops: a waiting writer is released and every later put returns false. */
  cancel(): void {
    this.#cancelled = true;
    this.#items = [];
    this.#head = 0;
    this.#wake('writer');
  }

  /** The next item, or undefined when none is stored now; throws the failure, if any. */
  take(): T | undefined {
    if (this.#failure) throw this.#failure.error;
    if (this.size === 0) return undefined;
    const item = this.#items[this.#head] as T;
    this.#head += 1;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#wake('writer');
    return item;
  }

  /** Resolves when an item is stored, the writer has ended, or the buffer failed (take then throws). */
  async readable(): Promise<void> {
    while (this.size === 0 && !this.#ended && !this.#failure) {
      await new Promise<void>((resolve) => {
        this.#wakeReader = resolve;
      });
    }
  }

  #wake(side: 'reader' | 'writer'): void {
    const wake = side === 'reader' ? this.#wakeReader : this.#wakeWriter;
    if (side === 'reader') this.#wakeReader = undefined;
    else this.#wakeWriter = undefined;
    wake?.();
  }
}
