// Binance's klines as the engine's market data: REST for history and for every gap, and closed
// candles (`x: true`) live from one combined WebSocket connection for all the subscriptions.
// Each subscription remembers the open time of the next candle it owes; a candle older than that
// is a repeat and dropped, a newer one means candles were missed and they are fetched by REST
// first. So no candle reaches the engine twice and none is skipped — across reconnects too: on
// every (re)connection the missed candles of all subscriptions are fetched and delivered merged
// in close-time order.
import { SpotRestAPI } from '@binance/spot';
import { z } from 'zod';
import { type Candle, intervalMs } from '../core/domain.ts';
import { KlineStream, type KlinePayload } from '../exchange/binance/kline-stream.ts';
import { BinanceRest } from '../exchange/binance/rest-client.ts';
import { decimalText, millis } from '../exchange/binance/wire.ts';
import type { Logger } from '../log/logger.ts';
import type { CandleSubscription, MarketData } from '../ports/market-data.ts';

export interface BinanceMarketDataOptions {
  readonly restUrl: string;
  readonly wsStreamUrl: string;
  /** A REST client to share (one rate-limit gate for the process); by default one of its own, without keys. */
  readonly rest?: BinanceRest;
  /** Stream reconnects: first delay and cap (default 250 ms, 30 s). */
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly heartbeatMs?: number;
  /** Wait before asking REST again when a gap could not be fetched (default 1000 ms, doubling to 30 s). */
  readonly gapRetryMs?: number;
  readonly log?: Logger;
}

const PAGE = 1000;
const price = decimalText.transform(Number);
/** A klines row: [openTime, open, high, low, close, volume, closeTime, …]. */
const klineRowsSchema = z.array(z.tuple([millis, price, price, price, price, price, millis]).rest(z.unknown()));

const INTERVAL_ENUM = new Map<string, SpotRestAPI.KlinesIntervalEnum>(Object.values(SpotRestAPI.KlinesIntervalEnum).map((v) => [v as string, v]));

export function streamName(sub: CandleSubscription): string {
  return `${sub.symbol.toLowerCase()}@kline_${sub.interval}`;
}

function keyOf(sub: CandleSubscription): string {
  return `${sub.symbol}|${sub.interval}`;
}

export class BinanceMarketData implements MarketData {
  readonly description: string;
  readonly rest: BinanceRest;
  /** Per subscription, the open time of the candle owed next: after the newest history() returned "up to now", or the last one delivered. */
  private readonly resumeAt = new Map<string, number>();

  constructor(private readonly options: BinanceMarketDataOptions) {
    this.rest = options.rest ?? new BinanceRest({ restUrl: options.restUrl, ...(options.log !== undefined && { log: options.log }) });
    this.description = `Binance klines (${options.restUrl}, ${options.wsStreamUrl})`;
  }

  /**
   * Up to `limit` closed candles that closed before `before`, oldest first, by REST in pages of
   * 1000. Asked "up to now", the newest kline Binance returns may still be open (Binance lists the
   * current one): it is left out, and the live stream delivers it when it closes — candles() then
   * starts right after what this returned.
   */
  async history(sub: CandleSubscription, limit: number, before: number): Promise<readonly Candle[]> {
    if (limit <= 0) return [];
    const step = intervalMs(sub.interval);
    const upToNow = before >= Date.now() - step;
    const wanted = limit + (upToNow ? 1 : 0);
    let rows: Candle[] = [];
    let end = before - 1;
    while (rows.length < wanted) {
      const ask = Math.min(PAGE, wanted - rows.length);
      const page = await this.klines(sub, { endTime: end, limit: ask });
      rows = [...page, ...rows];
      if (page.length < ask || page.length === 0) break;
      end = page[0]!.openTime - 1;
    }
    if (upToNow) rows.pop();
    const closed = rows.filter((c) => c.closeTime < before).slice(-limit);
    const last = closed.at(-1);
    if (upToNow && last !== undefined) {
      const key = keyOf(sub);
      this.resumeAt.set(key, Math.max(this.resumeAt.get(key) ?? 0, last.openTime + step));
    }
    return closed;
  }

  /** Closed candles of the subscriptions as they close, until `signal` aborts (or the consumer stops). */
  candles(subscriptions: readonly CandleSubscription[], signal?: AbortSignal): AsyncIterable<Candle> {
    return {
      [Symbol.asyncIterator]: () => {
        const session = new LiveCandles(this, this.options, subscriptions, signal);
        session.start();
        return session;
      },
    };
  }

