// The order manager owns every order's life: it journals the orders of a step (write-ahead, one
// commit for all of them) before any is sent, applies the exchange's updates and fills to the crew's book, and publishes each change as a
// fact (the journal, the bus's recorder, writes it as it is published). Exchange updates may arrive before, with or after an order's acknowledgement.
import type { Fill, Order, OrderRequest, OrderStatus, VenueName } from '../core/domain.ts';
import type { EventBus, ExitKind } from '../core/events.ts';
import { canTransition, isTerminal, transition } from '../core/order-state.ts';
import { type Decimal, bps, maxDec, ONE, ZERO } from '../core/money.ts';
import type { Clock } from '../ports/clock.ts';
import { ExchangeError, type Exchange, type ExchangeOrder, type ExecutionUpdate } from '../ports/exchange.ts';
import type { Journal } from '../ports/journal.ts';
import type { SizedOrder } from '../risk/gate.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientOrderId } from './client-order-id.ts';
import type { CrewBook } from './crew-book.ts';
import type { Venues } from './venues.ts';

/** What the order manager needs of a crew instance. */
export interface OrderOwner {
  readonly id: string;
  readonly tag: string;
  nextOrderSeq: number;
  readonly book: CrewBook;
  /** Where its orders go. */
  readonly venue: VenueName;
}

export interface OpenOrder {
  order: Order;
  readonly owner: OrderOwner;
  readonly reserveQuote: Decimal;
  readonly reserveQty: Decimal;
  /** What is still set aside in the book for this order. */
  heldQuote: Decimal;
  heldQty: Decimal;
  readonly seenTrades: Set<string>;
}

/** An order decided and holding its funds, not yet journaled or sent (OrderManager.prepare). */
export interface PreparedOrder {
  readonly entry: OpenOrder;
  readonly exit: ExitKind | null;
  /** The owner's next sequence number after this order (journaled with it). */
  readonly nextOrderSeq: number;
}

export interface SubmitResult {
  readonly order: Order;
  readonly error?: string;
}

export class OrderManager {
  private readonly open = new Map<string, OpenOrder>();
  /** Open protective stops per crew: the engine asks for a crew's stop on every candle it holds, and
   * most crews have none — they are answered without a walk over the open orders. */
  private readonly protectiveCount = new Map<string, number>();
  /** Orders the desk itself is cancelling: a protective stop that ends cancelled while not in here was cancelled by someone else (the owner's own hand on the exchange). */
  private readonly cancelling = new Set<string>();
  private readonly fee: Decimal;
  private unsubscribes: (() => void)[] = [];
  /** The journal has stopped writing (fail-stop): no order is sent from then on. */
  private journalDown = false;
  /** Waits between queries of an order whose send was not confirmed. */
  unknownRetries: readonly number[] = [250, 750, 2000];
  /** A protective stop ended cancelled without the desk asking (someone cancelled it on the exchange). */
  onForeignCancel: ((owner: OrderOwner, order: Order) => void) | null = null;
  /** Told after every fill and status change, so the crew's protective stop follows its book (protective-stops.ts). */
  onOrderChange: ((owner: OrderOwner, order: Order) => void) | null = null;
  /** Awaited before an exit (a trade SELL) is sent: lifts the crew's protective stop, which holds the base on the
   * exchange. False: the stop could not be lifted (it filled, or the exchange did not answer) — the exit is not sent. */
  beforeSell: ((owner: OrderOwner) => Promise<boolean>) | null = null;

  constructor(
    private readonly venues: Venues,
    private readonly journal: Journal,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    feeBps: number,
    private readonly onJournalError: (what: string, error: unknown) => void,
  ) {
    this.fee = bps(feeBps);
    journal.onFailure(() => {
      this.journalDown = true;
    });
  }

  /** Listen for updates before anything is sent, so no fill is missed. */
  listen(): void {
    // Client order ids are unique across venues (each crew's own sequence), so one handler serves both.
    if (this.unsubscribes.length > 0) return;
    this.unsubscribes = this.venues.distinct.map((venue) => venue.onExecution((update) => this.onExecution(update)));
  }

  stopListening(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes = [];
  }

