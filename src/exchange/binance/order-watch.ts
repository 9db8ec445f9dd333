// Order updates and fills as the exchange port hands them out: from the user data stream, from a
// new order's FULL response, and from REST polling while the stream is down — each fill exactly
// once (deduplicated by trade id), no update that is older than one already given, and the orders
// in flight watched so that polling knows what to ask about.
import type { Fill, OrderStatus } from '../../core/domain.ts';
import { isTerminal } from '../../core/order-state.ts';
import { type Decimal, ZERO } from '../../core/money.ts';
import type { Logger } from '../../log/logger.ts';
import type { ExchangeOrder, ExecutionUpdate } from '../../ports/exchange.ts';

/** What polling asks the exchange (REST). */
export interface OrderSource {
  openOrders(symbol: string): Promise<readonly ExchangeOrder[]>;
  getOrder(symbol: string, clientOrderId: string): Promise<ExchangeOrder | null>;
  /** Every trade of one order, for the fills a poll finds. */
  tradesOfOrder(order: ExchangeOrder): Promise<readonly Fill[]>;
}

interface Watched {
  readonly symbol: string;
  readonly clientOrderId: string;
  /** The latest state handed out (to listeners, or to the caller of placeOrder/cancelOrder/getOrder). */
  status: OrderStatus;
  executedQty: Decimal;
}

const MAX_REMEMBERED = 100_000;

/** Progress of a status: an update ranked below the one already given is stale. */
function rank(status: OrderStatus): number {
  if (isTerminal(status)) return 3;
  if (status === 'partially_filled') return 2;
  if (status === 'submitted') return 1;
  return 0;
}

export class OrderWatch {
  private readonly watched = new Map<string, Watched>();
  private readonly seenTrades = new Set<string>();
  /** Orders seen ending, so late repeats (the stream's CANCELED after a cancel's answer) are not handed out again. */
  private readonly ended = new Set<string>();
  private readonly listeners: ((update: ExecutionUpdate) => void)[] = [];
  private polling: Promise<void> | null = null;

  constructor(
    private readonly source: OrderSource,
    private readonly log?: Logger,
  ) {}

