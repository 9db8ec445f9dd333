// A backtest: the desk — the same engine, risk gate and order code as live trading — over past
// candles, with a paper exchange and a clock that follows the candles. Only the market data
// (candle files), the exchange (paper, fills at the next candle's open) and the clock differ
// from live; nothing here decides a trade.
//
// Deterministic: the same inputs give the same result, number for number. Nothing in a result
// depends on the wall clock, on random ids or on the order in which async work finished.
import { existsSync } from 'node:fs';
import { MemoryJournal } from '../journal/memory-journal.ts';
import { Desk } from '../desk/desk.ts';
import { parseConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { Candle, Interval } from '../core/domain.ts';
import { intervalMs } from '../core/domain.ts';
import { defaultFilters, splitSymbol } from '../core/filters.ts';
import { type Decimal, ZERO } from '../core/money.ts';
import { crewDirectories, loadCrews } from '../crew/loader.ts';
import { type AnyCrewDefinition, describeParams, formatZodError, parseParams } from '../crew/template.ts';
import type { CrewRuntime, CrewSummary } from '../engine/engine.ts';
import { PaperExchange } from '../exchange/paper/paper-exchange.ts';
import { silentLogger } from '../log/logger.ts';
import type { CandleGap } from '../market/csv-candles.ts';
import { CandleFileError, readCandlesSync } from '../market/csv-candles.ts';
import { FileMarketData, noCandleFiles } from '../market/file-market-data.ts';
import { ManualClock } from '../ports/clock.ts';
import type { CandleSubscription, MarketData } from '../ports/market-data.ts';
import type { CrewStatus } from '../ports/journal.ts';
import { type RiskLimits, riskLimitsSchema } from '../risk/limits.ts';
import { Coverage, type TimeRange } from './coverage.ts';
import { EquityRecorder } from './equity-recorder.ts';
import { computeKpis, type KpiInput, type Kpis } from './kpis.ts';

/**
 * Bad input to a backtest — an unknown crew, params out of bounds, no data for the symbol, a
 * malformed candle file: the user's to fix, reported in one line (the CLI exits with code 2).
 */
export class BacktestInputError extends Error {
  override readonly name = 'BacktestInputError';
}

/**
 * Risk limits that never interfere with a single crew's backtest: no size cap beyond the crew's
 * cash, no drawdown pause (100 % means never before equity is gone), no daily stop, no order
 * rate limit, no cooldown. What is measured is the crew, not the desk's safety net.
 *
 * The position and team caps are fractions of the starting capital, at most 1 in a config file;
 * here they are set far above it (past the schema, which guards what owners type), so that a crew
 * that made money can spend it: its positions compound, as its own cash allows.
 */
export const NON_INTERFERING_RISK: RiskLimits = Object.freeze({
  maxPositionFraction: 1e6,
  maxPositionQuote: 1e15,
  maxTeamExposureFraction: 1e6,
  maxTotalExposureQuote: 1e15,
  maxCrewDrawdownPct: 100,
  maxTotalDrawdownPct: 100,
  dailyLossLimitQuote: 1e15,
  maxOrdersPerMinutePerCrew: 1_000_000,
  maxOrdersPerMinute: 1_000_000,
  stopLossCooldownMinutes: 0,
});

/** One execution as a backtest reports it. */
export interface BacktestFill {
  /** Fill time, ms since epoch: the open of the candle after the one that gave the signal. */
  readonly time: number;
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  /** Base quantity. */
  readonly qty: number;
  /** Fee, in the quote asset. */
  readonly fee: number;
}

export interface BacktestProgress {
  /** 0…1 of the span's time. */
  readonly fraction: number;
  /** Candles processed so far. */
  readonly candles: number;
  readonly text?: string;
}

export interface BacktestOptions {
  /** Crew module name (crews/<name>.ts, or a file in one of `crewDirs`). */
  readonly crew: string;
  readonly symbol: string;
  readonly interval: Interval;
  /** Candle files and/or directories. */
  readonly data: readonly string[];
  /** First candle traded (open time ≥ from, ms); earlier candles only warm the crew up. */
  readonly from?: number;
  /** End of the span (open time < to, ms, exclusive). */
  readonly to?: number;
  /** The crew's params; defaults fill in the rest. */
  readonly params?: Record<string, unknown>;
  /** Starting quote cash (default 10,000). */
  readonly cash?: number;
  /** Fee on each fill's notional, in basis points (default 10 = 0.1 %). */
  readonly feeBps?: number;
  /** Adverse price move on market fills, in basis points (default 0). */
  readonly slippageBps?: number;
  /** Risk limits over NON_INTERFERING_RISK. */
  readonly risk?: Partial<RiskLimits>;
  /** The journal file for the run's orders and fills: ':memory:' (default) or a new file. */
  readonly journal?: string;
  /** Extra folders with crew modules (the config's `crewDirs`). */
  readonly crewDirs?: readonly string[];
  readonly onProgress?: (progress: BacktestProgress) => void;
}

export interface BacktestResult {
  readonly crew: string;
  readonly symbol: string;
  readonly interval: Interval;
  /** The params the crew ran with, defaults filled in. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly cash: number;
  readonly feeBps: number;
  readonly slippageBps: number;
  /** First candle's open time to the last candle's close + 1 ms. */
  readonly span: Span;
  /** Total equity at the end: cash plus the position at the last close, exact (then made a number). */
  readonly finalEquity: number;
  readonly kpis: Kpis;
  /** In time order. */
  readonly fills: readonly BacktestFill[];
  /** The equity curve, one point per candle after a first one with the starting cash. */
  readonly equity: EquityRecorder;
  readonly gaps: readonly CandleGap[];
  readonly crewSummary: CrewSummary;
  /** `active` unless the crew was paused during the run (its handler threw, or a risk limit), with why. */
  readonly crewStatus: CrewEndStatus;
}

export interface Span {
  readonly start: number;
  readonly end: number;
  /** Candles run through the engine. */
  readonly candles: number;
  /** Candles fed before `start` to warm the crews' indicators up (never traded). */
  readonly warmupCandles: number;
}

/** Runs one crew over candle files and measures it. Throws BacktestInputError for bad input. */
export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const cash = options.cash ?? 10_000;
  const feeBps = options.feeBps ?? 10;
  const slippageBps = options.slippageBps ?? 0;
  checkAmounts(cash, feeBps, slippageBps);
  checkSpan(options.from, options.to);
  const crewDirs = options.crewDirs ?? [];
  const definition = await findCrew(options.crew, crewDirs);
  const params = checkParams(definition, options.params ?? {});
  const journal = checkJournal(options.journal);
  const subscriptions = [{ symbol: options.symbol, interval: options.interval }];
  const market = openMarket(options.data, subscriptions, options.from, options.to);
  const quote = quoteAsset(options.symbol);
  checkCandlesBeforeJournal(journal, options.data, subscriptions, options.to);

  const config = singleCrewConfig({ ...options, params, crewDirs, cash, feeBps, slippageBps, journal });
  const run = await simulate({
    config,
    market,
    from: options.from,
    feeBps,
    slippageBps,
    balances: { [quote]: amount(cash) },
    journal,
    perCrew: false,
    priceLevels: firstPrices(market, [options.symbol]),
    onProgress: options.onProgress,
    expectedSpan: expectedSpan(market, subscriptions, options.from, options.to),
  });
  const crewRun = run.crews[0]!;
  const prices = run.prices.get(options.symbol);
  const kpis = measure({ equity: run.total, fills: crewRun.fills, startCash: cash, span: run.span }, prices, feeBps);
  return {
    crew: options.crew,
    symbol: options.symbol,
    interval: options.interval,
    params: crewRun.params,
    cash,
    feeBps,
    slippageBps,
    span: run.span,
    finalEquity: run.finalEquity,
    kpis,
    fills: crewRun.fills,
    equity: run.total,
    gaps: run.gaps,
    crewSummary: crewRun.summary,
    crewStatus: crewRun.status,
  };
}