  /** Closed klines of a window, oldest first (REST, one page). */
  async klines(sub: CandleSubscription, window: { startTime?: number; endTime?: number; limit: number }): Promise<Candle[]> {
    const interval = INTERVAL_ENUM.get(sub.interval);
    if (interval === undefined) throw new Error(`Binance has no kline interval ${sub.interval}`);
    const rows = await this.rest.call(
      `GET /api/v3/klines ${sub.symbol} ${sub.interval}`,
      'read',
      () => this.rest.api.klines({ symbol: sub.symbol, interval, ...window }),
      klineRowsSchema,
      { signed: false },
    );
    return rows.map(([openTime, open, high, low, close, volume, closeTime]) => ({
      symbol: sub.symbol,
      interval: sub.interval,
      openTime,
      closeTime,
      open,
      high,
      low,
      close,
      volume,
    }));
  }

  /** Where a live session picks a subscription up: right after what history() returned or an earlier session delivered. */
  resumePoint(sub: CandleSubscription): number | undefined {
    return this.resumeAt.get(keyOf(sub));
  }

  /** A session delivered up to here: a later session (a restarted engine loop) goes on from it. */
  delivered(sub: CandleSubscription, next: number): void {
    const key = keyOf(sub);
    if (next > (this.resumeAt.get(key) ?? 0)) this.resumeAt.set(key, next);
  }
}

interface SubState {
  readonly sub: CandleSubscription;
  readonly step: number;
  /** Open time of the next candle owed; undefined until the first one (nothing owed before it). */
  next: number | undefined;
}

type Task = { readonly kind: 'kline'; readonly state: SubState; readonly kline: KlinePayload } | { readonly kind: 'connected' };

/**
 * One consumer's live candles. Stream events and reconnections are handled strictly one after the
 * other (a REST backfill holds the events behind it), so delivery order is decided in one place.
 */
class LiveCandles implements AsyncIterator<Candle> {
  private readonly subs = new Map<string, SubState>();
  private readonly stream: KlineStream;
  private readonly ready: Candle[] = [];
  private readonly inbox: Task[] = [];
  private busy = false;
  private waiter: ((result: IteratorResult<Candle>) => void) | null = null;
  private done = false;
  /** Close time of the newest candle delivered. */
  private watermark = -Infinity;
  private readonly onAbort = (): void => this.finish();

  constructor(
    private readonly market: BinanceMarketData,
    private readonly options: BinanceMarketDataOptions,
    subscriptions: readonly CandleSubscription[],
    private readonly signal: AbortSignal | undefined,
  ) {
    for (const sub of subscriptions) {
      const name = streamName(sub);
      if (this.subs.has(name)) continue;
      this.subs.set(name, { sub, step: intervalMs(sub.interval), next: market.resumePoint(sub) });
    }
    this.stream = new KlineStream({
      wsStreamUrl: options.wsStreamUrl,
      streams: [...this.subs.keys()],
      onKline: (stream, kline) => {
        const state = this.subs.get(stream);
        if (state !== undefined) this.enqueue({ kind: 'kline', state, kline });
      },
      onOpen: () => this.enqueue({ kind: 'connected' }),
      ...(options.reconnectInitialMs !== undefined && { initialBackoffMs: options.reconnectInitialMs }),
      ...(options.reconnectMaxMs !== undefined && { maxBackoffMs: options.reconnectMaxMs }),
      ...(options.heartbeatMs !== undefined && { heartbeatMs: options.heartbeatMs }),
      ...(options.log !== undefined && { log: options.log }),
    });
  }

