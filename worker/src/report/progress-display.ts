// Shows a run's progress: a live bar on a terminal, plain periodic lines otherwise (logs, CI).
import cliProgress from 'cli-progress';
import type { ProgressMeter, ProgressSnapshot } from './progress-meter.ts';
import { formatBytes, formatDuration, formatRate } from './units.ts';

export interface ProgressDisplay {
  stop(): void;
}

/** One line of text for a snapshot: objects, bytes, rate, ETA. */
export function describeProgress(s: ProgressSnapshot): string {
  const total = s.listing ? `${s.planned.objects}+ (listing)` : String(s.planned.objects);
  const failed = s.failedObjects > 0 ? `, ${s.failedObjects} failed` : '';
  return (
    `${s.copiedObjects}/${total} objects${failed}, ${formatBytes(s.bytesMoved)}/${formatBytes(s.planned.bytes)}, ` +
    `${formatRate(s.bytesPerSec)}, ${s.skipped.objects} skipped, ETA ${formatDuration(s.etaMs)}`
  );
}

export function startProgressDisplay(options: {
  meter: ProgressMeter;
  stream: NodeJS.WriteStream;
  intervalMs: number;
  label: string;
}): ProgressDisplay {
  const { meter, stream, label } = options;
  if (!stream.isTTY) {
    const timer = setInterval(
      () => stream.write(`${label}: ${describeProgress(meter.snapshot())}\n`),
      options.intervalMs,
    );
    return { stop: () => clearInterval(timer) };
  }
  const bar = new cliProgress.SingleBar(
    { stream, format: `${label} {bar} {percentage}% | {text}`, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0, { text: '' });
  const update = (): void => {
    const s = meter.snapshot();
    bar.setTotal(Math.max(1, s.planned.bytes));
    bar.update(Math.min(s.bytesMoved, Math.max(1, s.planned.bytes)), { text: describeProgress(s) });
  };
  const timer = setInterval(update, Math.min(options.intervalMs, 250));
  return {
    stop: () => {
      clearInterval(timer);
      update();
      bar.stop();
    },
  };
}
