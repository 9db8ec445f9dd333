// The desk's services: what slash commands, console commands and the manager's tools call.
// One path into the engine for every interface; each mutating call is validated and audited.
import type { Desk } from '../desk/desk.ts';
import { DESCRIBED_EVENTS, describeEvent } from '../console/console-notifier.ts';
import type { CrewInstanceConfig } from '../config/schema.ts';
import { crewInstanceSchema } from '../config/schema.ts';
import { type Candle, type HaltLevel, isInterval } from '../core/domain.ts';
import type { EngineEvent } from '../core/events.ts';
import { dec, type Decimal, toText, ZERO } from '../core/money.ts';
import { formatTime } from '../core/format.ts';
import { numberRefusal, parsePlainNumber } from '../core/number-text.ts';
import { describeParams, formatZodError, type ParamBound, parseParams } from '../crew/template.ts';
import type { CrewSummary } from '../engine/engine.ts';
import type { JournalFill } from '../ports/journal.ts';
import { type AllocationFigures, overAllocation } from '../risk/allocation.ts';
import { haltAtLeast } from '../risk/gate.ts';
import { type RiskLimits, riskLimitsSchema } from '../risk/limits.ts';
import { RISK_LIMITS_SETTING } from '../desk/desk.ts';
import { LineRing } from './line-ring.ts';
import { demote, promote, promotionRefusal, type TrackRecordView, trackRecordChart, trackRecordOf } from './promotion.ts';
import { type Actor, factActor, fail, ok, type Result } from './result.ts';

export interface StatusView {
  readonly mode: string;
  readonly halt: { readonly level: HaltLevel; readonly reason: string; readonly actor: string; readonly since: number | null };
  readonly crews: readonly CrewSummary[];
  /** The account's equity: its capital plus every crew's PnL (so capital moved between crews and teams never shows as profit or loss). */
  readonly equity: number;
  /** The account's capital: every team's (what /report and /team list add up to as well). */
  readonly capital: number;
  /** What crews that are not stopped hold of it. */
  readonly allocated: number;
  readonly todayPnl: number;
  readonly exposure: number;
  readonly openOrders: number;
  /** Per venue (one in a paper desk; paper and the exchange side by side otherwise): the owner sees them apart. */
  readonly venues: readonly VenueTotals[];
  readonly asOf: number;
}

export interface VenueTotals {
  /** As the crews' `venue` reads: `paper`, `exchange (binance)`. */
  readonly venue: string;
  readonly crews: number;
  readonly capital: number;
  readonly equity: number;
  readonly pnl: number;
  readonly exposure: number;
}

export interface TradeView {
  readonly time: number;
  readonly crewId: string;
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly price: string;
  readonly quantity: string;
  readonly quote: string;
  readonly fee: string;
  readonly feeAsset: string;
}

const MAX_TRADES = 50;
const MAX_CANDLES = 1000;
const LOG_LINES = 500;

export class DeskService {
  /** The last lines of activity, for /logs. */
  private readonly lines = new LineRing(LOG_LINES);
  private readonly mode: string;

  constructor(
    readonly desk: Desk,
    options: { readonly mode?: string } = {},
  ) {
    this.mode = options.mode ?? desk.config.mode;
    desk.bus.subscribe(
      'desk-service.log',
      (event: EngineEvent) => {
        const line = describeEvent(event);
        if (!line) return;
        this.lines.push(`${new Date(desk.clock.now()).toISOString().slice(0, 19).replace('T', ' ')} ${line}`);
      },
      DESCRIBED_EVENTS,
    );
  }

  private get engine() {
    return this.desk.engine;
  }

  status(): StatusView {
    const crews = this.engine.summaries();
    const pnl = crews.reduce((s, c) => s + Number(c.pnl), 0);
    let capital = 0;
    for (const team of this.desk.teams.values()) capital += team.toNumber();
    let allocated = 0;
    for (const team of this.desk.teams.keys()) allocated += this.teamAllocated(team).toNumber();
    let exposure = 0;
    for (const crew of this.engine.crews.values()) exposure += crew.book.exposureF;
    return {
      mode: this.mode,
      halt: this.engine.halt,
      crews,
      equity: round2(capital + pnl),
      capital: round2(capital),
      allocated: round2(allocated),
      todayPnl: round2(this.engine.todayPnl()),
      exposure: round2(exposure),
      openOrders: this.engine.orders.openOrderCount(),
      venues: venueTotals(crews, this.engine),
      asOf: this.desk.clock.now(),
    };
  }