  onExecution(listener: (update: ExecutionUpdate) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Orders being watched (in flight, not known to have ended). */
  get inFlight(): number {
    return this.watched.size;
  }

  /** Starts watching an order (before it is sent, so that stream events that beat the answer are handled). */
  watch(symbol: string, clientOrderId: string): void {
    if (this.watched.has(clientOrderId)) return;
    this.ended.delete(clientOrderId);
    this.watched.set(clientOrderId, { symbol, clientOrderId, status: 'new', executedQty: ZERO });
  }

  unwatch(clientOrderId: string): void {
    this.watched.delete(clientOrderId);
  }

  isWatched(clientOrderId: string): boolean {
    return this.watched.has(clientOrderId);
  }

  /** Records a state the caller received directly (placeOrder's answer, a cancel's, getOrder's); nothing is handed out. */
  note(order: ExchangeOrder, options: { watch?: boolean } = {}): void {
    let w = this.watched.get(order.clientOrderId);
    if (w === undefined && options.watch === true && !isTerminal(order.status)) {
      this.watch(order.symbol, order.clientOrderId);
      w = this.watched.get(order.clientOrderId);
    }
    if (w !== undefined) this.advance(w, order);
  }

  /** An update from the user data stream. */
  fromStream(order: ExchangeOrder, fill: Fill | undefined): void {
    if (fill !== undefined && this.firstSight(fill)) {
      this.hand({ order, fill });
      return;
    }
    this.handStatus(order, false);
  }

  /**
   * Fills learned all at once (a FULL response, a poll's trades) for an order now in state `latest`.
   * Each unseen one is handed out with the order as it stood after that fill, so a consumer that
   * ends an order on `filled` does not end it before its last fill.
   */
  fromFills(latest: ExchangeOrder, fills: readonly Fill[]): void {
    const sorted = [...fills].sort((a, b) => compareIds(a.tradeId, b.tradeId));
    let qty = ZERO;
    let quote = ZERO;
    sorted.forEach((fill, i) => {
      qty = qty.plus(fill.quantity);
      quote = quote.plus(fill.quoteQuantity);
      if (!this.firstSight(fill)) return;
      const last = i === sorted.length - 1;
      const status: OrderStatus = last && latest.status === 'filled' ? 'filled' : 'partially_filled';
      this.hand({ order: { ...latest, status, executedQty: qty, cumulativeQuote: quote }, fill });
    });
  }

  /** A status (no fill) from a poll or a check; `force` hands it out even when nothing changed since the last one. */
  handStatus(order: ExchangeOrder, force: boolean): void {
    const w = this.watched.get(order.clientOrderId);
    if (!force) {
      if (w === undefined) {
        if (this.ended.has(order.clientOrderId)) return;
      } else {
        const stale = rank(order.status) < rank(w.status) || order.executedQty.lt(w.executedQty);
        const same = order.status === w.status && order.executedQty.eq(w.executedQty);
        if (stale || same) return;
      }
    }
    this.hand({ order });
  }

  /**
   * Asks the exchange about every watched order (the stream being down): open orders per symbol,
   * the order itself for one no longer open, and its trades when it executed more than was handed
   * out. One poll at a time.
   */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  /** Asks about one order (an order whose placement had no answer) and hands out what is found. */
  async check(symbol: string, clientOrderId: string): Promise<ExchangeOrder | null> {
    const order = await this.source.getOrder(symbol, clientOrderId);
    if (order === null) return null;
    await this.catchUp(order, true);
    return order;
  }

  private async pollOnce(): Promise<void> {
    const bySymbol = new Map<string, Watched[]>();
    for (const w of this.watched.values()) {
      const list = bySymbol.get(w.symbol) ?? [];
      list.push(w);
      bySymbol.set(w.symbol, list);
    }
    for (const [symbol, list] of bySymbol) {
      try {
        const open = new Map((await this.source.openOrders(symbol)).map((o) => [o.clientOrderId, o] as const));
        for (const w of list) {
          if (!this.watched.has(w.clientOrderId)) continue;
          const order = open.get(w.clientOrderId) ?? (await this.source.getOrder(symbol, w.clientOrderId));
          // Not at the exchange (yet): its placement is still under way, or it never arrived.
          if (order === null) continue;
          await this.catchUp(order, false);
        }
      } catch (error) {
        this.log?.warn(
          { symbol, err: error instanceof Error ? error.message : String(error) },
          'Binance: polling order updates failed; trying again next time',
        );
      }
    }
  }

  private async catchUp(order: ExchangeOrder, force: boolean): Promise<void> {
    const w = this.watched.get(order.clientOrderId);
    const handed = w?.executedQty ?? ZERO;
    if (order.executedQty.gt(handed) || (force && order.executedQty.gt(0))) {
      this.fromFills(order, await this.source.tradesOfOrder(order));
    }
    this.handStatus(order, force);
  }

  private firstSight(fill: Fill): boolean {
    const key = `${fill.symbol}:${fill.tradeId}`;
    if (this.seenTrades.has(key)) return false;
    remember(this.seenTrades, key);
    return true;
  }

  private hand(update: ExecutionUpdate): void {
    const { order } = update;
    const w = this.watched.get(order.clientOrderId);
    if (w !== undefined) this.advance(w, order);
    else if (isTerminal(order.status)) this.end(order.clientOrderId);
    for (const listener of [...this.listeners]) {
      try {
        listener(update);
      } catch (error) {
        this.log?.error({ order: order.clientOrderId, err: error instanceof Error ? error.message : String(error) }, 'an execution listener threw');
      }
    }
  }

  /** Records the latest state handed out (never moving back), and ends the watch on a terminal one. */
  private advance(w: Watched, order: ExchangeOrder): void {
    if (rank(order.status) >= rank(w.status)) w.status = order.status;
    if (order.executedQty.gt(w.executedQty)) w.executedQty = order.executedQty;
    if (isTerminal(order.status)) this.end(order.clientOrderId);
  }

  private end(clientOrderId: string): void {
    this.watched.delete(clientOrderId);
    remember(this.ended, clientOrderId);
  }
}

function remember(set: Set<string>, key: string): void {
  set.add(key);
  if (set.size > MAX_REMEMBERED) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
}

/** Trade ids are integers as strings: numeric order, not text order. */
function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
