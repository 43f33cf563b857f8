// A Logger that writes one line per event to a stream: JSON for machines, key=value text for people.
import type { LogFields, Logger } from '../ports/logger.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createConsoleLogger(options: {
  level: LogLevel;
  format: 'text' | 'json';
  stream: NodeJS.WritableStream;
  /** Fields on every line (run id, worker id ...). */
  base?: LogFields;
  now?: () => Date;
}): Logger {
  const now = options.now ?? (() => new Date());
  const write = (level: LogLevel, event: string, fields: LogFields = {}): void => {
    if (rank[level] < rank[options.level]) return;
    const all = { ...options.base, ...fields };
    if (options.format === 'json') {
      options.stream.write(`${JSON.stringify({ time: now().toISOString(), level, event, ...all })}\n`);
      return;
    }
    const text = Object.entries(all)
      .filter(([, value]) => value !== undefined)
      .map(
        ([name, value]) =>
          `${name}=${typeof value === 'string' && /[\s"]/.test(value) ? JSON.stringify(value) : value}`,
      )
      .join(' ');
    options.stream.write(`${level} ${event}${text ? ` ${text}` : ''}\n`);
  };
  return {
    debug: (event, fields) => write('debug', event, fields),
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  };
}
