// Protective stops that live on the exchange. A crew with a stop-loss or a trailing stop that holds a
// position has a SELL STOP_LOSS_LIMIT resting on the exchange for what it holds, so a crash between two
// candle closes — or a desk that is down — is met by the exchange, not by the next candle. The keeper
// compares what each crew should have resting with what it has, and closes the gap: place, cancel, or
// cancel-and-replace. One crew's stop work runs one step at a time (a chain per crew), so a trailing
// move, a quantity change and an exit's "lift the stop first" never interleave.
import type { Order, OrderRequest, SymbolFilters } from '../core/domain.ts';
import type { ExitKind } from '../core/events.ts';
import { checkFilters } from '../core/filters.ts';
import { type Decimal, dec, floorToStep, ZERO } from '../core/money.ts';
import type { ExitParams } from '../crew/template.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrewBook } from './crew-book.ts';
import type { OrderManager, OrderOwner } from './order-manager.ts';

/** How protective stops are kept (config `stops:`). */
export interface StopSettings {
  /** Place stops on the exchange (true) or only check them on each closed candle (false). */
  readonly onExchange: boolean;
  /** The stop-limit's limit price sits this % under its stop price, so it still fills when the market falls fast. */
  readonly limitSlippagePct: number;
  /** A trailing stop is moved only when its level has risen at least this % … */
  readonly trailStepPct: number;
  /** … and at least this many seconds after its last move (two requests per move: cancel, then place). */
  readonly trailMinSeconds: number;
  /** Per crew instance: false keeps that crew's stops in the engine only. */
  readonly byCrew: Readonly<Record<string, boolean>>;
}

export const DEFAULT_STOP_SETTINGS: StopSettings = Object.freeze({
  onExchange: true,
  limitSlippagePct: 1,
  trailStepPct: 0.5,
  trailMinSeconds: 60,
  byCrew: {},
});

/** What the keeper needs of a crew instance. */
export interface StopOwner extends OrderOwner {
  readonly symbol: string;
  readonly filters: SymbolFilters;
  readonly exits: ExitParams;
  readonly book: CrewBook;
}

/** The stop a crew should have resting now. */
export interface WantedStop {
  readonly quantity: Decimal;
  readonly stopPrice: Decimal;
  readonly limitPrice: Decimal;
  readonly exit: Extract<ExitKind, 'stop-loss' | 'trailing-stop'>;
}

export class ProtectiveStops {
  /** Per crew: the tail of its chain of stop work. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Crews with a review queued and not yet started (a second request joins it). */
  private readonly queued = new Set<string>();
  /** Per crew: when its trailing stop last moved (clock ms). */
  private readonly lastMove = new Map<string, number>();
  /** Crews whose stops are held off until they are resumed: the account lacks the base their book claims (sold outside the desk). */
  private readonly heldOff = new Set<string>();
  /** Told when the exchange refuses a stop (the engine checks whether the account still holds the crew's base). */
  onRefused: ((crew: StopOwner, error: string) => void) | null = null;
  /** Per crew: when the exchange last refused its stop (clock ms): not asked again before the clock moves. */
  private readonly refusedAt = new Map<string, number>();
  /** Which exit each stop placed by this process stands for. */
  private readonly exits = new Map<string, WantedStop['exit']>();
  /** Crews whose position is being handed over to the owner (a demotion): no stop is placed for them meanwhile. */
  private readonly handingOver = new Set<string>();

  constructor(
    private readonly orders: OrderManager,
    private readonly clock: Clock,
    readonly settings: StopSettings,
    private readonly report: (crewId: string, message: string) => void,
  ) {}

  /** Which exit a protective stop stands for (one found at a restart: the stop-loss). */
  exitOf(clientOrderId: string): WantedStop['exit'] {
    return this.exits.get(clientOrderId) ?? 'stop-loss';
  }

  /** A stop that ended: nothing more to remember of it. */
  forget(clientOrderId: string): void {
    this.exits.delete(clientOrderId);
  }

  /** Whether this crew's stops live on the exchange (when it holds something to protect). */
  enabledFor(crew: StopOwner): boolean {
    if (!this.settings.onExchange || this.settings.byCrew[crew.id] === false || this.handingOver.has(crew.id)) return false;
    return crew.exits.stopLossPct > 0 || crew.exits.trailingStopPct > 0;
  }

  /** The crew's protective stop resting on the exchange (or on its way there), if any. */
  current(crewId: string): Order | undefined {
    return this.orders.protectiveOf(crewId)?.order;
  }

