// A team backtest: a whole team from a config file — its crews, their capitals and params, the
// config's risk limits — on one desk over one span, measured per crew and as a team. The crews
// share the desk as they would live: one risk gate, one paper account, team exposure limits.
import { loadConfigFile } from '../config/load.ts';
import type { Config, TeamConfig } from '../config/schema.ts';
import { type Interval, intervalMs } from '../core/domain.ts';
import type { CandleGap } from '../market/csv-candles.ts';
import type { FileMarketData } from '../market/file-market-data.ts';
import type { TimeRange } from './coverage.ts';
import type { EquityRecorder } from './equity-recorder.ts';
import { isoMinute } from './time-text.ts';
import type { Kpis } from './kpis.ts';
import {
  BacktestInputError,
  type BacktestFill,
  type BacktestProgress,
  type CrewRun,
  checkAmounts,
  checkCandlesBeforeJournal,
  checkJournal,
  checkParams,
  checkSpan,
  expectedSpan,
  findCrew,
  firstPrices,
  measure,
  openMarket,
  quoteAsset,
  simulate,
  type Span,
} from './run.ts';

export interface TeamBacktestOptions {
  /** The config (or its file): teams, crews, capitals, risk limits, crew folders. */
  readonly config: Config | string;
  /** Which team; may be left out when the config has one team only. */
  readonly team?: string;
  readonly data: readonly string[];
  readonly from?: number;
  readonly to?: number;
  /** Default: the config's paper.feeBps. */
  readonly feeBps?: number;
  /** Default: the config's paper.slippageBps. */
  readonly slippageBps?: number;
  /** ':memory:' (default) or a new journal file. */
  readonly journal?: string;
  readonly onProgress?: (progress: BacktestProgress) => void;
}

/** A crew's run in the team, measured: its equity curve is always recorded. */
export interface TeamCrewResult extends Omit<CrewRun, 'equity'> {
  readonly kpis: Kpis;
  readonly equity: EquityRecorder;
}

export interface TeamBacktestResult {
  readonly team: string;
  /** What the crews were given (the sum of their capitals). */
  readonly capital: number;
  readonly feeBps: number;
  readonly slippageBps: number;
  readonly span: Span;
  readonly finalEquity: number;
  /** Team KPIs: the crews' equity summed; round trips per crew. */
  readonly kpis: Kpis;
  readonly crews: readonly TeamCrewResult[];
  /** Every crew's fills, in time order (then in crew order). */
  readonly fills: readonly (BacktestFill & { readonly crew: string })[];
  /** The team's equity curve. */
  readonly equity: EquityRecorder;
  readonly gaps: readonly CandleGap[];
  /** The time within the span none of the team's candles cover (what the team's line must not bridge). */
  readonly holes: readonly TimeRange[];
  /** The quote asset the amounts are in. */
  readonly quote: string;
}

