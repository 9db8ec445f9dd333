import type { Candle, Interval } from '../core/domain.ts';

export interface CandleSubscription {
  readonly symbol: string;
  readonly interval: Interval;
}

/**
 * Closed candles for the subscriptions the crews need, in time order across symbols
 * (a candle with an earlier close time is never delivered after a later one).
 * Backtests read files, paper/live read Binance's streams; the engine cannot tell.
 */
export interface MarketData {
  readonly description: string;
  candles(subscriptions: readonly CandleSubscription[], signal?: AbortSignal): AsyncIterable<Candle> | Iterable<Candle>;
  /** Recent closed candles before `before` (ms), oldest first, to warm indicators up. */
  history?(subscription: CandleSubscription, limit: number, before: number): Promise<readonly Candle[]>;
}