  async balances(): Promise<
    Result<{
      exchange: { asset: string; free: string; locked: string }[];
      /** The paper venue's, when it runs beside the exchange (each venue keeps its own balances). */
      paper?: { asset: string; free: string; locked: string }[];
      crews: { id: string; venue: string; cash: string; reserved: string }[];
    }>
  > {
    const held = (balances: readonly { asset: string; free: Decimal; locked: Decimal }[]) =>
      balances.filter((b) => b.free.gt(0) || b.locked.gt(0)).map((b) => ({ asset: b.asset, free: toText(b.free), locked: toText(b.locked) }));
    try {
      const venues = this.desk.venues;
      const balances = await this.desk.exchange.balances();
      const paper = venues.separate ? held(await venues.paper.balances()) : undefined;
      return ok({
        exchange: held(balances),
        ...(paper ? { paper } : {}),
        crews: [...this.engine.crews.values()].map((c) => ({
          id: c.id,
          venue: venues.label(c.venue),
          cash: c.book.cash.round(2).toFixed(2),
          reserved: c.book.reserved.round(2).toFixed(2),
        })),
      });
    } catch (error) {
      return fail(`the exchange did not answer: ${message(error)}`);
    }
  }

  positions(): { crewId: string; symbol: string; quantity: string; entryPrice: string | null; lastPrice: number; value: string; unrealizedPnl: string }[] {
    return [...this.engine.crews.values()]
      .filter((c) => c.book.quantity.gt(0))
      .map((c) => {
        const last = this.engine.lastPriceOf(c.symbol) ?? c.book.lastPrice;
        const value = c.book.quantity.times(dec(last));
        return {
          crewId: c.id,
          symbol: c.symbol,
          quantity: toText(c.book.quantity),
          entryPrice: c.book.entryPrice?.round(8).toString() ?? null,
          lastPrice: last,
          value: value.round(2).toFixed(2),
          unrealizedPnl: value.minus(c.book.costBasis).round(2).toFixed(2),
        };
      });
  }

  async trades(crewId?: string, n = 10): Promise<Result<TradeView[]>> {
    if (crewId && !this.engine.crews.has(crewId)) return fail(this.unknownCrew(crewId));
    const limit = Math.min(Math.max(1, Math.floor(n)), MAX_TRADES);
    const fills = await this.desk.journal.getFills({ ...(crewId ? { crewId } : {}), limit });
    return ok(
      fills.map((f) => ({
        time: f.time,
        crewId: f.crewId,
        symbol: f.symbol,
        side: f.side,
        price: toText(f.price),
        quantity: toText(f.quantity),
        quote: f.quoteQuantity.round(2).toFixed(2),
        fee: toText(f.fee),
        feeAsset: f.feeAsset,
      })),
    );
  }

  /** A crew's last `limit` closed candles (for a chart of its trades), from the market's history. */
  async candles(id: string, limit = 300): Promise<Result<{ symbol: string; interval: string; candles: readonly Candle[] }>> {
    const crew = this.engine.crews.get(id);
    if (!crew) return fail(this.unknownCrew(id));
    const n = Math.min(Math.max(1, Math.floor(limit)), MAX_CANDLES);
    const recent = await this.desk.market?.recent?.({ symbol: crew.symbol, interval: crew.interval }, n);
    if (!recent)
      return fail(
        `the desk's market (${this.desk.market ? 'a source without history' : 'not running'}) keeps no candles of ${crew.symbol} ${crew.interval} to show`,
      );
    return ok({ symbol: crew.symbol, interval: crew.interval, candles: recent });
  }

  crewNames(): string[] {
    return [...this.engine.crews.keys()];
  }

  crewModules(): { name: string; description: string }[] {
    return [...this.desk.catalog.values()].map((d) => ({ name: d.name, description: d.description }));
  }

