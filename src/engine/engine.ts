// The engine: one loop for backtest, paper and live. Candle → crew → advice → risk gate →
// order → fill → journal → notifiers. Only the injected clock, market data and exchange differ.
import type { Advice, Balance, Candle, HaltLevel, HaltState, Interval, SymbolFilters, VenueName } from '../core/domain.ts';
import { isTerminal } from '../core/order-state.ts';
import {
  actorName,
  crewScope,
  DESK_SCOPE,
  ENGINE_ACTOR,
  type EngineEvent,
  type EventBus,
  JOURNAL_ACTOR,
  type ExitKind,
  type FactActor,
  type FactScope,
  riskActor,
  type TradeAdvice,
} from '../core/events.ts';
import { type Decimal, toText, ZERO } from '../core/money.ts';
import type { AnyCrewDefinition, CrewContext, CrewLogger, CrewPositionView, ExitParams } from '../crew/template.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../ports/clock.ts';
import type { CandleSubscription, MarketData } from '../ports/market-data.ts';
import type { CrewInstanceRecord, CrewStatus, Journal } from '../ports/journal.ts';
import { haltAtLeast, type RiskGate } from '../risk/gate.ts';
import { type MonitorAction, RISK_MEASURES_SETTING, RiskMonitors } from '../risk/monitors.ts';
import { crewTag } from './client-order-id.ts';
import { balanceDrift } from './balance-drift.ts';
import type { CrewBook } from './crew-book.ts';
import { checkExits } from './exits.ts';
import { OrderManager, type OrderOwner, type PreparedOrder } from './order-manager.ts';
import { DEFAULT_STOP_SETTINGS, ProtectiveStops, type StopSettings } from './protective-stops.ts';
import { SymbolRoutes } from './symbol-routes.ts';
import type { Venues } from './venues.ts';

type AdviceFact = Extract<EngineEvent, { type: 'advice' }>;

/** Candles between yields to the event loop in a synchronous run. Often enough that the journal's
 * queued writes go to SQLite before they live through a garbage collection (measured: 512 candles
 * ran the engine benchmark ~15% faster than 8,192). */
const YIELD_EVERY = 512;

/** A crew instance as the engine runs it. */
export class CrewRuntime implements OrderOwner {
  readonly tag: string;
  nextOrderSeq: number;
  status: CrewStatus;
  statusReason: string;
  params: Record<string, unknown>;
  indicators: unknown;
  readonly state: Record<string, unknown>;
  readonly context: { -readonly [K in keyof CrewContext<unknown, unknown>]: CrewContext<unknown, unknown>[K] };
  /** Candles seen (for warm-up bookkeeping). */
  candles = 0;
  /** Set when the crew's state object may have changed since it was last persisted. */
  stateDirty = false;

  constructor(
    public record: CrewInstanceRecord,
    readonly definition: AnyCrewDefinition,
    readonly book: CrewBook,
    /** Refreshed from the exchange now and then (Binance changes filters rarely, but does). */
    public filters: SymbolFilters,
    capital: Decimal,
    log: CrewLogger,
  ) {
    this.capitalValue = capital;
    this.capitalF = capital.toNumber();
    this.tag = crewTag(record.id);
    this.nextOrderSeq = record.nextOrderSeq;
    this.status = record.status;
    this.statusReason = record.statusReason;
    this.params = { ...record.params };
    this.indicators = definition.indicators(this.params);
    this.state = structuredClone({ ...record.state }) as Record<string, unknown>;
    const positionView: CrewPositionView = {
      get quantity() {
        return book.qtyF;
      },
      get isLong() {
        return book.qtyF > 0;
      },
      get entryPrice() {
        return book.entryPriceF;
      },
      get entryTime() {
        return book.entryTime;
      },
    };
    this.context = {
      candle: undefined as unknown as Candle,
      params: this.params,
      indicators: this.indicators,
      position: positionView,
      cash: 0,
      state: this.state,
      log,
    };
  }

  private capitalValue: Decimal;
  /** The capital as a float, for the per-candle risk measures (PnL = equity − capital). */
  capitalF: number;

  /** The crew's allocated capital. Set it together with its cash (a transfer): see DeskService.allocate. */
  get capital(): Decimal {
    return this.capitalValue;
  }

  set capital(value: Decimal) {
    this.capitalValue = value;
    this.capitalF = value.toNumber();
  }

  /** Performance since the capital was set: equity − capital (quote, float). */
  get pnlF(): number {
    return this.book.equityF - this.capitalF;
  }

  get id(): string {
    return this.record.id;
  }

  get team(): string {
    return this.record.team;
  }

  get symbol(): string {
    return this.record.symbol;
  }

