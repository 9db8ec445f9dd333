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
  /** Pretty, human-readable lines (default: when the lines go to a terminal). */
  pretty?: boolean;
  /** Where lines go; tests pass a stream to read them. Default: `file` when given, else stderr. */
  destination?: NodeJS.WritableStream;
  /**
   * A file the JSON lines are appended to (its folder is made). `crewdesk start` logs there, so
   * its log lines never mix with the console's own output, piped or not, and nothing said on the
   * console appears a second time as JSON.
   */
  file?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined };
  if (options.destination) return pino(base, options.destination as pino.DestinationStream);
  if (options.file) return pino(base, pino.destination({ dest: options.file, sync: true, mkdir: true, append: true }));
  // Never stdout: that is the command's own output (a table, a summary, the console), which may be piped.
  const usePretty = options.pretty ?? process.stderr.isTTY === true;
  if (usePretty) {
    return pino(base, pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', destination: 2 }));
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything (benchmarks, quiet tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
