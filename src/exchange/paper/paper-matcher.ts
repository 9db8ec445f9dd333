// The paper venue's matching engine: Binance Spot semantics against closed candles (or price
// ticks), exact Decimal money, no I/O and no Promises, so the same engine backs the in-process
// PaperExchange and the Binance-protocol emulator. Candles carry no depth, so every fill is for
// the whole order (no partial fills).
import type { Balance, Candle, Fill, OrderRequest, OrderSide, OrderStatus, OrderType, SymbolFilters, TimeInForce } from '../../core/domain.ts';
import { checkFilters, roundPrice } from '../../core/filters.ts';
import {
  type Decimal,
  RoundingMode,
  bps,
  ceilQuotientToStep,
  ceilToStep,
  dec,
  floorQuotientToStep,
  floorToStep,
  maxDec,
  minDec,
  ONE,
  ZERO,
} from '../../core/money.ts';
import type { Clock } from '../../ports/clock.ts';
import { ExchangeError, type ExchangeOrder, type ExecutionUpdate } from '../../ports/exchange.ts';

export interface PaperMatcherOptions {
  /** Starting balances, asset → decimal string (all free). */
  readonly balances: Readonly<Record<string, string>>;
  /** Fee on the notional, charged in the quote asset on both sides. */
  readonly feeBps?: number;
  /** Adverse price move applied to MARKET and STOP_LOSS fills. */
  readonly slippageBps?: number;
  /** The symbol's filters; throwing means the symbol does not exist (-1121). */
  readonly filters: (symbol: string) => SymbolFilters;
  readonly clock: Clock;
  /** 'next-open': a MARKET order decided at a candle's close fills at the next candle's open (no look-ahead).
   * 'immediate': it fills at placement at the last price (live paper trading, emulator). */
  readonly marketFill?: 'next-open' | 'immediate';
  /** Asked at each fill: true fills it as two trades (half, then the rest), as a thin book would — the
   * emulator's `splitFills` knob. Balances move as for one fill; only the reports differ. */
  readonly splitFill?: () => boolean;
  /** Where a throwing execution listener's error goes; matching carries on either way. */
  readonly onListenerError?: (error: unknown) => void;
  /** First exchange order id and trade id minus one: a venue restarted over an existing journal continues
   * its numbering, so (symbol, trade id) stays unique across runs. */
  readonly startSequence?: number;
}

type ExecutionListener = (update: ExecutionUpdate) => void;

interface Wallet {
  free: Decimal;
  locked: Decimal;
}

/** An order as the engine holds it: mutable inside, published as frozen ExchangeOrder snapshots. */
interface BookOrder {
  readonly clientOrderId: string;
  readonly exchangeOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  /** null for a quoteQuantity MARKET order until its fill price decides the quantity. */
  quantity: Decimal | null;
  readonly quoteQuantity: Decimal | null;
  readonly price: Decimal | null;
  readonly stopPrice: Decimal | null;
  // The same prices as floats, so an order that does not trade costs a candle no allocation.
  readonly priceNum: number;
  readonly stopNum: number;
  status: OrderStatus;
  executedQty: Decimal;
  cumulativeQuote: Decimal;
  readonly time: number;
  updateTime: number;
  /** What this order holds back from `lockedAsset`; returned on fill, cancel or expiry. */
  readonly lockedAsset: string;
  locked: Decimal;
  /** No price has been matched against it yet: the next one may take the book at its open. */
  fresh: boolean;
  /** A STOP_LOSS_LIMIT whose stop was hit and now rests as a plain limit. */
  triggered: boolean;
}

interface SymbolBook {
  readonly symbol: string;
  filters: SymbolFilters | null;
  /** Last price as the candle gave it (NaN before any); its Decimal is made only when asked for. */
  lastPrice: number;
  lastPriceDec: Decimal | null;
  readonly resting: BookOrder[];
  /** Latest order per client id (Binance lets a closed order's id be reused). */
  readonly byClientId: Map<string, BookOrder>;
  readonly orders: BookOrder[];
  readonly trades: Fill[];
}

