// Which worker exits the end-to-end flow counts as unclean after a scale-in.
import { expect, test } from 'vitest';
import { uncleanWorkerExits } from '../../e2e/workflow.ts';
import type { ExitedWorker } from '../../support/fleet-runtime.ts';

const exit = (id: string, fields: Omit<ExitedWorker, 'id'>): ExitedWorker => ({ id, ...fields });
const snapshotOf = (exitedWorkers: ExitedWorker[]) => ({
  desiredWorkers: 0,
  workers: [],
  listers: [],
  exitedWorkers,
});

test('started workers must drain to exit 0; a booting one may end on the signal; any unasked exit is unclean', () => {
  const drained = exit('w1', { exitCode: 0, started: true, expected: true });
  const booting = exit('w2', { exitCode: 143, started: false, expected: true });
  const failedDrain = exit('w3', { exitCode: 1, started: true, expected: true });
  const killedStarted = exit('w4', { exitCode: 143, started: true, expected: true });
  const crashed = exit('w5', { exitCode: 0, started: true, expected: false });
  expect(uncleanWorkerExits(snapshotOf([drained, booting, failedDrain, killedStarted, crashed]))).toEqual([
    failedDrain,
    killedStarted,
    crashed,
  ]);
});
