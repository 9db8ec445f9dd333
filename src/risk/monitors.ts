// The risk monitors: drawdown per crew, total drawdown and the daily loss, reacting to equity at
// each closed candle. They decide; the engine carries out what they decide (pause a crew, halt,
// block the day's entries) as it does any other act, and the gate holds the result.
//
// Every measure is taken on performance alone: a crew's PnL is its equity minus its capital, and
// capital moves with its cash (allocate, spawn, stop, config reload), so moving capital is a
// transfer — never a loss, a drawdown or a day's PnL. Peaks and the day's start are persisted
// (RISK_MEASURES_SETTING) so a restart gives no fresh budget, and resuming a crew resets nothing.
import { z } from 'zod';
import { utcDay } from './gate.ts';
import type { RiskLimits } from './limits.ts';

export const RISK_MEASURES_SETTING = 'risk.measures';

/** The monitors' rules, as the facts they cause carry them. */
export type MonitorRule = 'crew-drawdown' | 'total-drawdown' | 'daily-loss';

/** What a monitor decided; the engine acts on it. */
export type MonitorAction =
  | { readonly kind: 'pause-crew'; readonly rule: 'crew-drawdown'; readonly crewId: string; readonly reason: string }
  | { readonly kind: 'halt'; readonly rule: 'total-drawdown'; readonly level: 'cancel'; readonly reason: string }
  | { readonly kind: 'block-entries-today'; readonly rule: 'daily-loss'; readonly reason: string };

/** The persisted measures (journal settings), validated when read back. */
const measuresSchema = z.object({
  /** Highest PnL of each crew since its capital was last set by an owner (quote). */
  crewPeakPnl: z.record(z.string(), z.number()),
  /** Highest PnL of the whole desk (quote). */
  deskPeakPnl: z.number().nullable(),
  /** The UTC day (ms at 00:00) being measured, and the desk's PnL when it began. */
  day: z.number().nullable(),
  dayStartPnl: z.number(),
  /** The UTC day whose entries the daily loss limit blocked, if any. */
  blockedDay: z.number().nullable(),
  /** Crews a monitor paused, by rule: only an owner resumes them. */
  pausedByRisk: z.record(z.string(), z.enum(['crew-drawdown'])),
});

export type RiskMeasures = z.infer<typeof measuresSchema>;

export class RiskMonitors {
  /** Peaks in one mutable cell per crew: updated on every candle without a Map set. */
  private readonly crewPeak = new Map<string, { pnl: number }>();
  private deskPeakPnl: number | null = null;
  private day: number | null = null;
  private dayStartPnl = 0;
  private blockedDay: number | null = null;
  private readonly pausedByRisk = new Map<string, 'crew-drawdown'>();
  /** Set when a measure changed since it was last persisted. */
  dirty = false;

  /** Restores persisted measures; returns a problem in words when what was stored is not valid (then starts afresh). */
  restore(stored: unknown): string | null {
    if (stored === null || stored === undefined) return null;
    const parsed = measuresSchema.safeParse(stored);
    if (!parsed.success) return `stored risk measures are not valid (${parsed.error.issues[0]?.message ?? 'unknown'}); measuring afresh`;
    const m = parsed.data;
    for (const [id, pnl] of Object.entries(m.crewPeakPnl)) this.crewPeak.set(id, { pnl });
    this.deskPeakPnl = m.deskPeakPnl;
    this.day = m.day;
    this.dayStartPnl = m.dayStartPnl;
    this.blockedDay = m.blockedDay;
    for (const [id, rule] of Object.entries(m.pausedByRisk)) this.pausedByRisk.set(id, rule);
    return null;
  }

  toJSON(): RiskMeasures {
    return {
      crewPeakPnl: Object.fromEntries([...this.crewPeak].map(([id, cell]) => [id, cell.pnl])),
      deskPeakPnl: this.deskPeakPnl,
      day: this.day,
      dayStartPnl: this.dayStartPnl,
      blockedDay: this.blockedDay,
      pausedByRisk: Object.fromEntries(this.pausedByRisk),
    };
  }

  /** The day whose entries stay blocked (restored into the gate at start). */
  get entriesBlockedDay(): number | null {
    return this.blockedDay;
  }