export async function runTeamBacktest(options: TeamBacktestOptions): Promise<TeamBacktestResult> {
  const config = typeof options.config === 'string' ? loadConfigFile(options.config) : options.config;
  const team = pickTeam(config, options.team);
  const feeBps = options.feeBps ?? config.paper.feeBps;
  const slippageBps = options.slippageBps ?? config.paper.slippageBps;
  checkAmounts(Number(team.capital), feeBps, slippageBps);
  checkSpan(options.from, options.to);
  const journal = checkJournal(options.journal);

  const crews = team.crews.filter((c) => c.enabled);
  if (crews.length === 0) throw new BacktestInputError(`team "${team.name}" has no enabled crew`);
  // Each crew checked up front, so a typo fails before a single candle is read.
  for (const crew of crews) {
    const definition = await findCrew(crew.crew, config.crewDirs);
    try {
      checkParams(definition, crew.params);
    } catch (error) {
      throw new BacktestInputError(`crew instance "${crew.id}": ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const quotes = [...new Set(crews.map((c) => quoteAsset(c.symbol)))];
  const subscriptions = crews.map((c) => ({ symbol: c.symbol, interval: c.interval }));
  const market = openMarket(options.data, subscriptions, options.from, options.to);
  checkFinestCoverage(market, subscriptions, options.from, options.to);
  checkCandlesBeforeJournal(journal, options.data, subscriptions, options.to);

  // Only this team, on a throwaway journal: a team backtest never resumes a live desk's state.
  const teamConfig: Config = { ...config, journal, equitySnapshotMinutes: 0, teams: [team] };
  const run = await simulate({
    config: teamConfig,
    market,
    from: options.from,
    feeBps,
    slippageBps,
    // The paper account holds the team's capital in each quote asset its crews trade against.
    balances: Object.fromEntries(quotes.map((q) => [q, team.capital])),
    journal,
    perCrew: true,
    priceLevels: firstPrices(
      market,
      crews.map((c) => c.symbol),
    ),
    expectedSpan: expectedSpan(market, subscriptions, options.from, options.to),
    onProgress: options.onProgress,
  });

  const span = run.span;
  const crewResults: TeamCrewResult[] = run.crews.map((c) => ({
    ...c,
    kpis: measure({ equity: c.equity!, fills: c.fills, startCash: c.capital, span }, run.prices.get(c.symbol), feeBps),
    equity: c.equity!,
  }));
  const capital = run.crews.reduce((sum, c) => sum + c.capital, 0);
  const allFills = run.crews
    .flatMap((c, order) => c.fills.map((f) => ({ ...f, crew: c.id, order })))
    .sort((a, b) => a.time - b.time || a.order - b.order)
    .map(({ order: _order, ...f }) => f);
  const symbols = [...new Set(run.crews.map((c) => c.symbol))];
  const prices = symbols.length === 1 ? run.prices.get(symbols[0]!) : undefined;
  let kpis = measure({ equity: run.total, fills: allFills.map((f) => ({ ...f, crewId: f.crew })), startCash: capital, span }, prices, feeBps);
  if (symbols.length > 1) {
    kpis = {
      ...kpis,
      notes: kpis.notes.map((n) => (n.startsWith('buyAndHoldReturnPct') ? `buyAndHoldReturnPct: the team trades ${symbols.join(', ')}; see each crew's` : n)),
    };
  }
  return {
    team: team.name,
    capital,
    feeBps,
    slippageBps,
    span: run.span,
    finalEquity: run.finalEquity,
    kpis,
    crews: crewResults,
    fills: allFills,
    equity: run.total,
    gaps: run.gaps,
    holes: run.holes,
    quote: quotes.length === 1 ? quotes[0]! : quotes.join('/'),
  };
}

/** Holes shorter than this between two files of a symbol's finest candles are maintenance, not missing data. */
const TOLERATED_HOLE_MS = 86_400_000;

/**
 * A symbol traded on several intervals has its orders filled on its finest candles (the desk's
 * matching interval), so those must cover the span of the coarser ones: a 1h crew beside a 1m
 * crew would otherwise wait days for fills where only hourly candles exist.
 */
function checkFinestCoverage(
  market: FileMarketData,
  subscriptions: readonly { readonly symbol: string; readonly interval: Interval }[],
  from: number | undefined,
  to: number | undefined,
): void {
  const bySymbol = new Map<string, Interval[]>();
  for (const s of subscriptions) bySymbol.set(s.symbol, [...new Set([...(bySymbol.get(s.symbol) ?? []), s.interval])]);
  for (const [symbol, intervals] of bySymbol) {
    if (intervals.length < 2) continue;
    const finest = intervals.reduce((a, b) => (intervalMs(a) <= intervalMs(b) ? a : b));
    const covered = coverage(market, symbol, finest, from, to);
    for (const interval of intervals) {
      if (interval === finest) continue;
      const needed = expectedSpan(market, [{ symbol, interval }], from, to);
      if (!needed) continue;
      const inside = covered.some((c) => c.start <= needed.start && c.end >= needed.end);
      if (!inside) {
        const what = covered.length === 0 ? 'nothing of' : `only ${covered.map((c) => `${isoMinute(c.start)} → ${isoMinute(c.end)}`).join(', ')} of`;
        throw new BacktestInputError(
          `${symbol} is traded on ${intervals.join(' and ')}: its orders fill on the ${finest} candles, which cover ${what} ` +
            `${isoMinute(needed.start)} → ${isoMinute(needed.end)}; give ${finest} candles for the whole span or narrow it with --from/--to`,
        );
      }
    }
  }
}

/** The time the files of one subscription cover within [from, to), as merged ranges. */
function coverage(
  market: FileMarketData,
  symbol: string,
  interval: Interval,
  from: number | undefined,
  to: number | undefined,
): { start: number; end: number }[] {
  const step = intervalMs(interval);
  const spans = market
    .files()
    .filter((f) => f.symbol === symbol && f.interval === interval)
    .map((f) => market.probe(f.file))
    .filter((p): p is { firstOpenTime: number; lastOpenTime: number } => p.firstOpenTime !== null && p.lastOpenTime !== null)
    .map((p) => ({ start: Math.max(p.firstOpenTime, from ?? -Infinity), end: Math.min(p.lastOpenTime + step, to ?? Infinity) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start - last.end <= TOLERATED_HOLE_MS) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

function pickTeam(config: Config, name: string | undefined): TeamConfig {
  const names = config.teams.map((t) => t.name);
  if (name === undefined) {
    if (config.teams.length === 1) return config.teams[0]!;
    throw new BacktestInputError(`the config has ${names.length} teams (${names.join(', ')}): pick one with --team-name`);
  }
  const team = config.teams.find((t) => t.name === name);
  if (!team) throw new BacktestInputError(`no team "${name}" in the config (teams: ${names.join(', ')})`);
  return team;
}