  crewList(): CrewSummary[] {
    return this.engine.summaries();
  }

  crewParams(id: string): Result<{ id: string; module: string; values: Record<string, unknown>; bounds: ParamBound[] }> {
    const crew = this.engine.crews.get(id);
    if (!crew) return fail(this.unknownCrew(id));
    return ok({ id, module: crew.definition.name, values: { ...crew.params }, bounds: describeParams(crew.definition) });
  }

  /** Sets one param, checked against the crew's schema bounds. `value` may be text from a chat. */
  async setParam(id: string, name: string, value: unknown, actor: Actor, rationale?: string): Promise<Result<{ from: unknown; to: unknown }>> {
    const crew = this.engine.crews.get(id);
    if (!crew) return fail(this.unknownCrew(id));
    const bound = describeParams(crew.definition).find((b) => b.name === name);
    if (!bound)
      return fail(
        `crew ${id} (${crew.definition.name}) has no param "${name}" (params: ${describeParams(crew.definition)
          .map((b) => b.name)
          .join(', ')})`,
      );
    const notANumber = numberRefusal(name, value, bound.type);
    if (notANumber) return fail(notANumber);
    const coerced = coerceParam(value, bound);
    const parsed = parseParams(crew.definition, { ...crew.params, [name]: coerced });
    if (!parsed.ok)
      return fail(`${name} = ${JSON.stringify(value)} refused: ${parsed.error}${bound.min !== undefined ? ` (allowed ${bound.min} … ${bound.max})` : ''}`);
    const from = crew.params[name];
    crew.setParams(parsed.params);
    const now = this.desk.clock.now();
    await this.desk.journal.saveCrewInstance(crew.toRecord(now));
    await this.audit(actor, 'crew.set', { crew: id, param: name, from, to: parsed.params[name], ...(rationale ? { rationale } : {}) });
    return ok({ from, to: parsed.params[name] });
  }

  async pauseCrew(id: string, actor: Actor, reason = 'paused by request'): Promise<Result<string>> {
    const crew = this.engine.crews.get(id);
    if (!crew) return fail(this.unknownCrew(id));
    if (crew.status !== 'active') return fail(`crew ${id} is ${crew.status} already`);
    this.engine.pauseCrew(id, reason, factActor(actor));
    await this.audit(actor, 'crew.pause', { crew: id, reason });
    return ok(`crew ${id} paused: no new decisions; its stop-loss and other exits still protect its position`);
  }

  async resumeCrew(id: string, actor: Actor): Promise<Result<string>> {
    const crew = this.engine.crews.get(id);
    if (!crew) return fail(this.unknownCrew(id));
    if (crew.status === 'active') return fail(`crew ${id} is active already`);
    const rule = this.engine.risk.pausedBy(id);
    if (rule !== undefined) {
      // A risk rule's pause is lifted by an owner's decision only (the manager's call needs an owner's approval).
      if (!actor.isOwner || (actor.via === 'manager' && !actor.approvedBy))
        return fail(`crew ${id} was paused by the risk rule ${rule}: only an owner can resume it`);
      const dd = this.engine.risk.crewDrawdownPct(id, crew.pnlF, crew.capitalF);
      const limit = this.engine.gate.limits.maxCrewDrawdownPct;
      if (dd >= limit) {
        return fail(
          `crew ${id} is still ${dd.toFixed(2)}% below its equity peak (limit ${limit}%): it would pause again at once. Set its capital (/team allocate) to measure afresh, or raise maxCrewDrawdownPct`,
        );
      }
    }
    if (crew.status === 'stopped') {
      const over = overAllocation(this.allocationFigures(crew.team), crew.capital, `resuming ${id} (capital ${crew.capital.round(2)})`);
      if (over) return fail(over);
    }
    this.engine.resumeCrew(id, factActor(actor));
    await this.audit(actor, 'crew.resume', { crew: id });
    return ok(`crew ${id} resumed`);
  }

