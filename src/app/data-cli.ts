// `crewdesk data download SYMBOL INTERVAL FROM TO [--daily] [--dir data/candles] [--base-url URL] [--rest-url URL]`
import type { Interval } from '../core/domain.ts';
import { INTERVALS, isInterval } from '../core/domain.ts';
import { parseFlags, UsageError } from './args.ts';
import type { DownloadOptions } from '../data/download.ts';
import { DEFAULT_BASE_URL, DEFAULT_REST_URL, DownloadError, downloadCandles } from '../data/download.ts';
import { parsePeriod, periodsBetween } from '../data/periods.ts';

export const DATA_USAGE = `usage: crewdesk data download SYMBOL INTERVAL FROM TO [options]

Fetches Binance spot candles from data.binance.vision (sha256-verified monthly or daily
archives) into CSV files, e.g. data/candles/BTCUSDT-1m-2024-01.csv. Files already there are
skipped, interrupted downloads resume, and periods not published yet come from the REST API.

  SYMBOL          e.g. BTCUSDT
  INTERVAL        ${INTERVALS.join(', ')}
  FROM TO         months YYYY-MM (both included); with --daily, days YYYY-MM-DD or months

options:
  --daily         daily archives instead of monthly ones
  --dir DIR       target folder (default data/candles)
  --base-url URL  archive host (default ${DEFAULT_BASE_URL})
  --rest-url URL  REST API host for unpublished periods (default ${DEFAULT_REST_URL})
`;

/** The download the arguments ask for; throws UsageError with a message that says what is wrong. */
export function parseDownloadArgs(argv: readonly string[], now: number = Date.now()): DownloadOptions {
  const { values, positionals } = parseFlags(
    [...argv],
    {
      daily: { type: 'boolean' },
      dir: { type: 'string' },
      'base-url': { type: 'string' },
      'rest-url': { type: 'string' },
    },
    true,
  );
  if (positionals.length !== 4) {
    throw new UsageError(`expected SYMBOL INTERVAL FROM TO, got ${positionals.length} argument(s)\n\n${DATA_USAGE}`);
  }
  const [rawSymbol, rawInterval, rawFrom, rawTo] = positionals as [string, string, string, string];
  const symbol = rawSymbol.toUpperCase();
  if (!/^[A-Z0-9]{2,20}$/.test(symbol)) {
    throw new UsageError(`bad symbol "${rawSymbol}": expected letters and digits only, like BTCUSDT`);
  }
  if (!isInterval(rawInterval)) {
    throw new UsageError(`bad interval "${rawInterval}": expected one of ${INTERVALS.join(', ')}`);
  }
  const interval: Interval = rawInterval;
  const daily = values.daily === true;
  const from = parsePeriod(rawFrom);
  const to = parsePeriod(rawTo);
  if (typeof from === 'string') throw new UsageError(`bad FROM: ${from}`);
  if (typeof to === 'string') throw new UsageError(`bad TO: ${to}`);
  if (!daily && (from.kind === 'daily' || to.kind === 'daily')) {
    throw new UsageError(`days (${from.kind === 'daily' ? rawFrom : rawTo}) need --daily; without it FROM and TO are months YYYY-MM`);
  }
  if (from.start > to.start) throw new UsageError(`FROM ${rawFrom} is after TO ${rawTo}`);
  if (from.start > now) throw new UsageError(`FROM ${rawFrom} is in the future`);
  // A month given with --daily means all its days; days past now are left out.
  const lastStart = Math.min(daily ? to.end - 86_400_000 : to.start, now);
  const periods = periodsBetween(from.start, lastStart, daily ? 'daily' : 'monthly');
  return {
    symbol,
    interval,
    periods,
    dir: values.dir ?? 'data/candles',
    baseUrl: url(values['base-url'], '--base-url') ?? DEFAULT_BASE_URL,
    restUrl: url(values['rest-url'], '--rest-url') ?? DEFAULT_REST_URL,
  };
}

function url(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${flag}: "${value}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`${flag}: "${value}" is not an http(s) URL`);
  return value;
}

/** `crewdesk data …`: 0 on success, 1 when a download failed, 2 on bad arguments. */
export async function dataCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    process.stdout.write(DATA_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'download') {
    process.stderr.write(`crewdesk data: unknown subcommand "${sub}"\n\n${DATA_USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(DATA_USAGE);
    return 0;
  }
  let options: DownloadOptions;
  try {
    options = parseDownloadArgs(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`crewdesk data download: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  try {
    const outcomes = await downloadCandles({ ...options, log: (line) => process.stdout.write(`${line}\n`) });
    const written = outcomes.filter((o) => o.source === 'archive' || o.source === 'rest').length;
    const skipped = outcomes.filter((o) => o.source === 'skipped').length;
    process.stdout.write(`${written} downloaded, ${skipped} already there, into ${options.dir}\n`);
    return 0;
  } catch (error) {
    if (error instanceof DownloadError) {
      process.stderr.write(`crewdesk data download: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
