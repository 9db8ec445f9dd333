// Historical candle files: the data.binance.vision spot kline CSV (12 columns, no header, open
// time in ms before 2025 and µs from 2025 on) and a plain OHLCV CSV with a header. Files are
// streamed chunk by chunk and parsed by hand (no regex, no per-row zod): backtests read
// hundreds of thousands of rows and must stay fast with memory flat in the file's size.
// Every row is validated; a bad row is an error naming the file and line, and gaps in the
// data (exchange maintenance) are reported, never filled.
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import type { Candle, Interval } from '../core/domain.ts';
import { intervalMs, isInterval } from '../core/domain.ts';

/** `binance`: the 12-column kline CSV of data.binance.vision; `ohlcv`: `open_time,open,high,low,close,volume`. */
export type CandleFileFormat = 'binance' | 'ohlcv';

export const OHLCV_HEADER = 'open_time,open,high,low,close,volume';

/** A bad candle file: `file` and 1-based `line` say where; `reason` says what. */
export class CandleFileError extends Error {
  override readonly name = 'CandleFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

/** Missing candles between two rows: the open times in [from, to) have no row. */
export interface CandleGap {
  readonly file: string;
  /** Line of the row that resumes after the gap. */
  readonly line: number;
  readonly symbol: string;
  readonly interval: Interval;
  /** Open time (ms) of the first missing candle. */
  readonly from: number;
  /** Open time (ms) of the candle that resumes the series (exclusive end of the gap). */
  readonly to: number;
  /** Number of missing candles: (to − from) / interval. */
  readonly missing: number;
}

export interface ReadCandlesOptions {
  /** Defaults to the file name's first part (`BTCUSDT-1h-2021-Q1.csv` → BTCUSDT). */
  readonly symbol?: string;
  /** Defaults to the file name's second part (`BTCUSDT-1h-2021-Q1.csv` → 1h). */
  readonly interval?: Interval;
  /** Only candles with openTime ≥ from (ms). */
  readonly from?: number;
  /** Only candles with openTime < to (ms, exclusive); reading stops at the first row past it. */
  readonly to?: number;
  /** Called for every gap (a step larger than the interval) among the candles delivered. */
  readonly onGap?: (gap: CandleGap) => void;
  /**
   * Open time of the candle just before this file's first row, when the file continues
   * another one (monthly files): the first row is checked for order and gaps against it.
   */
  readonly previousOpenTime?: number;
  /** Bytes read at a time (default 1 MiB); small values exercise rows cut across reads. */
  readonly chunkBytes?: number;
}

/** What a read found; filled in as the rows stream by, complete once iteration ends. */
export interface CandleFileSummary {
  readonly file: string;
  readonly symbol: string;
  readonly interval: Interval;
  /** Null until the first line is read (or for an empty file). */
  readonly format: CandleFileFormat | null;
  readonly hasHeader: boolean;
  /** Data rows read and validated (headers and blank lines excluded). */
  readonly rows: number;
  /** Candles delivered (inside from/to). */
  readonly candles: number;
  /** Rows whose open time was in microseconds (data.binance.vision files from 2025 on). */
  readonly microsecondRows: number;
  readonly firstOpenTime: number | null;
  readonly lastOpenTime: number | null;
  readonly gaps: readonly CandleGap[];
}

/** A candle file being read: iterate it for candles; `summary` describes what was read so far. */
export interface CandleFileReader extends AsyncIterable<Candle> {
  readonly file: string;
  readonly summary: CandleFileSummary;
  /** The same candles one array per read chunk: fewer awaits for engines that batch. */
  batches(): AsyncIterable<readonly Candle[]>;
}

type MutableSummary = { -readonly [K in keyof CandleFileSummary]: CandleFileSummary[K] } & { gaps: CandleGap[] };

/**
 * Symbol and interval from a file name such as `BTCUSDT-1h-2021-Q1.csv` or
 * `BTCUSDT-1m-2024-01.csv`, or null when the name does not say them.
 */
export function candleFileName(file: string): { symbol: string; interval: Interval } | null {
  const parts = basename(file).split('-');
  const symbol = parts[0];
  const interval = parts[1]?.replace(/\.csv$/i, '');
  if (symbol === undefined || interval === undefined || !/^[A-Z0-9]{2,30}$/.test(symbol) || !isInterval(interval)) {
    return null;
  }
  return { symbol, interval };
}

function resolveIdentity(file: string, options: ReadCandlesOptions): { symbol: string; interval: Interval } {
  const fromName = candleFileName(file);
  const symbol = options.symbol ?? fromName?.symbol;
  const interval = options.interval ?? fromName?.interval;
  if (symbol === undefined || interval === undefined) {
    throw new CandleFileError(
      file,
      0,
      `cannot tell the ${symbol === undefined ? 'symbol' : 'interval'} from the file name; ` +
        'name it like BTCUSDT-1h-2021-Q1.csv or pass { symbol, interval }',
    );
  }
  if (!isInterval(interval)) throw new CandleFileError(file, 0, `unsupported interval ${String(interval)}`);
  return { symbol, interval };
}

/**
 * Streams the candles of one CSV file, oldest first, validating every row.
 * Throws CandleFileError at once when the symbol or interval cannot be known.
 */
export function readCandles(file: string, options: ReadCandlesOptions = {}): CandleFileReader {
  const { symbol, interval } = resolveIdentity(file, options);
  let summary: MutableSummary = emptySummary(file, symbol, interval);
  async function* batches(): AsyncGenerator<readonly Candle[]> {
    const parser = new CandleCsvParser(file, symbol, interval, options);
    summary = parser.summary;
    const stream = createReadStream(file, { highWaterMark: options.chunkBytes ?? 1 << 20 });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const out = parser.push(chunk);
        if (out.length > 0) yield out;
        if (parser.stopped) return;
      }
      const out = parser.end();
      if (out.length > 0) yield out;
    } finally {
      stream.destroy();
    }
  }
  return {
    file,
    get summary(): CandleFileSummary {
      return summary;
    },
    batches,
    [Symbol.asyncIterator]: () => flattenBatches(batches()),
  };
}

