// One worker of a parameter sweep. It receives the span's candles once — six columns of
// float64 in a SharedArrayBuffer, read from the files by the main thread — and then runs one
// combination after another through the real desk (engine, risk gate, paper exchange) over
// an in-memory market on those columns: no file is read per combination, and no candle is
// copied between threads.
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Candle, Interval } from '../core/domain.ts';
import { intervalMs } from '../core/domain.ts';
import type { CandleSubscription, MarketData } from '../ports/market-data.ts';
import type { RiskLimits } from '../risk/limits.ts';
import type { Kpis } from './kpis.ts';
import { amount, BacktestInputError, crewCatalog, measure, quoteAsset, simulate, singleCrewConfig } from './run.ts';

/** The candles of one symbol and interval, column-wise. */
export interface CandleColumns {
  readonly symbol: string;
  readonly interval: Interval;
  readonly count: number;
  /** 6 × count float64: open times, opens, highs, lows, closes, volumes. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
}

export const COLUMN_COUNT = 6;

export interface ColumnViews {
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export function columnViews(columns: CandleColumns): ColumnViews {
  const view = (k: number) => new Float64Array(columns.buffer, k * columns.count * 8, columns.count);
  return { openTime: view(0), open: view(1), high: view(2), low: view(3), close: view(4), volume: view(5) };
}

/** The first index whose open time is ≥ time (count when none is). */
export function lowerBound(openTime: Float64Array, time: number): number {
  let lo = 0;
  let hi = openTime.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (openTime[mid]! < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A market over candle columns: the candles with open time in [from, to), history before them. */
export class ColumnMarketData implements MarketData {
  readonly description: string;
  private readonly views: ColumnViews;
  private readonly step: number;
  private readonly lo: number;
  private readonly hi: number;

  constructor(
    private readonly columns: CandleColumns,
    from: number,
    to: number,
  ) {
    this.views = columnViews(columns);
    this.step = intervalMs(columns.interval);
    this.lo = lowerBound(this.views.openTime, from);
    this.hi = lowerBound(this.views.openTime, to);
    this.description = `${columns.symbol} ${columns.interval} candles in memory`;
  }

  candles(subscriptions: readonly CandleSubscription[]): Iterable<Candle> {
    const { symbol, interval } = this.columns;
    const wanted = subscriptions.some((s) => s.symbol === symbol && s.interval === interval);
    const start = wanted ? this.lo : this.hi;
    return { [Symbol.iterator]: () => this.iterate(start, this.hi) };
  }

  async history(subscription: CandleSubscription, limit: number, before: number): Promise<readonly Candle[]> {
    if (subscription.symbol !== this.columns.symbol || subscription.interval !== this.columns.interval || limit <= 0) return [];
    // A candle is history when it closed before `before`: openTime + step − 1 < before.
    const end = lowerBound(this.views.openTime, before - this.step + 1);
    const out: Candle[] = [];
    for (let i = Math.max(0, end - limit); i < end; i++) out.push(this.candleAt(i));
    return out;
  }

  private iterate(start: number, end: number): Iterator<Candle> {
    let i = start;
    return {
      next: (): IteratorResult<Candle> => (i < end ? { value: this.candleAt(i++), done: false } : { value: undefined, done: true }),
      return: (): IteratorResult<Candle> => {
        i = end;
        return { value: undefined, done: true };
      },
    };
  }

  private candleAt(i: number): Candle {
    const v = this.views;
    const openTime = v.openTime[i]!;
    return {
      symbol: this.columns.symbol,
      interval: this.columns.interval,
      openTime,
      closeTime: openTime + this.step - 1,
      open: v.open[i]!,
      high: v.high[i]!,
      low: v.low[i]!,
      close: v.close[i]!,
      volume: v.volume[i]!,
    };
  }
}

/** What every run of a sweep shares. */
export interface SweepSetup {
  readonly columns: CandleColumns;
  readonly crew: string;
  readonly crewDirs: readonly string[];
  readonly cash: number;
  readonly feeBps: number;
  readonly slippageBps: number;
  readonly risk?: Partial<RiskLimits>;
}

/** One run's outcome, small enough to post between threads. */
export interface SweepRun {
  readonly finalEquity: number;
  readonly kpis: Kpis;
  readonly fills: number;
  readonly candles: number;
}

/** Runs one combination (params already validated) over the candles with open time in [from, to). */
export async function runCombination(setup: SweepSetup, params: Record<string, unknown>, from: number, to: number): Promise<SweepRun> {
  const { columns, cash, feeBps, slippageBps } = setup;
  const config = singleCrewConfig({
    crew: setup.crew,
    symbol: columns.symbol,
    interval: columns.interval,
    params,
    crewDirs: setup.crewDirs,
    cash,
    feeBps,
    slippageBps,
    journal: ':memory:',
    risk: setup.risk,
  });
  const market = new ColumnMarketData(columns, from, to);
  const views = columnViews(columns);
  const run = await simulate({
    config,
    market,
    from,
    feeBps,
    slippageBps,
    balances: { [quoteAsset(columns.symbol)]: amount(cash) },
    journal: ':memory:',
    perCrew: false,
    priceLevels: new Map([[columns.symbol, views.open[0] ?? 1]]),
  });
  const crew = run.crews[0]!;
  const kpis = measure({ equity: run.total, fills: crew.fills, startCash: cash, span: run.span }, run.prices.get(columns.symbol), feeBps);
  return { finalEquity: run.finalEquity, kpis, fills: crew.fills.length, candles: run.span.candles };
}

// ── The worker side of the protocol ──

export const WORKER_KIND = 'crewdesk.optimize';

/** What a worker starts with. The candles come later (a `columns` message): workers start — load
 * the sources and the crew modules — while the main thread reads the candle files. */
export interface WorkerInit extends Omit<SweepSetup, 'columns'> {
  readonly kind: typeof WORKER_KIND;
}

export type ToWorker =
  | { readonly type: 'columns'; readonly columns: CandleColumns }
  | { readonly type: 'run'; readonly id: number; readonly params: Record<string, unknown>; readonly from: number; readonly to: number };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly run: SweepRun; readonly ms: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string /** A BacktestInputError: the user's to fix. */; readonly input: boolean };

async function serve(port: MessagePort, init: WorkerInit): Promise<void> {
  // The crew modules load now, in parallel with the main thread reading the candles.
  await crewCatalog(init.crewDirs);
  let setup: SweepSetup | null = null;
  // One run at a time, in the order asked: the main thread sends the next when one is back.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (message: ToWorker) => {
    if (message.type === 'columns') {
      setup = { ...init, columns: message.columns };
      return;
    }
    queue = queue.then(async () => {
      try {
        const current = setup;
        if (current === null) throw new Error('a run came before the candles');
        const started = performance.now();
        const run = await runCombination(current, message.params, message.from, message.to);
        port.postMessage({ type: 'result', id: message.id, run, ms: performance.now() - started } satisfies FromWorker);
      } catch (error) {
        port.postMessage({
          type: 'failed',
          id: message.id,
          message: error instanceof Error ? error.message : String(error),
          input: error instanceof BacktestInputError,
        } satisfies FromWorker);
      }
    });
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

if (!isMainThread && parentPort !== null && (workerData as Partial<WorkerInit> | null)?.kind === WORKER_KIND) {
  void serve(parentPort, workerData as WorkerInit);
}