/** The KPIs of a run, measured against buying and holding its symbol when its prices are known. */
export function measure(input: Omit<KpiInput, 'buyAndHold'>, prices: SymbolPrices | undefined, feeBps: number): Kpis {
  if (prices === undefined) return computeKpis(input);
  return computeKpis({ ...input, buyAndHold: { firstPrice: prices.firstOpen, lastPrice: prices.lastClose, feeRate: feeBps / 10_000 } });
}

/** The desk config of a one-crew backtest: one team, the crew's capital is the cash, risk out of the way. */
export function singleCrewConfig(o: {
  readonly crew: string;
  readonly symbol: string;
  readonly interval: Interval;
  readonly params: Record<string, unknown>;
  readonly crewDirs: readonly string[];
  readonly cash: number;
  readonly feeBps: number;
  readonly slippageBps: number;
  readonly journal: string;
  readonly risk?: Partial<RiskLimits> | undefined;
}): Config {
  const quote = quoteAsset(o.symbol);
  const risk = riskLimitsSchema
    .partial()
    .strict()
    .safeParse(o.risk ?? {});
  if (!risk.success) throw new BacktestInputError(`risk limits: ${formatZodError(risk.error)}`);
  const config = parseConfig(
    {
      journal: o.journal,
      crewDirs: [...o.crewDirs],
      paper: { feeBps: o.feeBps, slippageBps: o.slippageBps, balances: { [quote]: amount(o.cash) } },
      // Snapshots are for live desks; the backtest records its own curve.
      equitySnapshotMinutes: 0,
      teams: [
        {
          name: 'backtest',
          capital: amount(o.cash),
          crews: [{ id: o.crew.slice(0, 40), crew: o.crew, symbol: o.symbol, interval: o.interval, params: o.params, capital: amount(o.cash) }],
        },
      ],
    },
    'backtest',
  );
  // Only the limits given: the schema would fill the others with the desk's defaults.
  const given = Object.fromEntries(Object.entries(risk.data).filter(([key]) => key in (o.risk ?? {})));
  return { ...config, risk: { ...NON_INTERFERING_RISK, ...given } };
}