const INSUFFICIENT_BALANCE = 'Account has insufficient balance for requested action.';

export class PaperMatcher {
  private readonly books = new Map<string, SymbolBook>();
  private readonly wallets = new Map<string, Wallet>();
  private readonly listeners: ExecutionListener[] = [];
  private readonly queue: ExecutionUpdate[] = [];
  private delivering = false;
  private orderSeq: number;
  private tradeSeq: number;
  private readonly feeRate: Decimal;
  private readonly buySlip: Decimal;
  private readonly sellSlip: Decimal;
  private readonly immediate: boolean;
  private readonly clock: Clock;
  private readonly filtersOf: (symbol: string) => SymbolFilters;
  private readonly onListenerError: (error: unknown) => void;
  private readonly splitFill: (() => boolean) | undefined;

  constructor(options: PaperMatcherOptions) {
    this.splitFill = options.splitFill;
    this.feeRate = bps(options.feeBps ?? 10);
    this.orderSeq = this.tradeSeq = options.startSequence ?? 0;
    const slip = bps(options.slippageBps ?? 0);
    this.buySlip = ONE.plus(slip);
    this.sellSlip = ONE.minus(slip);
    this.immediate = options.marketFill === 'immediate';
    this.clock = options.clock;
    this.filtersOf = options.filters;
    this.onListenerError = options.onListenerError ?? ((error) => console.error('paper exchange: an execution listener threw', error));
    for (const [asset, amount] of Object.entries(options.balances)) {
      const free = dec(amount);
      if (free.lt(0)) throw new RangeError(`starting balance of ${asset} is negative: ${amount}`);
      this.wallets.set(asset, { free, locked: ZERO });
    }
  }

  // ── Orders ────────────────────────────────────────────────────────────────────────────────

  /** Accepts an order (status submitted, funds locked) or throws ExchangeError as Binance would. */
  placeOrder(req: OrderRequest): ExchangeOrder {
    const filters = this.symbolFilters(req.symbol);
    const book = this.book(req.symbol);
    validateShape(req);
    const previous = book.byClientId.get(req.clientOrderId);
    if (previous !== undefined && isOpen(previous)) throw new ExchangeError(-2010, 'Duplicate order sent.');

    const last = this.lastPriceOf(book);
    if (req.type === 'MARKET' && last === null) {
      throw new ExchangeError(-1013, `No reference price for ${req.symbol} yet: a MARKET order needs a last price.`);
    }
    // Stops are expected to trade near their stop price, so that is their notional's reference.
    const reference = req.type === 'MARKET' ? last! : (req.stopPrice ?? last ?? ZERO);
    const violation = checkFilters(filters, req, reference);
    if (violation !== null) throw new ExchangeError(-1013, `Filter failure: ${violation.filter}`);
    if (req.stopPrice !== undefined && last !== null) {
      const triggersNow = req.side === 'SELL' ? last.lte(req.stopPrice) : last.gte(req.stopPrice);
      if (triggersNow) throw new ExchangeError(-2010, 'Order would trigger immediately.');
    }

    const { asset, amount } = this.lockFor(req, filters, last);
    const wallet = this.wallet(asset);
    if (amount.gt(wallet.free)) throw new ExchangeError(-2010, INSUFFICIENT_BALANCE);
    wallet.free = wallet.free.minus(amount);
    wallet.locked = wallet.locked.plus(amount);

    const now = this.clock.now();
    const order: BookOrder = {
      clientOrderId: req.clientOrderId,
      exchangeOrderId: String(++this.orderSeq),
      symbol: req.symbol,
      side: req.side,
      type: req.type,
      timeInForce: req.timeInForce ?? 'GTC',
      quantity: req.quantity ?? null,
      quoteQuantity: req.quoteQuantity ?? null,
      price: req.price ?? null,
      stopPrice: req.stopPrice ?? null,
      priceNum: req.price === undefined ? Number.NaN : req.price.toNumber(),
      stopNum: req.stopPrice === undefined ? Number.NaN : req.stopPrice.toNumber(),
      status: 'submitted',
      executedQty: ZERO,
      cumulativeQuote: ZERO,
      time: now,
      updateTime: now,
      lockedAsset: asset,
      locked: amount,
      fresh: true,
      triggered: false,
    };
    book.byClientId.set(order.clientOrderId, order);
    book.orders.push(order);

    return this.holdingDeliveries(() => {
      this.publish({ order: snapshot(order) });
      if (this.immediate && last !== null) this.takeAtPlacement(book, order, last, now);
      if (isOpen(order)) book.resting.push(order);
      return snapshot(order);
    });
  }

