// The parameter sweep: a grid of a crew's params run over one span across worker threads,
// ranked in-sample, the best checked out-of-sample (and, optionally, walk-forward). Each run is
// a real backtest through the desk. The results are journaled for the Management LLM.
//
// Grid values outside the crew's declared bounds are refused before anything runs: a sweep
// explores what a person or the manager could set, nothing else.
import { tsWorkerSource } from '../runtime/ts-worker.ts';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Candle, Interval } from '../core/domain.ts';
import { intervalMs } from '../core/domain.ts';
import { type AnyCrewDefinition, describeParams, parseParams, type ParamBound } from '../crew/template.ts';
import { SqliteJournal } from '../journal/sqlite-journal.ts';
import type { Journal } from '../ports/journal.ts';
import type { CandleGap } from '../market/csv-candles.ts';
import type { Kpis } from './kpis.ts';
import type { TimeRange } from './coverage.ts';
import {
  type CandleColumns,
  COLUMN_COUNT,
  columnViews,
  lowerBound,
  type FromWorker,
  type SweepRun,
  type ToWorker,
  WORKER_KIND,
  type WorkerInit,
} from './optimize-worker.ts';
import {
  asInputError,
  type BacktestOptions,
  BacktestInputError,
  boundProblem,
  checkAmounts,
  checkParams,
  checkSpan,
  findCrew,
  openMarket,
  quoteAsset,
} from './run.ts';

export type { TimeRange };

// ── The grid ──

export type GridValue = number | string | boolean;

export interface GridAxis {
  readonly name: string;
  readonly values: readonly GridValue[];
}

/** At most this many values on one axis, and combinations in all. */
const MAX_AXIS_VALUES = 10_000;
const MAX_COMBINATIONS = 100_000;

/**
 * Parses `period=7..21:7,oversold=20..35:5,size=0.5,1`: `a..b:step` (both ends included; step 1
 * when left out) or a list `a,b,c` per param. A comma-separated item without `=` continues the
 * previous param's list. Syntax only: `checkGrid` holds the values against the crew's bounds.
 */
export function parseGrid(text: string): GridAxis[] {
  const axes: { name: string; values: GridValue[] }[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') throw new BacktestInputError(`--grid: an empty item in "${text}"`);
    const eq = item.indexOf('=');
    let spec = item;
    if (eq >= 0) {
      const name = item.slice(0, eq).trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new BacktestInputError(`--grid: "${name}" is not a param name (in "${item}")`);
      if (axes.some((a) => a.name === name)) throw new BacktestInputError(`--grid: param ${name} is given twice`);
      axes.push({ name, values: [] });
      spec = item.slice(eq + 1).trim();
    } else if (axes.length === 0) {
      throw new BacktestInputError(`--grid: "${item}" has no param name; expected name=a..b:step or name=a,b,c`);
    }
    const axis = axes[axes.length - 1]!;
    axis.values.push(...parseValues(spec, axis.name));
    if (axis.values.length > MAX_AXIS_VALUES) throw new BacktestInputError(`--grid: ${axis.name} has more than ${MAX_AXIS_VALUES} values`);
  }
  if (axes.length === 0) throw new BacktestInputError('--grid: no params given');
  for (const axis of axes) {
    if (axis.values.length === 0) throw new BacktestInputError(`--grid: ${axis.name} has no values`);
    axis.values = [...new Map(axis.values.map((v) => [`${typeof v}:${String(v)}`, v])).values()];
  }
  return axes;
}

const NUMBER = '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?';
const RANGE = new RegExp(`^(${NUMBER})\\.\\.(${NUMBER})(?::(${NUMBER}))?$`);