  start(): void {
    if (this.signal?.aborted === true || this.subs.size === 0) {
      this.finish();
      return;
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.stream.start();
  }

  next(): Promise<IteratorResult<Candle>> {
    const candle = this.ready.shift();
    if (candle !== undefined) return Promise.resolve({ value: candle, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<Candle>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.ready.length = 0;
    this.inbox.length = 0;
    this.stream.close();
    this.signal?.removeEventListener('abort', this.onAbort);
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.({ value: undefined, done: true });
  }

  private enqueue(task: Task): void {
    if (this.done) return;
    if (this.busy || this.inbox.length > 0) {
      this.inbox.push(task);
      return;
    }
    // The common case — a candle closing with nothing owed before it — is delivered right here, in
    // the stream's own callback: no queue, no timer between Binance and the engine.
    const work = this.handle(task);
    if (work !== undefined) this.runAsync(work);
  }

  private runAsync(work: Promise<void>): void {
    this.busy = true;
    void work
      .then(async () => {
        while (!this.done && this.inbox.length > 0) {
          const next = this.handle(this.inbox.shift()!);
          if (next !== undefined) await next;
        }
      })
      .catch((error: unknown) =>
        this.options.log?.error({ err: error instanceof Error ? error.message : String(error) }, 'Binance market data: handling a stream event failed'),
      )
      .finally(() => {
        this.busy = false;
        // An event that arrived while the last await settled.
        if (!this.done && this.inbox.length > 0) this.runAsync(Promise.resolve());
      });
  }

  /** Handles one task; returns a promise only when it needs REST (a gap, a reconnection). */
  private handle(task: Task): Promise<void> | undefined {
    if (task.kind === 'connected') return this.catchUpAll();
    const { state, kline } = task;
    if (state.next !== undefined && kline.t > state.next) {
      // Candles between the last delivered one and this kline were missed: they are all closed.
      const from = state.next;
      return this.backfill(state, from, kline.t - 1).then(() => {
        if (state.next! < kline.t) {
          // Binance itself has no candles there (an outage of the venue): nothing to deliver.
          this.options.log?.warn(
            { symbol: state.sub.symbol, interval: state.sub.interval, from, to: kline.t - 1 },
            'Binance market data: Binance lists no klines for a gap',
          );
          state.next = kline.t;
        }
        return this.handle(task);
      });
    }
    if (!kline.x) return undefined;
    if (state.next !== undefined && kline.t < state.next) return undefined;
    this.deliver(state, {
      symbol: state.sub.symbol,
      interval: state.sub.interval,
      openTime: kline.t,
      closeTime: kline.T,
      open: Number(kline.o),
      high: Number(kline.h),
      low: Number(kline.l),
      close: Number(kline.c),
      volume: Number(kline.v),
    });
    return undefined;
  }

  /**
   * On every (re)connection: the candles each subscription missed, up to the newest Binance lists
   * (which may still be open, so it waits for the stream), merged across subscriptions by close time.
   */
  private async catchUpAll(): Promise<void> {
    const owed = [...this.subs.values()].filter((s) => s.next !== undefined);
    if (owed.length === 0) return;
    const fetched = await Promise.all(owed.map(async (state) => ({ state, candles: (await this.fetchRange(state, state.next!, Infinity)).slice(0, -1) })));
    const merged = fetched.flatMap(({ state, candles }) => candles.map((candle) => ({ state, candle })));
    merged.sort((a, b) => a.candle.closeTime - b.candle.closeTime);
    for (const { state, candle } of merged) if (state.next === undefined || candle.openTime >= state.next) this.deliver(state, candle);
  }

  private async backfill(state: SubState, from: number, to: number): Promise<void> {
    const candles = await this.fetchRange(state, from, to);
    this.options.log?.info({ symbol: state.sub.symbol, interval: state.sub.interval, candles: candles.length }, 'Binance market data: gap filled by REST');
    for (const candle of candles) if (state.next === undefined || candle.openTime >= state.next) this.deliver(state, candle);
  }

  /** Klines with open time in [from, to], every page, asking again (with backoff) until REST answers or the session ends. */
  private async fetchRange(state: SubState, from: number, to: number): Promise<Candle[]> {
    const out: Candle[] = [];
    let start = from;
    let wait = this.options.gapRetryMs ?? 1000;
    while (!this.done && start <= to) {
      let page: Candle[];
      try {
        page = await this.market.klines(state.sub, { startTime: start, ...(Number.isFinite(to) && { endTime: to }), limit: PAGE });
      } catch (error) {
        this.options.log?.warn(
          { symbol: state.sub.symbol, err: error instanceof Error ? error.message : String(error), retryInMs: wait },
          'Binance market data: backfill failed; trying again',
        );
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
        wait = Math.min(30_000, wait * 2);
        continue;
      }
      out.push(...page);
      if (page.length < PAGE) break;
      start = page.at(-1)!.openTime + state.step;
    }
    return out;
  }

  private deliver(state: SubState, candle: Candle): void {
    if (this.done) return;
    state.next = candle.openTime + state.step;
    this.market.delivered(state.sub, state.next);
    if (candle.closeTime < this.watermark) {
      this.options.log?.warn(
        { symbol: candle.symbol, interval: candle.interval, closeTime: candle.closeTime },
        'Binance market data: a candle arrives after a later one (delivered anyway: none is skipped)',
      );
    }
    this.watermark = Math.max(this.watermark, candle.closeTime);
    const waiter = this.waiter;
    if (waiter !== null && this.ready.length === 0) {
      this.waiter = null;
      waiter({ value: candle, done: false });
    } else {
      this.ready.push(candle);
    }
  }
}