/** A candle file read with synchronous I/O: a plain Iterable, no promise per candle. */
export interface CandleFileSyncReader extends Iterable<Candle> {
  readonly file: string;
  readonly summary: CandleFileSummary;
  batches(): Iterable<readonly Candle[]>;
}

/**
 * The same as readCandles with synchronous reads (one buffer reused, memory still flat). For
 * backtests, which run synchronously anyway: it blocks the event loop while it is iterated.
 */
export function readCandlesSync(file: string, options: ReadCandlesOptions = {}): CandleFileSyncReader {
  const { symbol, interval } = resolveIdentity(file, options);
  let summary: MutableSummary = emptySummary(file, symbol, interval);
  function* batches(): Generator<readonly Candle[]> {
    const parser = new CandleCsvParser(file, symbol, interval, options);
    summary = parser.summary;
    const buffer = Buffer.allocUnsafe(options.chunkBytes ?? 1 << 20);
    const fd = openSync(file, 'r');
    try {
      for (;;) {
        const read = readSync(fd, buffer, 0, buffer.length, null);
        if (read === 0) break;
        const out = parser.push(read === buffer.length ? buffer : buffer.subarray(0, read));
        if (out.length > 0) yield out;
        if (parser.stopped) return;
      }
      const out = parser.end();
      if (out.length > 0) yield out;
    } finally {
      closeSync(fd);
    }
  }
  return {
    file,
    get summary(): CandleFileSummary {
      return summary;
    },
    batches,
    [Symbol.iterator]: () => flattenBatchesSync(batches()),
  };
}