function parseValues(spec: string, name: string): GridValue[] {
  if (spec === '') throw new BacktestInputError(`--grid: ${name} has an empty value`);
  const range = RANGE.exec(spec);
  if (range) {
    const [a, b, step] = [Number(range[1]), Number(range[2]), range[3] === undefined ? 1 : Number(range[3])];
    if (!(step > 0)) throw new BacktestInputError(`--grid: ${name}=${spec}: the step must be above 0`);
    if (a > b) throw new BacktestInputError(`--grid: ${name}=${spec}: the range runs backwards`);
    const count = Math.floor((b - a) / step + 1e-9) + 1;
    if (count > MAX_AXIS_VALUES) throw new BacktestInputError(`--grid: ${name}=${spec} has ${count} values, more than ${MAX_AXIS_VALUES}`);
    // Decimal steps (0.1) accumulate float error: each value is rounded back to 10 decimals.
    return Array.from({ length: count }, (_, i) => Number((a + i * step).toFixed(10)));
  }
  if (new RegExp(`^${NUMBER}$`).test(spec)) return [Number(spec)];
  if (spec === 'true' || spec === 'false') return [spec === 'true'];
  return [spec];
}

/** Refuses a grid whose params the crew does not have, or whose values break the declared bounds. */
export function checkGrid(definition: AnyCrewDefinition, axes: readonly GridAxis[]): void {
  const bounds = new Map<string, ParamBound>(describeParams(definition).map((b) => [b.name, b]));
  for (const axis of axes) {
    const bound = bounds.get(axis.name);
    if (!bound) throw new BacktestInputError(`--grid: crew ${definition.name} has no param "${axis.name}" (params: ${[...bounds.keys()].join(', ')})`);
    for (const value of axis.values) {
      const problem = boundProblem(bound, value);
      if (problem) throw new BacktestInputError(`--grid: ${problem}`);
    }
  }
}

/** Every combination, the last axis varying fastest. */
export function expandGrid(axes: readonly GridAxis[]): Record<string, GridValue>[] {
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_COMBINATIONS) throw new BacktestInputError(`--grid: ${total} combinations, more than ${MAX_COMBINATIONS}`);
  let combos: Record<string, GridValue>[] = [{}];
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.name]: v })));
  return combos;
}

// ── Ranking ──

export const METRICS = ['sharpe', 'sortino', 'return', 'cagr', 'profitFactor', 'winRate', 'maxDrawdown'] as const;
export type Metric = (typeof METRICS)[number];

/** The metric's value (higher is better, except maxDrawdown); null when the KPI is undefined. */
export function metricOf(kpis: Kpis, metric: Metric): number | null {
  switch (metric) {
    case 'sharpe':
      return kpis.sharpe;
    case 'sortino':
      return kpis.sortino;
    case 'return':
      return kpis.totalReturnPct;
    case 'cagr':
      return kpis.cagrPct;
    case 'profitFactor':
      return kpis.profitFactor;
    case 'winRate':
      return kpis.winRatePct;
    case 'maxDrawdown':
      return kpis.maxDrawdownPct;
  }
}

/** Best first: by the metric (lower drawdown is better), nulls last, ties by grid order. */
function rankOrder(metric: Metric) {
  const sign = metric === 'maxDrawdown' ? -1 : 1;
  return (a: { score: number | null; index: number }, b: { score: number | null; index: number }): number => {
    if (a.score === null || b.score === null) return a.score === b.score ? a.index - b.index : a.score === null ? 1 : -1;
    return sign * (b.score - a.score) || a.index - b.index;
  };
}

// ── The sweep ──

/** The run's subject, span and money as for a backtest (and with its defaults). */
export interface OptimizeOptions
  extends Pick<BacktestOptions, 'crew' | 'symbol' | 'interval' | 'data' | 'from' | 'to' | 'cash' | 'feeBps' | 'slippageBps' | 'crewDirs'> {
  readonly grid: string | readonly GridAxis[];
  /** Fraction of the span's time that is in-sample (default 0.7). */
  readonly split?: number;
  readonly metric?: Metric;
  /** How many of the best to check out-of-sample (default 5). */
  readonly top?: number;
  /** Worker threads (default: the machine's cores). */
  readonly workers?: number;
  /** Walk-forward windows (0/undefined: none). */
  readonly walkForward?: number;
  /** Params every combination shares (the grid's override them). */
  readonly params?: Record<string, unknown>;
  /** Journal the result into this journal (file path or open journal). */
  readonly journal?: string | Journal;
  readonly onProgress?: (done: number, total: number) => void;
  /** Told once at the end how long the workers took to start and each run took (benchmarks). */
  readonly onTimings?: (timings: SweepTimings) => void;
  /** Where the runs go (src/research: a warm thread pool, or a Redis queue of worker processes); default: threads started for this sweep. */
  readonly backend?: SweepBackend;
  /** Cancels the sweep (a backend's queued runs are withdrawn). */
  readonly signal?: AbortSignal;
}

