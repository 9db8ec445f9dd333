// The running desk's market data, for subscriptions that change: a crew spawned at run time needs
// candles its symbol and interval were not getting. The engine's loop takes its subscriptions when
// it starts, so a new one ends the current session and starts the next with it — live data goes on
// from where each stream was (BinanceMarketData keeps that), a replay goes on after the last candle
// delivered. A subscription the source cannot serve is refused with the reason, before the crew
// exists; a crew that joins is warmed up on history where the source has it.
import type { CrewRuntime, Engine } from '../engine/engine.ts';
import type { CandleSubscription, MarketData } from '../ports/market-data.ts';
import type { Candle } from '../core/domain.ts';

/** Where candles come from, for a set of subscriptions. */
export interface MarketSource {
  /** One line for people: "Binance klines …", "candle files in data/candles at 3600×", … */
  readonly description: string;
  /** The market data for `subscriptions`, continuing after `after` (the close time of the last candle delivered), when known. */
  open(subscriptions: readonly CandleSubscription[], after: number | undefined): Promise<MarketData>;
  /** Null when `subscription` can be served; else why not, in words. */
  refusal(subscription: CandleSubscription): Promise<string | null>;
  /** Closed candles before `before`, for a joining crew's warm-up (absent: none). */
  history?(subscription: CandleSubscription, limit: number, before: number): Promise<readonly Candle[]>;
}

function key(s: CandleSubscription): string {
  return `${s.symbol}|${s.interval}`;
}

export class MarketSession {
  private current = new Set<string>();
  private restart: AbortController | null = null;
  private lastCloseTime: number | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly source: MarketSource,
    /** The desk's time now (the warm-up reads history before it). */
    private readonly now: () => number,
  ) {}

  /** Null when a crew on `subscription` would get candles; else why it would not. */
  async refusal(subscription: CandleSubscription): Promise<string | null> {
    if (this.current.has(key(subscription))) return null;
    return this.source.refusal(subscription);
  }

  /** A crew joined (already in the engine): warmed up, and its candles asked for. Returns the candles fed to warm it up. */
  async joined(crew: CrewRuntime): Promise<number> {
    const history = this.source.history;
    const before = this.lastCloseTime ?? this.now();
    const fed = history ? await this.engine.warmUp({ description: this.source.description, candles: () => [], history }, before, [crew]) : 0;
    if (!this.current.has(key(crew))) this.restart?.abort();
    return fed;
  }

  /** The last `limit` closed candles of `subscription` up to the desk's time (the dashboard's chart); null without history. */
  async recent(subscription: CandleSubscription, limit: number): Promise<readonly Candle[] | null> {
    if (!this.source.history) return null;
    return this.source.history(subscription, limit, (this.lastCloseTime ?? this.now()) + 1);
  }

  /** The close time of the last candle the desk took (undefined before the first). */
  lastClose(): number | undefined {
    return this.lastCloseTime;
  }

  /** Closed candles before `before` from the source, oldest first (a crew's track record replays them); absent when the source keeps none. */
  get history(): MarketSource['history'] {
    return this.source.history;
  }

  /** Runs the engine over the market until the data ends or `signal` aborts; a new subscription starts the next session. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const subscriptions = this.engine.subscriptions();
      this.current = new Set(subscriptions.map(key));
      const market = await this.source.open(subscriptions, this.lastCloseTime);
      const restart = new AbortController();
      this.restart = restart;
      const stop = () => restart.abort();
      signal.addEventListener('abort', stop, { once: true });
      try {
        await this.engine.run(this.tracked(market), restart.signal);
      } finally {
        signal.removeEventListener('abort', stop);
        this.restart = null;
      }
      // Ended by itself (the data ran out), not by a new subscription nor a stop: done.
      if (!restart.signal.aborted) return;
    }
  }

  /** The market, noting the close time of each candle delivered (a replay's next session goes on after it). */
  private tracked(market: MarketData): MarketData {
    const note = (closeTime: number): void => {
      this.lastCloseTime = closeTime;
    };
    return {
      description: market.description,
      async *candles(subscriptions, signal) {
        for await (const candle of market.candles(subscriptions, signal) as AsyncIterable<Candle>) {
          note(candle.closeTime);
          yield candle;
        }
      },
    };
  }
}