  /**
   * Whether the exchange protects this crew on a candle that reached `low`: a live stop that the candle
   * did not trade through. A stop-limit the price fell through and that is still open did not fill (the
   * market gapped under its limit): then the engine's own stop check stands in and sells at market.
   */
  covers(crew: StopOwner, low: number): boolean {
    const stop = this.current(crew.id);
    if (!stop || (stop.status !== 'submitted' && stop.status !== 'partially_filled')) return false;
    return low > (stop.stopPrice?.toNumber() ?? Number.POSITIVE_INFINITY);
  }

  /** The stop the crew should have now, or null (flat, off, an exit under way, too small for the exchange's filters). */
  wanted(crew: StopOwner): WantedStop | null {
    if (!this.enabledFor(crew)) return null;
    const { book, filters, exits } = crew;
    if (book.quantity.lte(0) || this.orders.hasOpenSell(crew.id)) return null;
    const quantity = floorToStep(book.quantity, filters.stepSize);
    const entry = book.entryPrice;
    if (quantity.lte(0) || entry === null) return null;
    let level = ZERO;
    let exit: WantedStop['exit'] = 'stop-loss';
    if (exits.stopLossPct > 0) level = entry.times(dec(1 - exits.stopLossPct / 100));
    if (exits.trailingStopPct > 0 && book.highSinceEntry > 0) {
      const trail = dec(book.highSinceEntry).times(dec(1 - exits.trailingStopPct / 100));
      if (trail.gt(level)) {
        level = trail;
        exit = 'trailing-stop';
      }
    }
    const stopPrice = floorToStep(level, filters.tickSize);
    const limitPrice = floorToStep(stopPrice.times(dec(1 - this.settings.limitSlippagePct / 100)), filters.tickSize);
    if (stopPrice.lte(0) || limitPrice.lte(0)) return null;
    // The price is at or under the stop already: the exchange would refuse it ("would trigger immediately");
    // the engine's own check on this candle sells instead.
    if (book.lastPrice > 0 && stopPrice.toNumber() >= book.lastPrice) return null;
    const wanted = { quantity, stopPrice, limitPrice, exit };
    // Too small for the exchange (dust, below the minimum notional): the engine's own check protects it.
    if (checkFilters(filters, stopRequest('', crew.symbol, wanted), stopPrice) !== null) return null;
    return wanted;
  }

  /** Brings the crew's resting stop in line with what it should be; queued behind the crew's other stop work. */
  review(crew: StopOwner): void {
    if (!this.enabledFor(crew) && !this.orders.protectiveOf(crew.id)) return;
    if (this.queued.has(crew.id)) return;
    this.queued.add(crew.id);
    void this.enqueue(crew.id, () => {
      this.queued.delete(crew.id);
      return this.bringInLine(crew);
    });
  }

  /** Stop work is under way or queued (the engine waits for it before a later candle, as for orders). */
  get busy(): boolean {
    return this.chains.size > 0;
  }

  /** Reviews every crew (after a restart's reconciliation). Resolves when the work is done. */
  async reviewAll(crews: Iterable<StopOwner>): Promise<void> {
    for (const crew of crews) this.review(crew);
    await this.idle();
  }

  /**
   * Before an exit sells: the stop holds the base on the exchange, so it is cancelled first (after any stop
   * work already queued for the crew). The stop may have sold meanwhile: the caller checks what is left.
   */
  async liftFor(crew: StopOwner): Promise<boolean> {
    // No stop resting and no stop work queued (a crew without stops, nearly every sell of a backtest):
    // nothing to lift, and no chain is started for it.
    if (!this.chains.has(crew.id) && this.orders.protectiveOf(crew.id) === undefined) return true;
    let lifted = false;
    await this.enqueue(crew.id, async () => {
      const stop = this.orders.protectiveOf(crew.id);
      lifted = stop === undefined || (await this.cancel(crew, stop.order, 'an exit sells the position'));
    });
    return lifted;
  }

  /**
   * A position handed over to the owner (a demotion): its stop is cancelled and none is placed for the crew
   * until `keep` — the coins are the owner's now, and a stop left behind would sell them for a crew that no
   * longer trades there. False when the stop could not be cancelled (it may have sold).
   */
  async release(crew: StopOwner): Promise<boolean> {
    this.handingOver.add(crew.id);
    const lifted = await this.liftFor(crew);
    await this.idle();
    return lifted && this.orders.protectiveOf(crew.id) === undefined;
  }

  /** The crew's stops are kept again (after `release`). */
  keep(crewId: string): void {
    this.handingOver.delete(crewId);
  }

  /** Resolves when every crew's stop work queued so far is done. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  /** No stop is placed or moved for the crew until `allow` (its book claims a base the account does not hold). */
  holdOff(crewId: string): void {
    this.heldOff.add(crewId);
  }

