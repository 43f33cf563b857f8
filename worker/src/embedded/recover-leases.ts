// Embedded mode owns its state file: at start, messages leased by a process that died are handed back at once.
import type { StateDb } from './state-db.ts';

/** Makes every leased message visible now; only safe while no other process works on this state file. */
export function recoverLeases(db: StateDb, now: Date): number {
  const result = db
    .statement('UPDATE queue_messages SET visible_at_ms = ?, receipt_handle = NULL WHERE visible_at_ms > ?')
    .run(now.getTime(), now.getTime());
  return Number(result.changes);
}
