// Market data from historical candle files, for backtests and replays. Files are matched to
// subscriptions by their names (BTCUSDT-1m-2024-01.csv → BTCUSDT 1m), read one after the other
// per subscription, and the subscriptions' streams are merged lazily in close-time order, so
// memory stays flat however many candles the files hold.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle, Interval } from '../core/domain.ts';
import { intervalMs } from '../core/domain.ts';
import type { CandleSubscription, MarketData } from '../ports/market-data.ts';
import type { CandleGap, ReadCandlesOptions } from './csv-candles.ts';
import {
  CandleFileError,
  candleFileName,
  flattenBatches,
  flattenBatchesSync,
  type CandleFileEnds,
  probeCandleFileSync,
  readCandles,
  readCandlesSync,
} from './csv-candles.ts';

export interface FileMarketDataOptions {
  /** CSV files and/or directories (searched recursively for `SYMBOL-INTERVAL-….csv`). */
  readonly paths: readonly string[];
  /** Only candles with openTime ≥ from (ms). */
  readonly from?: number;
  /** Only candles with openTime < to (ms, exclusive). */
  readonly to?: number;
  /** Called for every gap in the data delivered, within a file or between two files. */
  readonly onGap?: (gap: CandleGap) => void;
  /**
   * Read with synchronous file I/O and make `candles()` a plain Iterable: no promise per candle,
   * the fastest for backtests (the engine runs a synchronous source without awaiting). It blocks
   * the event loop while iterated, so leave it off where other work shares the process.
   */
  readonly synchronous?: boolean;
}

/** One candle file found under the paths, with what its name says. */
export interface CandleFileEntry {
  readonly file: string;
  readonly symbol: string;
  readonly interval: Interval;
}

interface ProbedFile extends CandleFileEntry {
  readonly firstOpenTime: number;
  readonly lastOpenTime: number;
}

/** One subscription's stream during a merge: its current batch and the next candle's index in it. */
interface Head {
  batch: readonly Candle[];
  index: number;
}

const MERGED_BATCH = 4096;

export class FileMarketData implements MarketData {
  readonly description: string;
  /** Every gap met so far, in the order met. */
  readonly gaps: CandleGap[] = [];
  private listed: readonly CandleFileEntry[] | null = null;
  private readonly probes = new Map<string, CandleFileEnds>();

  constructor(private readonly options: FileMarketDataOptions) {
    if (options.paths.length === 0) throw new Error('FileMarketData needs at least one file or directory');
    this.description = `candle files in ${options.paths.join(', ')}`;
  }

  /** A FileMarketData whose files are listed up front (a missing path fails here, and `covers` can answer). */
  static async open(paths: readonly string[], options: Omit<FileMarketDataOptions, 'paths'> = {}): Promise<FileMarketData> {
    const market = new FileMarketData({ ...options, paths });
    market.files();
    return market;
  }

  /** The candle files under the paths, listed once (in directories, names that do not say a symbol and interval are skipped). */
  files(): readonly CandleFileEntry[] {
    this.listed ??= listCandleFilesSync(this.options.paths);
    return this.listed;
  }

  /** A file's first and last open times (its head and tail read once, however often asked). */
  probe(file: string): CandleFileEnds {
    let ends = this.probes.get(file);
    if (ends === undefined) this.probes.set(file, (ends = probeCandleFileSync(file)));
    return ends;
  }

  /** Whether some file holds this subscription's candles. */
  covers(subscription: CandleSubscription): boolean {
    return this.files().some((f) => f.symbol === subscription.symbol && f.interval === subscription.interval);
  }

  candles(subscriptions: readonly CandleSubscription[], signal?: AbortSignal): AsyncIterable<Candle> | Iterable<Candle> {
    if (this.options.synchronous === true) {
      return { [Symbol.iterator]: () => flattenBatchesSync(this.mergeSync(subscriptions, signal), signal) };
    }
    return { [Symbol.asyncIterator]: () => flattenBatches(this.mergeAsync(subscriptions, signal), signal) };
  }

  /**
   * The `limit` candles closing before `before`, oldest first. Ignores the `from` option
   * (warm-up candles come from before a backtest's start) and reads only the last files needed.
   */
  async history(subscription: CandleSubscription, limit: number, before: number): Promise<readonly Candle[]> {
    if (limit <= 0) return [];
    const files = this.filesFor(subscription, undefined, before);
    const step = intervalMs(subscription.interval);
    // Walk back until the files can hold `limit` candles (gaps make that an estimate: one file more).
    let first = files.length;
    let room = 0;
    while (first > 0 && room < limit) {
      first--;
      const f = files[first]!;
      room += (Math.min(f.lastOpenTime, before) - f.firstOpenTime) / step + 1;
    }
    first = Math.max(0, first - 1);
    const recent: Candle[] = [];
    for await (const batch of this.streamAsync(files.slice(first), undefined, before)) {
      for (const candle of batch) if (candle.closeTime < before) recent.push(candle);
      if (recent.length > limit * 2) recent.splice(0, recent.length - limit);
    }
    return recent.slice(-limit);
  }