/** flattenBatches for synchronous sources: a hand-written iterator, cheaper per candle than a generator. */
export function flattenBatchesSync(source: Iterator<readonly Candle[]>, signal?: AbortSignal): IterableIterator<Candle> {
  let batch: readonly Candle[] = [];
  let index = 0;
  let finished = false;
  const done = (): IteratorResult<Candle> => {
    if (!finished) {
      finished = true;
      batch = [];
      source.return?.(undefined);
    }
    return { value: undefined, done: true };
  };
  const iterator: IterableIterator<Candle> = {
    next(): IteratorResult<Candle> {
      for (;;) {
        if (index < batch.length) {
          if (signal?.aborted === true) return done();
          return { value: batch[index++]!, done: false };
        }
        if (finished) return { value: undefined, done: true };
        const next = source.next();
        if (next.done === true) {
          finished = true;
          batch = [];
          return { value: undefined, done: true };
        }
        batch = next.value;
        index = 0;
      }
    },
    return: done,
    [Symbol.iterator]: () => iterator,
  };
  return iterator;
}

/** Reads a whole file and returns its summary (row count, gaps, span) without keeping the candles. */
export async function summarizeCandleFile(file: string, options: Omit<ReadCandlesOptions, 'from' | 'to'> = {}): Promise<CandleFileSummary> {
  const reader = readCandles(file, options);
  for await (const batch of reader.batches()) void batch;
  return reader.summary;
}

/**
 * Candles one by one from a source of batches, as a hand-written async iterator: while a batch
 * is buffered, `next()` resolves at once, which costs far less per candle than an async
 * generator's machinery. Once `signal` is aborted the iteration ends (and the source is closed).
 */
export function flattenBatches(source: AsyncIterator<readonly Candle[]>, signal?: AbortSignal): AsyncIterator<Candle> {
  let batch: readonly Candle[] = [];
  let index = 0;
  let finished = false;
  const done = async (): Promise<IteratorResult<Candle>> => {
    if (!finished) {
      finished = true;
      batch = [];
      await source.return?.(undefined);
    }
    return { value: undefined, done: true };
  };
  const pull = async (): Promise<IteratorResult<Candle>> => {
    for (;;) {
      if (finished || signal?.aborted === true) return done();
      if (index < batch.length) return { value: batch[index++]!, done: false };
      const next = await source.next();
      if (next.done === true) {
        finished = true;
        batch = [];
        return { value: undefined, done: true };
      }
      batch = next.value;
      index = 0;
    }
  };
  return {
    next(): Promise<IteratorResult<Candle>> {
      if (index < batch.length && signal?.aborted !== true) return Promise.resolve({ value: batch[index++]!, done: false });
      return pull();
    },
    return: done,
  };
}

/** A file's first and last open times; null for an empty file or a header only. */
export interface CandleFileEnds {
  readonly firstOpenTime: number | null;
  readonly lastOpenTime: number | null;
}

/** The first and last open times of a file, read from its head and tail only (for ordering files). */
export function probeCandleFileSync(file: string): CandleFileEnds {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const span = Math.min(size, PROBE_BYTES);
    const head = Buffer.alloc(span);
    readSync(fd, head, 0, span, 0);
    const tail = Buffer.alloc(span);
    readSync(fd, tail, 0, span, size - span);
    return probeEnds(head, tail, span < size);
  } finally {
    closeSync(fd);
  }
}

const PROBE_BYTES = 64 * 1024;

function probeEnds(head: Buffer, tail: Buffer, partial: boolean): { firstOpenTime: number | null; lastOpenTime: number | null } {
  const headLines = head.toString('latin1').split('\n');
  if (partial) headLines.pop(); // a line cut by the buffer's end
  const tailLines = tail.toString('latin1').split('\n');
  if (partial) tailLines.shift(); // a line cut by the buffer's start
  const openTimeOf = (line: string): number | null => {
    const comma = line.indexOf(',');
    if (comma <= 0) return null;
    const raw = parseNumber(line, 0, comma);
    if (!Number.isFinite(raw)) return null;
    return raw > MICROSECONDS_ABOVE ? raw / 1000 : raw;
  };
  let first: number | null = null;
  for (const line of headLines) {
    first = openTimeOf(line);
    if (first !== null) break;
  }
  let last: number | null = null;
  for (let i = tailLines.length - 1; i >= 0; i--) {
    last = openTimeOf(tailLines[i]!);
    if (last !== null) break;
  }
  return { firstOpenTime: first, lastOpenTime: last };
}

