// `ferry manifest`: reads a run's per-object manifest from S3, dedupes it, and prints totals or the lines themselves.
import { once } from 'node:events';
import type { Command } from 'commander';
import { Option } from 'commander';
import { createSsmClient } from '../../aws/clients.ts';
import { loadConfigFrom } from '../../config/config-source.ts';
import type { FerryConfig } from '../../config/types.ts';
import { FerryError } from '../../domain/errors.ts';
import { encodeManifestLine, type ManifestLine } from '../../manifest/manifest-line.ts';
import { manifestUrl } from '../../manifest/manifest-location.ts';
import { readManifest, totalManifest } from '../../manifest/manifest-reader.ts';
import { manifestReport, renderManifestReport, sortedManifestLines } from '../../manifest/manifest-report.ts';
import { controlPlaneS3Endpoint, manifestStore, manifestTarget } from '../../manifest/open-manifest.ts';
import {
  type ControlPlaneFlags,
  controlPlaneEndpoint,
  requiredEnvOption,
  withControlPlaneOptions,
} from '../aws-options.ts';
import { oneOf } from '../options.ts';

/** `--manifest s3://bucket/prefix` (or FERRY_MANIFEST), shared by the commands that write or read a manifest. */
export function manifestOption(): Option {
  return new Option(
    '--manifest <s3-url>',
    "write every object's outcome as gzipped JSON Lines under s3://bucket/prefix (docs/manifest.md)",
  ).env('FERRY_MANIFEST');
}

interface ManifestFlags extends ControlPlaneFlags {
  runId: string;
  manifest?: string;
  config?: string;
  endpoint?: string;
  mapping?: string;
  lines?: boolean;
  format: 'text' | 'json';
}

/** With --endpoint, the config's endpoint of that name reads the manifest (one written by `ferry run`, say). */
function withEndpoint(
  config: FerryConfig | undefined,
  endpoint: string | undefined,
): FerryConfig | undefined {
  if (endpoint === undefined) return config;
  if (!config)
    throw new FerryError('Config', '--endpoint names an endpoint of the config: give --config too');
  // Reading never flushes: only the location and the endpoint matter.
  const manifest = config.manifest ?? { bucket: '', prefix: '', flushAfterSec: 1 };
  return { ...config, manifest: { ...manifest, endpoint } };
}

async function writeLines(lines: readonly ManifestLine[]): Promise<void> {
  const chunkLines = 1000;
  for (let start = 0; start < lines.length; start += chunkLines) {
    const chunk = lines
      .slice(start, start + chunkLines)
      .map(encodeManifestLine)
      .join('');
    if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
  }
}

async function readRunManifest(flags: ManifestFlags): Promise<number> {
  const control = controlPlaneEndpoint(flags);
  const loaded = flags.config
    ? await loadConfigFrom(flags.config, { ssm: () => createSsmClient(control) })
    : undefined;
  const config = withEndpoint(loaded, flags.endpoint);
  const target = manifestTarget({
    flag: flags.manifest,
    ...(config ? { config } : {}),
    defaultEndpoint: () => controlPlaneS3Endpoint(control),
  });
  if (!target?.location.bucket) {
    throw new FerryError(
      'Config',
      'where is the manifest? give --manifest s3://bucket/prefix, or a --config with one',
    );
  }
  const location = manifestUrl(target.location);
  const read = await readManifest({
    store: manifestStore(target),
    prefix: target.location.prefix,
    runId: flags.runId,
    ...(flags.mapping === undefined ? {} : { mappingId: flags.mapping }),
  });
  if (read.parts === 0) {
    process.stderr.write(
      `ferry: no manifest parts for run ${flags.runId} under ${location} (a wrong run id or prefix, or nothing recorded yet)\n`,
    );
    return 1;
  }
  if (flags.lines) {
    await writeLines(sortedManifestLines(read));
    return 0;
  }
  const report = manifestReport({
    runId: flags.runId,
    location,
    read,
    totals: totalManifest(read.objects.values()),
  });
  process.stdout.write(
    `${flags.format === 'json' ? JSON.stringify(report) : renderManifestReport(report)}\n`,
  );
  return 0;
}

export function registerManifestCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('manifest')
    .description(
      "Read a run's per-object manifest from S3: dedupe it and print totals (or, with --lines, one line per object).",
    )
    .addOption(requiredEnvOption('--run-id <id>', 'the run', 'FERRY_RUN_ID'))
    .addOption(manifestOption())
    .addOption(
      new Option('-c, --config <source>', "config file or ssm:/parameter/name with a 'manifest' section").env(
        'FERRY_CONFIG',
      ),
    )
    .addOption(
      new Option('--endpoint <name>', 'read with this endpoint of the config (default: the control plane)'),
    )
    .addOption(new Option('-m, --mapping <id>', "only this mapping's objects").env('FERRY_MAPPING'))
    .option('--lines', 'print the deduped lines (JSON Lines, by mapping and key) instead of totals')
    .option('--format <format>', 'totals as text or json', oneOf(['text', 'json'] as const), 'text');
  withControlPlaneOptions(command).action(async (flags: ManifestFlags) => {
    setExitCode(await readRunManifest(flags));
  });
}