// ── The shared simulation: one desk over one market, used by single-crew, team and sweep runs ──

export interface SimulationInput {
  /** The desk's config: teams, crews, capitals, risk limits, crew folders. */
  readonly config: Config;
  readonly market: MarketData;
  /** Warm the crews up on the candles before this time (when the market has history). */
  readonly from?: number | undefined;
  readonly feeBps: number;
  readonly slippageBps: number;
  /** The paper account's starting balances. */
  readonly balances: Readonly<Record<string, string>>;
  /** ':memory:' or a journal file. */
  readonly journal: string;
  /** Record an equity curve per crew too (team backtests). */
  readonly perCrew: boolean;
  /** A price per symbol, for the filters of symbols the desk has no table for. */
  readonly priceLevels?: ReadonlyMap<string, number>;
  /** The span the candles are expected to cover, for progress. */
  readonly expectedSpan?: { readonly start: number; readonly end: number } | null;
  readonly onProgress?: (progress: BacktestProgress) => void;
}

export interface CrewRun {
  readonly id: string;
  readonly team: string;
  readonly module: string;
  readonly symbol: string;
  readonly interval: Interval;
  readonly params: Readonly<Record<string, unknown>>;
  /** Starting capital. */
  readonly capital: number;
  readonly finalEquity: number;
  readonly fills: BacktestFill[];
  /** Set when `perCrew`. */
  readonly equity: EquityRecorder | null;
  readonly summary: CrewSummary;
  /** How the crew ended: `paused` (its handler threw, or a risk limit) says why. */
  readonly status: CrewEndStatus;
}

export interface CrewEndStatus {
  readonly status: CrewStatus;
  /** Empty while active. */
  readonly reason: string;
}

export interface SymbolPrices {
  /** Open of the first candle run, close of the last one. */
  readonly firstOpen: number;
  readonly lastClose: number;
}