/** What a back end needs to run a sweep's combinations: the subject, the costs and the candles (read once, here). */
export interface SweepSpec {
  readonly crew: string;
  readonly crewDirs: readonly string[];
  readonly cash: number;
  readonly feeBps: number;
  readonly slippageBps: number;
  /** Workers asked for (--workers); a queue back end takes what its workers give. */
  readonly workers: number;
  readonly symbol: string;
  readonly interval: Interval;
  readonly data: readonly string[];
  /** The span the columns were read for (warm-up included). */
  readonly loadFrom: number | undefined;
  readonly to: number | undefined;
  readonly columns: CandleColumns;
  readonly signal?: AbortSignal;
}

/** One sweep on a back end: runs combinations until closed. */
export interface SweepSession {
  /** Workers that run this sweep (reported in the result). */
  readonly size: number;
  readonly readySeconds: number;
  readonly runTimes: readonly { readonly worker: number; readonly ms: number }[];
  /** One run; rejects with SweepRunFailure when the run failed on its worker (the sweep goes on without it). */
  run(params: Record<string, unknown>, range: TimeRange): Promise<SweepRun>;
  close(): Promise<void>;
}

export interface SweepBackend {
  open(spec: SweepSpec): Promise<SweepSession>;
}

/** A run that failed where it ran (it threw, a candle file's checksum differed): listed with its reason, the sweep goes on. */
export class SweepRunFailure extends Error {
  override readonly name = 'SweepRunFailure';
}

/** Where a sweep's time went: not part of the result, which is the same on every run. */
export interface SweepTimings {
  /** From starting the workers to all of them ready (sources and crew modules loaded). */
  readonly workersReadySeconds: number;
  /** Each run's time in its worker, in the order they ended, with the worker's index. */
  readonly runs: readonly { readonly worker: number; readonly ms: number }[];
}

export interface RankedCombination {
  readonly rank: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly inSample: { readonly score: number | null; readonly finalEquity: number; readonly kpis: Kpis };
  readonly outOfSample: { readonly finalEquity: number; readonly kpis: Kpis };
}

export interface WalkForwardWindow {
  readonly window: number;
  readonly inSample: TimeRange;
  readonly outOfSample: TimeRange;
  /** null when no combination had a score in-sample. */
  readonly best: { readonly params: Readonly<Record<string, unknown>>; readonly inSampleScore: number | null; readonly outOfSample: Kpis } | null;
}

export interface OptimizationResult {
  readonly kind: 'optimization';
  readonly crew: string;
  readonly symbol: string;
  readonly interval: Interval;
  readonly metric: Metric;
  readonly split: number;
  readonly grid: readonly GridAxis[];
  readonly baseParams: Readonly<Record<string, unknown>>;
  readonly cash: number;
  readonly feeBps: number;
  readonly slippageBps: number;
  /** `gaps`: gaps in the data within the span; `missingCandles`: the candles they lack. */
  readonly span: TimeRange & { readonly candles: number; readonly gaps: number; readonly missingCandles: number };
  readonly inSample: TimeRange;
  readonly outOfSample: TimeRange;
  /** Combinations run (the crew accepted). */
  readonly combinations: number;
  /** Combinations the crew's own checks refused (e.g. fast ≥ slow), with why. */
  readonly skipped: readonly { readonly params: Readonly<Record<string, unknown>>; readonly reason: string }[];
  readonly workers: number;
  readonly top: readonly RankedCombination[];
  readonly walkForward: { readonly windows: readonly WalkForwardWindow[]; readonly compoundedReturnPct: number } | null;
  /** What to know before reading the ranking: a ranking on no score at all, a window with no pick. */
  readonly notes: readonly string[];
  /** The settings key it was journaled under. */
  readonly journalKey: string | null;
}