  /** The venue an order goes to: its crew's. */
  private exchangeOf(entry: OpenOrder): Exchange {
    return this.venues.of(entry.owner.venue);
  }

  get openOrders(): readonly Order[] {
    return [...this.open.values()].map((o) => o.order);
  }

  openOrderCount(): number {
    return this.open.size;
  }

  /** Re-adopts an order found open in the journal at start-up (reconciliation decides its fate). */
  adopt(order: Order, owner: OrderOwner, seenTradeIds: readonly string[]): void {
    const entry = this.track(order, owner, reserveOf(order, this.fee), seenTradeIds);
    owner.book.reserve(entry.heldQuote, entry.heldQty);
  }

  /**
   * Makes a decided order: takes its sequence number and sets its funds aside in the crew's book at
   * once, so a decision made before it is sent (another crew on the same close) sees the reservation
   * and two orders never share a sequence number. Nothing is journaled or sent yet: see submit.
   * `exit` says why a sell is sent (null for a buy).
   */
  prepare(owner: OrderOwner, sized: SizedOrder, adviceKey: string, reason: string, exit: ExitKind | null): PreparedOrder {
    const seq = owner.nextOrderSeq;
    const now = this.clock.now();
    const order: EveryField<Order> = {
      clientOrderId: clientOrderId(owner.tag, seq),
      crewId: owner.id,
      purpose: undefined,
      symbol: sized.symbol,
      side: sized.side,
      type: sized.type,
      // Every field present (undefined where unused): one object shape for every order, which the
      // status changes copy field by field.
      quantity: sized.quantity,
      quoteQuantity: sized.quoteQuantity,
      price: sized.price,
      stopPrice: undefined,
      timeInForce: sized.type === 'LIMIT' ? 'GTC' : undefined,
      status: 'new',
      exchangeOrderId: undefined,
      executedQty: ZERO,
      cumulativeQuote: ZERO,
      adviceKey,
      reason,
      createdAt: now,
      updatedAt: now,
    };
    owner.nextOrderSeq = seq + 1;
    const entry = this.track(order, owner, { quote: sized.reserveQuote, qty: sized.reserveQty }, []);
    owner.book.reserve(entry.heldQuote, entry.heldQty);
    return { entry, exit, nextOrderSeq: seq + 1 };
  }

  /**
   * Makes a protective stop (a SELL STOP_LOSS_LIMIT for what the crew holds): a sequence number and a
   * deterministic client order id like any order, journaled before it is sent (submit), marked
   * `protective`. It sets nothing aside in the book: it is the position's protection, not a sale of it —
   * an exit lifts it before selling (beforeSell).
   */
  prepareProtective(owner: OrderOwner, request: OrderRequest, reason: string, exit: ExitKind): PreparedOrder {
    const seq = owner.nextOrderSeq;
    const now = this.clock.now();
    const id = clientOrderId(owner.tag, seq);
    const order: EveryField<Order> = {
      clientOrderId: id,
      crewId: owner.id,
      purpose: 'protective',
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      quantity: request.quantity,
      quoteQuantity: undefined,
      price: request.price,
      stopPrice: request.stopPrice,
      timeInForce: request.timeInForce,
      status: 'new',
      exchangeOrderId: undefined,
      executedQty: ZERO,
      cumulativeQuote: ZERO,
      adviceKey: `${owner.id}@stop@${id}`,
      reason,
      createdAt: now,
      updatedAt: now,
    };
    owner.nextOrderSeq = seq + 1;
    const entry = this.track(order, owner, { quote: ZERO, qty: ZERO }, []);
    return { entry, exit, nextOrderSeq: seq + 1 };
  }

  /** The crew's protective stop still open (or on its way to the exchange), if any. */
  protectiveOf(crewId: string): OpenOrder | undefined {
    if (!this.protectiveCount.has(crewId)) return undefined;
    for (const entry of this.open.values()) if (entry.owner.id === crewId && entry.order.purpose === 'protective') return entry;
    return undefined;
  }

  /** Whether the crew has an exit (a trade SELL) open: its protective stop then stands aside. */
  hasOpenSell(crewId: string): boolean {
    for (const entry of this.open.values()) {
      if (entry.owner.id === crewId && entry.order.side === 'SELL' && entry.order.purpose !== 'protective') return true;
    }
    return false;
  }