export interface SimulationOutput {
  readonly span: Span;
  /** Total equity of all crews. */
  readonly total: EquityRecorder;
  readonly finalEquity: number;
  /** In the order the desk built them (the config's order). */
  readonly crews: readonly CrewRun[];
  readonly prices: ReadonlyMap<string, SymbolPrices>;
  readonly gaps: readonly CandleGap[];
  /** The time within the span no candle covers (gaps in the data), in order. */
  readonly holes: readonly TimeRange[];
}

/** How many candles pass between two progress reports. */
const PROGRESS_EVERY = 8_192;

export async function simulate(input: SimulationInput): Promise<SimulationOutput> {
  const { config, feeBps, slippageBps } = input;
  const clock = new ManualClock(0);
  const levels = input.priceLevels;
  const exchange = new PaperExchange({
    balances: input.balances,
    feeBps,
    slippageBps,
    filters: (symbol) => defaultFilters(symbol, levels?.get(symbol)),
    clock,
  });
  const total = new EquityRecorder();
  /** With `perCrew`: each crew and its curve, built once the desk is open. */
  let crewCurves: { readonly crew: CrewRuntime; readonly curve: EquityRecorder }[] = [];
  let startCash = 0;
  let firstOpenTime = Number.NaN;
  let lastCloseTime = Number.NaN;
  // The time the candles cover: between two equity points, only that much counts as traded time.
  const coverage = new Coverage();
  let coveredAtLastPoint = 0;

  const onEquity = (time: number, equity: number, inMarket: boolean): void => {
    const elapsed = coverage.total - coveredAtLastPoint;
    coveredAtLastPoint = coverage.total;
    if (total.size === 0) total.record(firstOpenTime, startCash, false);
    total.record(time, equity, inMarket, elapsed);
    for (const { crew, curve } of crewCurves) {
      if (curve.size === 0) curve.record(firstOpenTime, crew.capital.toNumber(), false);
      curve.record(time, crew.book.equityF, crew.book.qtyF > 0, elapsed);
    }
  };
  const journal = input.journal === ':memory:' ? { journal: new MemoryJournal() } : { journalFile: input.journal };
  const desk = await Desk.open({ config, exchange, clock, log: silentLogger(), ...journal, feeBps, onEquity, catalog: await crewCatalog(config.crewDirs) });
  try {
    const engine = desk.engine;
    const built = [...engine.crews.values()];
    const wanted = config.teams.flatMap((t) => t.crews.filter((c) => c.enabled).map((c) => c.id));
    const missing = wanted.filter((id) => !engine.crews.has(id));
    if (missing.length > 0) {
      const problems = desk.problems.map((p) => `${p.path}: ${p.reason}`).join('; ');
      throw new BacktestInputError(`crew instance(s) ${missing.join(', ')} could not be built${problems ? ` (${problems})` : ''}`);
    }
    for (const crew of built) startCash += crew.capital.toNumber();
    if (input.perCrew) crewCurves = built.map((crew) => ({ crew, curve: new EquityRecorder() }));

    const fills = new Map<string, BacktestFill[]>(built.map((c) => [c.id, []]));
    desk.bus.subscribe(
      'backtest-fills',
      (event) => {
        if (event.type !== 'fill') return;
        const { fill } = event;
        const price = fill.price.toNumber();
        const crew = engine.crews.get(event.crewId);
        const fee = crew && fill.feeAsset === crew.filters.baseAsset ? fill.fee.toNumber() * price : fill.fee.toNumber();
        fills.get(event.crewId)?.push({ time: fill.time, side: fill.side, price, qty: fill.quantity.toNumber(), fee });
      },
      ['fill'],
    );

    let warmupCandles = 0;
    if (input.from !== undefined) warmupCandles = await engine.warmUp(input.market, input.from);

    // Watches the candles go by: the span, each symbol's first open and last close, progress.
    const prices = new Map<string, { firstOpen: number; lastClose: number }>();
    let candles = 0;
    const expected = input.expectedSpan ?? null;
    const onProgress = input.onProgress;
    const seen = (candle: Candle): void => {
      if (candles === 0) firstOpenTime = candle.openTime;
      candles++;
      lastCloseTime = candle.closeTime;
      coverage.add(candle.openTime, candle.closeTime + 1);
      const p = prices.get(candle.symbol);
      if (p === undefined) prices.set(candle.symbol, { firstOpen: candle.open, lastClose: candle.close });
      else p.lastClose = candle.close;
      if (onProgress !== undefined && candles % PROGRESS_EVERY === 0) {
        const fraction = expected && expected.end > expected.start ? (candle.closeTime + 1 - expected.start) / (expected.end - expected.start) : 0;
        onProgress({ fraction: Math.min(1, Math.max(0, fraction)), candles });
      }
    };
    await engine.run(observed(input.market, seen));
    onProgress?.({ fraction: 1, candles });
    if (candles === 0) throw new BacktestInputError(`no candles in the span (${describeSpan(input.expectedSpan ?? null)})`);

    let finalTotal: Decimal = ZERO;
    const summaries = new Map(engine.summaries().map((s) => [s.id, s]));
    const crews: CrewRun[] = built.map((crew, i) => {
      const price = engine.lastPriceOf(crew.symbol) ?? crew.book.lastPrice;
      const equity = crew.book.equityAt(price);
      finalTotal = finalTotal.plus(equity);
      return {
        id: crew.id,
        team: crew.team,
        module: crew.definition.name,
        symbol: crew.symbol,
        interval: crew.interval,
        params: crew.params,
        capital: crew.capital.toNumber(),
        finalEquity: equity.toNumber(),
        fills: fills.get(crew.id)!,
        equity: crewCurves[i]?.curve ?? null,
        summary: summaries.get(crew.id)!,
        status: { status: crew.status, reason: crew.statusReason },
      };
    });
    return {
      span: { start: firstOpenTime, end: lastCloseTime + 1, candles, warmupCandles },
      total,
      finalEquity: finalTotal.toNumber(),
      crews,
      prices,
      gaps: input.market instanceof FileMarketData ? [...input.market.gaps] : [],
      holes: coverage.holes(firstOpenTime, lastCloseTime + 1),
    };
  } catch (error) {
    throw asInputError(error);
  } finally {
    await desk.close();
  }
}

