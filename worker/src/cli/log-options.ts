// Logging flags shared by every command, and the logger they describe.
import { type Command, Option } from 'commander';
import { createConsoleLogger, type LogLevel } from '../observe/console-logger.ts';
import type { LogFields, Logger } from '../ports/logger.ts';

export interface LogFlags {
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
}

export function withLogOptions(command: Command, defaults: Partial<LogFlags> = {}): Command {
  return command
    .addOption(
      new Option('--log-level <level>', 'debug, info, warn or error')
        .choices(['debug', 'info', 'warn', 'error'])
        .default(defaults.logLevel ?? 'info')
        .env('FERRY_LOG_LEVEL'),
    )
    .addOption(
      new Option('--log-format <format>', 'text, or json (one event per line, for CloudWatch)')
        .choices(['text', 'json'])
        .default(defaults.logFormat ?? 'json')
        .env('FERRY_LOG_FORMAT'),
    );
}

export function createCliLogger(flags: LogFlags, base: LogFields = {}): Logger {
  return createConsoleLogger({
    level: flags.logLevel,
    format: flags.logFormat,
    stream: process.stderr,
    base,
  });
}