  cancelOrder(symbol: string, clientOrderId: string): ExchangeOrder {
    this.symbolFilters(symbol);
    const book = this.books.get(symbol);
    const order = book?.byClientId.get(clientOrderId);
    if (book === undefined || order === undefined || !isOpen(order)) {
      throw new ExchangeError(-2011, 'Unknown order sent.');
    }
    return this.holdingDeliveries(() => {
      this.close(order, 'cancelled', this.clock.now());
      book.resting.splice(book.resting.indexOf(order), 1);
      return snapshot(order);
    });
  }

  /** Cancels every open order of the symbol; none open is an empty list, not an error. */
  cancelAllOrders(symbol: string): ExchangeOrder[] {
    this.symbolFilters(symbol);
    const book = this.books.get(symbol);
    if (book === undefined) return [];
    return this.holdingDeliveries(() => {
      const now = this.clock.now();
      const cancelled = book.resting.splice(0);
      return cancelled.map((order) => {
        this.close(order, 'cancelled', now);
        return snapshot(order);
      });
    });
  }

  getOrder(symbol: string, clientOrderId: string): ExchangeOrder | null {
    const order = this.books.get(symbol)?.byClientId.get(clientOrderId);
    return order === undefined ? null : snapshot(order);
  }

  openOrders(symbol?: string): ExchangeOrder[] {
    const books = symbol === undefined ? [...this.books.values()] : [this.books.get(symbol)];
    return books.flatMap((book) => book?.resting.map(snapshot) ?? []);
  }

  allOrders(symbol: string): ExchangeOrder[] {
    return this.books.get(symbol)?.orders.map(snapshot) ?? [];
  }

  trades(symbol: string, fromTime = 0): Fill[] {
    return this.books.get(symbol)?.trades.filter((fill) => fill.time >= fromTime) ?? [];
  }

  balances(): Balance[] {
    return [...this.wallets].map(([asset, w]) => Object.freeze({ asset, free: w.free, locked: w.locked }));
  }

  /** The symbol's filters; an unknown symbol is Binance's -1121. */
  symbolFilters(symbol: string): SymbolFilters {
    const book = this.books.get(symbol);
    if (book?.filters) return book.filters;
    let filters: SymbolFilters;
    try {
      filters = this.filtersOf(symbol);
    } catch {
      throw new ExchangeError(-1121, 'Invalid symbol.');
    }
    this.book(symbol).filters = filters;
    return filters;
  }

  // ── Prices ────────────────────────────────────────────────────────────────────────────────

  /** Matches the symbol's resting orders against a closed candle. The backtest hot path: a symbol
   * without resting orders costs one Map lookup and no allocation. */
  onCandle(candle: Candle): void {
    const book = this.books.get(candle.symbol);
    if (book === undefined) {
      this.book(candle.symbol).lastPrice = candle.close;
      return;
    }
    book.lastPrice = candle.close;
    book.lastPriceDec = null;
    if (book.resting.length === 0) return;
    this.match(book, candle.open, candle.high, candle.low, candle.openTime, candle.closeTime);
  }

