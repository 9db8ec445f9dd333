// What the manager knows of the desk: aggregated figures per crew, team and overall — PnL,
// drawdown, win rate, trades, exposure, fees — never raw logs in bulk. The figures come from
// the same DeskService the slash commands read, plus the journal's fills for a time window.
// The aggregation itself is pure (the report-prompt benchmark runs it on synthetic fills).
import { roundTripsOf, type KpiFill } from '../backtest/kpis.ts';
import type { CrewSummary } from '../engine/engine.ts';
import type { JournalFill } from '../ports/journal.ts';
import { type AnyCrewDefinition, describeParams, type ParamBound } from '../crew/template.ts';
import type { DeskService } from '../services/desk-service.ts';

export const WINDOWS = ['1h', '24h', '7d', '30d'] as const;
export type Window = (typeof WINDOWS)[number];
export const WINDOW_MS: Readonly<Record<Window, number>> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** Trading over a window: round trips opened and closed inside it. */
export interface WindowStats {
  readonly window: Window;
  readonly fills: number;
  readonly roundTrips: number;
  readonly wins: number;
  /** null without round trips. */
  readonly winRatePct: number | null;
  /** Sum of the round trips' PnL, fees included. */
  readonly roundTripPnl: number;
  readonly fees: number;
  /** Quote traded. */
  readonly volume: number;
  /** The best and the worst round trip (null without any). */
  readonly best: number | null;
  readonly worst: number | null;
}

export interface CrewMetrics {
  readonly id: string;
  readonly team: string;
  readonly module: string;
  readonly symbol: string;
  readonly interval: string;
  readonly status: string;
  readonly statusReason: string;
  readonly capital: number;
  readonly equity: number;
  readonly pnl: number;
  readonly pnlPct: number;
  readonly drawdownPct: number;
  readonly realizedPnl: number;
  readonly feesPaid: number;
  /** Position value / equity, %. */
  readonly exposurePct: number;
  readonly recent: WindowStats;
  /** Params that differ from the module's defaults. */
  readonly changedParams: Readonly<Record<string, unknown>>;
}

export interface TeamMetrics {
  readonly name: string;
  readonly capital: number;
  readonly allocated: number;
  readonly equity: number;
  readonly pnl: number;
  readonly pnlPct: number;
  readonly crews: number;
  readonly activeCrews: number;
  readonly exposurePct: number;
  readonly recent: WindowStats;
}

export interface OverallMetrics {
  readonly mode: string;
  readonly halt: { readonly level: string; readonly reason: string };
  readonly equity: number;
  readonly capital: number;
  readonly pnl: number;
  readonly pnlPct: number;
  readonly todayPnl: number;
  readonly exposure: number;
  readonly exposurePct: number;
  readonly openOrders: number;
  /** Of total equity, over the window's snapshots (peak → now). null without snapshots. */
  readonly drawdownPct: number | null;
  readonly crews: number;
  readonly activeCrews: number;
  readonly recent: WindowStats;
}

export interface DeskMetrics {
  readonly window: Window;
  /** Desk time (candle time in replay), ms. */
  readonly asOf: number;
  readonly overall: OverallMetrics;
  readonly teams: readonly TeamMetrics[];
  readonly crews: readonly CrewMetrics[];
}

/** One fill as the aggregation sees it: floats, fee in quote. */
export interface MetricFill extends KpiFill {
  readonly crewId: string;
  readonly quote: number;
}

/** Everything the aggregation needs of one crew. */
export interface CrewInput {
  readonly summary: CrewSummary;
  readonly statusReason: string;
  readonly positionValue: number;
  readonly changedParams: Readonly<Record<string, unknown>>;
}

export interface MetricsInput {
  readonly window: Window;
  readonly asOf: number;
  readonly mode: string;
  readonly halt: { readonly level: string; readonly reason: string };
  readonly todayPnl: number;
  readonly openOrders: number;
  readonly crews: readonly CrewInput[];
  readonly teams: readonly { readonly name: string; readonly capital: number; readonly allocated: number }[];
  /** Fills inside the window, in time order, all crews. */
  readonly fills: readonly MetricFill[];
  /** Total equity snapshots inside the window, oldest first. */
  readonly totalEquity: readonly number[];
}