  get interval(): Interval {
    return this.record.interval;
  }

  /** Where its orders go (see Venues). */
  get venue(): VenueName {
    return this.record.venue;
  }

  /** Since when it trades on its venue (ms): its track record there starts at this time. */
  get venueSince(): number {
    return this.record.venueSince;
  }

  /** Moves the crew to another venue (the caller has made its book fit: see Desk.moveCrew). */
  setVenue(venue: VenueName, since: number): void {
    this.record = { ...this.record, venue, venueSince: since };
  }

  get exits(): ExitParams {
    return this.params as unknown as ExitParams;
  }

  /** Replaces params (already validated against the crew's schema) and rebuilds its indicators. */
  setParams(params: Record<string, unknown>): void {
    this.params = { ...params };
    this.indicators = this.definition.indicators(this.params);
    this.context.params = this.params;
    this.context.indicators = this.indicators;
    this.candles = 0;
  }

  toRecord(now: number): CrewInstanceRecord {
    return {
      ...this.record,
      params: this.params,
      capital: toText(this.capital),
      status: this.status,
      statusReason: this.statusReason,
      state: this.state,
      nextOrderSeq: this.nextOrderSeq,
      updatedAt: now,
    };
  }
}

export interface EngineDeps {
  readonly clock: Clock;
  /** Where each crew's orders go (its venue's exchange). */
  readonly venues: Venues;
  readonly journal: Journal;
  readonly bus: EventBus;
  readonly gate: RiskGate;
  readonly log: Logger;
  readonly feeBps: number;
  /** Team capital by team name. */
  readonly teams: ReadonlyMap<string, Decimal>;
  /** How often (in candle time) equity is snapshotted to the journal; 0 = never. Default 1 hour. */
  readonly equitySnapshotMs?: number;
  /** Called after each candle has been processed with the total equity (backtests record curves with it). */
  readonly onEquity?: (time: number, totalEquity: number, inMarket: boolean) => void;
  /** Protective stops on the exchange (config `stops:`); default: on. */
  readonly stops?: StopSettings;
}

export interface CrewSummary {
  readonly id: string;
  readonly team: string;
  readonly module: string;
  readonly symbol: string;
  readonly interval: Interval;
  /** Where it trades, as the owner reads it (`paper`, `exchange (binance)`). */
  readonly venue: string;
  readonly status: CrewStatus;
  readonly capital: string;
  readonly equity: string;
  readonly cash: string;
  readonly quantity: string;
  readonly realizedPnl: string;
  readonly feesPaid: string;
  readonly pnl: string;
  readonly pnlPct: number;
  readonly drawdownPct: number;
}

export class Engine {
  private readonly crewsById = new Map<string, CrewRuntime>();
  /** The crews by id, read-only outside: only addCrew/removeCrew change them, keeping crewList (the same crews, in the same order) in step. */
  readonly crews: ReadonlyMap<string, CrewRuntime> = this.crewsById;
  /** The same crews as a list, for the loops run on every candle, advice or snapshot (a Map iterator allocates per step). */
  private readonly crewList: CrewRuntime[] = [];
  readonly orders: OrderManager;
  /** The crews' protective stops resting on the exchange. */
  readonly stops: ProtectiveStops;
  /** Per symbol: its crews, the finest of their intervals and the last close, found with one lookup per candle. */
  private readonly routes = new SymbolRoutes<CrewRuntime>();
  private nextSnapshotAt = 0;
  /** Drawdown per crew, total drawdown and the daily loss (src/risk/monitors.ts), persisted. */
  readonly risk = new RiskMonitors();
  private pending: Promise<unknown>[] = [];
  /** The orders decided on the candle being processed: journaled together, then sent (see sendStep). */
  private step: PreparedOrder[] = [];
  /** The advice facts of those orders, published once the orders' commit is done (see sendStep). */
  private stepAdvice: AdviceFact[] = [];
  /** Order work of the candles that closed at `lastCloseTime`, awaited before a later candle. */
  private readonly inflight: Promise<void>[] = [];
  private lastCloseTime = -1;
  private stopped = false;
  /** The journal has stopped writing (fail-stop): trading is halted, further write errors are only logged. */
  private journalDown = false;

