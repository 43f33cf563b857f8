// Counts what a run has done so far, from transfer callbacks and the ledger's plan, for progress displays.
import type { ObjectOutcome } from '../domain/object.ts';
import type { Clock } from '../ports/clock.ts';
import type { Counts } from '../ports/ledger.ts';

export interface ProgressSnapshot {
  readonly listing: boolean;
  readonly planned: Counts;
  readonly skipped: Counts;
  readonly copiedObjects: number;
  readonly failedObjects: number;
  /** Bytes moved so far, including parts of objects still in flight. */
  readonly bytesMoved: number;
  readonly elapsedMs: number;
  readonly bytesPerSec: number;
  /** Estimated time to finish, once the plan is known and bytes are moving. */
  readonly etaMs: number;
}

export class ProgressMeter {
  readonly #clock: Clock;
  readonly #startedMs: number;
  #listing = true;
  #planned: Counts = { objects: 0, bytes: 0 };
  #skipped: Counts = { objects: 0, bytes: 0 };
  #copied = 0;
  #failed = 0;
  #bytes = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#startedMs = clock.now().getTime();
  }

  readonly onBytes = (bytes: number): void => {
    this.#bytes += bytes;
  };

  /** Deletes are not part of the copy progress shown. */
  readonly onObject = (outcome: ObjectOutcome): void => {
    if (outcome === 'copied') this.#copied += 1;
    else if (outcome === 'failed') this.#failed += 1;
  };

  setPlan(plan: { planned: Counts; skipped: Counts; listing: boolean }): void {
    this.#planned = plan.planned;
    this.#skipped = plan.skipped;
    this.#listing = plan.listing;
  }

  snapshot(): ProgressSnapshot {
    const elapsedMs = Math.max(1, this.#clock.now().getTime() - this.#startedMs);
    const bytesPerSec = (this.#bytes * 1000) / elapsedMs;
    const left = Math.max(0, this.#planned.bytes - this.#bytes);
    return {
      listing: this.#listing,
      planned: this.#planned,
      skipped: this.#skipped,
      copiedObjects: this.#copied,
      failedObjects: this.#failed,
      bytesMoved: this.#bytes,
      elapsedMs,
      bytesPerSec,
      etaMs: this.#listing || bytesPerSec === 0 ? Number.POSITIVE_INFINITY : (left / bytesPerSec) * 1000,
    };
  }
}