  /**
   * Journals the orders of one step (a candle close) in one transaction — one commit however many —
   * then sends them, in the order given. Write-ahead: nothing is sent before that commit has
   * returned, in every mode. An order the journal refuses for itself (e.g. its advice already has an
   * order) is not sent; if the commit fails, or the journal stops writing meanwhile (fail-stop), none
   * is. Never throws for an exchange refusal: that order ends `rejected`. One result per order.
   * `afterCommit` runs once the transaction has ended (committed or not), before the first send.
   */
  submit(orders: readonly PreparedOrder[], afterCommit?: () => void): Promise<SubmitResult>[] {
    const refused: (string | null)[] = orders.map(() => null);
    try {
      this.journal.transaction(() => {
        orders.forEach(({ entry, nextOrderSeq }, i) => {
          try {
            this.journal.insertOrder(entry.order, nextOrderSeq);
          } catch (error) {
            refused[i] = errorText(error);
          }
        });
      });
    } catch (error) {
      refused.fill(errorText(error));
    }
    // A failure inside the transaction may have rolled all of it back (SQLite does on SQLITE_FULL):
    // only a journal that still writes vouches for the rows.
    if (this.journalDown) refused.fill('the journal has stopped writing');
    afterCommit?.();
    return orders.map(({ entry, exit }, i) => {
      const why = refused[i];
      if (why === null) return this.send(entry, exit);
      this.untrack(entry.order.clientOrderId);
      entry.owner.book.release(entry.heldQuote, entry.heldQty);
      return Promise.resolve({ order: entry.order, error: `not sent: ${why}` });
    });
  }

  /** Sends a journaled order. (Called without a pause for each order of a step: placeOrder runs at once.) */
  private async send(entry: OpenOrder, exit: ExitKind | null): Promise<SubmitResult> {
    const { order } = entry;
    this.bus.publish({ type: 'order.created', order, exit });
    if (order.side === 'SELL' && order.purpose !== 'protective' && this.beforeSell) {
      const lifted = await this.beforeSell(entry.owner);
      // The stop may have sold while it was being lifted: never sell twice.
      const held = entry.owner.book.quantity;
      const short = order.quantity !== undefined && held.lt(order.quantity);
      if ((!lifted || short) && this.open.has(order.clientOrderId)) {
        const why = short
          ? `not sent: the protective stop sold first (holding ${held}, this exit was for ${order.quantity})`
          : 'not sent: the protective stop could not be lifted (it may have filled); it stays the protection';
        this.setStatus(entry, 'rejected', why, {});
        return { order: entry.order, error: why };
      }
    }
    const request: OrderRequest = order;
    try {
      const ack = await this.exchangeOf(entry).placeOrder(request);
      this.applyExchangeOrder(entry, ack, undefined, 'accepted');
    } catch (error) {
      if (error instanceof ExchangeError) {
        this.setStatus(entry, 'rejected', `${error.code} ${error.message}`, {});
        return { order: entry.order, error: `${error.code} ${error.message}` };
      }
      // No answer (timeout, network, 5xx): the order may or may not be live. Unknown, not failed —
      // ask the exchange by client order id before deciding; never send a second order for this advice.
      const message = error instanceof Error ? error.message : String(error);
      if (this.open.has(order.clientOrderId) && entry.order.status === 'new') this.setStatus(entry, 'unknown', `no confirmation: ${message}`, {});
      await this.resolveUnknown(entry);
      return { order: entry.order, ...(entry.order.status === 'rejected' ? { error: message } : {}) };
    }
    return { order: entry.order };
  }