  async stopCrew(id: string, actor: Actor): Promise<Result<string>> {
    const crew = this.engine.crews.get(id);
    if (!crew) return fail(this.unknownCrew(id));
    if (crew.status === 'stopped') return fail(`crew ${id} is stopped already`);
    crew.status = 'stopped';
    crew.statusReason = `stopped by ${actor.id}`;
    const now = this.desk.clock.now();
    await this.desk.journal.updateCrewStatus(id, 'stopped', crew.statusReason, now);
    await this.audit(actor, 'crew.stop', { crew: id });
    const held = crew.book.quantity.gt(0) ? ` It still holds ${toText(crew.book.quantity)} ${crew.symbol}: /halt flatten or sell it yourself.` : '';
    return ok(`crew ${id} stopped: no decisions and no exits any more.${held}`);
  }

  async spawnCrew(
    input: { team: string; id?: string; crew: string; symbol: string; interval: string; params?: Record<string, unknown>; capital: string },
    actor: Actor,
    rationale?: string,
  ): Promise<Result<string>> {
    if (!isInterval(input.interval)) return fail(`interval "${input.interval}" is not one of Binance's (1m, 5m, 15m, 1h, 4h, 1d, …)`);
    const id = input.id ?? defaultCrewId(input.crew, input.symbol, input.interval);
    const parsed = crewInstanceSchema.safeParse({
      id,
      crew: input.crew,
      symbol: input.symbol.toUpperCase(),
      interval: input.interval,
      params: input.params ?? {},
      capital: input.capital,
      // Beside an exchange, a crew spawned at run time (by the owner, the manager or the forge) starts on
      // paper: the way to real money is a promotion by its record (/crew promote).
      ...(this.desk.venues.separate ? { venue: 'paper' } : {}),
    });
    if (!parsed.success) return fail(formatZodError(parsed.error));
    const capital = dec(parsed.data.capital ?? '0');
    if (!this.desk.teams.has(input.team)) return fail(`no team "${input.team}" (teams: ${[...this.desk.teams.keys()].join(', ')})`);
    const over = overAllocation(this.allocationFigures(input.team), capital, `spawning ${id} with ${capital}`);
    if (over) return fail(`${over}. Free capital first (/team allocate).`);
    const result = await this.desk.spawnCrew(input.team, parsed.data as CrewInstanceConfig, actor.id, actor.via);
    if (!result.ok) return fail(result.error);
    if (rationale) await this.audit(actor, 'crew.spawn.rationale', { crew: id, rationale });
    return ok(
      `crew ${id} (${input.crew} on ${parsed.data.symbol} ${parsed.data.interval}) spawned in team ${input.team} with ${capital} quote${parsed.data.venue === 'paper' ? ' on paper (/crew promote moves it to the exchange)' : ''}`,
    );
  }

  teamList(): { name: string; capital: string; allocated: string; crews: string[] }[] {
    return [...this.desk.teams.entries()].map(([name, capital]) => ({
      name,
      capital: toText(capital),
      allocated: toText(this.teamAllocated(name)),
      crews: [...this.engine.crews.values()].filter((c) => c.team === name).map((c) => c.id),
    }));
  }

  /** What a team has not allocated to its (not stopped) crews; undefined when there is no such team. */
  unallocated(team: string): Decimal | undefined {
    const capital = this.desk.teams.get(team);
    return capital === undefined ? undefined : capital.minus(this.teamAllocated(team));
  }