  /** A price tick (live paper, emulator): the new last price, matched like a one-price candle. */
  setPrice(symbol: string, price: Decimal): void {
    const book = this.book(symbol);
    const p = price.toNumber();
    book.lastPrice = p;
    book.lastPriceDec = price;
    if (book.resting.length === 0) return;
    const now = this.clock.now();
    this.match(book, p, p, p, now, now);
  }

  lastPrice(symbol: string): Decimal | null {
    const book = this.books.get(symbol);
    return book === undefined ? null : this.lastPriceOf(book);
  }

  // ── Updates ───────────────────────────────────────────────────────────────────────────────

  /** Subscribes to order updates (accepted, filled, cancelled, expired). Listeners are called
   * synchronously, in order, each on its own: a throwing listener never stops matching. */
  onExecution(listener: ExecutionListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ── Matching ──────────────────────────────────────────────────────────────────────────────

  private match(book: SymbolBook, open: number, high: number, low: number, openTime: number, closeTime: number): void {
    // Updates are held until the whole book has seen this price, so a listener that places an
    // order from a fill cannot have it matched against the very candle that caused it.
    const outer = this.delivering;
    this.delivering = true;
    try {
      const resting = book.resting;
      let kept = 0;
      for (let i = 0; i < resting.length; i++) {
        const order = resting[i]!;
        this.matchOrder(book, order, open, high, low, openTime, closeTime);
        if (isOpen(order)) resting[kept++] = order;
      }
      resting.length = kept;
    } finally {
      this.delivering = outer;
    }
    this.deliverQueued();
  }

  private matchOrder(book: SymbolBook, order: BookOrder, open: number, high: number, low: number, openTime: number, closeTime: number): void {
    const fresh = order.fresh;
    order.fresh = false;
    const sell = order.side === 'SELL';
    switch (order.type) {
      case 'MARKET':
        this.fill(book, order, this.slipped(book, order.side, this.onTick(book, open)), openTime);
        return;
      case 'LIMIT':
        this.matchLimit(book, order, fresh, open, high, low, openTime, closeTime);
        return;
      case 'STOP_LOSS': {
        if (sell ? low > order.stopNum : high < order.stopNum) return;
        // A gap through the stop fills at the open, which is worse than the stop.
        const gapped = sell ? open <= order.stopNum : open >= order.stopNum;
        const base = gapped ? this.onTick(book, open) : order.stopPrice!;
        this.fill(book, order, this.slipped(book, order.side, base), gapped ? openTime : closeTime);
        return;
      }
      case 'STOP_LOSS_LIMIT': {
        if (order.triggered) {
          this.matchLimit(book, order, false, open, high, low, openTime, closeTime);
          return;
        }
        if (sell ? low > order.stopNum : high < order.stopNum) return;
        order.triggered = true;
        // Triggered, it becomes a limit order entered at the trigger price — the stop, or the open when the
        // candle gapped through it. Marketable there (a sell's limit under that price), it takes at once: at
        // the trigger price with the venue's slippage, never past its limit. Otherwise it rests at its limit.
        const gapped = sell ? open <= order.stopNum : open >= order.stopNum;
        const trigger = gapped ? open : order.stopNum;
        if (sell ? trigger >= order.priceNum : trigger <= order.priceNum) {
          const slipped = this.slipped(book, order.side, gapped ? this.onTick(book, open) : order.stopPrice!);
          this.fill(book, order, sell ? maxDec(slipped, order.price!) : minDec(slipped, order.price!), gapped ? openTime : closeTime);
        } else if (sell ? high >= order.priceNum : low <= order.priceNum) {
          this.fill(book, order, order.price!, closeTime);
        } else if (order.timeInForce !== 'GTC') {
          this.close(order, 'expired', closeTime, `${order.timeInForce} stop-limit did not fill on its trigger candle`);
        }
        return;
      }
    }
  }

  private matchLimit(book: SymbolBook, order: BookOrder, fresh: boolean, open: number, high: number, low: number, openTime: number, closeTime: number): void {
    const buy = order.side === 'BUY';
    const limit = order.priceNum;
    // Only a newly placed order is a taker at the open; a resting one is in the book, so a gap
    // through it fills it at its own price.
    if (fresh && (buy ? open <= limit : open >= limit)) {
      this.fill(book, order, this.onTick(book, open), openTime);
    } else if (buy ? low <= limit : high >= limit) {
      this.fill(book, order, order.price!, closeTime);
    } else if (fresh && order.timeInForce !== 'GTC') {
      this.close(order, 'expired', closeTime, `${order.timeInForce} order could not fill on the next candle`);
    }
  }

  /** Immediate mode: a MARKET order, or a LIMIT marketable against the last price, trades now. */
  private takeAtPlacement(book: SymbolBook, order: BookOrder, last: Decimal, now: number): void {
    order.fresh = false;
    if (order.type === 'MARKET') {
      this.fill(book, order, this.slipped(book, order.side, last), now);
    } else if (order.type === 'LIMIT') {
      const marketable = order.side === 'BUY' ? last.lte(order.price!) : last.gte(order.price!);
      if (marketable) this.fill(book, order, last, now);
      else if (order.timeInForce !== 'GTC') {
        this.close(order, 'expired', now, `${order.timeInForce} order was not marketable at ${last}`);
      }
    }
  }

  // ── Settlement ────────────────────────────────────────────────────────────────────────────

  /** Fills the whole order at `price`, or expires it when the account cannot pay at that price. */
  private fill(book: SymbolBook, order: BookOrder, price: Decimal, at: number): void {
    const filters = book.filters!;
    const time = Math.max(at, order.time);
    let qty = order.quantity;
    if (qty === null) {
      qty = floorQuotientToStep(order.quoteQuantity!, price, filters.marketStepSize);
      if (qty.lte(0) || qty.lt(filters.marketMinQty)) {
        const reason = `quote quantity ${order.quoteQuantity} is below the minimum quantity ${filters.marketMinQty} at ${price}`;
        this.close(order, 'expired', time, reason);
        return;
      }
    }
    const notional = qty.times(price);
    const fee = notional.times(this.feeRate).round(filters.quotePrecision, RoundingMode.halfUp);
    const buy = order.side === 'BUY';
    const [payAsset, pay] = buy ? [filters.quoteAsset, notional.plus(fee)] : [filters.baseAsset, qty];
    const wallet = this.wallet(payAsset);
    // The lock was an estimate for MARKET/STOP orders: free funds may cover the difference,
    // but a balance is never driven negative.
    if (pay.gt(order.locked.plus(wallet.free))) {
      const reason = `insufficient balance at fill: needs ${pay} ${payAsset} at ${price}, ` + `had ${order.locked} locked + ${wallet.free} free`;
      this.close(order, 'expired', time, reason);
      return;
    }
    wallet.locked = nonNegative(wallet.locked.minus(order.locked), payAsset);
    wallet.free = nonNegative(wallet.free.plus(order.locked).minus(pay), payAsset);
    order.locked = ZERO;
    const received = this.wallet(buy ? filters.baseAsset : filters.quoteAsset);
    received.free = received.free.plus(buy ? qty : notional.minus(fee));

    order.quantity = qty;
    order.updateTime = time;
    const half = floorToStep(qty.div(2), filters.stepSize);
    if (this.splitFill !== undefined && half.gt(0) && half.lt(qty) && this.splitFill()) {
      const firstQuote = half.times(price);
      const firstFee = firstQuote.times(this.feeRate).round(filters.quotePrecision, RoundingMode.halfUp);
      order.executedQty = half;
      order.cumulativeQuote = firstQuote;
      order.status = 'partially_filled';
      this.publishFill(book, order, price, half, firstQuote, firstFee, time);
      order.executedQty = qty;
      order.cumulativeQuote = notional;
      order.status = 'filled';
      this.publishFill(book, order, price, qty.minus(half), notional.minus(firstQuote), fee.minus(firstFee), time);
      return;
    }
    order.executedQty = qty;
    order.cumulativeQuote = notional;
    order.status = 'filled';
    this.publishFill(book, order, price, qty, notional, fee, time);
  }

  /** Records one trade of an order (already updated to what it has executed with it) and reports it. */
  private publishFill(book: SymbolBook, order: BookOrder, price: Decimal, qty: Decimal, notional: Decimal, fee: Decimal, time: number): void {
    const filters = book.filters!;
    const fill: Fill = Object.freeze({
      tradeId: String(++this.tradeSeq),
      clientOrderId: order.clientOrderId,
      exchangeOrderId: order.exchangeOrderId,
      symbol: order.symbol,
      side: order.side,
      price,
      quantity: qty,
      quoteQuantity: notional,
      fee,
      feeAsset: filters.quoteAsset,
      time,
    });
    book.trades.push(fill);
    this.publish({ order: snapshot(order), fill });
  }

  /** Ends an open order without a fill, returning its locked funds. The caller takes it off the
   * resting list (the match loop compacts the list itself). */
  private close(order: BookOrder, status: 'cancelled' | 'expired', at: number, reason?: string): void {
    const wallet = this.wallet(order.lockedAsset);
    wallet.locked = nonNegative(wallet.locked.minus(order.locked), order.lockedAsset);
    wallet.free = wallet.free.plus(order.locked);
    order.locked = ZERO;
    order.status = status;
    order.updateTime = Math.max(at, order.time);
    this.publish(reason === undefined ? { order: snapshot(order) } : { order: snapshot(order), rejectReason: reason });
  }

  /** What placing the order holds back, in which asset. MARKET and STOP_LOSS hold an estimate. */
  private lockFor(req: OrderRequest, filters: SymbolFilters, last: Decimal | null): { asset: string; amount: Decimal } {
    if (req.side === 'SELL') {
      const qty = req.quantity ?? ceilQuotientToStep(req.quoteQuantity!, last!, filters.marketStepSize);
      return { asset: filters.baseAsset, amount: qty };
    }
    const notional = req.quoteQuantity ?? req.quantity!.times(req.type === 'MARKET' ? last! : req.type === 'STOP_LOSS' ? req.stopPrice! : req.price!);
    const fee = notional.times(this.feeRate).round(filters.quotePrecision, RoundingMode.halfUp);
    return { asset: filters.quoteAsset, amount: notional.plus(fee) };
  }

  /** A candle's float price as the exact tick price it stands for (29999.999999999996 → 30000). */
  private onTick(book: SymbolBook, price: number): Decimal {
    return roundPrice(book.filters!, dec(price));
  }

  /** A market price moved against the taker by the slippage, then to the tick in the same direction. */
  private slipped(book: SymbolBook, side: OrderSide, price: Decimal): Decimal {
    const tick = book.filters!.tickSize;
    return side === 'BUY' ? ceilToStep(price.times(this.buySlip), tick) : floorToStep(price.times(this.sellSlip), tick);
  }

  // ── Plumbing ──────────────────────────────────────────────────────────────────────────────

  /** Queues an update (frozen: listeners share it) and delivers it unless a delivery is held. Each
   * caller builds its update whole: this is every order's path, twice. */
  private publish(update: ExecutionUpdate): void {
    this.queue.push(Object.freeze(update));
    this.deliverQueued();
  }

  /** Runs `work` with deliveries held, then delivers what it queued: listeners never see a half-done operation. */
  private holdingDeliveries<T>(work: () => T): T {
    const outer = this.delivering;
    this.delivering = true;
    try {
      return work();
    } finally {
      this.delivering = outer;
      this.deliverQueued();
    }
  }

  /** Delivers queued updates in order to every listener. Re-entrant calls (a listener placing an
   * order) only enqueue, so every listener sees the same sequence. */
  private deliverQueued(): void {
    if (this.delivering || this.queue.length === 0) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const update = this.queue[i]!;
        // A copy when there is more than one: a listener may unsubscribe another mid-delivery.
        const listeners = this.listeners.length === 1 ? this.listeners : [...this.listeners];
        for (const listener of listeners) {
          try {
            listener(update);
          } catch (error) {
            this.onListenerError(error);
          }
        }
      }
    } finally {
      this.queue.length = 0;
      this.delivering = false;
    }
  }

  private book(symbol: string): SymbolBook {
    let book = this.books.get(symbol);
    if (book === undefined) {
      book = {
        symbol,
        filters: null,
        lastPrice: Number.NaN,
        lastPriceDec: null,
        resting: [],
        byClientId: new Map(),
        orders: [],
        trades: [],
      };
      this.books.set(symbol, book);
    }
    return book;
  }

  private lastPriceOf(book: SymbolBook): Decimal | null {
    if (Number.isNaN(book.lastPrice)) return null;
    if (book.lastPriceDec === null) {
      const price = dec(book.lastPrice);
      // Cached only once the tick is known, so float noise never reaches an order's estimate.
      if (book.filters === null) return price;
      book.lastPriceDec = roundPrice(book.filters, price);
    }
    return book.lastPriceDec;
  }

  private wallet(asset: string): Wallet {
    let wallet = this.wallets.get(asset);
    if (wallet === undefined) {
      wallet = { free: ZERO, locked: ZERO };
      this.wallets.set(asset, wallet);
    }
    return wallet;
  }
}