/** An open time above this is in microseconds (ms would be the year 5138). */
const MICROSECONDS_ABOVE = 1e14;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * A decimal field of `text` between [start, end), or NaN. The fast path (digits with one dot)
 * divides an exact integer by an exact power of ten, which rounds exactly as Number() does;
 * anything else (exponents, signs, long mantissas) goes through Number().
 */
function parseNumber(text: string, start: number, end: number): number {
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let dot = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (dot) scale++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      return slowNumber(text, start, end);
    }
  }
  if (digits === 0) return Number.NaN;
  if (mantissa > Number.MAX_SAFE_INTEGER || scale > 22) return slowNumber(text, start, end);
  return scale === 0 ? mantissa : mantissa / POW10[scale]!;
}

function slowNumber(text: string, start: number, end: number): number {
  const field = text.slice(start, end).trim();
  return field === '' ? Number.NaN : Number(field);
}

function emptySummary(file: string, symbol: string, interval: Interval): MutableSummary {
  return {
    file,
    symbol,
    interval,
    format: null,
    hasHeader: false,
    rows: 0,
    candles: 0,
    microsecondRows: 0,
    firstOpenTime: null,
    lastOpenTime: null,
    gaps: [],
  };
}

const COLUMNS: Record<CandleFileFormat, number> = { binance: 12, ohlcv: 6 };
const MAX_FIELDS = 13;

/** A line longer than this is not a candle row (and a file without newlines must not fill memory). */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * The row parser, fed byte chunks; synchronous so that a chunk becomes one array of candles.
 * Clean rows (digits, one dot, commas) are parsed in a single pass over the bytes; any other
 * line (a header, a sign, an exponent, a blank, an error) takes the string path, which also
 * words the errors.
 */
class CandleCsvParser {
  readonly summary: MutableSummary;
  /** Set once a row reaches `to`: the rest of the file is not read. */
  stopped = false;
  private carry: Buffer | null = null;
  private line = 0;
  private format: CandleFileFormat | null = null;
  private columns = 0;
  private previous: number | null;
  private readonly stepMs: number;
  private readonly from: number;
  private readonly to: number;
  private readonly starts = new Int32Array(MAX_FIELDS);
  private readonly ends = new Int32Array(MAX_FIELDS);

  constructor(
    private readonly file: string,
    private readonly symbol: string,
    private readonly interval: Interval,
    private readonly options: ReadCandlesOptions,
  ) {
    this.summary = emptySummary(file, symbol, interval);
    this.stepMs = intervalMs(interval);
    this.from = options.from ?? Number.NEGATIVE_INFINITY;
    this.to = options.to ?? Number.POSITIVE_INFINITY;
    this.previous = options.previousOpenTime ?? null;
  }