  /** Moves capital to or from a crew, within its team's capital and the crew's free cash. */
  async allocate(crewId: string, amount: string, actor: Actor, rationale?: string): Promise<Result<string>> {
    const crew = this.engine.crews.get(crewId);
    if (!crew) return fail(this.unknownCrew(crewId));
    if (!/^\d+(\.\d+)?$/.test(amount)) return fail(`amount "${amount}" is not a positive decimal`);
    const target = dec(amount);
    const delta = target.minus(crew.capital);
    // A stopped crew's capital is not counted as allocated: raising it adds all of its new capital.
    const added = crew.status === 'stopped' ? ZERO : delta;
    const over = overAllocation(this.allocationFigures(crew.team), added, `raising ${crewId} by ${delta.round(2)}`);
    if (over) return fail(over);
    if (delta.lt(0) && crew.book.freeCash.plus(delta).lt(0)) {
      return fail(`crew ${crewId} has only ${crew.book.freeCash.round(2)} free cash; it cannot give back ${delta.abs().round(2)} now`);
    }
    const from = crew.capital;
    crew.capital = target;
    crew.book.adjustCash(delta);
    // A transfer, never PnL: capital and cash moved together. An owner's setting starts the crew's
    // drawdown measure afresh; the manager's keeps its peak.
    if (actor.isOwner && actor.via !== 'manager') this.engine.capitalSetByOwner(crewId);
    const now = this.desk.clock.now();
    await this.desk.journal.saveCrewInstance(crew.toRecord(now));
    await this.desk.journal.savePosition(crew.book.toPosition());
    await this.audit(actor, 'crew.allocate', { crew: crewId, from: toText(from), to: toText(target), ...(rationale ? { rationale } : {}) });
    return ok(`crew ${crewId} capital ${from.round(2)} → ${target.round(2)}`);
  }

  /** A crew's track record on its venue beside its backtest over the same candles and costs, its drift, and the promotion gate's verdict. */
  trackRecord(id: string): Promise<Result<TrackRecordView>> {
    if (!this.engine.crews.has(id)) return Promise.resolve(fail(this.unknownCrew(id)));
    return trackRecordOf(this.desk, id);
  }

  /** The record and its backtest on one equity chart (PNG). */
  trackRecordChart(view: TrackRecordView): Promise<Buffer> {
    return trackRecordChart(view);
  }

  /** Paper → the exchange with `capital`: owner only, the gate passed or explicitly overridden; audited either way. */
  async promoteCrew(id: string, capital: string, actor: Actor, options: { readonly override?: boolean } = {}): Promise<Result<string>> {
    if (!this.engine.crews.has(id)) return fail(this.unknownCrew(id));
    const r = await promote(this.desk, id, capital, actor, (team) => this.allocationFigures(team), options);
    return r.ok ? ok(r.value.text) : r;
  }

  /**
   * Each crew on paper (not stopped) against the promotion gate, one line each with its figures:
   * what the manager's evaluation and the daily report name. A crew without a record says why.
   */
  async promotionGates(): Promise<string[]> {
    const lines: string[] = [];
    // Without candle history (a synthetic replay, a desk with no market yet) no record can be replayed: nothing to name.
    if (!this.desk.market?.history) return lines;
    for (const crew of this.engine.crews.values()) {
      if (crew.status === 'stopped' || this.desk.venues.label(crew.venue) !== 'paper') continue;
      const r = await trackRecordOf(this.desk, crew.id);
      if (!r.ok) {
        lines.push(`${crew.id}: no record to judge (${r.error})`);
        continue;
      }
      const g = r.value.gate;
      lines.push(`${crew.id}: ${g.pass ? 'PASSES' : 'fails'} the promotion gate — ${g.criteria.map((c) => `${c.ok ? '' : 'FAIL '}${c.text}`).join('; ')}`);
    }
    return lines;
  }

  /** Why `actor` cannot promote crew `id` with `capital` at all (before the gate), or null. */
  promotionRefusal(id: string, capital: string, actor: Actor): string | null {
    if (!this.engine.crews.has(id)) return this.unknownCrew(id);
    return promotionRefusal(this.desk, id, capital, actor);
  }

  /** The exchange → paper: owner only; its exchange position closed or handed over, as the owner says. */
  demoteCrew(id: string, actor: Actor, position?: 'close' | 'handover'): Promise<Result<string>> {
    if (!this.engine.crews.has(id)) return Promise.resolve(fail(this.unknownCrew(id)));
    return demote(this.desk, id, actor, position);
  }

  riskLimits(): RiskLimits {
    return this.engine.gate.limits;
  }

