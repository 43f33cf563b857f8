// Runs the RunLedger and ObjectMemory contracts against the SQLite ledger, on a state file in a temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteLedger } from '../../worker/src/embedded/sqlite-ledger.ts';
import { openStateDb } from '../../worker/src/embedded/state-db.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { describeLedgerContract } from './ledger.contract.ts';

describeLedgerContract('SQLite', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'ferry-ledger-'));
  const db = openStateDb(join(directory, 'ferry.db'));
  const ledger = createSqliteLedger({ db, clock: createManualClock() });
  return {
    ledger,
    memory: ledger,
    dispose: async () => {
      db.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});
