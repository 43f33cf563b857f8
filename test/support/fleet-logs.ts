// Reads the local fleet's log directory back: one child's log, or the latest ones for a failed test's output.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const runtimeLogName = 'runtime.log';

/** What one child (worker-3, lister-<task id>) has written so far; empty before its file exists. */
export function childLog(logDir: string, name: string): string {
  const path = join(logDir, `${name}.log`);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** The runtime's own log, then the most recently written child logs (a crash loop leaves many alike), each's tail. */
export function recentLogs(logDir: string, options: { tailChars: number; maxFiles: number }): string {
  const children = readdirSync(logDir)
    .filter((file) => file !== runtimeLogName)
    .map((file) => ({ file, modifiedMs: statSync(join(logDir, file)).mtimeMs }))
    .sort((a, b) => a.modifiedMs - b.modifiedMs)
    .map(({ file }) => file);
  const shown = children.slice(-options.maxFiles);
  const omitted = children.length - shown.length;
  return [
    ...(omitted > 0 ? [`(${omitted} older child logs in ${logDir})`] : []),
    ...[runtimeLogName, ...shown].map((file) => {
      const path = join(logDir, file);
      const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
      return `----- ${file} -----\n${text.length > options.tailChars ? `…${text.slice(-options.tailChars)}` : text}`;
    }),
  ].join('\n');
}
