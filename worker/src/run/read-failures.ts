// Reads a run's failures from the ledger page by page, up to a cap, for summaries and status.
import type { FailureRecord, RunLedger } from '../ports/ledger.ts';

export async function readFailures(ledger: RunLedger, runId: string, cap: number): Promise<FailureRecord[]> {
  const failures: FailureRecord[] = [];
  let after: string | undefined;
  do {
    const page = await ledger.listFailures(runId, { limit: 1000, ...(after !== undefined ? { after } : {}) });
    failures.push(...page.failures);
    after = page.next;
  } while (after !== undefined && failures.length < cap);
  return failures.slice(0, cap);
}
