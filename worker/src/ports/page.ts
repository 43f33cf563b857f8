// Paging a ledger listing: one item more than the page is read, so a last page is known as such and never empty.

/** How many items to read for a page of `limit`: one more, to know whether another page follows. */
export function pageReadLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError('page limit must be an integer of at least 1');
  return limit + 1;
}

/** The page (at most limit of the items read) and, when another follows, the key it starts after. */
export function pageOf<T>(
  read: readonly T[],
  limit: number,
  keyOf: (item: T) => string,
): { items: T[]; next?: string } {
  const items = read.slice(0, limit);
  const last = items.at(-1);
  return read.length > limit && last !== undefined ? { items, next: keyOf(last) } : { items };
}