  /** Owner only: changes a hard limit. */
  async setRiskLimit(name: string, value: unknown, actor: Actor): Promise<Result<string>> {
    if (!actor.isOwner || actor.via === 'manager') return fail('only an owner can change hard risk limits');
    const limits = this.engine.gate.limits;
    if (!(name in limits)) return fail(`no risk limit "${name}" (limits: ${Object.keys(limits).join(', ')})`);
    const notANumber = numberRefusal(name, value, typeof limits[name as keyof RiskLimits] === 'number' ? 'number' : 'other');
    if (notANumber) return fail(notANumber);
    const n = typeof value === 'string' ? (parsePlainNumber(value) ?? value) : value;
    const parsed = riskLimitsSchema.safeParse({ ...limits, [name]: n });
    if (!parsed.success) return fail(`${name} = ${JSON.stringify(value)} refused: ${formatZodError(parsed.error)}`);
    const from = limits[name as keyof RiskLimits];
    this.engine.gate.setLimits(parsed.data);
    const overrides = (await this.desk.journal.getSetting<Record<string, unknown>>(RISK_LIMITS_SETTING)) ?? {};
    await this.desk.journal.setSetting(
      RISK_LIMITS_SETTING,
      { ...overrides, [name]: parsed.data[name as keyof RiskLimits] },
      {
        actor: actor.id,
        via: actor.via,
        action: 'risk.set',
        detail: { limit: name, from, to: parsed.data[name as keyof RiskLimits] },
        at: this.desk.clock.now(),
      },
    );
    return ok(`${name}: ${from} → ${parsed.data[name as keyof RiskLimits]}`);
  }

  /** The kill switch. Never queued behind other work; never through the manager's approval flow. */
  async halt(
    level: Exclude<HaltLevel, 'none'>,
    reason: string,
    actor: Actor,
  ): Promise<Result<{ level: HaltLevel; cancelled: number; flattened: number; failures: string[] }>> {
    const result = await this.engine.setHalt(level, reason || `halted by ${actor.id}`, factActor(actor), actor.via);
    return ok({ level, ...result });
  }

  async resume(actor: Actor): Promise<Result<string>> {
    if (!actor.isOwner || actor.via === 'manager') return fail('only an owner can lift a halt');
    const was = this.engine.halt;
    if (was.level === 'none') return fail('trading is not halted');
    await this.engine.setHalt('none', `resumed by ${actor.id}`, factActor(actor), actor.via);
    return ok(
      `trading resumed (was halted at level ${was.level} since ${was.since ? formatTime(was.since, this.desk.config.console?.timezone) : '?'}: ${was.reason})`,
    );
  }

  isHalted(level: HaltLevel = 'entries'): boolean {
    return haltAtLeast(this.engine.halt, level);
  }

  logs(n = 20): string[] {
    const k = Math.min(Math.max(1, Math.floor(n)), 100);
    return this.lines.last(k);
  }

  async riskEvents(limit = 20): Promise<{ at: number; crewId: string | null; rule: string; reason: string }[]> {
    const events = await this.desk.journal.getRiskEvents({ limit: Math.min(limit, 100) });
    return events.map((e) => ({ at: e.at, crewId: e.crewId, rule: e.rule, reason: e.reason }));
  }

  /** A crew's fills since `since` (desk time, ms), oldest first, with its base and quote assets (for KPIs over a window). */
  async crewFills(id: string, since: number): Promise<Result<{ fills: JournalFill[]; base: string; quote: string }>> {
    const crew = this.engine.crews.get(id);
    if (!crew) return fail(this.unknownCrew(id));
    const fills = await this.desk.journal.getFills({ crewId: id, since });
    return ok({ fills, base: crew.filters.baseAsset, quote: crew.filters.quoteAsset });
  }

  /** An equity series: `total`, `team:<name>` or `crew:<id>`, within [from, to] (ms). */
  async equity(scope: string, from?: number, to?: number, maxPoints = 2000): Promise<Result<{ at: number; equity: string }[]>> {
    const known =
      scope === 'total' ||
      (scope.startsWith('team:') && this.desk.teams.has(scope.slice(5))) ||
      (scope.startsWith('crew:') && this.engine.crews.has(scope.slice(5)));
    if (!known) return fail(`no equity scope "${scope}" (total, team:<name> of ${[...this.desk.teams.keys()].join(', ')}, or crew:<id>)`);
    const points = (await this.desk.journal.getEquity(scope, from)).filter((p) => to === undefined || p.at <= to);
    // A long series is thinned to every k-th point (the last one always kept): a chart has only so many pixels.
    const step = Math.max(1, Math.ceil(points.length / Math.max(2, maxPoints)));
    const kept = step === 1 ? points : points.filter((_, i) => i % step === 0 || i === points.length - 1);
    return ok(kept.map((p) => ({ at: p.at, equity: p.equity })));
  }

