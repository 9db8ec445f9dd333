// Replays candles at an accelerated pace: `speed` simulated seconds per real second.
// `crewdesk start` uses it when no exchange is reachable, so the desk runs like live, only faster.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Candle } from '../core/domain.ts';
import type { CandleSubscription, MarketData } from '../ports/market-data.ts';

export class PacedMarketData implements MarketData {
  readonly description: string;
  constructor(
    private readonly inner: MarketData,
    private readonly speed: number,
  ) {
    this.description = `${inner.description}, replayed at ${speed}× speed`;
  }

  async *candles(subscriptions: readonly CandleSubscription[], signal?: AbortSignal): AsyncGenerator<Candle> {
    const source = this.inner.candles(subscriptions, signal);
    let firstClose: number | null = null;
    const startedAt = Date.now();
    for await (const candle of source as AsyncIterable<Candle>) {
      if (signal?.aborted) return;
      firstClose ??= candle.closeTime;
      const due = startedAt + (candle.closeTime - firstClose) / this.speed;
      const wait = due - Date.now();
      if (wait > 1) {
        try {
          await sleep(wait, undefined, signal ? { signal } : undefined);
        } catch {
          return; // aborted
        }
      }
      yield candle;
    }
  }
}
