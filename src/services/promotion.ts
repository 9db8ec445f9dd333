// From paper to the exchange and back, by evidence: a crew instance's track record on its venue
// beside its backtest (src/backtest/track-record.ts), the promotion gate (src/risk/promotion-gate.ts),
// and the moves themselves. DeskService exposes these; commands and the manager's tools call them.
import { renderEquityChartOffThread } from '../backtest/chart-thread.ts';
import { DAY_MS } from '../backtest/equity-recorder.ts';
import { computeTrackRecord, type TrackRecord } from '../backtest/track-record.ts';
import { type Candle, intervalMs } from '../core/domain.ts';
import { crewScope, scopeKey } from '../core/events.ts';
import { dec, toText } from '../core/money.ts';
import type { Desk } from '../desk/desk.ts';
import type { CrewRuntime } from '../engine/engine.ts';
import { overAllocation, type AllocationFigures } from '../risk/allocation.ts';
import { evaluateGate, type GateVerdict } from '../risk/promotion-gate.ts';
import { type Actor, factActor, fail, ok, type Result } from './result.ts';

export interface TrackRecordView {
  readonly crewId: string;
  /** Where the record was made, as the owner reads it (`paper`, `exchange (binance)`). */
  readonly venue: string;
  /** The quote asset its equity is counted in. */
  readonly quote: string;
  readonly days: number;
  readonly record: TrackRecord;
  /** The promotion gate on this record (meaningful for a crew on paper). */
  readonly gate: GateVerdict;
}

/** How long a demotion waits for the sell that closes the crew's exchange position. */
const CLOSE_WAIT_MS = 60_000;