  /** Queries an order of unknown outcome a few times with backoff; not found at all → it never arrived. */
  async resolveUnknown(entry: OpenOrder): Promise<void> {
    for (let attempt = 0; attempt < this.unknownRetries.length; attempt++) {
      if (!this.open.has(entry.order.clientOrderId) || entry.order.status !== 'unknown') return; // a stream update settled it
      await sleep(this.unknownRetries[attempt]!);
      try {
        const found = await this.exchangeOf(entry).getOrder(entry.order.symbol, entry.order.clientOrderId);
        if (found) {
          this.applyExchangeOrder(entry, found, undefined, 'found after an unconfirmed send');
          return;
        }
      } catch {
        // Still unreachable: keep trying; reconciliation at the next start asks again if we give up.
      }
    }
    if (this.open.has(entry.order.clientOrderId) && entry.order.status === 'unknown') {
      const found = await this.exchangeOf(entry)
        .getOrder(entry.order.symbol, entry.order.clientOrderId)
        .then(
          (o) => (o === null ? 'absent' : o),
          () => 'unreachable' as const,
        );
      if (found === 'absent') this.setStatus(entry, 'rejected', 'the exchange never received it (not found by client order id)', {});
      else if (found !== 'unreachable') this.applyExchangeOrder(entry, found, undefined, 'found after an unconfirmed send');
      // unreachable: stays unknown; the reservation is kept until reconciliation settles it.
    }
  }

  /** The open order entry (for reconciliation). */
  entryOf(clientOrderId: string): OpenOrder | undefined {
    return this.open.get(clientOrderId);
  }

  /** Applies an exchange snapshot (and optionally a fill) to a tracked order: reconciliation and polling use it. */
  applySnapshot(clientOrderId: string, snapshot: ExchangeOrder, fill?: Fill, reason = 'reconciled'): void {
    const entry = this.open.get(clientOrderId);
    if (entry) this.applyExchangeOrder(entry, snapshot, fill, reason);
  }

  /** Marks a tracked order as ended without the exchange's word (it does not know the order). */
  markGone(clientOrderId: string, status: 'rejected' | 'expired', reason: string): void {
    const entry = this.open.get(clientOrderId);
    if (entry) this.setStatus(entry, status, reason, {});
  }

  async cancel(clientOrderId: string, reason = 'cancelled'): Promise<{ ok: boolean; error?: string }> {
    const entry = this.open.get(clientOrderId);
    if (!entry) return { ok: false, error: `no open order ${clientOrderId}` };
    this.cancelling.add(clientOrderId);
    try {
      const result = await this.exchangeOf(entry).cancelOrder(entry.order.symbol, clientOrderId);
      if (this.open.has(clientOrderId)) this.applyExchangeOrder(entry, result, undefined, reason);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    } finally {
      this.cancelling.delete(clientOrderId);
    }
  }