  private async *mergeAsync(subscriptions: readonly CandleSubscription[], signal?: AbortSignal): AsyncGenerator<readonly Candle[]> {
    const sources = this.sources(subscriptions).map((files) => this.streamAsync(files, this.options.from, this.options.to));
    const heads: Head[] = sources.map(() => ({ batch: [], index: 0 }));
    const refill = async (k: number): Promise<boolean> => {
      for (;;) {
        const next = await sources[k]!.next();
        if (next.done === true) return false;
        if (next.value.length > 0) {
          heads[k] = { batch: next.value, index: 0 };
          return true;
        }
      }
    };
    try {
      const live: number[] = [];
      for (let k = 0; k < sources.length; k++) if (await refill(k)) live.push(k);
      let out: Candle[] = [];
      while (live.length > 0) {
        if (signal?.aborted === true) return;
        if (live.length === 1 && out.length === 0) {
          // One stream (left): its batches as they are.
          yield rest(heads[live[0]!]!);
          if (!(await refill(live[0]!))) live.length = 0;
          continue;
        }
        const exhausted = mergeStep(heads, live, out);
        if (out.length > 0) {
          // Hand over what is merged before waiting on a file.
          yield out;
          out = [];
        }
        if (exhausted !== -1 && !(await refill(live[exhausted]!))) live.splice(exhausted, 1);
      }
    } finally {
      await Promise.all(sources.map((s) => s.return(undefined)));
    }
  }

  private *mergeSync(subscriptions: readonly CandleSubscription[], signal?: AbortSignal): Generator<readonly Candle[]> {
    const sources = this.sources(subscriptions).map((files) => this.streamSync(files, this.options.from, this.options.to));
    const heads: Head[] = sources.map(() => ({ batch: [], index: 0 }));
    const refill = (k: number): boolean => {
      for (;;) {
        const next = sources[k]!.next();
        if (next.done === true) return false;
        if (next.value.length > 0) {
          heads[k] = { batch: next.value, index: 0 };
          return true;
        }
      }
    };
    try {
      const live: number[] = [];
      for (let k = 0; k < sources.length; k++) if (refill(k)) live.push(k);
      let out: Candle[] = [];
      while (live.length > 0) {
        if (signal?.aborted === true) return;
        if (live.length === 1 && out.length === 0) {
          yield rest(heads[live[0]!]!);
          if (!refill(live[0]!)) live.length = 0;
          continue;
        }
        const exhausted = mergeStep(heads, live, out);
        if (out.length > 0) {
          yield out;
          out = [];
        }
        if (exhausted !== -1 && !refill(live[exhausted]!)) live.splice(exhausted, 1);
      }
    } finally {
      for (const s of sources) s.return(undefined);
    }
  }

  /** The files one subscription's candles within from/to come from, in order (what a research job names). */
  filesOf(subscription: CandleSubscription): readonly CandleFileEntry[] {
    return this.filesFor(subscription, this.options.from, this.options.to);
  }

  /** Per subscription (duplicates dropped), its files in order; fails before reading when one has none. */
  private sources(subscriptions: readonly CandleSubscription[]): ProbedFile[][] {
    const unique = new Map<string, CandleSubscription>();
    for (const s of subscriptions) unique.set(`${s.symbol} ${s.interval}`, s);
    return [...unique.values()].map((s) => this.filesFor(s, this.options.from, this.options.to));
  }

  private readOptions(previousOpenTime: number | undefined, from: number | undefined, to: number | undefined): ReadCandlesOptions {
    return {
      from,
      to,
      previousOpenTime,
      onGap: (gap) => {
        this.gaps.push(gap);
        this.options.onGap?.(gap);
      },
    };
  }

  /** One subscription's candles across its files, in order, checked for order and gaps across files. */
  private async *streamAsync(files: readonly ProbedFile[], from?: number, to?: number): AsyncGenerator<readonly Candle[]> {
    let previousOpenTime: number | undefined;
    for (const f of files) {
      const reader = readCandles(f.file, { symbol: f.symbol, interval: f.interval, ...this.readOptions(previousOpenTime, from, to) });
      for await (const batch of reader.batches()) yield batch;
      previousOpenTime = reader.summary.lastOpenTime ?? previousOpenTime;
    }
  }

  private *streamSync(files: readonly ProbedFile[], from?: number, to?: number): Generator<readonly Candle[]> {
    let previousOpenTime: number | undefined;
    for (const f of files) {
      const reader = readCandlesSync(f.file, { symbol: f.symbol, interval: f.interval, ...this.readOptions(previousOpenTime, from, to) });
      yield* reader.batches();
      previousOpenTime = reader.summary.lastOpenTime ?? previousOpenTime;
    }
  }

