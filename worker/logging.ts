// Structured JSON logs for the worker process: one pino logger, and an adapter that makes it the
// Temporal Runtime's logger, so SDK, workflow (`workflow.log`, with workflowId, runId, ...) and
// activity (`activity.log`, with activityId, workflowId, ...) lines all come out as one JSON stream.
import pino, { type Logger as PinoLogger } from 'pino';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import type { Config } from '../config/env';

type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const TO_PINO: Record<LogLevel, PinoLevel> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export function createPinoLogger(level: Config['LOG_LEVEL'], service: string): PinoLogger {
  return pino({
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err, failure: pino.stdSerializers.err },
  });
}

/** The level the Temporal Runtime (and its Rust core) should log at for a pino level. */
export function temporalLogLevel(level: Config['LOG_LEVEL']): LogLevel {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
      return 'WARN';
    default:
      return 'ERROR';
  }
}

/** A Temporal `Logger` writing to pino; the SDK's metadata becomes fields of the JSON line. */
export class PinoTemporalLogger implements Logger {
  constructor(private readonly target: PinoLogger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = TO_PINO[level] ?? 'info';
    if (meta && Object.keys(meta).length > 0) this.target[method](plain(meta), message);
    else this.target[method](message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Drops symbol keys and turns bigint into strings so every line is valid JSON. */
function plain(meta: LogMetadata): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    out[key] = typeof value === 'bigint' ? value.toString() : value;
  }
  return out;
}