/** The market with every candle shown to `seen` on its way to the engine (synchronous sources stay synchronous). */
function observed(market: MarketData, seen: (candle: Candle) => void): MarketData {
  return {
    description: market.description,
    candles(subscriptions: readonly CandleSubscription[], signal?: AbortSignal) {
      const source = market.candles(subscriptions, signal);
      if (Symbol.iterator in source) {
        return {
          [Symbol.iterator](): Iterator<Candle> {
            const inner = (source as Iterable<Candle>)[Symbol.iterator]();
            return {
              next(): IteratorResult<Candle> {
                const r = inner.next();
                if (r.done !== true) seen(r.value);
                return r;
              },
              return(value?: unknown): IteratorResult<Candle> {
                inner.return?.(value);
                return { value: undefined, done: true };
              },
            };
          },
        };
      }
      return {
        [Symbol.asyncIterator](): AsyncIterator<Candle> {
          const inner = (source as AsyncIterable<Candle>)[Symbol.asyncIterator]();
          return {
            async next(): Promise<IteratorResult<Candle>> {
              const r = await inner.next();
              if (r.done !== true) seen(r.value);
              return r;
            },
            async return(value?: unknown): Promise<IteratorResult<Candle>> {
              await inner.return?.(value);
              return { value: undefined, done: true };
            },
          };
        },
      };
    },
    ...(market.history ? { history: market.history.bind(market) } : {}),
  };
}

// ── Input checks, shared with the team backtest and the sweep ──

const catalogs = new Map<string, ReturnType<typeof loadCrews>>();

/**
 * The crew modules of crews/ and `crewDirs`, loaded once per process: a sweep opens a desk per
 * combination, and Node's module cache would return the same modules anyway.
 */
export function crewCatalog(crewDirs: readonly string[] = []): ReturnType<typeof loadCrews> {
  const dirs = crewDirectories(crewDirs);
  const key = dirs.join('\n');
  let catalog = catalogs.get(key);
  if (!catalog) catalogs.set(key, (catalog = loadCrews(dirs)));
  return catalog;
}