  /** The files for one subscription that may hold candles in [from, to), ordered by their first candle. */
  private filesFor(subscription: CandleSubscription, from?: number, to?: number): ProbedFile[] {
    const entries = this.files().filter((f) => f.symbol === subscription.symbol && f.interval === subscription.interval);
    if (entries.length === 0) throw new Error(noCandleFiles(subscription, this.options.paths));
    const probed: ProbedFile[] = [];
    for (const entry of entries) {
      const { firstOpenTime, lastOpenTime } = this.probe(entry.file);
      if (firstOpenTime === null || lastOpenTime === null) continue; // empty, or a header only
      probed.push({ ...entry, firstOpenTime, lastOpenTime });
    }
    probed.sort((a, b) => a.firstOpenTime - b.firstOpenTime || (a.file < b.file ? -1 : 1));
    for (let i = 1; i < probed.length; i++) {
      const previous = probed[i - 1]!;
      const current = probed[i]!;
      if (current.firstOpenTime <= previous.lastOpenTime) {
        throw new CandleFileError(
          current.file,
          0,
          `overlaps ${previous.file} (both hold ${subscription.symbol} ${subscription.interval} candles at ` +
            `${new Date(current.firstOpenTime).toISOString()}); keep only one of them`,
        );
      }
    }
    const step = intervalMs(subscription.interval);
    return probed.filter((f) => (from === undefined || f.lastOpenTime + step > from) && (to === undefined || f.firstOpenTime < to));
  }
}

/** Why a subscription cannot be served: no file under the paths is named for it (and how to get some). */
export function noCandleFiles(subscription: CandleSubscription, paths: readonly string[]): string {
  const { symbol, interval } = subscription;
  return (
    `no candle files for ${symbol} ${interval} in ${paths.join(', ')} ` +
    `(expected names like ${symbol}-${interval}-2024-01.csv; crewdesk data download ${symbol} ${interval} … fetches them)`
  );
}

/** What is left of a head's batch (the batch itself when untouched); the head is then used up. */
function rest(head: Head): readonly Candle[] {
  const batch = head.index === 0 ? head.batch : head.batch.slice(head.index);
  head.index = head.batch.length;
  return batch;
}

/**
 * Moves candles from the live heads into `out` in time order until `out` holds MERGED_BATCH
 * (returns −1) or a head's batch runs out (returns that head's position in `live`).
 */
function mergeStep(heads: Head[], live: number[], out: Candle[]): number {
  if (live.length === 1) {
    // One stream left: the rest of its batch as it is.
    const head = heads[live[0]!]!;
    const batch = head.batch;
    for (let i = head.index; i < batch.length; i++) out.push(batch[i]!);
    head.index = batch.length;
    return 0;
  }
  while (out.length < MERGED_BATCH) {
    let best = 0;
    let bestHead = heads[live[0]!]!;
    let bestCandle = bestHead.batch[bestHead.index]!;
    for (let k = 1; k < live.length; k++) {
      const head = heads[live[k]!]!;
      const candidate = head.batch[head.index]!;
      if (earlier(candidate, bestCandle)) {
        best = k;
        bestHead = head;
        bestCandle = candidate;
      }
    }
    out.push(bestCandle);
    if (++bestHead.index >= bestHead.batch.length) return best;
  }
  return -1;
}

/** Earlier close first; at the same close, by symbol, then the shorter interval first. */
function earlier(a: Candle, b: Candle): boolean {
  if (a.closeTime !== b.closeTime) return a.closeTime < b.closeTime;
  if (a.symbol !== b.symbol) return a.symbol < b.symbol;
  return intervalMs(a.interval) < intervalMs(b.interval);
}

/** Candle CSV files under the given paths; an explicit file must have a name that says its symbol and interval. */
export function listCandleFilesSync(paths: readonly string[]): CandleFileEntry[] {
  const found: CandleFileEntry[] = [];
  const seen = new Set<string>();
  const add = (file: string, explicit: boolean): void => {
    if (seen.has(file)) return;
    const name = candleFileName(file);
    if (name === null) {
      if (explicit) {
        throw new CandleFileError(file, 0, 'cannot tell the symbol and interval from the file name (expected BTCUSDT-1h-….csv)');
      }
      return;
    }
    seen.add(file);
    found.push({ file, ...name });
  };
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.csv')) add(path, false);
    }
  };
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A fresh clone has no candles: say how to fetch them.
      const missing = `no such file or directory (fetch candles first: crewdesk data download SYMBOL INTERVAL FROM TO writes them to data/candles)`;
      throw new Error(`candle path ${path}: ${code === 'ENOENT' ? missing : (error as Error).message}`);
    }
    if (isDirectory) walk(path);
    else add(path, true);
  }
  return found;
}

/** listCandleFilesSync as a promise (for callers that prefer it). */
export async function listCandleFiles(paths: readonly string[]): Promise<CandleFileEntry[]> {
  return listCandleFilesSync(paths);
}
