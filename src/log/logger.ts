// One pino logger for the process: JSON lines, pretty on a TTY, secrets redacted by path.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** Paths whose values never reach a log line, wherever a config or request object is logged. */
export const REDACT_PATHS = [
  'apiKey',
  'apiSecret',
  'secret',
  'token',
  'password',
  'authorization',
  '*.apiKey',
  '*.apiSecret',
  '*.secret',
  '*.token',
  '*.password',
  '*.authorization',
  '*.*.apiKey',
  '*.*.apiSecret',
  '*.*.token',
  'headers["x-mbx-apikey"]',
  '*.headers["x-mbx-apikey"]',
  'env.BINANCE_API_KEY',
  'env.BINANCE_API_SECRET',
  'env.DISCORD_TOKEN',
  'env.OPENAI_API_KEY',
];

export interface LoggerOptions {
  level?: string;
  /** Pretty, human-readable lines (default: when stdout is a TTY). */
  pretty?: boolean;
  /** Where lines go (default stdout); tests pass a stream to read them. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined };
  const usePretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  if (usePretty) {
    return pino(base, pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }));
  }
  return pino(base, (options.destination ?? pino.destination({ sync: true })) as pino.DestinationStream);
}

/** A logger that drops everything (benchmarks, quiet tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
