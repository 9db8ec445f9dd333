// The emulator's market: candles replayed in time order, each one played as four price ticks
// (open, the first extreme, the second extreme, close) so resting orders meet the candle's whole
// range and kline streams see non-final updates (`x:false`) before the closing one (`x:true`).
// Synchronous and timer-free: the emulator's clock (or a test) decides when the next tick comes.
import { type Candle, type Interval, intervalMs } from '../core/domain.ts';
import { ExchangeError } from '../ports/exchange.ts';

/** One symbol's candles, oldest first: what is already history, then what will be replayed. */
export interface CandleSeries {
  readonly symbol: string;
  readonly interval: Interval;
  /** Closed before the replay starts: served by klines, never streamed. */
  readonly history: readonly Candle[];
  readonly upcoming: Iterator<Candle>;
}

/** A price tick: `partial` is the candle so far; `final` on the last tick of the candle. */
export interface Tick {
  readonly symbol: string;
  readonly price: number;
  readonly partial: Candle;
  readonly final: boolean;
}

export const TICKS_PER_CANDLE = 4;

interface SeriesState {
  readonly symbol: string;
  readonly interval: Interval;
  readonly closed: Candle[];
  readonly upcoming: Iterator<Candle>;
  head: Candle | undefined;
  /** The candle being played and the partial state streamed so far. */
  playing: Candle | null;
  partial: Candle | null;
}

export class MarketReplay {
  private readonly series = new Map<string, SeriesState>();
  private readonly listeners: ((tick: Tick) => void)[] = [];
  /** Candles of the slot in play (one per symbol sharing an open time) and the next phase. */
  private slot: SeriesState[] = [];
  private phase = 0;

  constructor(series: readonly CandleSeries[]) {
    for (const s of series) {
      const next = s.upcoming.next();
      this.series.set(s.symbol, {
        symbol: s.symbol,
        interval: s.interval,
        closed: [...s.history],
        upcoming: s.upcoming,
        head: next.done === true ? undefined : next.value,
        playing: null,
        partial: null,
      });
    }
  }

  get symbols(): string[] {
    return [...this.series.keys()];
  }

  intervalOf(symbol: string): Interval | undefined {
    return this.series.get(symbol)?.interval;
  }

  /** True once every series has been played to its end. */
  get done(): boolean {
    return this.slot.length === 0 && [...this.series.values()].every((s) => s.head === undefined);
  }

