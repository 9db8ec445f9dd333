// A seeded synthetic market: geometric Brownian motion with slowly switching drift and
// volatility regimes, so crews see trends, ranges and crashes. Same seed → same candles.
// Used when no real candles are at hand (tests without ../shared, benchmarks, first start).
import { type Candle, type Interval, intervalMs } from '../core/domain.ts';
import type { CandleSubscription, MarketData } from '../ports/market-data.ts';

/** mulberry32: a small, fast, well-distributed 32-bit PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  readonly seed?: number;
  /** First candle's open time (ms); default 2024-01-01T00:00Z. */
  readonly start?: number;
  readonly count: number;
  readonly startPrice?: number;
  /** Price tick the candles are rounded to (default 0.01). */
  readonly tick?: number;
}

const START_PRICES: Record<string, number> = { BTCUSDT: 42_000, ETHUSDT: 2_300, SOLUSDT: 100, BNBUSDT: 310, LTCUSDT: 70, XRPUSDT: 0.6 };

/** Candles of one symbol, generated lazily (memory flat in the count). */
export function* syntheticCandles(symbol: string, interval: Interval, options: SyntheticOptions): Generator<Candle> {
  const rand = seededRandom((options.seed ?? 42) ^ hash(symbol) ^ hash(interval));
  const step = intervalMs(interval);
  const tick = options.tick ?? (START_PRICES[symbol] !== undefined && START_PRICES[symbol] < 10 ? 0.0001 : 0.01);
  const inv = 1 / tick;
  const minutes = step / 60_000;
  let price = options.startPrice ?? START_PRICES[symbol] ?? 100;
  let time = options.start ?? Date.UTC(2024, 0, 1);
  // Regimes: annualized drift and volatility, switching every few days of market time.
  let drift = 0;
  let vol = 0.6;
  let regimeLeft = 0;
  const perMinute = 1 / (365 * 24 * 60);
  for (let i = 0; i < options.count; i++) {
    if (regimeLeft <= 0) {
      drift = (rand() - 0.45) * 3; // −135 %…+165 % a year
      vol = 0.3 + rand() * 0.9;
      regimeLeft = (1 + rand() * 6) * 1440;
    }
    regimeLeft -= minutes;
    const dt = minutes * perMinute;
    const sigma = vol * Math.sqrt(dt);
    const open = price;
    // Four sub-steps give a plausible high/low inside the candle.
    let high = open;
    let low = open;
    let p = open;
    for (let k = 0; k < 4; k++) {
      p *= Math.exp((drift - 0.5 * vol * vol) * (dt / 4) + sigma * 0.5 * gaussian(rand));
      if (p > high) high = p;
      if (p < low) low = p;
    }
    price = p;
    const o = Math.round(open * inv) / inv;
    const c = Math.round(p * inv) / inv;
    const h = Math.max(Math.round(high * inv) / inv, o, c);
    const l = Math.max(tick, Math.min(Math.round(low * inv) / inv, o, c));
    yield { symbol, interval, openTime: time, closeTime: time + step - 1, open: o, high: h, low: l, close: c, volume: Math.round(rand() * 1e5) / 100 };
    time += step;
  }
}

/** Box–Muller. */
function gaussian(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Several symbols merged in time order: a synchronous MarketData (no promise per candle). */
export class SyntheticMarketData implements MarketData {
  readonly description: string;
  constructor(private readonly options: SyntheticOptions) {
    this.description = `synthetic market (seed ${options.seed ?? 42}, ${options.count} candles per stream)`;
  }

  candles(subscriptions: readonly CandleSubscription[]): Iterable<Candle> {
    const streams = subscriptions.map((s) => syntheticCandles(s.symbol, s.interval, this.options));
    // One stream needs no merging (and no second generator re-yielding every candle).
    return streams.length === 1 ? streams[0]! : mergeByTime(streams);
  }
}

/** Merges time-ordered candle streams into one (by close time, then symbol), lazily. */
export function* mergeByTime(streams: Iterable<Candle>[]): Generator<Candle> {
  const iters = streams.map((s) => s[Symbol.iterator]());
  if (iters.length === 1) {
    const only = iters[0]!;
    for (let r = only.next(); !r.done; r = only.next()) yield r.value;
    return;
  }
  const heads: (Candle | undefined)[] = iters.map((it) => it.next().value ?? undefined);
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (!h) continue;
      const b = best >= 0 ? heads[best]! : undefined;
      if (!b || h.closeTime < b.closeTime || (h.closeTime === b.closeTime && h.symbol < b.symbol)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!;
    heads[best] = iters[best]!.next().value ?? undefined;
  }
}

/** A fixed list of candles (tests). */
export class ArrayMarketData implements MarketData {
  readonly description = 'candles in memory';
  constructor(private readonly list: readonly Candle[]) {}
  candles(subscriptions: readonly CandleSubscription[]): Iterable<Candle> {
    const isWanted = wantedBy(subscriptions);
    // All of them wanted (a benchmark, a one-market backtest): the list itself, not a copy of it. (A
    // loop, where the test is compiled inline; every() would call it from a builtin per candle.)
    for (const candle of this.list) if (!isWanted(candle)) return this.list.filter(isWanted);
    return this.list;
  }
}

/** Whether a candle is one of the subscriptions', tested with no key string built per candle. */
function wantedBy(subscriptions: readonly CandleSubscription[]): (candle: Candle) => boolean {
  const only = subscriptions.length === 1 ? subscriptions[0]! : null;
  if (only !== null) return (c) => c.symbol === only.symbol && c.interval === only.interval;
  const intervals = new Map<string, Set<string>>();
  for (const { symbol, interval } of subscriptions) {
    const set = intervals.get(symbol) ?? new Set<string>();
    set.add(interval);
    intervals.set(symbol, set);
  }
  return (c) => intervals.get(c.symbol)?.has(c.interval) === true;
}