export async function runOptimization(options: OptimizeOptions): Promise<OptimizationResult> {
  const split = options.split ?? 0.7;
  const metric = options.metric ?? 'sharpe';
  const topN = options.top ?? 5;
  const workers = options.workers ?? defaultWorkers();
  const walkForward = options.walkForward ?? 0;
  const cash = options.cash ?? 10_000;
  const feeBps = options.feeBps ?? 10;
  const slippageBps = options.slippageBps ?? 0;
  const crewDirs = options.crewDirs ?? [];
  if (!(split > 0 && split < 1)) throw new BacktestInputError(`--split ${split} must be between 0 and 1 (the in-sample fraction)`);
  if (!(METRICS as readonly string[]).includes(metric)) throw new BacktestInputError(`--metric ${metric} is not one of ${METRICS.join(', ')}`);
  if (!Number.isInteger(topN) || topN < 1) throw new BacktestInputError(`--top ${topN} must be a whole number ≥ 1`);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new BacktestInputError(`--workers ${workers} must be a whole number from 1 to 64`);
  if (!Number.isInteger(walkForward) || walkForward < 0 || walkForward > 100) {
    throw new BacktestInputError(`--walk-forward ${walkForward} must be a whole number of windows from 0 to 100`);
  }
  checkAmounts(cash, feeBps, slippageBps);
  checkSpan(options.from, options.to);

  // Everything is checked before a single candle is read or a worker started.
  const definition = await findCrew(options.crew, crewDirs);
  const baseParams = options.params ?? {};
  checkParams(definition, baseParams);
  const axes = typeof options.grid === 'string' ? parseGrid(options.grid) : options.grid;
  checkGrid(definition, axes);
  const combos: Record<string, unknown>[] = [];
  const skipped: { params: Record<string, unknown>; reason: string }[] = [];
  for (const values of expandGrid(axes)) {
    const parsed = parseParams(definition, { ...baseParams, ...values });
    if (parsed.ok) combos.push(parsed.params);
    else skipped.push({ params: values, reason: parsed.error });
  }
  if (combos.length === 0) {
    throw new BacktestInputError(`--grid: the crew refuses every combination, e.g. ${JSON.stringify(skipped[0]!.params)}: ${skipped[0]!.reason}`);
  }
  quoteAsset(options.symbol);

  // With --from, the candles before it are loaded too, as many as the hungriest combination's
  // warm-up (twice over, for gaps): every run is then warmed up as `crewdesk backtest --from` is.
  const step = intervalMs(options.interval);
  const warmup = Math.max(0, ...combos.map((params) => definition.warmup(params)));
  const loadFrom = options.from === undefined ? undefined : options.from - 2 * (warmup + 1) * step;
  // The workers start (sources, crew modules) on their threads while this one reads the candles;
  // they get the candles once read. Whatever fails from here on, the pool is stopped.
  const starting = options.backend
    ? null
    : WorkerPool.start(Math.min(workers, combos.length), { kind: WORKER_KIND, crew: options.crew, crewDirs, cash, feeBps, slippageBps });
  let loaded: LoadedSpan;
  try {
    loaded = loadSpan(options, loadFrom, split, walkForward);
  } catch (error) {
    await starting?.then(
      (pool) => pool.close(),
      () => undefined,
    );
    throw error;
  }
  const pool: SweepSession = options.backend
    ? await options.backend.open({
        crew: options.crew,
        crewDirs,
        cash,
        feeBps,
        slippageBps,
        workers: Math.min(workers, combos.length),
        symbol: options.symbol,
        interval: options.interval,
        data: options.data,
        loadFrom,
        to: options.to,
        columns: loaded.columns,
        ...(options.signal ? { signal: options.signal } : {}),
      })
    : (await starting!).share(loaded.columns);
  let top: RankedCombination[];
  const failed = new Map<number, string>();
  let walk: OptimizationResult['walkForward'] = null;
  const notes: string[] = [];
  try {
    const { inSample, outOfSample, windows } = loaded;
    const totalRuns = combos.length + Math.min(topN, combos.length) + windows.length * (combos.length + 1);
    let done = 0;
    const tick = () => options.onProgress?.(++done, totalRuns);
    const order = rankOrder(metric);
    // A run that failed on its worker is listed in `skipped` with its reason (once per combination).
    const rank = async (range: TimeRange) => {
      const runs = await Promise.all(
        combos.map((params, index) =>
          pool
            .run(params, range)
            .catch((error: unknown) => {
              if (!(error instanceof SweepRunFailure)) throw error;
              if (!failed.has(index)) failed.set(index, error.message);
              return null;
            })
            .finally(tick),
        ),
      );
      const ok = runs.flatMap((run, index) => (run === null ? [] : [{ index, run, score: metricOf(run.kpis, metric) }]));
      if (ok.length === 0) throw new SweepRunFailure(`every combination failed; the first: ${failed.values().next().value}`);
      return ok.sort(order);
    };
    const ranked = await rank(inSample);
    if (ranked.every((r) => r.score === null)) {
      notes.push(`no combination has an in-sample ${metric}${nullReason(ranked[0]!.run.kpis, metric)}: the table is in grid order, not a ranking`);
    }
    const best = ranked.slice(0, topN);
    const checks = await Promise.all(best.map((r) => pool.run(combos[r.index]!, outOfSample).finally(tick)));
    top = best.map((r, i) => ({
      rank: i + 1,
      params: combos[r.index]!,
      inSample: { score: r.score, finalEquity: r.run.finalEquity, kpis: r.run.kpis },
      outOfSample: { finalEquity: checks[i]!.finalEquity, kpis: checks[i]!.kpis },
    }));

    if (windows.length > 0) {
      const results: WalkForwardWindow[] = [];
      let compounded = 1;
      for (const [k, w] of windows.entries()) {
        const windowRanked = await rank(w.inSample);
        const winner = windowRanked[0]!;
        if (winner.score === null) {
          // Nothing to pick on: the window is left out of the compounded return, and said so.
          tick();
          notes.push(
            `walk-forward window ${k + 1}: no combination has an in-sample ${metric}${nullReason(winner.run.kpis, metric)}; nothing picked, left out of the compounded return`,
          );
          results.push({ window: k + 1, inSample: w.inSample, outOfSample: w.outOfSample, best: null });
          continue;
        }
        const check = await pool.run(combos[winner.index]!, w.outOfSample).finally(tick);
        compounded *= 1 + check.kpis.totalReturnPct / 100;
        results.push({
          window: k + 1,
          inSample: w.inSample,
          outOfSample: w.outOfSample,
          best: { params: combos[winner.index]!, inSampleScore: winner.score, outOfSample: check.kpis },
        });
      }
      walk = { windows: results, compoundedReturnPct: (compounded - 1) * 100 };
    }
  } finally {
    await pool.close();
  }
  options.onTimings?.({ workersReadySeconds: pool.readySeconds, runs: pool.runTimes });

  for (const [index, reason] of [...failed].sort((a, b) => a[0] - b[0])) skipped.push({ params: combos[index]!, reason: `failed: ${reason}` });
  const inSpan = loaded.gaps.filter((g) => g.to > loaded.span.start);
  const result: OptimizationResult = {
    kind: 'optimization',
    crew: options.crew,
    symbol: options.symbol,
    interval: options.interval,
    metric,
    split,
    grid: axes,
    baseParams,
    cash,
    feeBps,
    slippageBps,
    span: { ...loaded.span, candles: loaded.candles, gaps: inSpan.length, missingCandles: inSpan.reduce((n, g) => n + g.missing, 0) },
    inSample: loaded.inSample,
    outOfSample: loaded.outOfSample,
    combinations: combos.length - failed.size,
    skipped,
    workers: pool.size,
    top,
    walkForward: walk,
    notes,
    journalKey: null,
  };
  if (options.journal === undefined) return result;
  const journalKey = await journalOptimization(options.journal, result);
  return { ...result, journalKey };
}

