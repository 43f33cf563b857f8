// A range being listed and planned: where its listing is, where it ends now (it may be cut), and how much is left.
import { FerryError } from '../domain/errors.ts';
import type { MappedPrefixes } from '../plan/key-mapping.ts';
import { compareKeys } from '../plan/key-order.ts';
import { destinationRange } from './destination-range.ts';
import { type KeyRange, keyAfter } from './key-ranges.ts';
import type { RangeStart, RangeToList } from './range-checkpoint.ts';
import { restMidpoint, restToSampleRatio } from './range-split-points.ts';

/** Keys in a stretch of the listing the estimates look at: about a list page. */
const stretchKeys = 1000;

/** A stretch of listed keys: its first key and how many it holds. */
interface Stretch {
  readonly first: string;
  keys: number;
}

/** The inclusive last key of a range whose upper bound was made by keyAfter (undefined: open-ended). */
function throughOf(range: KeyRange): string | undefined {
  const { before } = range;
  if (before === undefined) return undefined;
  if (!before.endsWith('\u0000'))
    throw new FerryError('Internal', `A range ends before ${JSON.stringify(before)}`);
  return before.slice(0, -1);
}

export class RangeCursor {
  /** Which range of the listing this is (its lower bound). */
  readonly start: RangeStart;
  /** Where listing begins: after the range's last planned key, or its start. */
  readonly from: KeyRange;
  readonly #mapping: MappedPrefixes;
  #through: string | undefined;
  #sourceBefore: string | undefined;
  #destinationBefore: string | undefined;
  #position: string | undefined;
  #stretch: Stretch | undefined;
  #previousStretch: Stretch | undefined;
  #recorded = false;
  #listed = false;
  #cutsRecorded: Promise<void> = Promise.resolve();
  readonly #onChange: () => void;

  /** onChange is told whenever the range records a step or its listing ends (what may make it worth cutting). */
  constructor(work: RangeToList, options: { mapping: MappedPrefixes; onChange?: () => void }) {
    this.start = work.start;
    this.from = work.range;
    this.#mapping = options.mapping;
    this.#onChange = options.onChange ?? (() => undefined);
    this.#through = throughOf(work.range);
    this.#sourceBefore = work.range.before;
    this.#destinationBefore = destinationRange(work.range, options.mapping)?.before;
  }

  /** The source listing stops at the first key at or after this (undefined: the prefix's end). */
  get sourceBefore(): string | undefined {
    return this.#sourceBefore;
  }

  /** The destination listing stops at the first key at or after this; undefined: the prefix's end. */
  get destinationBefore(): string | undefined {
    return this.#destinationBefore;
  }

  /** Whether a source key still lies in the range (it may have been cut since the key was listed). */
  holds(sourceKey: string): boolean {
    return this.#sourceBefore === undefined || compareKeys(sourceKey, this.#sourceBefore) < 0;
  }

  /** Settles once every cut of the range is recorded: the range's last step waits for it. */
  get cutsRecorded(): Promise<void> {
    return this.#cutsRecorded;
  }

  /** The source listing yielded key. */
  passed(key: string): void {
    this.#position = key;
    if (this.#stretch === undefined || this.#stretch.keys >= stretchKeys) {
      this.#previousStretch = this.#stretch;
      this.#stretch = { first: key, keys: 0 };
    }
    this.#stretch.keys += 1;
  }

  /** The range recorded a step: whatever an earlier lister sent of it and did not record has been sent again. */
  stepRecorded(): void {
    this.#recorded = true;
    this.#onChange();
  }

  /** The source listing has ended: nothing is left to cut. */
  listingEnded(): void {
    this.#listed = true;
    this.#onChange();
  }

  /**
   * About how many keys are left after the listing's position, at the density of the latest stretch of keys it
   * listed; 0 until the range may be cut (it has recorded a step here and its listing is still going).
   */
  estimatedRemainingKeys(prefix: string): number {
    const stretch = this.#previousStretch ?? this.#stretch;
    if (!this.#recorded || this.#listed || this.#position === undefined || stretch === undefined) return 0;
    const keys = (this.#previousStretch?.keys ?? 0) + (this.#stretch?.keys ?? 0);
    const ratio = restToSampleRatio({
      prefix,
      pageFirst: stretch.first,
      lastSampled: this.#position,
      through: this.#through,
    });
    return keys * ratio;
  }

  /** Where to cut what is left: about halfway, strictly after the listing's position; undefined: nowhere. */
  cutPoint(prefix: string): string | undefined {
    if (this.#position === undefined || this.#listed) return undefined;
    const point = restMidpoint({
      prefix,
      pageFirst: (this.#previousStretch ?? this.#stretch)?.first ?? this.#position,
      lastSampled: this.#position,
      through: this.#through,
    });
    return point?.startsWith(prefix) ? point : undefined;
  }

  /**
   * Ends the range at `at` from now on (it must lie after the listing's position); recorded settles when the cut
   * is in the ledger. Returns the rest of the range, for a range of its own.
   */
  cut(at: string, recorded: Promise<void>): KeyRange {
    if (this.#position === undefined || compareKeys(at, this.#position) <= 0) {
      throw new FerryError(
        'Internal',
        `Cannot cut a range at ${JSON.stringify(at)}, where it has been listed`,
      );
    }
    const rest: KeyRange = {
      after: at,
      ...(this.#sourceBefore !== undefined ? { before: this.#sourceBefore } : {}),
    };
    this.#through = at;
    this.#sourceBefore = keyAfter(at);
    this.#destinationBefore = destinationRange({ before: this.#sourceBefore }, this.#mapping)?.before;
    const earlier = this.#cutsRecorded;
    this.#cutsRecorded = Promise.all([earlier, recorded]).then(() => undefined);
    // Awaited by the range's last step and the new range's start; a failure must not go unhandled before then.
    this.#cutsRecorded.catch(() => undefined);
    return rest;
  }
}
