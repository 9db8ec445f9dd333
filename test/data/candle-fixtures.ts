// The real Binance candles of ../shared/data/candles (see its README), or, when that folder is
// absent, synthetic files with the same names, formats, spans, row counts and the two known gaps,
// so that every test runs the same either way.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** `CREWDESK_SHARED_CANDLES` points elsewhere (a missing folder tries the synthetic fallback). */
export const SHARED_CANDLES = process.env.CREWDESK_SHARED_CANDLES ?? join(REPO_ROOT, '..', 'shared', 'data', 'candles');

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The README's table: what each file holds. */
export const CANDLE_FILES = {
  btc1h: {
    name: 'BTCUSDT-1h-2021-Q1.csv',
    symbol: 'BTCUSDT',
    interval: '1h',
    format: 'binance',
    first: Date.UTC(2021, 0, 1),
    last: Date.UTC(2021, 2, 31, 23),
    rows: 2158,
  },
  btc1mDay: {
    name: 'BTCUSDT-1m-2021-01-03.csv',
    symbol: 'BTCUSDT',
    interval: '1m',
    format: 'ohlcv',
    first: Date.UTC(2021, 0, 3),
    last: Date.UTC(2021, 0, 3, 23, 59),
    rows: 1440,
  },
  btc1mWeek: {
    name: 'BTCUSDT-1m-2021-02-19_25.csv',
    symbol: 'BTCUSDT',
    interval: '1m',
    format: 'ohlcv',
    first: Date.UTC(2021, 1, 19),
    last: Date.UTC(2021, 1, 25, 23, 59),
    rows: 10080,
  },
  dash1m: {
    name: 'DASHUSDT-1m-2020-09-09_15.csv',
    symbol: 'DASHUSDT',
    interval: '1m',
    format: 'ohlcv',
    first: Date.UTC(2020, 8, 9),
    last: Date.UTC(2020, 8, 15, 23, 59),
    rows: 10080,
  },
  ltc1m: {
    name: 'LTCUSDT-1m-2020-11-08_09.csv',
    symbol: 'LTCUSDT',
    interval: '1m',
    format: 'ohlcv',
    first: Date.UTC(2020, 10, 8),
    last: Date.UTC(2020, 10, 9, 23, 59),
    rows: 2880,
  },
} as const;

/** The hours missing from BTCUSDT-1h-2021-Q1.csv (exchange maintenance). */
export const KNOWN_GAPS = [
  { after: Date.UTC(2021, 1, 11, 3), resume: Date.UTC(2021, 1, 11, 5) },
  { after: Date.UTC(2021, 2, 6, 1), resume: Date.UTC(2021, 2, 6, 3) },
] as const;

let cached: { dir: string; real: boolean } | null = null;

/** The folder holding the candle files, real when available. Says which with console.info. */
export function candleDir(): { dir: string; real: boolean } {
  if (cached) return cached;
  if (existsSync(join(SHARED_CANDLES, CANDLE_FILES.btc1h.name))) {
    console.info(`candle fixtures: real Binance candles from ${SHARED_CANDLES}`);
    cached = { dir: SHARED_CANDLES, real: true };
  } else {
    // Deterministic content in a fixed place: test workers share it instead of each leaving a copy.
    const dir = join(tmpdir(), 'crewdesk-synthetic-candles-v2');
    mkdirSync(dir, { recursive: true });
    writeSyntheticCandles(dir);
    console.info(`candle fixtures: ${SHARED_CANDLES} is absent; using synthetic candles written to ${dir}`);
    cached = { dir, real: false };
  }
  return cached;
}

export function candlePath(key: keyof typeof CANDLE_FILES): string {
  return join(candleDir().dir, CANDLE_FILES[key].name);
}

function writeSyntheticCandles(dir: string): void {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const f = (x: number): string => x.toFixed(8);
  // Prices on Binance's 0.01 tick, as in the real files: a fill at an open is exactly the file's price.
  const tick = (x: number): number => Math.round(x * 100) / 100;
  const row = (price: number): { open: number; high: number; low: number; close: number; volume: number } => {
    const close = tick(price * (1 + (random() - 0.5) * 0.004));
    return {
      open: price,
      high: Math.max(price, close, tick(Math.max(price, close) * (1 + random() * 0.001))),
      low: Math.min(price, close, tick(Math.min(price, close) * (1 - random() * 0.001))),
      close,
      volume: random() * 100,
    };
  };
  for (const spec of Object.values(CANDLE_FILES)) {
    const step = spec.interval === '1h' ? HOUR : MINUTE;
    const lines: string[] = spec.format === 'ohlcv' ? ['open_time,open,high,low,close,volume'] : [];
    let price = spec.symbol === 'BTCUSDT' ? 30_000 : 70;
    for (let t = spec.first; t <= spec.last; t += step) {
      if (spec.interval === '1h' && KNOWN_GAPS.some((g) => t > g.after && t < g.resume)) continue;
      const c = row(price);
      price = c.close;
      lines.push(
        spec.format === 'ohlcv'
          ? `${t},${f(c.open)},${f(c.high)},${f(c.low)},${f(c.close)},${f(c.volume)}`
          : `${t},${f(c.open)},${f(c.high)},${f(c.low)},${f(c.close)},${f(c.volume)},${t + step - 1},${f(c.volume * c.close)},${Math.floor(random() * 1000)},${f(c.volume / 2)},${f((c.volume * c.close) / 2)},0`,
      );
    }
    const target = join(dir, spec.name);
    if (existsSync(target)) continue;
    // Written aside and renamed, so a worker never reads another's half-written file.
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, `${lines.join('\n')}\n`);
    renameSync(temporary, target);
  }
}

/**
 * An OHLCV row as the 12-column Binance kline CSV row (close time, quote volume, trades and taker
 * volumes derived), for building archives and REST pages from the OHLCV files.
 */
export function toBinanceRow(ohlcvLine: string, stepMs: number): string {
  const [t, open, high, low, close, volume] = ohlcvLine.split(',') as [string, string, string, string, string, string];
  const openTime = Number(t);
  const quote = (Number(volume) * Number(close)).toFixed(8);
  return `${openTime},${open},${high},${low},${close},${volume},${openTime + stepMs - 1},${quote},${Math.round(Number(volume) * 10)},${(Number(volume) / 2).toFixed(8)},${(Number(quote) / 2).toFixed(8)},0`;
}