/** The crew definition by name, or a BacktestInputError that lists the known crews. */
export async function findCrew(name: string, crewDirs: readonly string[] = []): Promise<AnyCrewDefinition> {
  const { crews, problems } = await crewCatalog(crewDirs);
  const definition = crews.get(name);
  if (definition) return definition;
  const broken = problems.find((p) => p.path.endsWith(`/${name}.ts`) || p.path.endsWith(`/${name}.js`));
  if (broken) throw new BacktestInputError(`crew "${name}" cannot be loaded: ${broken.reason} (${broken.path})`);
  throw new BacktestInputError(`unknown crew "${name}" (known: ${[...crews.keys()].sort().join(', ')})`);
}

/** The params with defaults filled in; out-of-bounds values name the param and its bounds. */
export function checkParams(definition: AnyCrewDefinition, params: Record<string, unknown>): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new BacktestInputError(`params must be a JSON object such as {"fast": 10}`);
  }
  const bounds = new Map(describeParams(definition).map((b) => [b.name, b]));
  for (const [name, value] of Object.entries(params)) {
    const bound = bounds.get(name);
    if (!bound) {
      throw new BacktestInputError(`unknown param "${name}" for crew ${definition.name} (params: ${[...bounds.keys()].join(', ')})`);
    }
    const problem = boundProblem(bound, value);
    if (problem) throw new BacktestInputError(`param ${problem}`);
  }
  const parsed = parseParams(definition, params);
  if (!parsed.ok) throw new BacktestInputError(`params for crew ${definition.name}: ${parsed.error}`);
  return parsed.params;
}

