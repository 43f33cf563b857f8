// The whole workflow on this machine: moto plays AWS, a local runtime plays ECS and EC2, the committed action bundles
// run in workflow order (deploy → start-lister → scale-workers → await-run), and the job summary is printed at the end.
// Usage: npx node scripts/e2e.ts [--keep] [--fresh]
//   --keep   leave the workspace and the fleet's logs in place
//   --fresh  build the actions and the engine bundle from the sources first (into a temporary directory; the committed
//            dist/ bundles are not touched) and run those
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { datasetObjects, seedDataset } from '../test/e2e/dataset.ts';
import {
  committedActions,
  deployE2eFleet,
  type E2eFleet,
  StepFailed,
  uncleanWorkerExits,
} from '../test/e2e/workflow.ts';
import { testS3, uniqueBucket } from '../test/support/aws.ts';
import { tempDir } from '../test/support/ferry-cli.ts';
import { startMoto } from '../test/support/moto.ts';
import { createBucket } from '../test/support/objects.ts';

const keep = process.argv.includes('--keep');
const fresh = process.argv.includes('--fresh');
const log = (line: string): void => {
  process.stderr.write(`[e2e] ${line}\n`);
};

/** Builds every action's dist/ and the engine bundle under dir, next to a copy of each action.yml. */
function buildActions(dir: string): string {
  const script = new URL('build-actions.ts', import.meta.url).pathname;
  execFileSync(process.execPath, [script, '--out', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const root = join(dir, 'actions');
  for (const action of readdirSync(root)) {
    copyFileSync(join(committedActions, action, 'action.yml'), join(root, action, 'action.yml'));
  }
  return root;
}

const dir = tempDir('e2e-script');
const actionsRoot = fresh ? buildActions(join(dir, 'fresh')) : committedActions;
if (fresh) log(`built the actions and the engine bundle into ${actionsRoot}`);
const moto = await startMoto();
log(`moto_server at ${moto.url}; workspace and logs in ${dir}`);
let fleet: E2eFleet | undefined;
let exitCode = 1;
try {
  const s3 = testS3(moto.url);
  const sourceBucket = uniqueBucket('e2e-source');
  const destinationBucket = uniqueBucket('e2e-destination');
  const objects = datasetObjects('data/');
  await createBucket(s3, sourceBucket);
  await createBucket(s3, destinationBucket);
  await seedDataset(s3, sourceBucket, objects);
  log(`seeded ${objects.length} objects into ${sourceBucket}`);
  fleet = await deployE2eFleet({
    controlUrl: moto.url,
    sourceUrl: moto.url,
    fleetName: 'e2e',
    sourceBuckets: [sourceBucket],
    destinationBuckets: [destinationBucket],
    mappingsYaml: [
      '  - id: main',
      `    source: { endpoint: src, bucket: ${sourceBucket}, prefix: "data/" }`,
      `    destination: { endpoint: dst, bucket: ${destinationBucket}, prefix: "data/" }`,
    ].join('\n'),
    workDir: dir,
    log,
    actionsRoot,
  });
  const steps = await fleet.runMigration({ mapping: 'main', runId: 'e2e-1', mode: 'full', workers: 2 });
  process.stdout.write(`${steps.awaitRun.stdout}\n`);
  process.stdout.write(`\n===== job summary =====\n${steps.awaitRun.summary}\n`);
  exitCode = steps.awaitRun.code ?? 1;
  await fleet.runtime.waitFor((state) => state.workers.length === 0, { timeoutMs: 60_000 });
  const unclean = uncleanWorkerExits(fleet.runtime.snapshot());
  if (unclean.length > 0) {
    log(`workers that did not stop cleanly: ${JSON.stringify(unclean)}`);
    exitCode = 1;
  }
} catch (error) {
  if (error instanceof StepFailed) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
} finally {
  if (exitCode !== 0 && fleet) process.stderr.write(`${fleet.runtime.logs()}\n`);
  await fleet?.stop();
  await moto.stop();
  if (keep || exitCode !== 0) log(`workspace and logs kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
log(exitCode === 0 ? 'the run succeeded' : `failed (exit ${exitCode})`);
process.exitCode = exitCode;