  onTick(listener: (tick: Tick) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** The last known price of a symbol: the tick in play, else the last closed candle's close. */
  lastPrice(symbol: string): number | undefined {
    const s = this.series.get(symbol);
    if (s === undefined) return undefined;
    return s.partial?.close ?? s.closed.at(-1)?.close;
  }

  /** The next candles to be played (one per symbol that has one), without playing them. */
  peek(): Candle[] {
    return [...this.series.values()].flatMap((s) => ((s.playing ?? s.head) ? [s.playing ?? s.head!] : []));
  }

  /** Plays one tick of every candle in the current slot; false when the data is exhausted. */
  tick(): boolean {
    if (this.slot.length === 0 && !this.openSlot()) return false;
    const phase = this.phase++;
    const final = phase === TICKS_PER_CANDLE - 1;
    const ticks: Tick[] = [];
    for (const s of this.slot) {
      const candle = s.playing!;
      const partial = final ? candle : partialCandle(candle, phase);
      s.partial = partial;
      if (final) {
        s.closed.push(candle);
        s.playing = null;
        s.partial = null;
      }
      ticks.push({ symbol: s.symbol, price: partial.close, partial, final });
    }
    if (final) {
      this.slot = [];
      this.phase = 0;
    }
    for (const tick of ticks) for (const listener of [...this.listeners]) listener(tick);
    return true;
  }

  /** Finishes the slot in play, or plays the next one whole; returns the candles it closed. */
  advance(): Candle[] {
    if (this.slot.length === 0 && !this.openSlot()) return [];
    const closing = this.slot.map((s) => s.playing!);
    while (this.slot.length > 0) this.tick();
    return closing;
  }

  /** Closed candles (and the one in play, as Binance includes the open kline) of `interval`,
   * aggregated from the symbol's data interval when it is a multiple of it. */
  klines(symbol: string, interval: Interval, options: { startTime?: number; endTime?: number; limit: number }): Candle[] {
    const s = this.series.get(symbol);
    if (s === undefined) throw new ExchangeError(-1121, 'Invalid symbol.');
    const all = s.partial === null ? s.closed : [...s.closed, s.partial];
    const candles = interval === s.interval ? all : aggregate(all, symbol, s.interval, interval);
    const { startTime, endTime, limit } = options;
    let from = 0;
    let to = candles.length;
    if (startTime !== undefined) from = lowerBound(candles, startTime);
    if (endTime !== undefined) to = lowerBound(candles, endTime + 1);
    if (startTime !== undefined) return candles.slice(from, Math.min(to, from + limit));
    return candles.slice(Math.max(from, to - limit), to);
  }

  /** The candle of `interval` containing the given partial base candle, for a kline stream of a
   * larger interval: the closed base candles of its bucket plus the partial. */
  aggregatedPartial(partial: Candle, interval: Interval): { candle: Candle; final: boolean } | null {
    const s = this.series.get(partial.symbol);
    if (s === undefined || !isMultiple(s.interval, interval)) return null;
    const step = intervalMs(interval);
    const bucket = Math.floor(partial.openTime / step) * step;
    const members: Candle[] = [];
    for (let i = s.closed.length - 1; i >= 0; i--) {
      const c = s.closed[i]!;
      if (c.openTime < bucket) break;
      if (c.openTime !== partial.openTime) members.unshift(c);
    }
    members.push(partial);
    const candle = merge(members, partial.symbol, interval, bucket);
    return { candle, final: partial.closeTime === candle.closeTime && isClosed(s, partial) };
  }

  private openSlot(): boolean {
    let time = Infinity;
    for (const s of this.series.values()) if (s.head !== undefined && s.head.openTime < time) time = s.head.openTime;
    if (time === Infinity) return false;
    this.slot = [];
    for (const s of this.series.values()) {
      if (s.head === undefined || s.head.openTime !== time) continue;
      s.playing = s.head;
      const next = s.upcoming.next();
      s.head = next.done === true ? undefined : next.value;
      this.slot.push(s);
    }
    this.phase = 0;
    return true;
  }
}

/** The candle after `phase` ticks: open; then the extreme met first (the low for a rising candle,
 * the high for a falling one); then the other extreme. Volume grows by quarters. */
function partialCandle(c: Candle, phase: number): Candle {
  const rising = c.close >= c.open;
  const first = rising ? c.low : c.high;
  const second = rising ? c.high : c.low;
  const path = [c.open, first, second];
  const seen = path.slice(0, phase + 1);
  return {
    ...c,
    high: Math.max(...seen),
    low: Math.min(...seen),
    close: seen.at(-1)!,
    volume: (c.volume * (phase + 1)) / TICKS_PER_CANDLE,
  };
}

function isClosed(s: SeriesState, candle: Candle): boolean {
  return s.closed.at(-1) === candle;
}

function isMultiple(base: Interval, interval: Interval): boolean {
  const b = intervalMs(base);
  const i = intervalMs(interval);
  return i >= b && i % b === 0;
}

function aggregate(candles: readonly Candle[], symbol: string, base: Interval, interval: Interval): Candle[] {
  if (!isMultiple(base, interval)) throw new ExchangeError(-1120, 'Invalid interval.');
  const step = intervalMs(interval);
  const out: Candle[] = [];
  let bucket: Candle[] = [];
  let bucketStart = Number.NaN;
  for (const c of candles) {
    const start = Math.floor(c.openTime / step) * step;
    if (start !== bucketStart && bucket.length > 0) {
      out.push(merge(bucket, symbol, interval, bucketStart));
      bucket = [];
    }
    bucketStart = start;
    bucket.push(c);
  }
  if (bucket.length > 0) out.push(merge(bucket, symbol, interval, bucketStart));
  return out;
}

function merge(members: readonly Candle[], symbol: string, interval: Interval, openTime: number): Candle {
  let high = -Infinity;
  let low = Infinity;
  let volume = 0;
  for (const c of members) {
    if (c.high > high) high = c.high;
    if (c.low < low) low = c.low;
    volume += c.volume;
  }
  return {
    symbol,
    interval,
    openTime,
    closeTime: openTime + intervalMs(interval) - 1,
    open: members[0]!.open,
    high,
    low,
    close: members.at(-1)!.close,
    volume,
  };
}

function lowerBound(candles: readonly Candle[], time: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (candles[mid]!.openTime < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
