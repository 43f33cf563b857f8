// How much a plan in a pull-request job may list: keys on both sides together, and time on the injected clock.
import type { ObjectEntry } from '../domain/object.ts';
import type { Clock } from '../ports/clock.ts';

export interface ListingBudget {
  /** Keys listed, source and destination together, before listing stops. */
  readonly maxKeys: number;
  /** Time spent listing, by the injected clock, before listing stops. */
  readonly maxListMs: number;
}

/** 200,000 keys (about 200 list requests per side) or 10 minutes, whichever comes first. */
export const defaultListingBudget: ListingBudget = { maxKeys: 200_000, maxListMs: 10 * 60_000 };

export type BudgetLimit = 'keys' | 'time';

/** Thrown through the planner when the budget runs out; what was decided before it stands. */
export class ListingBudgetExhausted extends Error {
  readonly limit: BudgetLimit;

  constructor(limit: BudgetLimit) {
    super(`the listing budget (${limit}) ran out`);
    this.name = 'ListingBudgetExhausted';
    this.limit = limit;
  }
}

/** Counts listed keys against the budget; throws ListingBudgetExhausted on the first key over it. */
export class ListingMeter {
  readonly #budget: ListingBudget;
  readonly #clock: Clock;
  readonly #startMs: number;
  #keys = 0;

  constructor(options: { budget: ListingBudget; clock: Clock }) {
    this.#budget = options.budget;
    this.#clock = options.clock;
    this.#startMs = options.clock.now().getTime();
  }

  get keys(): number {
    return this.#keys;
  }

  /** Takes one key from the budget. */
  take(): void {
    if (this.#keys >= this.#budget.maxKeys) throw new ListingBudgetExhausted('keys');
    if (this.#clock.now().getTime() - this.#startMs >= this.#budget.maxListMs) {
      throw new ListingBudgetExhausted('time');
    }
    this.#keys += 1;
  }
}

/** The listing, each entry taken from the meter's budget first; onEntry sees every entry let through. */
export async function* metered(
  listing: AsyncIterable<ObjectEntry>,
  options: { meter: ListingMeter; onEntry: (entry: ObjectEntry) => void },
): AsyncGenerator<ObjectEntry, void, undefined> {
  for await (const entry of listing) {
    options.meter.take();
    options.onEntry(entry);
    yield entry;
  }
}
