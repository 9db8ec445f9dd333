// Token accounting and the daily budget. Every model call's usage, as the server reports it, is
// journaled (an audit entry per call, by purpose) and added to day and month totals kept in the
// journal's settings, so a restart neither forgets the spend nor resets the budget. The budget is
// checked in code before every call: past it, no call until the next UTC day.
import type { Journal } from '../ports/journal.ts';
import type { ManagerConfig } from '../config/manager.ts';

export type Purpose = 'chat' | 'evaluation' | 'report' | 'forge';
export const PURPOSES: readonly Purpose[] = ['chat', 'evaluation', 'report', 'forge'];

export interface TokenCount {
  readonly input: number;
  readonly output: number;
  /** True when the server reported no usage and the count is estimated from the text (chars / 4). */
  readonly estimated?: boolean;
}

interface Totals {
  input: number;
  output: number;
  calls: number;
  estimatedCalls: number;
}

interface PeriodTotals {
  readonly period: string;
  byPurpose: Record<Purpose, Totals>;
}

export interface UsageFigures {
  readonly input: number;
  readonly output: number;
  readonly total: number;
  readonly calls: number;
  /** Calls whose usage the server did not report (estimated). */
  readonly estimatedCalls: number;
  readonly cost: number;
  readonly byPurpose: Readonly<Record<Purpose, { readonly input: number; readonly output: number; readonly calls: number }>>;
}

export interface UsageReport {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  /** UTC month, YYYY-MM. */
  readonly month: string;
  readonly today: UsageFigures;
  readonly thisMonth: UsageFigures;
  readonly budget: { readonly daily: number; readonly remaining: number; readonly exhausted: boolean };
  readonly currency: string;
  readonly model: string;
}

export class BudgetExhaustedError extends Error {
  override readonly name = 'BudgetExhaustedError';
}

const DAY_KEY = (day: string) => `manager.usage.day.${day}`;
const MONTH_KEY = (month: string) => `manager.usage.month.${month}`;

export class UsageLedger {
  private day: PeriodTotals;
  private month: PeriodTotals;
  /** The UTC day the budget alert was given for (one alert a day). */
  private alertedDay: string | null = null;

  private constructor(
    private readonly journal: Journal,
    private readonly config: Pick<ManagerConfig, 'dailyTokenBudget' | 'prices'>,
    private readonly model: string,
    private readonly now: () => number,
    /** The time audit entries carry: the desk's clock. The budget's days follow `now`, the wall clock of the spend. */
    private readonly stamp: () => number,
  ) {
    this.day = emptyPeriod(utcDay(now()));
    this.month = emptyPeriod(utcMonth(now()));
  }

  static async open(
    journal: Journal,
    config: Pick<ManagerConfig, 'dailyTokenBudget' | 'prices'>,
    model: string,
    now: () => number,
    stamp: () => number = now,
  ): Promise<UsageLedger> {
    const ledger = new UsageLedger(journal, config, model, now, stamp);
    await ledger.reload();
    return ledger;
  }

  /** Whether a call may be made now; the reason when not. */
  async check(): Promise<{ ok: true } | { ok: false; reason: string; firstRefusalToday: boolean }> {
    await this.roll();
    const used = sumTotals(this.day).total;
    if (used < this.config.dailyTokenBudget) return { ok: true };
    const firstRefusalToday = this.alertedDay !== this.day.period;
    this.alertedDay = this.day.period;
    return {
      ok: false,
      reason: `the daily token budget of ${this.config.dailyTokenBudget.toLocaleString('en-US')} tokens is spent (${used.toLocaleString('en-US')} used on ${this.day.period} UTC); no model calls until tomorrow (UTC)`,
      firstRefusalToday,
    };
  }

