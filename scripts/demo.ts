// Demo: two s3rver endpoints on 127.0.0.1, ~1,000 varied objects, `ferry run` copies them, a verifier proves the
// copy byte- and metadata-exact, and a second `ferry run` copies nothing. Needs only Node. Exits non-zero on any
// mismatch. Usage: npm run demo
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { errorMessage } from '../worker/src/domain/errors.ts';
import { type BucketRef, compareKeyBytes, firstOrderBreak, listAllObjects } from './lib/bucket-listing.ts';
import { createCleanup } from './lib/cleanup.ts';
import { describeFindings, verificationPassed } from './lib/copy-findings.ts';
import { demoObjects } from './lib/demo-dataset.ts';
import { ferryRunCommand, writeFerryConfig } from './lib/ferry-command.ts';
import { parseSummaryTable, summaryCount } from './lib/ferry-summary.ts';
import { startLoopbackEndpoints } from './lib/loopback-s3.ts';
import { countsSince, describeCounts } from './lib/request-counts.ts';
import { type CommandOutcome, type CommandSpec, runCommand } from './lib/run-command.ts';
import { s3rverClient } from './lib/s3-client.ts';
import { seedBucket } from './lib/seed.ts';
import { formatBytes } from './lib/units.ts';
import { verifyCopy } from './lib/verify-copy.ts';

const sourceBucket = 'demo-source';
const destinationBucket = 'demo-archive';
const concurrency = 16;
const ferryTimeoutMs = 10 * 60_000;

const say = (message: string): void => void process.stdout.write(`${message}\n`);

class DemoFailure extends Error {}

function check(condition: boolean, message: string): void {
  if (!condition) throw new DemoFailure(message);
}

async function runFerry(
  spec: CommandSpec,
  registerKill: (kill: (() => void) | undefined) => void,
): Promise<CommandOutcome> {
  const outcome = await runCommand(spec, {
    timeoutMs: ferryTimeoutMs,
    onLine: (line, stream) =>
      (stream === 'stdout' ? process.stdout : process.stderr).write(`  ferry │ ${line}\n`),
    onStarted: registerKill,
  });
  registerKill(undefined);
  return outcome;
}

/** Keys of the destination with their LastModified times, to show a later run rewrote nothing. */
async function lastModifiedByKey(where: BucketRef): Promise<Map<string, number>> {
  const listed = await listAllObjects(where);
  return new Map(listed.map((object) => [object.key, object.lastModified.getTime()]));
}

