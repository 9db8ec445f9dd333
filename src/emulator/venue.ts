// The emulated account: crewdesk's PaperMatcher (the same engine the paper exchange uses) plus
// what Binance reports and the engine does not keep — numeric order ids, time in force, the
// quote amount asked for, maker/taker per trade, a cancel's own client order id — and the user
// data events (executionReport, outboundAccountPosition) each change produces.
import { randomBytes } from 'node:crypto';
import type { OrderSide, OrderType, SymbolFilters, TimeInForce } from '../core/domain.ts';
import { roundPrice } from '../core/filters.ts';
import { type Decimal, dec, ZERO } from '../core/money.ts';
import { PaperMatcher } from '../exchange/paper/paper-matcher.ts';
import { ExchangeError, type ExchangeOrder, type ExecutionUpdate } from '../ports/exchange.ts';
import { type BalanceView, type ExecutionType, type OrderView, type TradeView, accountPositionJson, executionReportJson, isStop } from './binance-format.ts';

export interface PlaceOrderParams {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce?: TimeInForce;
  readonly quantity?: Decimal;
  readonly quoteOrderQty?: Decimal;
  readonly price?: Decimal;
  readonly stopPrice?: Decimal;
  readonly newClientOrderId?: string;
}

/** An order by Binance's two handles: orderId wins when both are given. */
export interface OrderRef {
  readonly orderId?: number;
  readonly origClientOrderId?: string;
}

export interface HistoryQuery {
  readonly fromId?: number;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly limit: number;
}

export type UserDataEvent = Record<string, unknown>;

interface OrderRecord {
  readonly orderId: number;
  readonly timeInForce: TimeInForce;
  readonly stopPrice: Decimal;
  readonly quoteOrderQty: Decimal;
  snapshot: ExchangeOrder;
}

interface PendingPlace {
  readonly params: PlaceOrderParams;
  orderId?: number;
  readonly fills: TradeView[];
}

export interface VenueOptions {
  readonly balances: Readonly<Record<string, string>>;
  readonly filters: ReadonlyMap<string, SymbolFilters>;
  readonly feeBps: number;
  /** The server's clock (wall clock plus skew). */
  readonly now: () => number;
  /** Whether the next fill comes as two trades (the `splitFills` knob). */
  readonly splitFill?: () => boolean;
}

export class Venue {
  readonly engine: PaperMatcher;
  readonly feeBps: number;
  private readonly filters: ReadonlyMap<string, SymbolFilters>;
  private readonly now: () => number;
  private readonly records = new Map<number, OrderRecord>();
  private readonly tradesBySymbol = new Map<string, TradeView[]>();
  private readonly listeners: ((event: UserDataEvent) => void)[] = [];
  /** Events of the operation in progress, sent when it is complete (executionReports, then the balances). */
  private readonly outbox: UserDataEvent[] = [];
  private readonly touchedSymbols = new Set<string>();
  private depth = 0;
  private placing: PendingPlace | null = null;
  private readonly cancelIds = new Map<number, string>();
  private accountUpdateTime = 0;

  constructor(options: VenueOptions) {
    this.filters = options.filters;
    this.now = options.now;
    this.feeBps = options.feeBps;
    this.engine = new PaperMatcher({
      balances: options.balances,
      feeBps: options.feeBps,
      filters: (symbol) => {
        const f = this.filters.get(symbol);
        if (f === undefined) throw new Error(`unknown symbol ${symbol}`);
        return f;
      },
      clock: { now: options.now },
      marketFill: 'immediate',
      ...(options.splitFill && { splitFill: options.splitFill }),
      onListenerError: (error) => console.error('emulator: an order update could not be reported', error),
    });
    this.engine.onExecution((update) => this.onUpdate(update));
    this.accountUpdateTime = options.now();
  }

  get symbols(): string[] {
    return [...this.filters.keys()];
  }

  symbolFilters(symbol: string): SymbolFilters {
    const f = this.filters.get(symbol);
    if (f === undefined) throw new ExchangeError(-1121, 'Invalid symbol.');
    return f;
  }