  /**
   * Cancels every open order on every symbol, on every venue — but protective stops, which a halt never
   * strips from a position (only flatten lifts them, as it sells). Reports what a venue would not cancel.
   */
  async cancelAll(): Promise<{ cancelled: number; failures: string[] }> {
    const targets = new Map<string, { exchange: Exchange; symbol: string; guarded: boolean }>();
    for (const entry of this.open.values()) {
      const exchange = this.exchangeOf(entry);
      const key = `${this.venues.distinct.indexOf(exchange)}|${entry.order.symbol}`;
      const guarded = (targets.get(key)?.guarded ?? false) || entry.order.purpose === 'protective';
      targets.set(key, { exchange, symbol: entry.order.symbol, guarded });
    }
    let cancelled = 0;
    const failures: string[] = [];
    await Promise.all(
      [...targets.values()].map(async ({ exchange, symbol, guarded }) => {
        if (guarded) {
          // A symbol with a protective stop: our other orders one by one (cancelling all would take the stop).
          for (const entry of [...this.open.values()]) {
            const { order } = entry;
            if (order.symbol !== symbol || this.exchangeOf(entry) !== exchange || order.purpose === 'protective' || order.status === 'new') continue;
            const result = await this.cancel(order.clientOrderId, 'cancelled (halt)');
            if (result.ok) cancelled++;
          }
          return;
        }
        try {
          const results = await exchange.cancelAllOrders(symbol);
          for (const r of results) {
            const entry = this.open.get(r.clientOrderId);
            if (entry) this.applyExchangeOrder(entry, r, undefined, 'cancelled (halt)');
            cancelled++;
          }
        } catch (error) {
          if (error instanceof ExchangeError && error.code === -2011) return; // nothing open there any more
          failures.push(`${symbol}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
    for (const entry of [...this.open.values()]) {
      if (entry.order.purpose === 'protective') continue;
      if (!isTerminal(entry.order.status) && entry.order.status !== 'new') {
        failures.push(`${entry.order.clientOrderId} (${entry.order.symbol}) is still ${entry.order.status}`);
      }
    }
    return { cancelled, failures };
  }

  /** Applies one exchange update (stream or poll). Unknown client ids are not ours: ignored. */
  onExecution(update: ExecutionUpdate): void {
    const entry = this.open.get(update.order.clientOrderId);
    if (!entry) return;
    this.applyExchangeOrder(entry, update.order, update.fill, update.rejectReason ?? 'exchange update');
  }

  private track(order: Order, owner: OrderOwner, reserve: { quote: Decimal; qty: Decimal }, seen: readonly string[]): OpenOrder {
    const entry: OpenOrder = {
      order,
      owner,
      reserveQuote: reserve.quote,
      reserveQty: reserve.qty,
      heldQuote: reserve.quote,
      heldQty: reserve.qty,
      seenTrades: new Set(seen),
    };
    const replaced = this.open.get(order.clientOrderId);
    if (replaced !== undefined) this.countProtective(replaced, -1);
    this.open.set(order.clientOrderId, entry);
    this.countProtective(entry, 1);
    return entry;
  }

  /** Takes an order off the open ones. */
  private untrack(clientOrderId: string): void {
    const entry = this.open.get(clientOrderId);
    if (entry === undefined) return;
    this.open.delete(clientOrderId);
    this.countProtective(entry, -1);
  }

  /** Keeps the count of a crew's open protective stops as an entry comes into or leaves the open orders. */
  private countProtective(entry: OpenOrder, change: 1 | -1): void {
    if (entry.order.purpose !== 'protective') return;
    const count = (this.protectiveCount.get(entry.owner.id) ?? 0) + change;
    if (count > 0) this.protectiveCount.set(entry.owner.id, count);
    else this.protectiveCount.delete(entry.owner.id);
  }

  private applyExchangeOrder(entry: OpenOrder, ex: ExchangeOrder, fill: Fill | undefined, reason: string): void {
    // Updates can arrive out of order (stream vs REST answer vs poll): a status older than the one we
    // hold carries no news, unless it brings a fill we have not seen.
    const fresh = fill !== undefined && !entry.seenTrades.has(fill.tradeId);
    if (!fresh && ex.status !== entry.order.status && !canTransition(entry.order.status, ex.status)) return;
    if (fill && !entry.seenTrades.has(fill.tradeId)) {
      entry.seenTrades.add(fill.tradeId);
      this.applyFill(entry, ex, fill);
      return;
    }
    const progressed = ex.executedQty.gt(entry.order.executedQty);
    if (ex.status === entry.order.status && !progressed) return;
    if (isTerminal(entry.order.status)) return;
    this.setStatus(entry, ex.status, reason, {
      exchangeOrderId: ex.exchangeOrderId,
      executedQty: maxDec(ex.executedQty, entry.order.executedQty),
      cumulativeQuote: maxDec(ex.cumulativeQuote, entry.order.cumulativeQuote),
    });
    if (entry.order.purpose === 'protective' && entry.order.status === 'cancelled' && !this.cancelling.has(entry.order.clientOrderId)) {
      this.onForeignCancel?.(entry.owner, entry.order);
    }
  }

  private applyFill(entry: OpenOrder, ex: ExchangeOrder, fill: Fill): void {
    const { owner } = entry;
    const from = entry.order.status;
    const executedQty = entry.order.executedQty.plus(fill.quantity);
    const cumulativeQuote = entry.order.cumulativeQuote.plus(fill.quoteQuantity);
    const quantity = entry.order.quantity;
    const complete = ex.status === 'filled' || (quantity !== undefined && executedQty.gte(quantity));
    const reported: OrderStatus = complete ? 'filled' : ex.status === 'partially_filled' || ex.status === 'submitted' ? 'partially_filled' : ex.status;
    // A fill that arrives after the order's end (cancelled, then the late fill report) still counts.
    const status: OrderStatus = canTransition(from, reported) || from === reported ? reported : from;
    const to = status === from && isTerminal(from) ? from : transition(entry.order.clientOrderId, from, status);
    entry.order = withProgress(entry.order, to, ex.exchangeOrderId, executedQty, cumulativeQuote, fill.time);
    owner.book.applyFill(fill);
    this.updateHold(entry);
    const position = owner.book.toPosition();
    if (isTerminal(to)) this.untrack(entry.order.clientOrderId);
    // The fill fact carries the order after it: the journal writes fill, position and order together.
    this.bus.publish({ type: 'fill', crewId: owner.id, fill, position, order: entry.order, from });
    if (from !== to) this.bus.publish({ type: 'order.updated', order: entry.order, from, reason: 'fill', fillTradeId: fill.tradeId });
    this.onOrderChange?.(owner, entry.order);
  }

  private setStatus(
    entry: OpenOrder,
    status: OrderStatus,
    reason: string,
    patch: Partial<Pick<Order, 'exchangeOrderId' | 'executedQty' | 'cumulativeQuote'>>,
  ): void {
    const from = entry.order.status;
    const to = transition(entry.order.clientOrderId, from, status);
    const o = entry.order;
    entry.order = withProgress(
      o,
      to,
      patch.exchangeOrderId ?? o.exchangeOrderId,
      patch.executedQty ?? o.executedQty,
      patch.cumulativeQuote ?? o.cumulativeQuote,
      this.clock.now(),
    );
    this.updateHold(entry);
    if (isTerminal(to)) this.untrack(entry.order.clientOrderId);
    this.bus.publish({ type: 'order.updated', order: entry.order, from, reason, fillTradeId: null });
    this.onOrderChange?.(entry.owner, entry.order);
  }

  /** Re-derives what the order still holds in its crew's book from what has executed. */
  private updateHold(entry: OpenOrder): void {
    const { order } = entry;
    let quote = ZERO;
    let qty = ZERO;
    if (!isTerminal(order.status)) {
      if (order.side === 'BUY') {
        const spent = order.cumulativeQuote.times(ONE.plus(this.fee));
        quote = maxDec(entry.reserveQuote.minus(spent), ZERO);
      } else {
        qty = maxDec(entry.reserveQty.minus(order.executedQty), ZERO);
      }
    }
    entry.owner.book.release(entry.heldQuote.minus(quote), entry.heldQty.minus(qty));
    entry.heldQuote = quote;
    entry.heldQty = qty;
  }
}

/** The order with a new status and progress: a literal of every field (one shape, no spread of a
 * spread — this runs on every status change of every order). */
function withProgress(
  o: Order,
  status: OrderStatus,
  exchangeOrderId: string | undefined,
  executedQty: Decimal,
  cumulativeQuote: Decimal,
  updatedAt: number,
): Order {
  const next: EveryField<Order> = {
    clientOrderId: o.clientOrderId,
    crewId: o.crewId,
    purpose: o.purpose,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    quantity: o.quantity,
    quoteQuantity: o.quoteQuantity,
    price: o.price,
    stopPrice: o.stopPrice,
    timeInForce: o.timeInForce,
    status,
    exchangeOrderId,
    executedQty,
    cumulativeQuote,
    adviceKey: o.adviceKey,
    reason: o.reason,
    createdAt: o.createdAt,
    updatedAt,
  };
  return next;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Every field of T present (optional ones as `undefined`): the compiler then names a field a copy forgets. */
type EveryField<T> = { [K in keyof Required<T>]: T[K] };

/** What an order found open at start-up still sets aside. */
function reserveOf(order: Order, fee: Decimal): { quote: Decimal; qty: Decimal } {
  if (order.purpose === 'protective') return { quote: ZERO, qty: ZERO };
  if (order.side === 'SELL') return { quote: ZERO, qty: order.quantity ?? ZERO };
  if (order.quoteQuantity) return { quote: order.quoteQuantity.times(ONE.plus(fee)), qty: ZERO };
  const price = order.price ?? ZERO;
  return { quote: (order.quantity ?? ZERO).times(price).times(ONE.plus(fee)), qty: ZERO };
}