  /** Adds one call's usage and journals it. */
  async record(purpose: Purpose, tokens: TokenCount): Promise<void> {
    await this.roll();
    for (const period of [this.day, this.month]) {
      const t = period.byPurpose[purpose];
      t.input += tokens.input;
      t.output += tokens.output;
      t.calls += 1;
      if (tokens.estimated) t.estimatedCalls += 1;
    }
    const at = this.stamp();
    await this.journal.recordAudit({
      actor: 'manager',
      via: 'manager',
      action: 'manager.llm.usage',
      detail: { purpose, model: this.model, inputTokens: tokens.input, outputTokens: tokens.output, ...(tokens.estimated ? { estimated: true } : {}) },
      at,
    });
    await this.journal.setSetting(DAY_KEY(this.day.period), this.day.byPurpose, null);
    await this.journal.setSetting(MONTH_KEY(this.month.period), this.month.byPurpose, null);
  }

  report(): UsageReport {
    const day = utcDay(this.now());
    const month = utcMonth(this.now());
    const today = day === this.day.period ? this.figures(this.day) : this.figures(emptyPeriod(day));
    const thisMonth = month === this.month.period ? this.figures(this.month) : this.figures(emptyPeriod(month));
    const daily = this.config.dailyTokenBudget;
    return {
      day,
      month,
      today,
      thisMonth,
      budget: { daily, remaining: Math.max(0, daily - today.total), exhausted: today.total >= daily },
      currency: this.config.prices.currency,
      model: this.model,
    };
  }

  private figures(period: PeriodTotals): UsageFigures {
    const sum = sumTotals(period);
    const { inputPerMillion, outputPerMillion } = this.config.prices;
    const byPurpose = Object.fromEntries(
      PURPOSES.map((p) => [p, { input: period.byPurpose[p].input, output: period.byPurpose[p].output, calls: period.byPurpose[p].calls }]),
    ) as UsageFigures['byPurpose'];
    return { ...sum, cost: (sum.input * inputPerMillion + sum.output * outputPerMillion) / 1_000_000, byPurpose };
  }

  /** Moves to a new day or month when the clock has passed into one (loading what the journal holds). */
  private async roll(): Promise<void> {
    const day = utcDay(this.now());
    if (day !== this.day.period) this.day = await this.load(DAY_KEY(day), day);
    const month = utcMonth(this.now());
    if (month !== this.month.period) this.month = await this.load(MONTH_KEY(month), month);
  }

  private async load(key: string, period: string): Promise<PeriodTotals> {
    const stored = await this.journal.getSetting<Record<string, Partial<Totals>>>(key);
    const fresh = emptyPeriod(period);
    if (stored && typeof stored === 'object') {
      for (const p of PURPOSES) {
        const s = stored[p];
        if (!s) continue;
        fresh.byPurpose[p] = { input: num(s.input), output: num(s.output), calls: num(s.calls), estimatedCalls: num(s.estimatedCalls) };
      }
    }
    return fresh;
  }

  /** Loads the current day and month from the journal. */
  private async reload(): Promise<void> {
    this.day = await this.load(DAY_KEY(this.day.period), this.day.period);
    this.month = await this.load(MONTH_KEY(this.month.period), this.month.period);
  }
}

/** What the server reported for one call; estimated from the text (chars / 4) when it reported nothing. */
export function tokensOf(usage: { input_tokens?: number; output_tokens?: number } | undefined, promptChars: number, answerChars: number): TokenCount {
  const input = usage?.input_tokens;
  const output = usage?.output_tokens;
  if (typeof input === 'number' && typeof output === 'number' && (input > 0 || output > 0)) return { input, output };
  return { input: Math.ceil(promptChars / 4), output: Math.ceil(answerChars / 4), estimated: true };
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

function emptyPeriod(period: string): PeriodTotals {
  const byPurpose = Object.fromEntries(PURPOSES.map((p) => [p, { input: 0, output: 0, calls: 0, estimatedCalls: 0 }])) as Record<Purpose, Totals>;
  return { period, byPurpose };
}

function sumTotals(period: PeriodTotals): { input: number; output: number; total: number; calls: number; estimatedCalls: number } {
  let input = 0;
  let output = 0;
  let calls = 0;
  let estimatedCalls = 0;
  for (const p of PURPOSES) {
    const t = period.byPurpose[p];
    input += t.input;
    output += t.output;
    calls += t.calls;
    estimatedCalls += t.estimatedCalls;
  }
  return { input, output, total: input + output, calls, estimatedCalls };
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}