  /** Subscribes to user data events (the payloads, unwrapped). */
  onUserData(listener: (event: UserDataEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ── Market ────────────────────────────────────────────────────────────────────────────────

  /** A new last price (a replay tick): resting orders it reaches fill. */
  setPrice(symbol: string, price: number | string | Decimal): void {
    const p = roundPrice(this.symbolFilters(symbol), dec(price));
    this.operation(() => this.engine.setPrice(symbol, p));
  }

  lastPrice(symbol: string): Decimal | null {
    return this.engine.lastPrice(symbol);
  }

  // ── Orders ────────────────────────────────────────────────────────────────────────────────

  /** Places an order; returns it as it stands after placement, with the fills it got at once. */
  place(params: PlaceOrderParams): { order: OrderView; fills: TradeView[] } {
    this.symbolFilters(params.symbol);
    const clientOrderId = params.newClientOrderId ?? newClientOrderId();
    const pending: PendingPlace = { params, fills: [] };
    return this.operation(() => {
      this.placing = pending;
      let placed: ExchangeOrder;
      try {
        placed = this.engine.placeOrder({
          clientOrderId,
          symbol: params.symbol,
          side: params.side,
          type: params.type,
          ...(params.quantity !== undefined && { quantity: params.quantity }),
          ...(params.quoteOrderQty !== undefined && { quoteQuantity: params.quoteOrderQty }),
          ...(params.price !== undefined && { price: params.price }),
          ...(params.stopPrice !== undefined && { stopPrice: params.stopPrice }),
          ...(params.timeInForce !== undefined && { timeInForce: params.timeInForce }),
        });
      } finally {
        this.placing = null;
      }
      const record = this.records.get(Number(placed.exchangeOrderId))!;
      return { order: this.view(record), fills: pending.fills };
    });
  }

  /** Cancels an open order; `cancelClientOrderId` is the cancel request's own id (Binance's newClientOrderId). */
  cancel(symbol: string, ref: OrderRef, cancelClientOrderId?: string): { order: OrderView; cancelClientOrderId: string } {
    this.symbolFilters(symbol);
    const record = this.find(symbol, ref);
    if (record === null || !isOpen(record.snapshot)) throw new ExchangeError(-2011, 'Unknown order sent.');
    const cancelId = cancelClientOrderId ?? newClientOrderId();
    return this.operation(() => {
      this.cancelIds.set(record.orderId, cancelId);
      try {
        this.engine.cancelOrder(symbol, record.snapshot.clientOrderId);
      } finally {
        this.cancelIds.delete(record.orderId);
      }
      return { order: this.view(record), cancelClientOrderId: cancelId };
    });
  }

  /** Cancels every open order of the symbol (DELETE /api/v3/openOrders); none open is -2011 as on Binance. */
  cancelAll(symbol: string): { order: OrderView; cancelClientOrderId: string }[] {
    this.symbolFilters(symbol);
    const open = this.openOrders(symbol);
    if (open.length === 0) throw new ExchangeError(-2011, 'Unknown order sent.');
    return this.operation(() => open.map((o) => this.cancel(symbol, { orderId: o.orderId })));
  }

  /** The order, or -2013 "Order does not exist." */
  get(symbol: string, ref: OrderRef): OrderView {
    this.symbolFilters(symbol);
    const record = this.find(symbol, ref);
    if (record === null) throw new ExchangeError(-2013, 'Order does not exist.');
    return this.view(record);
  }

  openOrders(symbol?: string): OrderView[] {
    if (symbol !== undefined) this.symbolFilters(symbol);
    return this.engine
      .openOrders(symbol)
      .map((o) => this.view(this.records.get(Number(o.exchangeOrderId))!))
      .sort((a, b) => a.orderId - b.orderId);
  }

  /** GET /api/v3/allOrders: from `fromId` (orderId) or `startTime` forwards, else the most recent. */
  allOrders(symbol: string, query: HistoryQuery): OrderView[] {
    this.symbolFilters(symbol);
    const all = [...this.records.values()]
      .filter((r) => r.snapshot.symbol === symbol)
      .map((r) => this.view(r))
      .sort((a, b) => a.orderId - b.orderId);
    return window(
      all,
      query,
      (o) => o.orderId,
      (o) => o.time,
    );
  }

  /** GET /api/v3/myTrades, optionally of one order. */
  myTrades(symbol: string, query: HistoryQuery & { orderId?: number }): TradeView[] {
    this.symbolFilters(symbol);
    let trades = this.tradesBySymbol.get(symbol) ?? [];
    if (query.orderId !== undefined) trades = trades.filter((t) => t.orderId === query.orderId);
    return window(
      trades,
      query,
      (t) => t.id,
      (t) => t.time,
    );
  }

  balances(): BalanceView[] {
    return this.engine
      .balances()
      .map((b) => ({ asset: b.asset, free: b.free, locked: b.locked }))
      .sort((a, b) => a.asset.localeCompare(b.asset));
  }

  allOrderViews(): OrderView[] {
    return [...this.records.values()].map((r) => this.view(r)).sort((a, b) => a.orderId - b.orderId);
  }

  allTrades(): TradeView[] {
    return [...this.tradesBySymbol.values()].flat().sort((a, b) => a.id - b.id);
  }

  get updateTime(): number {
    return this.accountUpdateTime;
  }

  // ── Engine updates → Binance events ───────────────────────────────────────────────────────

  private onUpdate(update: ExecutionUpdate): void {
    const snapshot = update.order;
    const orderId = Number(snapshot.exchangeOrderId);
    let record = this.records.get(orderId);
    if (record === undefined) {
      const params = this.placing?.params;
      if (params === undefined) throw new Error(`emulator: an update for unknown order ${orderId}`);
      record = {
        orderId,
        timeInForce: params.timeInForce ?? 'GTC',
        stopPrice: params.stopPrice ?? ZERO,
        quoteOrderQty: params.quoteOrderQty ?? ZERO,
        snapshot,
      };
      this.records.set(orderId, record);
    }
    record.snapshot = snapshot;
    this.touchedSymbols.add(snapshot.symbol);
    const order = this.view(record);
    let trade: TradeView | undefined;
    if (update.fill !== undefined) {
      const f = update.fill;
      trade = {
        symbol: f.symbol,
        id: Number(f.tradeId),
        orderId,
        side: f.side,
        price: f.price,
        qty: f.quantity,
        quoteQty: f.quoteQuantity,
        commission: f.fee,
        commissionAsset: f.feeAsset,
        time: f.time,
        // A limit order that rested in the book and was reached later made the market.
        isMaker: snapshot.type === 'LIMIT' && this.placing === null,
      };
      const list = this.tradesBySymbol.get(f.symbol) ?? [];
      list.push(trade);
      this.tradesBySymbol.set(f.symbol, list);
      if (this.placing !== null) this.placing.fills.push(trade);
    }
    const executionType: ExecutionType =
      trade !== undefined
        ? 'TRADE'
        : snapshot.status === 'cancelled'
          ? 'CANCELED'
          : snapshot.status === 'expired'
            ? 'EXPIRED'
            : snapshot.status === 'rejected'
              ? 'REJECTED'
              : 'NEW';
    const cancelId = this.cancelIds.get(orderId);
    this.outbox.push(
      executionReportJson({
        order,
        executionType,
        eventTime: this.now(),
        transactionTime: snapshot.updateTime,
        ...(trade !== undefined && { trade }),
        ...(cancelId !== undefined && { cancelClientOrderId: cancelId }),
        ...(update.rejectReason !== undefined && { rejectReason: update.rejectReason }),
      }),
    );
  }

  /** Runs an operation; once the outermost one ends, sends its events: the executionReports,
   * then one outboundAccountPosition with the assets of the symbols it touched. */
  private operation<T>(work: () => T): T {
    this.depth++;
    try {
      return work();
    } finally {
      this.depth--;
      if (this.depth === 0) this.flush();
    }
  }

  private flush(): void {
    if (this.outbox.length === 0) return;
    const events = this.outbox.splice(0);
    const assets = new Set<string>();
    for (const symbol of this.touchedSymbols) {
      const f = this.filters.get(symbol);
      if (f !== undefined) assets.add(f.baseAsset).add(f.quoteAsset);
    }
    this.touchedSymbols.clear();
    const now = this.now();
    this.accountUpdateTime = now;
    const balances = this.balances().filter((b) => assets.has(b.asset));
    events.push(accountPositionJson(now, now, balances));
    for (const event of events) {
      for (const listener of [...this.listeners]) {
        try {
          listener(event);
        } catch (error) {
          console.error('emulator: a user data listener failed', error);
        }
      }
    }
  }

  private find(symbol: string, ref: OrderRef): OrderRecord | null {
    if (ref.orderId !== undefined) {
      const record = this.records.get(ref.orderId);
      if (record === undefined || record.snapshot.symbol !== symbol) return null;
      if (ref.origClientOrderId !== undefined && record.snapshot.clientOrderId !== ref.origClientOrderId) return null;
      return record;
    }
    if (ref.origClientOrderId === undefined) {
      throw new ExchangeError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    }
    const latest = this.engine.getOrder(symbol, ref.origClientOrderId);
    return latest === null ? null : (this.records.get(Number(latest.exchangeOrderId)) ?? null);
  }

  private view(record: OrderRecord): OrderView {
    const s = record.snapshot;
    return {
      symbol: s.symbol,
      orderId: record.orderId,
      clientOrderId: s.clientOrderId,
      side: s.side,
      type: s.type,
      timeInForce: record.timeInForce,
      status: s.status,
      price: s.price,
      stopPrice: record.stopPrice,
      origQty: s.quantity,
      origQuoteOrderQty: record.quoteOrderQty,
      executedQty: s.executedQty,
      cumulativeQuote: s.cumulativeQuote,
      time: s.time,
      updateTime: s.updateTime,
      workingTime: isStop(s.type) ? -1 : s.time,
      isWorking: s.type === 'LIMIT' && isOpen(s),
    };
  }
}

function isOpen(o: ExchangeOrder): boolean {
  return o.status === 'submitted' || o.status === 'partially_filled';
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A client order id as Binance makes one up when none is sent (22 letters and digits). */
export function newClientOrderId(): string {
  const bytes = randomBytes(22);
  let id = '';
  for (const b of bytes) id += ID_CHARS[b % ID_CHARS.length];
  return id;
}

/** Binance's history paging: forwards from an id or a start time, else the most recent `limit`. */
function window<T>(items: readonly T[], q: HistoryQuery, id: (item: T) => number, time: (item: T) => number): T[] {
  let list = items;
  if (q.fromId !== undefined) list = list.filter((x) => id(x) >= q.fromId!);
  if (q.startTime !== undefined) list = list.filter((x) => time(x) >= q.startTime!);
  if (q.endTime !== undefined) list = list.filter((x) => time(x) <= q.endTime!);
  const forwards = q.fromId !== undefined || q.startTime !== undefined;
  return forwards ? list.slice(0, q.limit) : list.slice(Math.max(0, list.length - q.limit));
}