  constructor(private readonly deps: EngineDeps) {
    this.orders = new OrderManager(deps.venues, deps.journal, deps.bus, deps.clock, deps.feeBps, (what, error) => this.journalFailed(what, error));
    this.stops = new ProtectiveStops(this.orders, deps.clock, deps.stops ?? DEFAULT_STOP_SETTINGS, (crewId, message) =>
      this.reportError('stops', `${crewId}: ${message}`),
    );
    // The stop follows the book: every fill or status change of a crew's order reviews its stop; an exit lifts it first.
    this.orders.onOrderChange = (owner, order) => {
      const crew = this.crews.get(owner.id);
      if (!crew) return;
      // A protective stop-loss that sold is a stop-loss like the engine's: the crew cools down after it.
      if (order.purpose === 'protective' && order.status === 'filled' && this.stops.exitOf(order.clientOrderId) === 'stop-loss') {
        deps.gate.noteStopLoss(crew.id, deps.clock.now());
      }
      if (order.purpose === 'protective' && isTerminal(order.status)) this.stops.forget(order.clientOrderId);
      this.stops.review(crew);
    };
    // Someone else's hand on the exchange: a stop cancelled there is placed again by the review its status
    // change asked for (the crew still holds); the owner is told. A stop refused for want of the base means
    // the position may be gone (sold there): the account is checked, and a book claiming more pauses.
    this.orders.onForeignCancel = (owner, order) =>
      this.reportError(
        'stops',
        `${owner.id}: protective stop ${order.clientOrderId} was cancelled outside the desk (on the exchange)${owner.book.quantity.gt(0) ? `; the crew holds ${toText(owner.book.quantity)}: placed again` : ''}`,
      );
    this.stops.onRefused = (owner) => void this.checkHoldings(owner.id);
    this.orders.beforeSell = (owner) => {
      const crew = this.crews.get(owner.id);
      return crew ? this.stops.liftFor(crew) : Promise.resolve(true);
    };
    deps.journal.onFailure((error) => this.haltOnJournalFailure(error));
  }

  get gate(): RiskGate {
    return this.deps.gate;
  }

  get halt(): HaltState {
    return this.deps.gate.halt;
  }

  /** Restores the halt, listens for executions. Call before the first candle. */
  async start(): Promise<void> {
    this.deps.gate.setHalt(await this.deps.journal.getHalt());
    const problem = this.risk.restore(await this.deps.journal.getSetting<unknown>(RISK_MEASURES_SETTING));
    if (problem) this.deps.log.warn(problem);
    const blocked = this.risk.entriesBlockedDay;
    if (blocked !== null) this.deps.gate.blockEntriesForDay(blocked);
    this.orders.listen();
  }

  addCrew(crew: CrewRuntime): void {
    if (this.crews.has(crew.id)) throw new Error(`crew instance "${crew.id}" exists already`);
    this.crewsById.set(crew.id, crew);
    this.crewList.push(crew);
    this.routes.add(crew);
  }

  removeCrew(id: string): void {
    const crew = this.crews.get(id);
    if (!crew) return;
    this.crewsById.delete(id);
    this.crewList.splice(this.crewList.indexOf(crew), 1);
    this.routes.remove(crew);
  }

  subscriptions(): CandleSubscription[] {
    const subs = new Map<string, CandleSubscription>();
    for (const c of this.crews.values()) subs.set(`${c.symbol}|${c.interval}`, { symbol: c.symbol, interval: c.interval });
    return [...subs.values()];
  }

  /**
   * Feeds each crew the candles it needs before `before` (its `warmup`), so its indicators are ready
   * when trading starts — after a restart, or at a backtest's --from. Advice given while warming up is
   * discarded: history is never traded. Returns the number of candles fed.
   */
  async warmUp(market: MarketData, before: number, crews: Iterable<CrewRuntime> = this.crews.values()): Promise<number> {
    if (!market.history) return 0;
    let fed = 0;
    // `crews`: a crew spawned at run time warms up alone.
    for (const crew of crews) {
      const needed = crew.definition.warmup(crew.params);
      if (needed <= 0) continue;
      const history = await market.history({ symbol: crew.symbol, interval: crew.interval }, needed, before);
      const ctx = crew.context;
      for (const candle of history) {
        ctx.candle = candle;
        ctx.cash = crew.book.cashF - crew.book.reservedF;
        try {
          crew.definition.onCandle(ctx as CrewContext<Record<string, unknown>, unknown>);
        } catch {
          // A crew that throws on history will throw live too, where it is paused with the reason.
        }
        crew.candles++;
        fed++;
      }
    }
    return fed;
  }