  /** Stops for the crew again (it was resumed): the caller reviews it. */
  allow(crewId: string): void {
    this.heldOff.delete(crewId);
    this.refusedAt.delete(crewId);
  }

  private enqueue(crewId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(crewId) ?? Promise.resolve();
    const next = previous
      .then(work)
      .catch((error: unknown) => this.report(crewId, `protective stop: ${error instanceof Error ? error.message : String(error)}`));
    this.chains.set(crewId, next);
    void next.then(() => {
      if (this.chains.get(crewId) === next) this.chains.delete(crewId);
    });
    return next;
  }

  private async bringInLine(crew: StopOwner): Promise<void> {
    if (this.heldOff.has(crew.id)) return;
    const entry = this.orders.protectiveOf(crew.id);
    const have = entry?.order;
    // An order whose fate the exchange has not told yet is left alone: its next update reviews again.
    if (have && (have.status === 'new' || have.status === 'unknown')) return;
    const want = this.wanted(crew);
    if (!have) {
      if (want) await this.place(crew, want);
      return;
    }
    if (!want) {
      await this.cancel(crew, have, 'nothing left to protect');
      return;
    }
    const left = (have.quantity ?? ZERO).minus(have.executedQty);
    if (left.eq(want.quantity) && !this.shouldMove(crew, have, want)) return;
    const moving = left.eq(want.quantity);
    if (!(await this.cancel(crew, have, moving ? `trailing: stop up to ${want.stopPrice}` : `quantity now ${want.quantity}`))) return;
    // The cancel may have raced a fill of the stop: place only what is still wanted.
    const after = this.wanted(crew);
    if (!after || this.orders.protectiveOf(crew.id)) return;
    if (moving) this.lastMove.set(crew.id, this.clock.now());
    await this.place(crew, after);
  }

  /** A stop moves up only (a stop-loss never loosens), by at least the step, no sooner than the rate allows. */
  private shouldMove(crew: StopOwner, have: Order, want: WantedStop): boolean {
    const at = have.stopPrice ?? ZERO;
    if (at.lte(0)) return true; // adopted at restart without its stop price: replace it with a known one
    if (!want.stopPrice.gt(at)) return false;
    if (want.stopPrice.minus(at).div(at).times(100).toNumber() < this.settings.trailStepPct) return false;
    const last = this.lastMove.get(crew.id) ?? have.createdAt;
    return this.clock.now() - last >= this.settings.trailMinSeconds * 1000;
  }

  private async place(crew: StopOwner, want: WantedStop): Promise<void> {
    // A refusal is not retried at once (its own status change would ask again, and again): not before the
    // clock has moved on by the trailing rate (at least a second; in a backtest, the next candle).
    const refused = this.refusedAt.get(crew.id);
    if (refused !== undefined && this.clock.now() - refused < Math.max(1, this.settings.trailMinSeconds) * 1000) return;
    const reason =
      want.exit === 'stop-loss'
        ? `protective stop-loss at ${want.stopPrice} (limit ${want.limitPrice})`
        : `protective trailing stop at ${want.stopPrice} (limit ${want.limitPrice})`;
    const prepared = this.orders.prepareProtective(crew, stopRequest('', crew.symbol, want), reason, want.exit);
    this.exits.set(prepared.entry.order.clientOrderId, want.exit);
    const [result] = this.orders.submit([prepared]);
    const { error } = await result!;
    if (error) {
      this.refusedAt.set(crew.id, this.clock.now());
      this.report(crew.id, `protective stop not placed: ${error}`);
      this.onRefused?.(crew, error);
    }
  }

  /** Cancels a stop; true when the exchange confirmed it cancelled (a stop that filled meanwhile is not "lifted"). */
  private async cancel(crew: StopOwner, stop: Order, why: string): Promise<boolean> {
    const result = await this.orders.cancel(stop.clientOrderId, `protective stop cancelled: ${why}`);
    if (!result.ok) this.report(crew.id, `protective stop ${stop.clientOrderId} not cancelled: ${result.error}`);
    return result.ok && this.orders.protectiveOf(crew.id) === undefined;
  }
}

/** The STOP_LOSS_LIMIT sell for a wanted stop (the order manager gives it its client order id). */
export function stopRequest(clientOrderId: string, symbol: string, want: WantedStop): OrderRequest {
  return {
    clientOrderId,
    symbol,
    side: 'SELL',
    type: 'STOP_LOSS_LIMIT',
    quantity: want.quantity,
    price: want.limitPrice,
    stopPrice: want.stopPrice,
    timeInForce: 'GTC',
  };
}