  push(chunk: Buffer): Candle[] {
    const out: Candle[] = [];
    let start = 0;
    if (this.carry !== null) {
      // The line cut by the previous chunk is joined on its own, not the whole chunk.
      const newline = chunk.indexOf(10);
      if (newline === -1) {
        this.carry = Buffer.concat([this.carry, chunk]); // a copy, as below
        if (this.carry.length > MAX_LINE_BYTES) this.tooLong();
        return out;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, newline + 1)]);
      this.carry = null;
      this.parseBytes(line, 0, out);
      if (this.stopped) return out;
      start = newline + 1;
    }
    const rest = this.parseBytes(chunk, start, out);
    if (rest < chunk.length && !this.stopped) {
      // A copy: the chunk's memory may be reused for the next read.
      this.carry = Buffer.from(chunk.subarray(rest));
      if (this.carry.length > MAX_LINE_BYTES) this.tooLong();
    }
    return out;
  }

  end(): Candle[] {
    const out: Candle[] = [];
    if (this.carry !== null && !this.stopped) {
      const text = this.carry.toString('latin1');
      this.line++;
      this.parseLine(text, 0, text.length, out);
    }
    this.carry = null;
    return out;
  }

  private tooLong(): never {
    this.line++;
    this.fail(`line longer than ${MAX_LINE_BYTES} bytes: not a candle CSV`);
  }

  private fail(reason: string): never {
    throw new CandleFileError(this.file, this.line, reason);
  }

  /**
   * Parses the complete lines of buf from `start`; returns where the unfinished last line begins.
   * The six columns a candle needs are parsed; the others (Binance's close time, quote volume,
   * trades, …) are only checked to be plain numbers and counted, which halves the work per row.
   */
  private parseBytes(buf: Buffer, start: number, out: Candle[]): number {
    const length = buf.length;
    const row = values;
    let i = start;
    while (i < length) {
      const lineStart = i;
      let plain = true;
      let field = 0;
      let c = 0;
      while (field < 6) {
        const fieldStart = i;
        let mantissa = 0;
        let dotAt = -1;
        for (;;) {
          if (i >= length) return lineStart;
          c = buf[i++]!;
          const digit = c - 48;
          if (digit >= 0 && digit <= 9) mantissa = mantissa * 10 + digit;
          else if (c === 46 && dotAt === -1) dotAt = i;
          else break;
        }
        const digitsEnd = i - 1;
        const scale = dotAt === -1 ? 0 : digitsEnd - dotAt;
        if (digitsEnd - fieldStart - (dotAt === -1 ? 0 : 1) <= 0 || mantissa > Number.MAX_SAFE_INTEGER || scale > 22) {
          plain = false;
        } else {
          row[field] = scale === 0 ? mantissa : mantissa / POW10[scale]!;
        }
        field++;
        if (c === 13 && i < length && buf[i] === 10) {
          i++;
          c = 10;
        }
        if (c !== 44) break;
      }
      if (c !== 10) {
        if (c !== 44) plain = false; // an odd character inside the first six columns
        let previous = 44;
        let dot = false;
        for (;;) {
          if (i >= length) return lineStart;
          c = buf[i++]!;
          if (c === 10) break;
          if (c === 44) {
            if (previous === 44) plain = false; // an empty field
            field++;
            dot = false;
          } else if (c === 46) {
            if (dot) plain = false;
            dot = true;
          } else if (c < 48 || c > 57) {
            if (c === 13 && i < length && buf[i] === 10) {
              i++; // CRLF
              break;
            }
            plain = false;
          }
          previous = c;
        }
        if (previous === 44) plain = false; // an empty last field
        field++;
      }
      this.line++;
      if (plain && field === this.columns) {
        this.acceptRow(out);
      } else {
        const text = buf.toString('latin1', lineStart, i - 1);
        this.parseLine(text, 0, text.length, out);
      }
      if (this.stopped) return length;
    }
    return length;
  }

  /** The string path for one line (without its newline): splits, detects the format, parses, accepts. */
  private parseLine(text: string, start: number, end: number, out: Candle[]): void {
    if (end > start && text.charCodeAt(end - 1) === 13) end--; // CRLF
    if (end === start) return; // blank line (padding)

    // Split into fields: starts/ends hold each field's bounds.
    const starts = this.starts;
    const ends = this.ends;
    let fields = 0;
    let position = start;
    for (;;) {
      const comma = text.indexOf(',', position);
      if (comma === -1 || comma >= end) {
        starts[fields] = position;
        ends[fields] = end;
        fields++;
        break;
      }
      if (fields === MAX_FIELDS - 1) {
        fields = text.slice(start, end).split(',').length;
        break;
      }
      starts[fields] = position;
      ends[fields] = comma;
      fields++;
      position = comma + 1;
    }

    if (this.format === null) {
      this.detectFormat(text, start, end, fields);
      if (this.summary.hasHeader) return;
    }
    const format = this.format!;
    if (fields !== this.columns) this.fail(`expected ${this.columns} columns, found ${fields}`);

    for (let i = 0; i < fields; i++) {
      const value = parseNumber(text, starts[i]!, ends[i]!);
      if (!Number.isFinite(value)) {
        const field = text.slice(starts[i]!, ends[i]!);
        this.fail(`column ${i + 1} (${columnName(format, i)}) is not a number: ${JSON.stringify(field)}`);
      }
      values[i] = value;
    }
    this.acceptRow(out);
  }

  /** Validates the row held in `values` and delivers it when inside from/to. */
  private acceptRow(out: Candle[]): void {
    const row = values;
    let openTime = row[0]!;
    if (openTime > MICROSECONDS_ABOVE) {
      openTime /= 1000;
      this.summary.microsecondRows++;
    }
    if (!Number.isInteger(openTime) || openTime <= 0) this.fail(`open time ${row[0]} is not a time in ms or µs`);
    if (openTime % this.stepMs !== 0) {
      this.fail(`open time ${iso(openTime)} is not on a ${this.interval} boundary (is this a ${this.interval} file?)`);
    }
    const open = row[1]!;
    const high = row[2]!;
    const low = row[3]!;
    const close = row[4]!;
    const volume = row[5]!;
    if (high < low) this.fail(`high ${high} is below low ${low}`);
    if (open > high || close > high) this.fail(`high ${high} is below the open ${open} or the close ${close}`);
    if (open < low || close < low) this.fail(`low ${low} is above the open ${open} or the close ${close}`);
    if (low <= 0) this.fail(`low ${low} is not a positive price`);
    if (volume < 0) this.fail(`volume ${volume} is negative`);

    const previous = this.previous;
    if (previous !== null) {
      if (openTime === previous) this.fail(`duplicate open time ${iso(openTime)}`);
      if (openTime < previous) this.fail(`open time ${iso(openTime)} is before the previous row's ${iso(previous)}`);
    }
    this.previous = openTime;
    const summary = this.summary;
    summary.rows++;

    if (openTime < this.from) return;
    if (openTime >= this.to) {
      this.stopped = true;
      return;
    }
    if (previous !== null && openTime - previous > this.stepMs) this.reportGap(previous + this.stepMs, openTime);

    out.push({
      symbol: this.symbol,
      interval: this.interval,
      openTime,
      closeTime: openTime + this.stepMs - 1,
      open,
      high,
      low,
      close,
      volume,
    });
    summary.candles++;
    if (summary.firstOpenTime === null) summary.firstOpenTime = openTime;
    summary.lastOpenTime = openTime;
  }

  private reportGap(gapFrom: number, gapTo: number): void {
    // Only the part of the gap inside the requested range counts.
    const from = Math.max(gapFrom, Math.ceil(this.from / this.stepMs) * this.stepMs);
    if (from >= gapTo) return;
    const gap: CandleGap = {
      file: this.file,
      line: this.line,
      symbol: this.symbol,
      interval: this.interval,
      from,
      to: gapTo,
      missing: (gapTo - from) / this.stepMs,
    };
    this.summary.gaps.push(gap);
    this.options.onGap?.(gap);
  }

  private detectFormat(text: string, start: number, end: number, fields: number): void {
    const numeric = Number.isFinite(parseNumber(text, this.starts[0]!, this.ends[0]!));
    const line = text.slice(start, end);
    if (fields === COLUMNS.binance) {
      this.format = 'binance';
    } else if (fields === COLUMNS.ohlcv) {
      this.format = 'ohlcv';
      if (!numeric && line.replace(/\s/g, '').toLowerCase() !== OHLCV_HEADER) {
        this.fail(`unknown header ${JSON.stringify(line)}; expected ${OHLCV_HEADER}`);
      }
    } else {
      this.fail(`unknown format: ${fields} columns; expected the 12-column Binance kline CSV or an OHLCV CSV with header ${OHLCV_HEADER}`);
    }
    this.columns = COLUMNS[this.format];
    this.summary.format = this.format;
    this.summary.hasHeader = !numeric;
  }
}

/** Scratch space for one row's numbers (rows are parsed one at a time, synchronously). */
const values = new Float64Array(MAX_FIELDS);

const BINANCE_COLUMN_NAMES = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'trades',
  'taker_buy_base',
  'taker_buy_quote',
  'ignore',
];

function columnName(format: CandleFileFormat, index: number): string {
  return (format === 'binance' ? BINANCE_COLUMN_NAMES : OHLCV_HEADER.split(','))[index] ?? '?';
}

function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