  /** Runs until the market data ends or the signal aborts. */
  async run(market: MarketData, signal?: AbortSignal): Promise<void> {
    const source = market.candles(this.subscriptions(), signal);
    this.sinceYield = 0;
    if (Array.isArray(source)) {
      // Candles in a list (ArrayMarketData: benchmarks, tests), walked by index: a for-of in this
      // async function allocates an iterator result per candle.
      const list = source as readonly Candle[];
      for (let i = 0; i < list.length && !signal?.aborted; i++) {
        const pause = this.feed(list[i]!);
        if (pause) await pause;
      }
    } else if (Symbol.iterator in source) {
      // Synchronous sources (file replays, synthetic data) skip the per-candle promise.
      for (const candle of source as Iterable<Candle>) {
        if (signal?.aborted) break;
        const pause = this.feed(candle);
        if (pause) await pause;
      }
    } else {
      // An asynchronous source that hands candles over without waiting (a replay behind schedule, a
      // backlog after a reconnect) advances on microtasks alone: feed()'s turns of the event loop keep
      // stdin, signals, timers and the journal's commits running.
      for await (const candle of source as AsyncIterable<Candle>) {
        if (signal?.aborted) break;
        const pause = this.feed(candle);
        if (pause) await pause;
      }
    }
    await Promise.all(this.inflight.splice(0));
    await this.settle();
  }

  /** Candles fed since run() last yielded a turn of the event loop. */
  private sinceYield = 0;

  /**
   * One candle of run(): waits for the earlier closes' orders when it must (beforeCandle), processes
   * it, and every YIELD_EVERY candles gives the event loop a turn — so I/O callbacks (the journal's
   * commits, stdin, timers) run now and then and memory stays flat however long the run. Returns what
   * run() must await, or nothing (most candles: no promise made).
   */
  private feed(candle: Candle): Promise<unknown> | undefined {
    const wait = this.beforeCandle(candle);
    return wait ? wait.then(() => this.processCandle(candle)) : this.processCandle(candle);
  }