/** The aggregation: pure, linear in fills, output size linear in crews. */
export function aggregate(input: MetricsInput): DeskMetrics {
  const fillsByCrew = new Map<string, MetricFill[]>();
  for (const fill of input.fills) {
    const list = fillsByCrew.get(fill.crewId);
    if (list) list.push(fill);
    else fillsByCrew.set(fill.crewId, [fill]);
  }
  const crews: CrewMetrics[] = input.crews.map((c) => {
    const s = c.summary;
    const equity = Number(s.equity);
    return {
      id: s.id,
      team: s.team,
      module: s.module,
      symbol: s.symbol,
      interval: s.interval,
      status: s.status,
      statusReason: c.statusReason,
      capital: Number(s.capital),
      equity,
      pnl: Number(s.pnl),
      pnlPct: s.pnlPct,
      drawdownPct: s.drawdownPct,
      realizedPnl: Number(s.realizedPnl),
      feesPaid: Number(s.feesPaid),
      exposurePct: equity > 0 ? round2((c.positionValue / equity) * 100) : 0,
      recent: windowStats(input.window, fillsByCrew.get(s.id) ?? []),
      changedParams: c.changedParams,
    };
  });
  const teams: TeamMetrics[] = input.teams.map((t) => {
    const members = crews.filter((c) => c.team === t.name);
    const equity = sum(members.map((m) => m.equity));
    const positions = sum(members.map((m) => (m.exposurePct * m.equity) / 100));
    const pnl = sum(members.map((m) => m.pnl));
    return {
      name: t.name,
      capital: t.capital,
      allocated: t.allocated,
      equity: round2(equity),
      pnl: round2(pnl),
      pnlPct: t.allocated > 0 ? round2((pnl / t.allocated) * 100) : 0,
      crews: members.length,
      activeCrews: members.filter((m) => m.status === 'active').length,
      exposurePct: equity > 0 ? round2((positions / equity) * 100) : 0,
      recent: combine(
        input.window,
        members.map((m) => m.recent),
      ),
    };
  });
  // The account's capital is every team's (as /status and /team list say); its equity that capital
  // plus every crew's PnL, so capital not allocated to a crew is never a loss.
  const crewEquity = sum(crews.map((c) => c.equity));
  const capital = input.teams.length > 0 ? sum(input.teams.map((t) => t.capital)) : sum(crews.map((c) => c.capital));
  const equity = capital + sum(crews.map((c) => c.pnl));
  const exposure = sum(crews.map((c) => (c.exposurePct * c.equity) / 100));
  // The equity snapshots add up the crews' equity: the drawdown is measured on the same basis.
  const peak = input.totalEquity.length > 0 ? Math.max(...input.totalEquity, crewEquity) : null;
  return {
    window: input.window,
    asOf: input.asOf,
    overall: {
      mode: input.mode,
      halt: input.halt,
      equity: round2(equity),
      capital: round2(capital),
      pnl: round2(equity - capital),
      pnlPct: capital > 0 ? round2(((equity - capital) / capital) * 100) : 0,
      todayPnl: round2(input.todayPnl),
      exposure: round2(exposure),
      exposurePct: equity > 0 ? round2((exposure / equity) * 100) : 0,
      openOrders: input.openOrders,
      drawdownPct: peak !== null && peak > 0 ? round2(((peak - crewEquity) / peak) * 100) : null,
      crews: crews.length,
      activeCrews: crews.filter((c) => c.status === 'active').length,
      recent: combine(
        input.window,
        crews.map((c) => c.recent),
      ),
    },
    teams,
    crews,
  };
}

export function windowStats(window: Window, fills: readonly MetricFill[]): WindowStats {
  const trips = roundTripsOf(fills).closed;
  let wins = 0;
  let roundTripPnl = 0;
  let best: number | null = null;
  let worst: number | null = null;
  for (const trip of trips) {
    if (trip.pnl > 0) wins++;
    roundTripPnl += trip.pnl;
    best = best === null ? trip.pnl : Math.max(best, trip.pnl);
    worst = worst === null ? trip.pnl : Math.min(worst, trip.pnl);
  }
  let fees = 0;
  let volume = 0;
  for (const fill of fills) {
    fees += fill.fee;
    volume += fill.quote;
  }
  return {
    window,
    fills: fills.length,
    roundTrips: trips.length,
    wins,
    winRatePct: trips.length > 0 ? round2((wins / trips.length) * 100) : null,
    roundTripPnl: round2(roundTripPnl),
    fees: round2(fees),
    volume: round2(volume),
    best: best === null ? null : round2(best),
    worst: worst === null ? null : round2(worst),
  };
}