interface LoadedSpan {
  readonly columns: CandleColumns;
  readonly gaps: readonly CandleGap[];
  readonly span: TimeRange;
  readonly candles: number;
  readonly inSample: TimeRange;
  readonly outOfSample: TimeRange;
  readonly windows: readonly { inSample: TimeRange; outOfSample: TimeRange }[];
}

/** Reads the candles of the sweep's span and splits it in-sample / out-of-sample (and walk-forward windows). */
function loadSpan(options: OptimizeOptions, loadFrom: number | undefined, split: number, walkForward: number): LoadedSpan {
  const step = intervalMs(options.interval);
  const { columns, gaps } = loadColumns(options.data, options.symbol, options.interval, loadFrom, options.to);
  const openTimes = columnViews(columns).openTime;
  const firstIndex = options.from === undefined ? 0 : lowerBound(openTimes, options.from);
  if (firstIndex >= columns.count)
    throw new BacktestInputError(`no ${options.symbol} ${options.interval} candles between --from and --to in ${options.data.join(', ')}`);
  const span = { start: openTimes[firstIndex]!, end: openTimes[columns.count - 1]! + step };
  const candles = columns.count - firstIndex;
  // Split by the time the candles cover, so a gap in the data (two files weeks apart) is in
  // neither part: every candle covers one interval, so that is a split by candle count.
  const timeOf = (index: number): number => (index >= columns.count ? span.end : openTimes[index]!);
  const inSampleCandles = partOf(candles, split);
  if (inSampleCandles < 1 || inSampleCandles >= candles) {
    throw new BacktestInputError(`the span holds ${candles} candle(s): too few to split ${split} in-sample / ${(1 - split).toFixed(2)} out-of-sample`);
  }
  const splitAt = timeOf(firstIndex + inSampleCandles);
  const windows: { inSample: TimeRange; outOfSample: TimeRange }[] = [];
  if (walkForward > 0) {
    // K consecutive windows of equal covered time (the last takes the remainder), each split alike.
    const length = Math.floor(candles / walkForward);
    for (let i = 0; i < walkForward; i++) {
      const first = firstIndex + i * length;
      const last = i === walkForward - 1 ? columns.count : first + length;
      const inWindow = partOf(last - first, split);
      if (inWindow < 1 || inWindow >= last - first) {
        throw new BacktestInputError(
          `--walk-forward ${walkForward}: windows of ${length} candle(s) are too short to split ${split} in-sample / ${(1 - split).toFixed(2)} out-of-sample`,
        );
      }
      const at = timeOf(first + inWindow);
      windows.push({ inSample: { start: timeOf(first), end: at }, outOfSample: { start: at, end: timeOf(last) } });
    }
  }
  return {
    columns,
    gaps,
    span,
    candles,
    inSample: { start: span.start, end: splitAt },
    outOfSample: { start: splitAt, end: span.end },
    windows,
  };
}