  private processCandle(candle: Candle): Promise<void> | undefined {
    const work = this.onCandle(candle);
    if (work) this.inflight.push(work);
    if (++this.sinceYield < YIELD_EVERY) return undefined;
    this.sinceYield = 0;
    return new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Decisions stay in time order: the orders of every candle that closed at an earlier time are done
   * before a later candle is processed. Candles closing at the same moment (one per symbol) do not wait
   * for each other's orders — every crew decides on that close, then the orders go out together.
   */
  private beforeCandle(candle: Candle): Promise<unknown> | undefined {
    const previous = this.lastCloseTime;
    this.lastCloseTime = candle.closeTime;
    if (candle.closeTime === previous) return undefined;
    // Stop work (a placement after a fill, a trailing move) is done before a later candle too, as orders are.
    if (this.stops.busy) return Promise.all([...this.inflight.splice(0), this.stops.idle()]);
    if (this.inflight.length === 0) return undefined;
    return Promise.all(this.inflight.splice(0));
  }

  /**
   * Processes one closed candle. Returns a promise only when it started asynchronous work (an order);
   * the caller awaits it before the next candle so that decisions stay in candle order.
   */
  onCandle(candle: Candle): Promise<void> | undefined {
    const { deps } = this;
    deps.clock.advanceTo?.(candle.closeTime);
    const route = this.routes.get(candle.symbol);
    if (route === undefined || route.crews.length === 0) return undefined;
    const finest = candle.closeTime - candle.openTime + 1 === route.matchMs;
    if (finest) deps.venues.onCandle(candle);
    if (deps.bus.wantsCandles) deps.bus.publish({ type: 'candle', candle });

    route.lastPrice = candle.close;
    if (finest) {
      for (const crew of route.crews) {
        crew.book.mark(candle.close);
        if (crew.book.qtyF > 0 && candle.high > crew.book.highSinceEntry) crew.book.highSinceEntry = candle.high;
      }
    }

    const routed = route.byInterval.get(candle.interval);
    if (routed) {
      try {
        for (const crew of routed) this.decide(crew, candle);
      } finally {
        this.sendStep();
      }
      // Trailing stops follow the new high, once the crews have decided (an exit decided now lifts its stop instead).
      for (const crew of routed) if (crew.book.qtyF > 0) this.stops.review(crew);
    }
    this.afterCandle(candle);
    if (this.pending.length === 0) return undefined;
    const work = this.pending;
    this.pending = [];
    return Promise.all(work).then(() => undefined);
  }

  private decide(crew: CrewRuntime, candle: Candle): void {
    crew.candles++;
    const book = crew.book;
    let advice: Advice | null = null;
    let exitKind: ExitKind | null = null;
    if (crew.status === 'stopped') return;
    // Exits protect positions even while the crew is paused. A stop resting on the exchange protects by itself:
    // the engine's own stop check is the fallback where there is none (or where the market gapped through it).
    const exit = checkExits(crew.exits, book, candle, book.isLong && this.stops.covers(crew, candle.low));
    if (exit) {
      advice = exit.advice;
      exitKind = exit.exit;
    }
    if (crew.status === 'active') {
      const ctx = crew.context;
      ctx.candle = candle;
      ctx.cash = book.cashF - book.reservedF;
      let crewAdvice: Advice;
      try {
        crewAdvice = crew.definition.onCandle(ctx as CrewContext<Record<string, unknown>, unknown>);
      } catch (error) {
        this.pauseCrew(crew.id, `its handler threw: ${error instanceof Error ? error.message : String(error)}`, ENGINE_ACTOR);
        return;
      }
      if (!advice) advice = crewAdvice;
    }
    if (!advice || advice.action === 'hold') return;
    // A sell the template's exits did not decide is the crew's own.
    this.act(crew, candle, advice, exitKind ?? (advice.action === 'sell' ? 'crew' : null));
  }

  private act(crew: CrewRuntime, candle: Candle, advice: TradeAdvice, exit: ExitKind | null): void {
    const { deps } = this;
    const now = deps.clock.now();
    const adviceKey = `${crew.id}@${candle.openTime}`;
    const isExit = exit !== null && exit !== 'crew';
    const fact: AdviceFact = { type: 'advice', crewId: crew.id, adviceKey, candleTime: candle.openTime, advice, exit, at: now };

    const teamCapital = deps.teams.get(crew.team) ?? crew.capital;
    const verdict = deps.gate.check(advice, {
      book: crew.book,
      crewCapital: crew.capital,
      crewPaused: crew.status !== 'active',
      filters: crew.filters,
      price: this.routes.lastPrice(crew.symbol) ?? candle.close,
      teamCapital,
      teamExposure: this.exposure(crew.team),
      totalExposure: this.exposure(null, crew.venue),
      now,
      isExit,
      // Always present (undefined for an entry): one shape of context for every advice, no spread.
      exit: exit ?? undefined,
    });
    if (!verdict.ok) {
      deps.bus.publish(fact);
      deps.bus.publish({ type: 'risk.denied', scope: crewScope(crew.id), adviceKey, advice, rule: verdict.rule, reason: verdict.reason, at: now });
      return;
    }
    deps.gate.noteOrderSent(crew.id, now);
    if (exit === 'stop-loss') deps.gate.noteStopLoss(crew.id, now);
    const reason = verdict.order.note ? `${advice.reason} (${verdict.order.note})` : advice.reason;
    // The crew's state (sequence) is persisted with the next equity snapshot (and at stop): never a
    // journal round trip per order.
    crew.stateDirty = true;
    // Funds are set aside now, so the next crew's decision sees them; journaled and sent in sendStep.
    this.step.push(this.orders.prepare(crew, verdict.order, adviceKey, reason, exit));
    this.stepAdvice.push(fact);
  }

  /**
   * Sends the orders every crew decided on this close: one journal commit for all of them (a commit
   * costs ~60–300 µs of CPU; twenty in series kept the twentieth order waiting), then each is sent,
   * in decision order. That commit holds only what must be durable before a send (the order rows,
   * their first events, the crews' sequences): the orders' advice facts are published — and so
   * written — right after it, before the first send, and commit at the end of the turn. (Their rows
   * and their index entries, one page per crew, were a third of the commit's pages.)
   */
  private sendStep(): void {
    if (this.step.length > 0) this.sendOrders();
  }

  /** sendStep's work, apart: its closures' context is allocated on entry, so only a candle with orders pays for it. */
  private sendOrders(): void {
    const step = this.step;
    const advice = this.stepAdvice;
    this.step = [];
    this.stepAdvice = [];
    const results = this.orders.submit(step, () => {
      for (const fact of advice) this.deps.bus.publish(fact);
    });
    for (let i = 0; i < results.length; i++) {
      const crewId = step[i]!.entry.owner.id;
      this.pending.push(
        results[i]!.catch((error: unknown) => this.reportError('orders', `${crewId}: ${error instanceof Error ? error.message : String(error)}`)),
      );
    }
  }

  private journalFailed(what: string, error: unknown): void {
    const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
    // Once the journal has stopped writing, the owner has been told why (haltOnJournalFailure):
    // each refused write after that goes to the log only.
    if (this.journalDown) this.deps.log.warn({ source: 'journal' }, message);
    else this.reportError('journal', message);
  }

  /** Fail-stop: the journal cannot write, so nothing more may be done that it would have to hold.
   * Entries stop at once, in memory (the halt itself cannot be journaled); an order of any kind is
   * refused by the journal before it could be sent; the owner hears why. */
  private haltOnJournalFailure(error: Error): void {
    this.journalDown = true;
    const at = this.deps.clock.now();
    const reason = `the journal cannot write (${error.message}); trading stopped until the desk is restarted on a journal that can`;
    if (!haltAtLeast(this.deps.gate.halt, 'entries')) {
      this.deps.gate.setHalt({ level: 'entries', reason, actor: 'journal', since: at });
      this.deps.bus.publish({ type: 'halt', level: 'entries', reason, actor: JOURNAL_ACTOR, via: 'journal', at });
    }
    this.reportError('journal', reason);
  }

  /** Exposure (quote, at last prices) of one team's crews, or of all crews (team null); of one venue's only when `venue` is given
   * (the total exposure limit applies to each venue: paper money never crowds out real money, nor the other way). */
  exposure(team: string | null, venue?: VenueName): number {
    let total = 0;
    for (const crew of this.crewList) {
      if ((team === null || crew.team === team) && (venue === undefined || this.deps.venues.of(crew.venue) === this.deps.venues.of(venue))) {
        total += crew.book.exposureF;
      }
    }
    return total;
  }

  get venues(): Venues {
    return this.deps.venues;
  }

  /** The risk monitors on this close's equity, equity snapshots, the equity hook. */
  private afterCandle(candle: Candle): void {
    const { deps, risk } = this;
    const limits = deps.gate.limits;
    let total = 0;
    let pnl = 0;
    let capital = 0;
    let inMarket = false;
    for (const crew of this.crewList) {
      total += crew.book.equityF;
      pnl += crew.pnlF;
      capital += crew.capitalF;
      if (crew.book.qtyF > 0) inMarket = true;
      const pause = risk.observeCrew(crew.id, crew.status === 'active', crew.pnlF, crew.capitalF, limits);
      if (pause) this.carryOut(pause);
    }
    const halt = risk.observeTotal(pnl, capital, limits, haltAtLeast(deps.gate.halt, 'cancel'));
    if (halt) this.carryOut(halt);
    const day = risk.observeDay(candle.closeTime, pnl, limits);
    if (day) this.carryOut(day);
    const every = deps.equitySnapshotMs ?? 3_600_000;
    if (every > 0 && candle.closeTime >= this.nextSnapshotAt) {
      this.nextSnapshotAt = candle.closeTime - (candle.closeTime % every) + every;
      this.snapshot(deps.clock.now());
    }
    deps.onEquity?.(candle.closeTime, total, inMarket);
  }

  /** Acts on what a risk monitor decided, as any other act of the engine, and persists the measures at once. */
  private carryOut(action: MonitorAction): void {
    const { deps } = this;
    const now = deps.clock.now();
    if (action.kind === 'pause-crew') {
      if (this.pauseCrew(action.crewId, action.reason, riskActor(action.rule))) this.risk.notePausedByRisk(action.crewId, action.rule);
    } else if (action.kind === 'halt') {
      this.pending.push(this.setHalt(action.level, action.reason, riskActor(action.rule), 'engine'));
    } else {
      deps.gate.blockEntriesForDay(now);
      // A desk-wide fact (the journal records it with no crew): entries are blocked for the day.
      deps.bus.publish({ type: 'risk.denied', scope: DESK_SCOPE, adviceKey: null, advice: null, rule: action.rule, reason: action.reason, at: now });
    }
    this.persistRisk();
  }

  /** Writes the risk measures (peaks, the day's start, who paused whom) when they changed. */
  private persistRisk(): void {
    if (!this.risk.dirty) return;
    this.risk.dirty = false;
    const measures = this.risk.toJSON();
    this.journalWrite('risk measures', () => this.deps.journal.setSetting(RISK_MEASURES_SETTING, measures, null));
  }

  /** Exact equity per crew, team and overall, as a fact (the journal records it); dirty crew states to the journal. */
  snapshot(at: number): void {
    const snapshots: { scope: FactScope; equity: string }[] = [];
    const teams = new Map<string, Decimal>();
    let total = ZERO;
    for (const crew of this.crewList) {
      const equity = crew.book.equityAt(crew.book.lastPrice);
      snapshots.push({ scope: crewScope(crew.id), equity: toText(equity) });
      teams.set(crew.team, (teams.get(crew.team) ?? ZERO).plus(equity));
      total = total.plus(equity);
    }
    for (const [team, equity] of teams) snapshots.push({ scope: { kind: 'team', team }, equity: toText(equity) });
    snapshots.push({ scope: DESK_SCOPE, equity: toText(total) });
    this.deps.bus.publish({ type: 'equity', at, snapshots });
    for (const crew of this.crewList) {
      if (!crew.stateDirty) continue;
      crew.stateDirty = false;
      this.journalWrite(`saveCrewState ${crew.id}`, () => this.deps.journal.saveCrewState(crew.id, crew.state, at));
    }
    this.persistRisk();
  }

  pauseCrew(id: string, reason: string, actor: FactActor): boolean {
    const crew = this.crews.get(id);
    if (!crew || crew.status !== 'active') return false;
    crew.status = 'paused';
    crew.statusReason = reason;
    this.deps.bus.publish({ type: 'crew.paused', crewId: id, reason, actor, at: this.deps.clock.now() });
    return true;
  }

  resumeCrew(id: string, actor: FactActor): boolean {
    const crew = this.crews.get(id);
    if (!crew || crew.status === 'active') return false;
    crew.status = 'active';
    crew.statusReason = '';
    this.stops.allow(id);
    this.stops.review(crew);
    // Resuming resets no risk measure: the crew's drawdown is still measured from its real peak.
    this.risk.noteResumed(id);
    this.persistRisk();
    this.deps.bus.publish({ type: 'crew.resumed', crewId: id, actor, at: this.deps.clock.now() });
    return true;
  }

  /**
   * Sets the halt level. Entries stop at once (synchronously, before anything is awaited); the state is
   * persisted; `cancel` cancels every open order; `flatten` also sells every position at market.
   */
  async setHalt(level: HaltLevel, reason: string, actor: FactActor, via: string): Promise<{ cancelled: number; flattened: number; failures: string[] }> {
    const at = this.deps.clock.now();
    const state: HaltState = { level, reason, actor: actorName(actor), since: level === 'none' ? null : at };
    this.deps.gate.setHalt(state);
    // The journal records the halt as it hears of it; a halt is confirmed once it is persisted.
    await this.deps.bus.publish({ type: 'halt', level, reason, actor, via, at });
    const result = { cancelled: 0, flattened: 0, failures: [] as string[] };
    if (haltAtLeast(state, 'cancel')) {
      const c = await this.orders.cancelAll();
      result.cancelled = c.cancelled;
      result.failures.push(...c.failures);
    }
    if (level === 'flatten') {
      for (const crew of this.crews.values()) {
        if (crew.book.freeQuantity.lte(0)) continue;
        const failure = await this.flattenCrew(crew, actor, at);
        if (failure) result.failures.push(`${crew.id}: ${failure}`);
        else result.flattened++;
      }
    }
    return result;
  }

  /** Sells one crew's whole position at market through the gate, as an exit (a demotion that closes it). Returns why not, or null. */
  async closePosition(id: string, actor: FactActor): Promise<string | null> {
    const crew = this.crews.get(id);
    if (!crew) return `no crew "${id}"`;
    if (crew.book.freeQuantity.lte(0)) return null;
    return this.flattenCrew(crew, actor, this.deps.clock.now());
  }

  /**
   * Sells a crew's whole free position at market through the gate, as an exit ('flatten'): sized,
   * rounded and checked like every other order. Returns why it was not sent, or null.
   */
  private async flattenCrew(crew: CrewRuntime, actor: FactActor, at: number): Promise<string | null> {
    const { deps } = this;
    const adviceKey = `${crew.id}@flatten@${at}`;
    const advice = { action: 'sell', size: 1, reason: `flatten by ${actorName(actor)}` } as const;
    const verdict = deps.gate.check(advice, {
      book: crew.book,
      crewCapital: crew.capital,
      crewPaused: crew.status !== 'active',
      filters: crew.filters,
      price: this.routes.lastPrice(crew.symbol) ?? crew.book.lastPrice,
      teamCapital: deps.teams.get(crew.team) ?? crew.capital,
      teamExposure: this.exposure(crew.team),
      totalExposure: this.exposure(null, crew.venue),
      now: at,
      isExit: true,
      exit: 'flatten',
    });
    if (!verdict.ok) {
      const reason =
        verdict.rule === 'filters'
          ? `${crew.book.quantity} ${crew.symbol} is below the minimum order size (dust), left in place (${verdict.reason})`
          : verdict.reason;
      deps.bus.publish({ type: 'risk.denied', scope: crewScope(crew.id), adviceKey, advice, rule: verdict.rule, reason, at });
      return reason;
    }
    deps.gate.noteOrderSent(crew.id, at);
    const [submitted] = this.orders.submit([this.orders.prepare(crew, verdict.order, adviceKey, advice.reason, 'flatten')]);
    return (await submitted!).error ?? null;
  }

  /** Waits for queued journal writes. */
  async settle(): Promise<void> {
    await this.stops.idle();
    if (this.pending.length) {
      const work = this.pending;
      this.pending = [];
      await Promise.all(work);
    }
    this.persistRisk();
    for (const crew of this.crews.values()) if (crew.stateDirty) await this.persistState(crew);
    await this.deps.journal.flush();
  }

  /** Persists every crew's record (params, state, status, sequence) and the final equity. */
  async stop(): Promise<void> {
    if (this.stopped) return this.deps.journal.flush();
    this.stopped = true;
    this.orders.stopListening();
    // Nothing can be persisted on a journal that stopped writing: what it holds is the last truth.
    if (this.journalDown) return;
    await this.settle();
    const now = this.deps.clock.now();
    for (const crew of this.crews.values()) {
      await this.deps.journal.saveCrewInstance(crew.toRecord(now));
      await this.deps.journal.savePosition(crew.book.toPosition());
    }
    this.snapshot(now);
    await this.deps.journal.flush();
  }

  summaries(): CrewSummary[] {
    return [...this.crews.values()].map((crew) => {
      const price = this.routes.lastPrice(crew.symbol) ?? crew.book.lastPrice;
      const equity = crew.book.equityAt(price);
      const pnl = equity.minus(crew.capital);
      return {
        id: crew.id,
        team: crew.team,
        module: crew.definition.name,
        symbol: crew.symbol,
        interval: crew.interval,
        venue: this.deps.venues.label(crew.venue),
        status: crew.status,
        capital: toText(crew.capital),
        equity: equity.round(2).toFixed(2),
        cash: crew.book.cash.round(2).toFixed(2),
        quantity: toText(crew.book.quantity),
        realizedPnl: crew.book.realizedPnl.round(2).toFixed(2),
        feesPaid: crew.book.feesPaid.round(2).toFixed(2),
        pnl: pnl.round(2).toFixed(2),
        pnlPct: crew.capital.gt(0) ? Number(pnl.div(crew.capital).times(100).toFixed(2)) : 0,
        drawdownPct: Number(this.risk.crewDrawdownPct(crew.id, crew.pnlF, crew.capitalF).toFixed(2)),
      };
    });
  }

  /** Asks the exchange for each crew's symbol filters again (it caches them; this picks up changes). */
  async refreshFilters(): Promise<void> {
    for (const crew of this.crews.values()) {
      try {
        crew.filters = await this.deps.venues.of(crew.venue).symbolFilters(crew.symbol);
      } catch (error) {
        this.reportError('exchange', `filters of ${crew.symbol} not refreshed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** The desk's PnL since the start of the current UTC day (candle time): performance only, never a capital transfer. */
  todayPnl(): number {
    let pnl = 0;
    for (const crew of this.crews.values()) pnl += crew.pnlF;
    return this.risk.todayPnl(pnl);
  }

  /** An owner set a crew's capital: its drawdown is measured afresh from its equity now. */
  capitalSetByOwner(id: string): void {
    const crew = this.crews.get(id);
    if (!crew) return;
    this.risk.capitalSetByOwner(id, crew.pnlF);
    this.persistRisk();
  }

  lastPriceOf(symbol: string): number | undefined {
    return this.routes.lastPrice(symbol);
  }

  private async persistState(crew: CrewRuntime): Promise<void> {
    crew.stateDirty = false;
    await this.deps.journal.saveCrewState(crew.id, crew.state, this.deps.clock.now());
  }

  /** A journal write whose result nothing waits for: a failure is reported, never thrown. */
  private journalWrite(what: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      this.journalFailed(what, error);
    }
  }

  /**
   * After a protective stop was refused: does the account still hold the base that the crews of that venue
   * and asset claim? If not (a position sold outside the desk), they pause with the figures, and their stops
   * are held off — asking again would be refused again — until the owner resumes them.
   */
  private async checkHoldings(crewId: string): Promise<void> {
    const crew = this.crews.get(crewId);
    if (!crew) return;
    const sharing = [...this.crews.values()].filter((c) => c.venue === crew.venue && c.book.baseAsset === crew.book.baseAsset);
    let balances: readonly Balance[];
    try {
      balances = await this.deps.venues.of(crew.venue).balances();
    } catch {
      return; // the exchange did not answer: the next refusal asks again
    }
    const drift = balanceDrift(sharing, balances).filter((line) => line.startsWith(`${crew.book.baseAsset}:`));
    if (drift.length === 0) return;
    for (const c of sharing) {
      if (c.book.quantity.lte(0)) continue;
      this.stops.holdOff(c.id);
      this.pauseCrew(
        c.id,
        `balance drift (${drift.join('; ')}): the position sold outside the desk? Its protective stop is held off; resume once checked`,
        ENGINE_ACTOR,
      );
    }
  }

  private reportError(source: string, message: string): void {
    this.deps.log.error({ source }, message);
    this.deps.bus.publish({ type: 'error', source, message, at: this.deps.clock.now() });
  }
}