  /** The audit log, newest first, a page at a time: `before` is the `seq` of the last entry of the previous page. */
  async auditLog(
    page: { before?: number; limit?: number } = {},
  ): Promise<{ seq: number; at: number; actor: string; via: string; action: string; detail: Record<string, unknown> }[]> {
    const limit = Math.min(Math.max(1, Math.floor(page.limit ?? 50)), 500);
    const rows = await this.desk.journal.getAudit({ limit, ...(page.before !== undefined ? { before: page.before } : {}) });
    return rows.map((r) => ({ seq: r.seq ?? 0, at: r.at, actor: r.actor, via: r.via, action: r.action, detail: { ...(r.detail ?? {}) } }));
  }

  async audit(actor: Actor, action: string, detail: Record<string, unknown>): Promise<void> {
    await this.desk.journal.recordAudit({ actor: actor.id, via: actor.via, action, detail, at: this.desk.clock.now() });
  }

  /** A team's and the account's capital and allocation now, for the over-allocation check. */
  private allocationFigures(team: string): AllocationFigures {
    let accountCapital = ZERO;
    for (const capital of this.desk.teams.values()) accountCapital = accountCapital.plus(capital);
    let accountAllocated = ZERO;
    for (const name of this.desk.teams.keys()) accountAllocated = accountAllocated.plus(this.teamAllocated(name));
    return { team, teamCapital: this.desk.teams.get(team) ?? ZERO, teamAllocated: this.teamAllocated(team), accountCapital, accountAllocated };
  }

  private teamAllocated(team: string) {
    let total = ZERO;
    for (const c of this.engine.crews.values()) if (c.team === team && c.status !== 'stopped') total = total.plus(c.capital);
    return total;
  }

  /** The refusal for a crew id that is not on the desk, naming the ones that are. */
  unknownCrew(id: string): string {
    const names = this.crewNames();
    return `no crew "${id}" (crews: ${names.length ? names.join(', ') : 'none'})`;
  }
}

/** A new crew's id when none is given: <module>-<symbol>-<interval>, at most 40 characters. */
export function defaultCrewId(module: string, symbol: string, interval: string): string {
  return `${module}-${symbol.toLowerCase()}-${interval}`.slice(0, 40);
}

/** Chat text → the param's type ("12" → 12, "true" → true); anything else is left for the schema to refuse. */
export function coerceParam(value: unknown, bound: Pick<ParamBound, 'type'>): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (bound.type === 'integer' || bound.type === 'number') {
    // Text that is not a number stays text: the schema then says it wanted a number, not that it got NaN.
    // Plain decimal notation only: "0x10", "1e3" or "Infinity" stay text, and are refused as such.
    return parsePlainNumber(text) ?? value;
  }
  if (bound.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : value;
  return text;
}

/** Capital, equity, PnL and exposure of each venue's crews (stopped ones included: their books are still there). */
function venueTotals(
  crews: readonly CrewSummary[],
  engine: { readonly crews: ReadonlyMap<string, { readonly book: { readonly exposureF: number } }> },
): VenueTotals[] {
  const totals = new Map<string, { crews: number; capital: number; equity: number; pnl: number; exposure: number }>();
  for (const c of crews) {
    const t = totals.get(c.venue) ?? { crews: 0, capital: 0, equity: 0, pnl: 0, exposure: 0 };
    t.crews++;
    t.capital += Number(c.capital);
    t.equity += Number(c.equity);
    t.pnl += Number(c.pnl);
    t.exposure += engine.crews.get(c.id)?.book.exposureF ?? 0;
    totals.set(c.venue, t);
  }
  return [...totals].map(([venue, t]) => ({
    venue,
    crews: t.crews,
    capital: round2(t.capital),
    equity: round2(t.equity),
    pnl: round2(t.pnl),
    exposure: round2(t.exposure),
  }));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
