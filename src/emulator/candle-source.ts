// Where the emulator's prices come from: candle files (a file, or a folder of
// `SYMBOL-INTERVAL-….csv` files, one symbol each at its smallest interval, files played in
// time order) or, without data, seeded synthetic candles for BTCUSDT and ETHUSDT that end "now".
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Candle, type Interval, intervalMs } from '../core/domain.ts';
import { candleFileName, readCandles } from '../market/csv-candles.ts';
import { syntheticCandles } from '../market/synthetic.ts';
import type { CandleSeries } from './market-replay.ts';

export const DEFAULT_HISTORY = 500;

/** Splits each symbol's candles into history (the first `history`, at most all but one) and the replay. */
export function seriesFromCandles(candles: readonly Candle[], history = DEFAULT_HISTORY): CandleSeries[] {
  const bySymbol = new Map<string, Candle[]>();
  for (const c of candles) {
    const list = bySymbol.get(c.symbol) ?? [];
    list.push(c);
    bySymbol.set(c.symbol, list);
  }
  return [...bySymbol.values()].map((list) => {
    const sorted = [...list].sort((a, b) => a.openTime - b.openTime);
    const interval = sorted[0]!.interval;
    if (sorted.some((c) => c.interval !== interval)) {
      throw new Error(`candles of ${sorted[0]!.symbol} mix intervals; give one interval per symbol`);
    }
    const split = Math.max(0, Math.min(history, sorted.length - 1));
    return {
      symbol: sorted[0]!.symbol,
      interval,
      history: sorted.slice(0, split),
      upcoming: sorted.slice(split)[Symbol.iterator](),
    };
  });
}

/** Reads candle files: `path` is a CSV file or a folder of them (searched one level deep and below). */
export async function loadCandleFiles(path: string, history = DEFAULT_HISTORY): Promise<CandleSeries[]> {
  const files = (await stat(path)).isDirectory() ? await listCsv(path) : [path];
  const named = files.flatMap((file) => {
    const name = candleFileName(file);
    return name === null ? [] : [{ file, ...name }];
  });
  if (named.length === 0) {
    throw new Error(`no candle files named like BTCUSDT-1m-2024-01.csv in ${path}`);
  }
  // One interval per symbol: the finest, which plays the market in the most detail.
  const finest = new Map<string, Interval>();
  for (const f of named) {
    const seen = finest.get(f.symbol);
    if (seen === undefined || intervalMs(f.interval) < intervalMs(seen)) finest.set(f.symbol, f.interval);
  }
  const chosen = named.filter((f) => finest.get(f.symbol) === f.interval).sort((a, b) => a.file.localeCompare(b.file));
  const candles: Candle[] = [];
  const lastOpen = new Map<string, number>();
  for (const f of chosen) {
    for await (const batch of readCandles(f.file, { symbol: f.symbol, interval: f.interval }).batches()) {
      for (const c of batch) {
        // Overlapping files (a month file and a week file) must not replay a candle twice.
        if (c.openTime <= (lastOpen.get(c.symbol) ?? -Infinity)) continue;
        lastOpen.set(c.symbol, c.openTime);
        candles.push(c);
      }
    }
  }
  return seriesFromCandles(candles, history);
}

async function listCsv(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listCsv(full)));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.csv')) out.push(full);
  }
  return out;
}

export const SYNTHETIC_SYMBOLS = ['BTCUSDT', 'ETHUSDT'] as const;

/**
 * Seeded synthetic 1m candles whose history ends at the minute `now` falls in, so klines look
 * current; the replay then plays on into the future for as long as the emulator runs.
 */
export function syntheticSeries(options: {
  readonly symbols?: readonly string[];
  readonly seed?: number;
  readonly now: number;
  readonly history?: number;
  readonly interval?: Interval;
}): CandleSeries[] {
  const interval = options.interval ?? '1m';
  const step = intervalMs(interval);
  const history = options.history ?? DEFAULT_HISTORY;
  const start = Math.floor(options.now / step) * step - history * step;
  return (options.symbols ?? SYNTHETIC_SYMBOLS).map((symbol) => {
    const candles = syntheticCandles(symbol, interval, { seed: options.seed ?? 42, start, count: history + 10_000_000 });
    const past: Candle[] = [];
    for (let i = 0; i < history; i++) {
      const next = candles.next();
      if (next.done === true) break;
      past.push(next.value);
    }
    return { symbol, interval, history: past, upcoming: candles };
  });
}