async function demo(): Promise<void> {
  const cleanup = createCleanup();
  let killFerry: (() => void) | undefined;
  const registerKill = (kill: (() => void) | undefined): void => {
    killFerry = kill;
  };
  try {
    const workDirectory = await mkdtemp(join(tmpdir(), 'ferry-demo-'));
    cleanup.add(() => rm(workDirectory, { recursive: true, force: true }));

    say('Starting two S3 endpoints (s3rver, each behind a request-counting proxy) on 127.0.0.1...');
    const [source, destination] = await startLoopbackEndpoints(['source', 'destination']);
    if (!source || !destination) throw new Error('endpoints did not start');
    cleanup.add(() => destination.stop());
    cleanup.add(() => source.stop());
    say(`  source      ${source.url}\n  destination ${destination.url}`);
    const sourceRef: BucketRef = { client: s3rverClient(source.serverUrl), bucket: sourceBucket };
    const destinationRef: BucketRef = {
      client: s3rverClient(destination.serverUrl),
      bucket: destinationBucket,
    };
    cleanup.add(() => {
      sourceRef.client.destroy();
      destinationRef.client.destroy();
    });
    await sourceRef.client.send(new CreateBucketCommand({ Bucket: sourceBucket }));
    await destinationRef.client.send(new CreateBucketCommand({ Bucket: destinationBucket }));

    const objects = demoObjects();
    say(`Seeding ${objects.length} objects into s3://${sourceBucket}...`);
    const seeded = await seedBucket({ client: sourceRef.client, bucket: sourceBucket, objects, concurrency });
    say(
      `  ${seeded.objects} objects, ${formatBytes(seeded.bytes)}: nested prefixes, unicode, spaces, + and % in keys, a folder marker,\n` +
        `  ${objects.filter((object) => object.sizeBytes === 0).length} empty objects, 3 × 40 MiB (2 uploaded as multipart), varied metadata`,
    );
    const listedKeys = (await listAllObjects(sourceRef)).map((object) => object.key);
    const expectedKeys = objects.map((object) => object.key).sort(compareKeyBytes);
    const orderBreak = firstOrderBreak(listedKeys);
    check(
      JSON.stringify(listedKeys) === JSON.stringify(expectedKeys),
      orderBreak
        ? `s3rver lists the demo keys out of S3 order (${JSON.stringify(orderBreak.before)} before ${JSON.stringify(orderBreak.after)}): the demo dataset needs fixing`
        : `s3rver lists ${listedKeys.length} keys, ${expectedKeys.length} were seeded`,
    );

    const configFile = join(workDirectory, 'ferry.yaml');
    await writeFerryConfig(configFile, {
      sourceUrl: source.url,
      destinationUrl: destination.url,
      sourceBucket,
      destinationBucket,
      mappingId: 'demo',
      concurrency,
    });
    const ferry = ferryRunCommand({
      configFile,
      statePath: join(workDirectory, 'state.sqlite'),
      concurrency,
    });

    // Registered last, so it runs first: Ferry stops before the servers it talks to.
    cleanup.add(() => killFerry?.());
    say(`\nRun 1: ferry run --config ${configFile}`);
    const [sourceCountsBefore, destinationCountsBefore] = await Promise.all([
      source.counts(),
      destination.counts(),
    ]);
    const first = await runFerry(ferry, registerKill);
    const [sourceCountsAfter, destinationCountsAfter] = await Promise.all([
      source.counts(),
      destination.counts(),
    ]);
    say(
      `  S3 requests: source ${describeCounts(countsSince(sourceCountsBefore, sourceCountsAfter))}; ` +
        `destination ${describeCounts(countsSince(destinationCountsBefore, destinationCountsAfter))}`,
    );
    check(!first.timedOut, 'ferry run timed out');
    check(first.exitCode === 0, `ferry run exited with ${first.exitCode}`);
    const firstSummary = parseSummaryTable(first.stdout)[0];
    check(
      summaryCount(firstSummary, 'copied') === seeded.objects && summaryCount(firstSummary, 'failed') === 0,
      `the summary should say ${seeded.objects} copied, 0 failed: ${JSON.stringify(firstSummary)}`,
    );

    say('\nVerifying every object (keys, sizes, MD5 of both bodies, system and user metadata)...');
    const report = await verifyCopy({
      source: sourceRef,
      destination: destinationRef,
      contentCheck: 'body-md5',
      concurrency,
    });
    check(verificationPassed(report), `the copy differs from the source:\n${describeFindings(report, 10)}`);
    check(report.objects === seeded.objects, `verified ${report.objects} objects, seeded ${seeded.objects}`);
    say(`verified ${report.objects} objects, ${report.bytes} bytes: byte- and metadata-exact`);

    const before = await lastModifiedByKey(destinationRef);
    const countsBefore = await destination.counts();
    // LastModified has one-second resolution: wait so that any rewrite would show.
    await sleep(1100);
    say(`\nRun 2 (same command): everything is already there, so nothing should be copied`);
    const second = await runFerry(ferry, registerKill);
    check(!second.timedOut, 'second ferry run timed out');
    check(second.exitCode === 0, `second ferry run exited with ${second.exitCode}`);
    const secondSummary = parseSummaryTable(second.stdout)[0];
    check(
      summaryCount(secondSummary, 'copied') === 0 &&
        summaryCount(secondSummary, 'skipped') === seeded.objects,
      `the summary should say 0 copied, ${seeded.objects} skipped: ${JSON.stringify(secondSummary)}`,
    );
    const destinationRequests = countsSince(countsBefore, await destination.counts());
    const writes = (destinationRequests.byMethod.PUT ?? 0) + (destinationRequests.byMethod.POST ?? 0);
    check(writes === 0, `the second run wrote to the destination: ${describeCounts(destinationRequests)}`);
    const after = await lastModifiedByKey(destinationRef);
    const changed = [...before].filter(([key, time]) => after.get(key) !== time).map(([key]) => key);
    check(after.size === before.size, `the destination had ${before.size} objects, now ${after.size}`);
    check(
      changed.length === 0,
      `LastModified changed on ${changed.length} objects, e.g. ${JSON.stringify(changed[0])}`,
    );
    say(
      `second run copied nothing: ${after.size} objects unchanged (LastModified identical), ` +
        `destination saw no writes (${describeCounts(destinationRequests)})`,
    );
  } finally {
    await cleanup.run();
  }
}

try {
  await demo();
  say('\nDemo passed.');
} catch (error) {
  process.stderr.write(`\nDemo FAILED: ${errorMessage(error)}\n`);
  process.exitCode = 1;
}