/** Why a value does not fit a param's declared type and bounds, naming both; null when it fits. */
export function boundProblem(bound: ReturnType<typeof describeParams>[number], value: unknown): string | null {
  const range = `${bound.min ?? '−∞'}..${bound.max ?? '∞'}`;
  if (bound.type === 'integer' || bound.type === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${bound.name} = ${JSON.stringify(value)} is not a number (bounds ${range})`;
    if (bound.type === 'integer' && !Number.isInteger(value)) return `${bound.name} = ${value} is not a whole number (bounds ${range})`;
    if ((bound.min !== undefined && value < bound.min) || (bound.max !== undefined && value > bound.max)) {
      return `${bound.name} = ${value} is outside its bounds ${range}`;
    }
    return null;
  }
  if (bound.type === 'boolean' && typeof value !== 'boolean') return `${bound.name} = ${JSON.stringify(value)} is not true or false`;
  if (bound.options && !bound.options.includes(value as string)) {
    return `${bound.name} = ${JSON.stringify(value)} is not one of ${bound.options.join(', ')}`;
  }
  return null;
}

export function checkAmounts(cash: number, feeBps: number, slippageBps: number): void {
  if (!Number.isFinite(cash) || cash <= 0 || cash > 1e12) throw new BacktestInputError(`cash ${cash} must be a positive amount up to 1e12`);
  if (!Number.isFinite(feeBps) || feeBps < 0 || feeBps > 100) throw new BacktestInputError(`fee ${feeBps} bps must be between 0 and 100`);
  if (!Number.isFinite(slippageBps) || slippageBps < 0 || slippageBps > 500) {
    throw new BacktestInputError(`slippage ${slippageBps} bps must be between 0 and 500`);
  }
}

export function checkSpan(from: number | undefined, to: number | undefined): void {
  if (from !== undefined && to !== undefined && from >= to) {
    throw new BacktestInputError(`the span is empty: from ${new Date(from).toISOString()} is not before to ${new Date(to).toISOString()}`);
  }
}

/** ':memory:' or a journal file that does not exist yet (an existing one would be resumed, not backtested). */
export function checkJournal(journal: string | undefined): string {
  if (journal === undefined || journal === ':memory:') return ':memory:';
  if (existsSync(journal)) throw new BacktestInputError(`journal ${journal} exists already: a backtest journals into a new file`);
  return journal;
}

/**
 * With a journal file, every candle the run may read (warm-up history included) is read and
 * checked first: a malformed row found mid-run would leave a half-written journal behind, and a
 * retry would then refuse it as existing. An in-memory journal writes nothing, so it skips this.
 */
export function checkCandlesBeforeJournal(
  journal: string,
  data: readonly string[],
  subscriptions: readonly CandleSubscription[],
  to: number | undefined,
): void {
  if (journal === ':memory:') return;
  try {
    const all = new FileMarketData({ paths: data, synchronous: true, ...(to !== undefined ? { to } : {}) });
    for (const _candle of all.candles(subscriptions) as Iterable<Candle>) {
      // Reading is the check: a bad row throws a CandleFileError naming the file and the line.
    }
  } catch (error) {
    throw asInputError(error);
  }
}

/** Candle files for the subscriptions, checked to exist before anything runs. */
export function openMarket(
  data: readonly string[],
  subscriptions: readonly CandleSubscription[],
  from: number | undefined,
  to: number | undefined,
): FileMarketData {
  if (data.length === 0) throw new BacktestInputError('no data: give candle files or folders');
  let market: FileMarketData;
  try {
    market = new FileMarketData({ paths: data, synchronous: true, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
    market.files();
  } catch (error) {
    throw asInputError(error, true);
  }
  for (const s of subscriptions) {
    if (!market.covers(s)) throw new BacktestInputError(noCandleFiles(s, data));
  }
  return market;
}

/** The span the files hold for the subscriptions within from/to (from the files' first and last lines). */
export function expectedSpan(
  market: FileMarketData,
  subscriptions: readonly CandleSubscription[],
  from: number | undefined,
  to: number | undefined,
): { start: number; end: number } | null {
  let start = Infinity;
  let end = -Infinity;
  try {
    for (const s of subscriptions) {
      const step = intervalMs(s.interval);
      for (const f of market.files()) {
        if (f.symbol !== s.symbol || f.interval !== s.interval) continue;
        const { firstOpenTime, lastOpenTime } = market.probe(f.file);
        if (firstOpenTime === null || lastOpenTime === null) continue;
        start = Math.min(start, firstOpenTime);
        end = Math.max(end, lastOpenTime + step);
      }
    }
  } catch {
    return null; // the run reports a file it cannot read
  }
  if (from !== undefined) start = Math.max(start, from);
  if (to !== undefined) end = Math.min(end, to);
  return Number.isFinite(start) && Number.isFinite(end) && end > start ? { start, end } : null;
}

/** Each symbol's first open price in the files (the filters of unknown symbols scale with it). */
export function firstPrices(market: FileMarketData, symbols: readonly string[]): Map<string, number> {
  const levels = new Map<string, number>();
  for (const symbol of new Set(symbols)) {
    const file = market.files().find((f) => f.symbol === symbol);
    if (!file) continue;
    try {
      for (const candle of readCandlesSync(file.file, { symbol: file.symbol, interval: file.interval })) {
        levels.set(symbol, candle.open);
        break;
      }
    } catch {
      // The run itself reports a malformed file, with its line.
    }
  }
  return levels;
}

export function quoteAsset(symbol: string): string {
  try {
    return splitSymbol(symbol).quote;
  } catch (error) {
    throw new BacktestInputError(error instanceof Error ? error.message : String(error));
  }
}

/** A positive amount as the config's decimal string. */
export function amount(value: number): string {
  const text = value.toFixed(8).replace(/\.?0+$/, '');
  return text === '' ? '0' : text;
}

/** File problems and missing paths are the user's to fix: they become BacktestInputErrors. */
export function asInputError(error: unknown, anyError = false): unknown {
  if (error instanceof BacktestInputError) return error;
  if (error instanceof CandleFileError) return new BacktestInputError(`malformed candle file: ${error.message}`);
  if (error instanceof Error && (anyError || /^candle path |^no candle files for /.test(error.message))) {
    return new BacktestInputError(error.message);
  }
  return error;
}

function describeSpan(span: { start: number; end: number } | null): string {
  if (!span) return 'no candle in the files falls between --from and --to';
  return `${new Date(span.start).toISOString()} to ${new Date(span.end).toISOString()}`;
}