/** `split` of `count` candles, whole; 11,520 × 0.7 is 8,063.999… in floats, and means 8,064. */
function partOf(count: number, split: number): number {
  return Math.floor(count * split + 1e-9);
}

/** Why a metric is null for a run, from its KPIs' notes (" (fewer than 2 daily returns)"), or nothing. */
function nullReason(kpis: Kpis, metric: Metric): string {
  const key = {
    sharpe: 'sharpe',
    sortino: 'sortino',
    return: 'totalReturnPct',
    cagr: 'cagrPct',
    profitFactor: 'profitFactor',
    winRate: 'winRatePct',
    maxDrawdown: 'maxDrawdownPct',
  }[metric];
  const note = kpis.notes.find((n) => n.split(':')[0]!.split(', ').includes(key));
  return note === undefined ? '' : ` (${note.slice(note.indexOf(':') + 1).trim()})`;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** The span's candles, read once, as columns in memory the workers share. */
export function loadColumns(
  data: readonly string[],
  symbol: string,
  interval: Interval,
  from?: number,
  to?: number,
): { columns: CandleColumns; gaps: readonly CandleGap[] } {
  const market = openMarket(data, [{ symbol, interval }], from, to);
  let capacity = 1 << 16;
  let cols = Array.from({ length: COLUMN_COUNT }, () => new Float64Array(capacity));
  let count = 0;
  try {
    for (const c of market.candles([{ symbol, interval }]) as Iterable<Candle>) {
      if (count === capacity) {
        capacity *= 2;
        cols = cols.map((col) => {
          const grown = new Float64Array(capacity);
          grown.set(col);
          return grown;
        });
      }
      cols[0]![count] = c.openTime;
      cols[1]![count] = c.open;
      cols[2]![count] = c.high;
      cols[3]![count] = c.low;
      cols[4]![count] = c.close;
      cols[5]![count] = c.volume;
      count++;
    }
  } catch (error) {
    throw asInputError(error);
  }
  if (count === 0) throw new BacktestInputError(`no ${symbol} ${interval} candles between --from and --to in ${data.join(', ')}`);
  const buffer = new SharedArrayBuffer(COLUMN_COUNT * count * 8);
  for (let k = 0; k < COLUMN_COUNT; k++) new Float64Array(buffer, k * count * 8, count).set(cols[k]!.subarray(0, count));
  return { columns: { symbol, interval, count, buffer }, gaps: market.gaps };
}

// ── Worker threads ──

/**
 * Worker threads that load the TypeScript sources themselves: each registers tsx's loader
 * (`tsx/esm/api`) and then imports optimize-worker.ts. (`execArgv: ['--import', 'tsx']` does not
 * reach a worker's entry module on Node 20, and the main thread's loader is not inherited.)
 */
class WorkerPool implements SweepSession {
  private readonly idle: Worker[] = [];
  private readonly waiting: { message: Omit<Extract<ToWorker, { type: 'run' }>, 'id'>; resolve: (run: SweepRun) => void; reject: (error: Error) => void }[] =
    [];
  private readonly pending = new Map<number, { worker: Worker; resolve: (run: SweepRun) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private failure: Error | null = null;
  /** Each run's time in its worker (see SweepTimings). */
  readonly runTimes: { worker: number; ms: number }[] = [];

  /** From creating the workers to all of them ready (set by start). */
  readySeconds = Number.NaN;

  private constructor(private readonly workers: Worker[]) {}

  get size(): number {
    return this.workers.length;
  }

  static async start(count: number, init: WorkerInit): Promise<WorkerPool> {
    const began = performance.now();
    const source = bootstrapSource();
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      // A worker's own output goes to stderr: stdout carries the result (--json) and nothing else.
      const worker = new Worker(source, { eval: true, workerData: init, stdout: true });
      worker.stdout.on('data', (chunk: Buffer) => process.stderr.write(chunk));
      workers.push(worker);
      ready.push(
        new Promise((resolve, reject) => {
          const onMessage = (m: FromWorker) => {
            if (m.type !== 'ready') return;
            worker.off('message', onMessage);
            worker.off('error', reject);
            resolve();
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
        }),
      );
    }
    const pool = new WorkerPool(workers);
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.close();
      throw new Error(`a sweep worker failed to start: ${error instanceof Error ? error.message : String(error)}`);
    }
    pool.readySeconds = (performance.now() - began) / 1000;
    for (const worker of workers) pool.attach(worker);
    return pool;
  }

  /** Hands every worker the candles (a SharedArrayBuffer: shared, not copied). */
  share(columns: CandleColumns): this {
    for (const worker of this.workers) worker.postMessage({ type: 'columns', columns } satisfies ToWorker);
    return this;
  }

  run(params: Record<string, unknown>, range: TimeRange): Promise<SweepRun> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ message: { type: 'run', params, from: range.start, to: range.end }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private attach(worker: Worker): void {
    this.idle.push(worker);
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') return;
      const job = this.pending.get(m.id);
      if (!job) return;
      this.pending.delete(m.id);
      this.idle.push(worker);
      if (m.type === 'result') {
        this.runTimes.push({ worker: this.workers.indexOf(worker), ms: m.ms });
        job.resolve(m.run);
      } else {
        // Bad input found in a worker (no candles in a part of the span) is still bad input: one line, exit 2.
        job.reject(m.input ? new BacktestInputError(m.message) : (asInputError(new Error(m.message)) as Error));
      }
      this.dispatch();
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const [id, job] of this.pending) {
        this.pending.delete(id);
        job.reject(error);
      }
      for (const job of this.waiting.splice(0)) job.reject(error);
    };
    worker.on('error', (error) => fail(new Error(`a sweep worker failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (code !== 0 && code !== 1) fail(new Error(`a sweep worker exited with code ${code}`));
      else if (this.pending.size > 0 && [...this.pending.values()].some((j) => j.worker === worker)) fail(new Error('a sweep worker exited mid-run'));
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.waiting.length > 0) {
      const worker = this.idle.shift()!;
      const job = this.waiting.shift()!;
      const id = this.nextId++;
      this.pending.set(id, { worker, resolve: job.resolve, reject: job.reject });
      worker.postMessage({ ...job.message, id } satisfies ToWorker);
    }
  }
}

function bootstrapSource(): string {
  return tsWorkerSource(new URL('./optimize-worker.ts', import.meta.url), { preloadNative: true });
}

// ── The journal: where the Management LLM finds the results ──

export const OPTIMIZE_INDEX = 'optimize.index';
const INDEX_LENGTH = 100;

export interface OptimizationIndexEntry {
  readonly key: string;
  readonly crew: string;
  readonly symbol: string;
  readonly interval: string;
  readonly at: string;
}

export interface StoredOptimization {
  readonly key: string;
  /** When it was journaled (ISO). */
  readonly at: string;
  readonly result: OptimizationResult;
}

/** Stores the result under `optimize.<crew>.<timestamp>` and lists it in `optimize.index`. */
export async function journalOptimization(target: string | Journal, result: OptimizationResult, now = new Date()): Promise<string> {
  const journal = typeof target === 'string' ? await openJournal(target) : target;
  try {
    const at = now.toISOString();
    const stamp = at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    let key = `optimize.${result.crew}.${stamp}`;
    for (let n = 2; (await journal.getSetting(key)) !== null; n++) key = `optimize.${result.crew}.${stamp}-${n}`;
    const stored: StoredOptimization = { key, at, result: { ...result, journalKey: key } };
    await journal.setSetting(key, stored, {
      actor: 'cli',
      via: 'cli',
      action: 'optimize',
      detail: { key, crew: result.crew, symbol: result.symbol, interval: result.interval, combinations: result.combinations, metric: result.metric },
      at: now.getTime(),
    });
    const index = ((await journal.getSetting<OptimizationIndexEntry[]>(OPTIMIZE_INDEX)) ?? []).filter((e) => e.key !== key);
    index.push({ key, crew: result.crew, symbol: result.symbol, interval: result.interval, at });
    await journal.setSetting(OPTIMIZE_INDEX, index.slice(-INDEX_LENGTH), null);
    await journal.flush();
    return key;
  } finally {
    if (typeof target === 'string') await journal.close();
  }
}

/** The newest sweep journaled (for one crew, when given), or null. */
export async function latestOptimizationResults(journal: Journal, crew?: string): Promise<StoredOptimization | null> {
  const index = (await journal.getSetting<OptimizationIndexEntry[]>(OPTIMIZE_INDEX)) ?? [];
  for (let i = index.length - 1; i >= 0; i--) {
    const entry = index[i]!;
    if (crew !== undefined && entry.crew !== crew) continue;
    const stored = await journal.getSetting<StoredOptimization>(entry.key);
    if (stored) return stored;
  }
  return null;
}

async function openJournal(file: string): Promise<Journal> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return SqliteJournal.open(file);
}