function isOpen(order: BookOrder): boolean {
  return order.status === 'submitted' || order.status === 'partially_filled';
}

function snapshot(order: BookOrder): ExchangeOrder {
  return Object.freeze({
    clientOrderId: order.clientOrderId,
    exchangeOrderId: order.exchangeOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    status: order.status,
    // Binance reports 0 for what an order does not have (a MARKET order's price).
    quantity: order.quantity ?? ZERO,
    price: order.price ?? ZERO,
    executedQty: order.executedQty,
    cumulativeQuote: order.cumulativeQuote,
    time: order.time,
    updateTime: order.updateTime,
  });
}

/** The parameter rules Binance enforces before any filter. */
function mandatory(name: string): never {
  throw new ExchangeError(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
}

function notRequired(name: string): never {
  throw new ExchangeError(-1106, `Parameter '${name}' sent when not required.`);
}

function validateShape(req: OrderRequest): void {
  if (req.quantity === undefined && req.quoteQuantity === undefined) {
    throw new ExchangeError(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
  }
  if (req.quoteQuantity !== undefined) {
    if (req.type !== 'MARKET') notRequired('quoteOrderQty');
    if (req.quantity !== undefined) throw new ExchangeError(-1128, 'Combination of optional parameters invalid.');
  }
  const limit = req.type === 'LIMIT' || req.type === 'STOP_LOSS_LIMIT';
  const stop = req.type === 'STOP_LOSS' || req.type === 'STOP_LOSS_LIMIT';
  if (limit && req.price === undefined) mandatory('price');
  if (!limit && req.price !== undefined) notRequired('price');
  if (stop && req.stopPrice === undefined) mandatory('stopPrice');
  if (!stop && req.stopPrice !== undefined) notRequired('stopPrice');
  if (!limit && req.timeInForce !== undefined) notRequired('timeInForce');
}

/** A negative balance is an engine bug, never a trading outcome. */
function nonNegative(value: Decimal, asset: string): Decimal {
  if (value.lt(0)) throw new Error(`paper engine invariant broken: ${asset} balance would be ${value}`);
  return value;
}