/** The crew's record on its venue and its backtest over the same candles and costs, with the gate's verdict. */
export async function trackRecordOf(desk: Desk, id: string): Promise<Result<TrackRecordView>> {
  const crew = desk.engine.crews.get(id);
  if (!crew) return fail(`no crew "${id}"`);
  const history = desk.market?.history?.bind(desk.market);
  if (!history) return fail('the desk’s market data keeps no candle history (a synthetic replay): a track record replays the candles the crew traded');
  const start = await recordStart(desk, crew);
  if (start === null) return fail(`crew ${id} has no record on ${desk.venues.label(crew.venue)} yet: it has not seen a candle there`);
  // The record runs up to the last candle the desk took: the wall clock where the market is live, the
  // market's own time where it runs ahead of it (the emulator plays on into the future).
  const end = Math.max(desk.clock.now(), desk.market?.lastClose?.() ?? Number.NEGATIVE_INFINITY);
  const step = intervalMs(crew.interval);
  const warmup = crew.definition.warmup(crew.params);
  const limit = Math.ceil((end - start) / step) + warmup + 2;
  let candles: readonly Candle[];
  try {
    candles = await history({ symbol: crew.symbol, interval: crew.interval }, limit, end + 1);
  } catch (error) {
    return fail(`the candles of ${crew.symbol} ${crew.interval} could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const fills = desk.journal.getFills({ crewId: id, since: start });
  const config = desk.config;
  try {
    const record = await computeTrackRecord({
      crewId: id,
      module: crew.definition.name,
      symbol: crew.symbol,
      interval: crew.interval,
      params: crew.params,
      startCash: crew.capital.toNumber(),
      candles,
      start,
      fills,
      feeBps: config.paper.feeBps,
      slippageBps: config.paper.slippageBps,
      crewDirs: config.crewDirs,
      tolerance: config.promotion,
    });
    const days = (record.end - record.start) / DAY_MS;
    const gate = evaluateGate(
      {
        days,
        trades: record.record.kpis.roundTrips,
        maxDrawdownPct: record.record.kpis.maxDrawdownPct,
        sharpe: record.record.kpis.sharpe,
        // No losing round trip: the KPIs leave the profit factor out (it would be infinite); the gate reads it as such.
        profitFactor:
          record.record.kpis.profitFactor ?? (record.record.kpis.roundTrips > 0 && record.record.kpis.losses === 0 ? Number.POSITIVE_INFINITY : null),
        driftPct: record.drift.driftPct,
        unmatchedFills: record.drift.missing.length + record.drift.extra.length,
      },
      config.promotion,
    );
    return ok({ crewId: id, venue: desk.venues.label(crew.venue), quote: crew.filters.quoteAsset, days, record, gate });
  } catch (error) {
    return fail(`the track record of ${id} could not be computed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * When the crew's record on its venue starts (ms; candles closing after it count): when it joined
 * the venue — or, for a crew built before a replay's first candle (its clock still at 0), just
 * before the first candle the desk recorded its equity at.
 */
async function recordStart(desk: Desk, crew: CrewRuntime): Promise<number | null> {
  if (crew.venueSince > 0) return crew.venueSince;
  const first = desk.journal.getEquity(scopeKey(crewScope(crew.id)))[0]?.at ?? desk.journal.getFills({ crewId: crew.id })[0]?.time;
  return first === undefined ? null : first - 1;
}

/** The record and its backtest on one chart (PNG). */
export function trackRecordChart(view: TrackRecordView): Promise<Buffer> {
  const { record, drift } = view.record;
  const quote = view.quote;
  return renderEquityChartOffThread({
    title: `${view.crewId} on ${view.venue}: its record against its backtest`,
    subtitle: `record ${record.kpis.totalReturnPct.toFixed(2)} % · backtest ${view.record.backtest.kpis.totalReturnPct.toFixed(2)} % · drift ${drift.driftPct.toFixed(2)} %${drift.flagged ? ' (FLAGGED)' : ''}`,
    series: [
      { label: `Record on ${view.venue}`, points: record.equity.equityPoints() },
      { label: 'Backtest, same candles and costs', points: view.record.backtest.equity.equityPoints() },
    ],
    drawdown: record.equity.drawdownPoints(),
    valueLabel: `Equity (${quote})`,
  });
}

/** Why a promotion cannot even be considered (not an owner, no exchange venue, not on paper, holding a position, a bad capital), or null: the gate comes next. */
export function promotionRefusal(desk: Desk, id: string, capitalText: string, actor: Actor): string | null {
  if (!actor.isOwner || (actor.via === 'manager' && !actor.approvedBy)) return 'only an owner can promote a crew to the exchange (the manager may propose it)';
  const crew = desk.engine.crews.get(id);
  if (!crew) return `no crew "${id}"`;
  if (!desk.venues.separate)
    return `this desk runs in ${desk.config.mode} mode with no exchange beside paper: run it in testnet or live mode (crews on venue: paper) to promote`;
  if (crew.venue !== 'paper') return `crew ${id} trades on ${desk.venues.label(crew.venue)} already`;
  // Flat first, whatever its record (and before the owner is asked to confirm): its position, and the protective stop on it, live on paper and cannot move.
  if (crew.book.quantity.gt(0))
    return `crew ${id} holds ${toText(crew.book.quantity)} ${crew.symbol} on paper: a crew is promoted flat (let its exit close it, then promote)`;
  if (!/^\d+(\.\d+)?$/.test(capitalText) || dec(capitalText).lte(0)) return `capital "${capitalText}" is not a positive decimal such as "1000"`;
  return null;
}

/**
 * Promotes a crew instance from paper to the exchange with `capital`: owner only (a manager's
 * proposal once an owner approved it counts as the owner's), flat and without open orders, the
 * gate passed — or overridden by the owner explicitly (`override`, never the manager's). Both a
 * refusal and a promotion are audited, with the gate's figures.
 */
export async function promote(
  desk: Desk,
  id: string,
  capitalText: string,
  actor: Actor,
  allocation: (team: string) => AllocationFigures,
  options: { readonly override?: boolean } = {},
): Promise<Result<{ text: string; view: TrackRecordView }>> {
  const refusal = promotionRefusal(desk, id, capitalText, actor);
  if (refusal) return fail(refusal);
  const crew = desk.engine.crews.get(id)!;
  const capital = dec(capitalText);
  const override = options.override === true && !(actor.via === 'manager');
  let figures: Record<string, unknown> = {};
  const audit = (action: string, detail: Record<string, unknown>) =>
    desk.journal.recordAudit({
      actor: actor.id,
      via: actor.via,
      action,
      detail: { crew: id, capital: toText(capital), ...figures, ...detail },
      at: desk.clock.now(),
    });
  const refuse = (why: string) => {
    audit('crew.promote.refused', { reason: why });
    return fail<{ text: string; view: TrackRecordView }>(why);
  };
  const view = await trackRecordOf(desk, id);
  if (!view.ok) return view;
  figures = gateFigures(view.value);
  if (!view.value.gate.pass && !override) {
    return refuse(
      `crew ${id} does not pass the promotion gate: ${view.value.gate.failing.join('; ')}. An owner may override (override:true), which is audited`,
    );
  }
  const added = crew.status === 'stopped' ? capital : capital.minus(crew.capital);
  const over = overAllocation(allocation(crew.team), added, `promoting ${id} with ${capital.round(2)}`);
  if (over) return refuse(over);
  const moved = await desk.moveCrew(id, 'exchange', capital, {
    actor: actor.id,
    via: actor.via,
    action: 'crew.promote',
    detail: { from: 'paper', override, ...figures, ...(actor.approvedBy ? { approvedBy: actor.approvedBy } : {}) },
  });
  if (moved) return refuse(moved);
  const overridden = override && !view.value.gate.pass ? ` — the gate OVERRIDDEN by ${actor.id} (failing: ${view.value.gate.failing.join('; ')})` : '';
  return ok({ text: `crew ${id} promoted to ${desk.venues.label('exchange')} with ${capital.round(2)} quote${overridden}`, view: view.value });
}

/**
 * Demotes a crew instance from the exchange back to paper (owner only). Its exchange position is
 * closed (a market sell through the risk gate, waited for) or handed over to the owner (left in the
 * account, the crew's book forgets it), as the owner chooses. Audited.
 */
export async function demote(desk: Desk, id: string, actor: Actor, position: 'close' | 'handover' | undefined): Promise<Result<string>> {
  if (!actor.isOwner || actor.via === 'manager') return fail('only an owner can demote a crew');
  const crew = desk.engine.crews.get(id);
  if (!crew) return fail(`no crew "${id}"`);
  if (crew.venue !== 'exchange' || !desk.venues.separate)
    return fail(`crew ${id} trades on ${desk.venues.label(crew.venue)}: only a crew on the exchange is demoted`);
  const held = crew.book.quantity;
  let done = '';
  let afterMove = (): void => {};
  if (held.gt(0)) {
    if (!position)
      return fail(
        `crew ${id} holds ${toText(held)} ${crew.symbol} on the exchange: say position:close (sell it at market) or position:handover (leave it to you)`,
      );
    if (position === 'close') {
      // No new decisions while its position is sold (a crew flat again would buy again); it resumes on paper.
      const wasActive = crew.status === 'active';
      if (wasActive) desk.engine.pauseCrew(id, 'being demoted: its exchange position is being sold', factActor(actor));
      const resume = () => {
        if (wasActive) desk.engine.resumeCrew(id, factActor(actor));
      };
      const failure = await desk.engine.closePosition(id, factActor(actor));
      if (failure) {
        resume();
        return fail(`the sell of ${id}'s position was not sent: ${failure}`);
      }
      const closed = await waitUntil(desk, () => crew.book.quantity.lte(0) && !desk.engine.orders.openOrders.some((o) => o.crewId === id));
      if (!closed) {
        resume();
        return fail(`crew ${id}'s sell has not filled yet (${toText(crew.book.quantity)} ${crew.symbol} left): demote it again once it has`);
      }
      afterMove = resume;
      done = `its position of ${toText(held)} ${crew.symbol} sold; `;
    } else {
      // The coins become the owner's: the crew's protective stop on them is cancelled, not left to sell them.
      const stop = desk.engine.stops.current(id);
      if (stop) {
        const released = await desk.engine.stops.release(crew);
        if (!released) {
          desk.engine.stops.keep(id);
          return fail(`crew ${id}'s protective stop ${stop.clientOrderId} could not be cancelled (it may have sold): see /status, then demote again`);
        }
        afterMove = () => desk.engine.stops.keep(id);
      }
      const stopNote = stop ? `; its protective stop at ${toText(stop.stopPrice ?? dec(0))} cancelled: protect them yourself` : '';
      done = `its position of ${toText(held)} ${crew.symbol} handed over to you (left in the exchange account, no longer the crew's${stopNote}); `;
    }
  }
  const capital = crew.capital;
  const cash = crew.book.cash;
  const moved = await desk.moveCrew(id, 'paper', capital, {
    actor: actor.id,
    via: actor.via,
    action: 'crew.demote',
    detail: { from: 'exchange', position: held.gt(0) ? position : 'flat', quantity: toText(held), exchangeCash: toText(cash) },
  });
  afterMove();
  if (moved) return fail(moved);
  return ok(`crew ${id} demoted to paper with ${capital.round(2)} quote: ${done}its record on paper starts now`);
}

/** Waits (on the desk's facts, not a timer loop) until `done` holds, or CLOSE_WAIT_MS passes. */
function waitUntil(desk: Desk, done: () => boolean): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    };
    const unsubscribe = desk.bus.subscribe('promotion.wait', () => {
      if (done()) finish(true);
    }, ['fill', 'order.updated']);
    const timer = setTimeout(() => finish(done()), CLOSE_WAIT_MS);
  });
}

function gateFigures(view: TrackRecordView): Record<string, unknown> {
  const k = view.record.record.kpis;
  const d = view.record.drift;
  return {
    gate: view.gate.pass ? 'pass' : 'fail',
    failing: view.gate.failing,
    days: round(view.days),
    roundTrips: k.roundTrips,
    returnPct: round(k.totalReturnPct),
    maxDrawdownPct: round(k.maxDrawdownPct),
    sharpe: k.sharpe === null ? null : round(k.sharpe),
    profitFactor: k.profitFactor === null ? null : round(k.profitFactor),
    driftPct: round(d.driftPct),
    missingFills: d.missing.length,
    extraFills: d.extra.length,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
