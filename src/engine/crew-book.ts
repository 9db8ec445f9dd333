// A crew instance's book: its slice of the account. Exact (Decimal) for money that moved —
// cash, quantity, cost basis, realized PnL, fees — with float mirrors for the per-candle
// mark-to-market, which is a signal (drawdown, exposure), not a money movement. It satisfies the
// risk side's BookView (src/ports/book-view.ts).
import type { Fill, Position } from '../core/domain.ts';
import { type Decimal, dec, ZERO } from '../core/money.ts';

export class CrewBook {
  quantity: Decimal;
  costBasis: Decimal;
  cash: Decimal;
  realizedPnl: Decimal;
  feesPaid: Decimal;
  entryTime: number | null;
  /** Quote set aside for open BUY orders (cash − reserved is what a new entry may spend). */
  reserved: Decimal = ZERO;
  /** Base set aside for open SELL orders. */
  reservedQty: Decimal = ZERO;

  // Float mirrors, refreshed on every change of the exact values.
  qtyF = 0;
  cashF = 0;
  costBasisF = 0;
  reservedF = 0;
  lastPrice = 0;
  equityF = 0;
  /** Highest price since the current entry (trailing stops). */
  highSinceEntry = 0;

  constructor(
    readonly crewId: string,
    readonly symbol: string,
    readonly baseAsset: string,
    readonly quoteAsset: string,
    position: Position,
  ) {
    this.quantity = position.quantity;
    this.costBasis = position.costBasis;
    this.cash = position.cash;
    this.realizedPnl = position.realizedPnl;
    this.feesPaid = position.feesPaid;
    this.entryTime = position.entryTime;
    this.refresh();
    // Until the first price arrives, a held position is marked at its entry price (not at zero).
    this.lastPrice = position.entryPrice?.toNumber() ?? 0;
    this.equityF = this.cashF + this.qtyF * this.lastPrice;
  }

  static flat(crewId: string, symbol: string, base: string, quote: string, capital: Decimal): CrewBook {
    return new CrewBook(crewId, symbol, base, quote, {
      crewId,
      symbol,
      quantity: ZERO,
      costBasis: ZERO,
      cash: capital,
      realizedPnl: ZERO,
      feesPaid: ZERO,
      entryTime: null,
      entryPrice: null,
    });
  }

  get isLong(): boolean {
    return this.qtyF > 0;
  }

  get entryPrice(): Decimal | null {
    return this.quantity.gt(0) ? this.costBasis.div(this.quantity) : null;
  }

  /** Cash a new entry may spend. */
  get freeCash(): Decimal {
    return this.cash.minus(this.reserved);
  }

  get freeQuantity(): Decimal {
    return this.quantity.minus(this.reservedQty);
  }

  /** Marks the book to a price (float; hot path). Returns the equity. */
  mark(price: number): number {
    this.lastPrice = price;
    const equity = this.cashF + this.qtyF * price;
    this.equityF = equity;
    return equity;
  }

  /** Notional held plus pending buys, at the last price. */
  get exposureF(): number {
    return this.qtyF * this.lastPrice + this.reservedF;
  }

  /** Applies a fill. Fees in the quote asset reduce cash; fees in the base asset reduce the quantity received. */
  applyFill(fill: Fill): void {
    const feeInQuote = fill.feeAsset === this.quoteAsset ? fill.fee : fill.feeAsset === this.baseAsset ? fill.fee.times(fill.price) : ZERO;
    const baseFee = fill.feeAsset === this.baseAsset ? fill.fee : ZERO;
    const quoteFee = fill.feeAsset === this.quoteAsset ? fill.fee : ZERO;
    if (fill.side === 'BUY') {
      const wasFlat = this.quantity.lte(0);
      this.quantity = this.quantity.plus(fill.quantity).minus(baseFee);
      this.cash = this.cash.minus(fill.quoteQuantity).minus(quoteFee);
      this.costBasis = this.costBasis.plus(fill.quoteQuantity).plus(quoteFee);
      if (wasFlat) {
        this.entryTime = fill.time;
        this.highSinceEntry = fill.price.toNumber();
      }
    } else {
      const sold = fill.quantity;
      // Selling all of it (the usual exit) takes all of the cost basis: no 20-place quotient that is 1.
      const all = this.quantity.gt(0) && sold.eq(this.quantity);
      const costOut = all ? this.costBasis : this.costBasis.times(this.quantity.gt(0) ? sold.div(this.quantity) : ZERO);
      const proceeds = fill.quoteQuantity.minus(quoteFee).minus(baseFee.times(fill.price));
      this.realizedPnl = this.realizedPnl.plus(proceeds).minus(costOut);
      this.cash = this.cash.plus(proceeds);
      this.quantity = this.quantity.minus(sold);
      this.costBasis = this.costBasis.minus(costOut);
      if (this.quantity.lte(0)) {
        this.quantity = ZERO;
        this.costBasis = ZERO;
        this.entryTime = null;
        this.highSinceEntry = 0;
      }
    }
    this.feesPaid = this.feesPaid.plus(feeInQuote);
    this.refresh();
    if (this.lastPrice === 0) this.lastPrice = fill.price.toNumber();
    this.mark(this.lastPrice);
  }

  reserve(quote: Decimal, qty: Decimal): void {
    this.reserved = this.reserved.plus(quote);
    this.reservedQty = this.reservedQty.plus(qty);
    this.refresh();
  }

  release(quote: Decimal, qty: Decimal): void {
    this.reserved = this.reserved.minus(quote);
    this.reservedQty = this.reservedQty.minus(qty);
    if (this.reserved.lt(0)) this.reserved = ZERO;
    if (this.reservedQty.lt(0)) this.reservedQty = ZERO;
    this.refresh();
  }

  /** Capital changes (reallocation) move cash in or out: a transfer, which the risk monitors measure on PnL (equity − capital). */
  adjustCash(delta: Decimal): void {
    this.cash = this.cash.plus(delta);
    this.refresh();
    this.equityF = this.cashF + this.qtyF * this.lastPrice;
  }

  /**
   * Starts the book afresh, flat with `cash`: a crew moved to another venue (promoted or demoted)
   * begins its record there with nothing of the other venue's (whose position was closed or handed over).
   */
  startAfresh(cash: Decimal): void {
    this.quantity = ZERO;
    this.costBasis = ZERO;
    this.cash = cash;
    this.realizedPnl = ZERO;
    this.feesPaid = ZERO;
    this.entryTime = null;
    this.reserved = ZERO;
    this.reservedQty = ZERO;
    this.highSinceEntry = 0;
    this.refresh();
    this.equityF = this.cashF;
  }

  /** Exact equity at a price (for snapshots and reports). */
  equityAt(price: number): Decimal {
    return this.cash.plus(this.quantity.times(dec(price)));
  }

  toPosition(): Position {
    return {
      crewId: this.crewId,
      symbol: this.symbol,
      quantity: this.quantity,
      costBasis: this.costBasis,
      cash: this.cash,
      realizedPnl: this.realizedPnl,
      feesPaid: this.feesPaid,
      entryTime: this.entryTime,
      entryPrice: this.entryPrice,
    };
  }

  /** Average entry price as a float (exits, the crew's view), or null when flat. */
  get entryPriceF(): number | null {
    return this.qtyF > 0 ? this.costBasisF / this.qtyF : null;
  }

  private refresh(): void {
    this.costBasisF = this.costBasis.toNumber();
    this.qtyF = this.quantity.toNumber();
    this.cashF = this.cash.toNumber();
    this.reservedF = this.reserved.toNumber();
  }
}