function combine(window: Window, parts: readonly WindowStats[]): WindowStats {
  const roundTrips = sum(parts.map((p) => p.roundTrips));
  const wins = sum(parts.map((p) => p.wins));
  const bests = parts.map((p) => p.best).filter((x): x is number => x !== null);
  const worsts = parts.map((p) => p.worst).filter((x): x is number => x !== null);
  return {
    window,
    fills: sum(parts.map((p) => p.fills)),
    roundTrips,
    wins,
    winRatePct: roundTrips > 0 ? round2((wins / roundTrips) * 100) : null,
    roundTripPnl: round2(sum(parts.map((p) => p.roundTripPnl))),
    fees: round2(sum(parts.map((p) => p.fees))),
    volume: round2(sum(parts.map((p) => p.volume))),
    best: bests.length ? Math.max(...bests) : null,
    worst: worsts.length ? Math.min(...worsts) : null,
  };
}

/** A journal fill as the aggregation sees it (fee converted to quote like the crew book does). */
export function metricFill(fill: JournalFill, base: string, quote: string): MetricFill {
  const price = fill.price.toNumber();
  const feeQuote = fill.feeAsset === quote ? fill.fee.toNumber() : fill.feeAsset === base ? fill.fee.toNumber() * price : 0;
  return { crewId: fill.crewId, time: fill.time, side: fill.side, price, qty: fill.quantity.toNumber(), fee: feeQuote, quote: fill.quoteQuantity.toNumber() };
}

/** The desk's figures over `window`, read through the desk service and the journal. */
export async function collectMetrics(service: DeskService, window: Window): Promise<DeskMetrics> {
  const { desk } = service;
  const status = service.status();
  const asOf = status.asOf;
  const since = asOf - WINDOW_MS[window];
  const positions = new Map(service.positions().map((p) => [p.crewId, Number(p.value)]));
  const runtimes = desk.engine.crews;
  const crews: CrewInput[] = status.crews.map((summary) => {
    const runtime = runtimes.get(summary.id);
    return {
      summary,
      statusReason: runtime?.statusReason ?? '',
      positionValue: positions.get(summary.id) ?? 0,
      changedParams: runtime ? changedParams(runtime.params, runtime.definition) : {},
    };
  });
  const assets = new Map([...runtimes.values()].map((c) => [c.id, { base: c.filters.baseAsset, quote: c.filters.quoteAsset }]));
  const fills = (await desk.journal.getFills({ since })).map((f) => {
    const a = assets.get(f.crewId) ?? { base: '', quote: '' };
    return metricFill(f, a.base, a.quote);
  });
  const totalEquity = (await desk.journal.getEquity('total', since)).map((p) => Number(p.equity));
  return aggregate({
    window,
    asOf,
    mode: status.mode,
    halt: { level: status.halt.level, reason: status.halt.reason },
    todayPnl: status.todayPnl,
    openOrders: status.openOrders,
    crews,
    teams: service.teamList().map((t) => ({ name: t.name, capital: Number(t.capital), allocated: Number(t.allocated) })),
    fills,
    totalEquity,
  });
}

const boundsCache = new WeakMap<AnyCrewDefinition, ParamBound[]>();

/** A crew module's param bounds (described once per module). */
export function boundsOf(definition: AnyCrewDefinition): readonly ParamBound[] {
  let bounds = boundsCache.get(definition);
  if (!bounds) {
    bounds = describeParams(definition);
    boundsCache.set(definition, bounds);
  }
  return bounds;
}

function changedParams(params: Readonly<Record<string, unknown>>, definition: AnyCrewDefinition): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const bound of boundsOf(definition)) {
    const value = params[bound.name];
    if (value !== undefined && value !== bound.default) changed[bound.name] = value;
  }
  return changed;
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