  /**
   * One crew's equity at a close: raises its peak, and returns a pause when its drawdown from the
   * peak reaches the limit (only for an active crew; a paused one keeps being measured).
   */
  observeCrew(id: string, active: boolean, pnl: number, capital: number, limits: RiskLimits): MonitorAction | null {
    let cell = this.crewPeak.get(id);
    if (cell === undefined) {
      this.crewPeak.set(id, (cell = { pnl }));
      this.dirty = true;
    } else if (pnl > cell.pnl) {
      cell.pnl = pnl;
      this.dirty = true;
    }
    if (!active) return null;
    const dd = drawdownPct(cell.pnl, pnl, capital);
    if (dd < limits.maxCrewDrawdownPct) return null;
    return { kind: 'pause-crew', rule: 'crew-drawdown', crewId: id, reason: `drawdown ${dd.toFixed(2)}% reached the limit of ${limits.maxCrewDrawdownPct}%` };
  }

  /** The desk's PnL at a close (`capital`: every crew's): the total drawdown from the desk's peak. */
  observeTotal(pnl: number, capital: number, limits: RiskLimits, haltedAtCancel: boolean): MonitorAction | null {
    if (this.deskPeakPnl === null || pnl > this.deskPeakPnl) {
      this.deskPeakPnl = pnl;
      this.dirty = true;
    }
    if (haltedAtCancel) return null;
    const dd = drawdownPct(this.deskPeakPnl, pnl, capital);
    if (dd < limits.maxTotalDrawdownPct) return null;
    return {
      kind: 'halt',
      rule: 'total-drawdown',
      level: 'cancel',
      reason: `total drawdown ${dd.toFixed(2)}% reached the limit of ${limits.maxTotalDrawdownPct}%`,
    };
  }

  /** The desk's PnL at a close at `time`: the day's loss against the daily limit (UTC days). */
  observeDay(time: number, pnl: number, limits: RiskLimits): MonitorAction | null {
    const day = utcDay(time);
    if (day !== this.day) {
      // A new day starts its measure; the first candle of a day is never a loss against itself.
      this.day = day;
      this.dayStartPnl = pnl;
      this.dirty = true;
      return null;
    }
    if (this.dayStartPnl - pnl < limits.dailyLossLimitQuote || this.blockedDay === day) return null;
    this.blockedDay = day;
    this.dirty = true;
    return {
      kind: 'block-entries-today',
      rule: 'daily-loss',
      reason: `today's loss ${(this.dayStartPnl - pnl).toFixed(2)} reached the daily limit of ${limits.dailyLossLimitQuote}`,
    };
  }

  /** A crew's drawdown from its peak, in % (0 when unmeasured). */
  crewDrawdownPct(id: string, pnl: number, capital: number): number {
    const cell = this.crewPeak.get(id);
    return cell === undefined ? 0 : drawdownPct(Math.max(cell.pnl, pnl), pnl, capital);
  }

  /** The desk's PnL since the current UTC day began (0 before the first candle). */
  todayPnl(pnl: number): number {
    return this.day === null ? 0 : pnl - this.dayStartPnl;
  }

  /** An owner set the crew's capital: its drawdown is measured afresh from here. (A manager's reallocation is a transfer and keeps the peak.) */
  capitalSetByOwner(id: string, pnl: number): void {
    this.crewPeak.set(id, { pnl });
    this.dirty = true;
  }

  notePausedByRisk(id: string, rule: 'crew-drawdown'): void {
    this.pausedByRisk.set(id, rule);
    this.dirty = true;
  }

  /** The rule that paused the crew, if a monitor did. */
  pausedBy(id: string): 'crew-drawdown' | undefined {
    return this.pausedByRisk.get(id);
  }

  noteResumed(id: string): void {
    if (this.pausedByRisk.delete(id)) this.dirty = true;
  }
}

/**
 * Drawdown in % of the equity at the peak, measured on PnL: (peak − now) / (capital + peak). With
 * capital unchanged this is 1 − equity / peak equity; a transfer changes neither PnL nor the peak.
 */
export function drawdownPct(peakPnl: number, pnl: number, capital: number): number {
  const peakEquity = capital + peakPnl;
  return peakEquity > 0 && peakPnl > pnl ? ((peakPnl - pnl) / peakEquity) * 100 : 0;
}
