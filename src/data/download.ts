// Downloads historical spot candles from data.binance.vision: one zip per month (or day), its
// sha256 checked against the published .CHECKSUM, the CSV inside extracted next to the others.
// A download goes to a `.part` file and resumes with an HTTP Range request after a dropped
// connection or an interrupted run; nothing ever appears under a final name unless complete.
// Periods not published yet (the current month or day) come from the REST klines endpoint in
// pages of 1000, written as the same 12-column CSV.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import yauzl from 'yauzl';
import { z } from 'zod';
import type { Interval } from '../core/domain.ts';
import { intervalMs } from '../core/domain.ts';
import type { CandlePeriod, PeriodKind } from './periods.ts';

export const DEFAULT_BASE_URL = 'https://data.binance.vision';
export const DEFAULT_REST_URL = 'https://api.binance.com';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
}

export interface DownloadOptions {
  readonly symbol: string;
  readonly interval: Interval;
  /** The months (or days) to fetch, oldest first; see periodsBetween. */
  readonly periods: readonly CandlePeriod[];
  /** Target folder (created when missing). */
  readonly dir: string;
  readonly baseUrl?: string;
  readonly restUrl?: string;
  /** A request fails when no byte arrives for this long (ms). Default 30 s. */
  readonly timeoutMs?: number;
  /** Attempts after a dropped connection, a timeout or a 5xx, each resuming where the last stopped. Default 4. */
  readonly retries?: number;
  /** A progress bar on stderr; default: when stderr is a TTY. */
  readonly progress?: boolean;
  /** Bytes of an archive on disk so far (after each chunk is written). */
  readonly onProgress?: (progress: { readonly file: string; readonly received: number; readonly total: number | null }) => void;
  /** One line per period ("BTCUSDT-1m-2024-01.csv: downloaded …"). */
  readonly log?: (line: string) => void;
  /** The REST weight budget per minute (Binance: 6000); requests pause near it. */
  readonly weightLimit?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type DownloadSource = 'skipped' | 'archive' | 'rest' | 'empty';

export interface DownloadOutcome {
  readonly period: string;
  /** The CSV's path (absent for `empty`: nothing was written). */
  readonly file: string;
  /** skipped: already there; archive: from the zip; rest: from the klines endpoint; empty: no candles exist. */
  readonly source: DownloadSource;
  readonly rows?: number;
}

/** The archive's name without extension: `BTCUSDT-1m-2024-01`. */
export function archiveName(symbol: string, interval: Interval, period: CandlePeriod): string {
  return `${symbol}-${interval}-${period.label}`;
}

/** Where data.binance.vision keeps a period's zip (its checksum is the same URL + `.CHECKSUM`). */
export function archiveUrl(baseUrl: string, symbol: string, interval: Interval, period: CandlePeriod): string {
  const kind: PeriodKind = period.kind;
  return `${trimSlash(baseUrl)}/data/spot/${kind}/klines/${symbol}/${interval}/${archiveName(symbol, interval, period)}.zip`;
}

/** Fetches every period into `dir`, one after the other; throws DownloadError on the first failure. */
export async function downloadCandles(options: DownloadOptions): Promise<DownloadOutcome[]> {
  const context = new Context(options);
  await mkdir(options.dir, { recursive: true });
  const outcomes: DownloadOutcome[] = [];
  for (const period of options.periods) {
    const outcome = await downloadPeriod(context, period);
    outcomes.push(outcome);
    options.log?.(describe(outcome));
  }
  return outcomes;
}

function describe(outcome: DownloadOutcome): string {
  switch (outcome.source) {
    case 'skipped':
      return `${outcome.file}: already there, skipped`;
    case 'archive':
      return `${outcome.file}: downloaded, sha256 verified`;
    case 'rest':
      return `${outcome.file}: ${outcome.rows} candles from the REST API (archive not published yet)`;
    case 'empty':
      return `${outcome.period}: no candles (not published, none from the REST API)`;
  }
}

class Context {
  readonly baseUrl: string;
  readonly restUrl: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly progress: boolean;
  readonly weightLimit: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly step: number;
  /** The REST weight used in the current minute, as the last response reported it. */
  usedWeight = 0;

  constructor(readonly options: DownloadOptions) {
    this.baseUrl = trimSlash(options.baseUrl ?? DEFAULT_BASE_URL);
    this.restUrl = trimSlash(options.restUrl ?? DEFAULT_REST_URL);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 4;
    this.progress = options.progress ?? process.stderr.isTTY === true;
    this.weightLimit = options.weightLimit ?? 6000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.step = intervalMs(options.interval);
  }

  /** Waits before attempt `attempt` (1, 2, …): 1 s, 2 s, 4 s, … capped at 30 s. */
  backoff(attempt: number): Promise<void> {
    return this.sleep(Math.min(30_000, 1000 * 2 ** (attempt - 1)));
  }
}

async function downloadPeriod(context: Context, period: CandlePeriod): Promise<DownloadOutcome> {
  const { symbol, interval, dir } = context.options;
  const name = archiveName(symbol, interval, period);
  const csv = join(dir, `${name}.csv`);
  if (await isComplete(csv, period)) return { period: period.label, file: csv, source: 'skipped' };

  const url = archiveUrl(context.baseUrl, symbol, interval, period);
  const part = join(dir, `${name}.zip.part`);
  for (let fresh = 0; ; fresh++) {
    const fetched = await fetchResumable(context, url, part, `${name}.zip`);
    if (fetched === 'missing') return restFallback(context, period, csv);
    const expected = await fetchChecksum(context, `${url}.CHECKSUM`);
    const actual = await sha256(part);
    if (actual === expected) break;
    await rm(part, { force: true });
    // A resumed download may have joined two versions of the file: once more from scratch.
    if (fetched === 'resumed' && fresh === 0) continue;
    throw new DownloadError(`${name}.zip: checksum mismatch (published sha256 ${expected}, downloaded ${actual}); nothing was kept`);
  }
  try {
    await extractCsv(part, `${name}.csv`, csv);
  } finally {
    await rm(part, { force: true });
  }
  return { period: period.label, file: csv, source: 'archive' };
}

/**
 * A CSV counts as complete when it was written after its period ended: an archive always is,
 * a REST download of the running month is not and is fetched again next time.
 */
async function isComplete(csv: string, period: CandlePeriod): Promise<boolean> {
  try {
    const info = await stat(csv);
    return info.isFile() && info.mtimeMs >= period.end;
  } catch {
    return false;
  }
}

/** An idle timeout: aborts when `touch` is not called for `ms`. */
class IdleTimeout {
  readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  constructor(ms: number, what: string) {
    this.timer = setTimeout(() => this.controller.abort(new DownloadError(`${what}: no data for ${ms} ms`)), ms);
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  touch(): void {
    this.timer.refresh();
  }
  clear(): void {
    clearTimeout(this.timer);
  }
}

async function partSize(part: string): Promise<number> {
  try {
    return (await stat(part)).size;
  } catch {
    return 0;
  }
}

/** Errors worth another attempt: the network, timeouts, 5xx. */
class TransientError extends Error {}

/**
 * Downloads `url` into `part`, resuming from the bytes already there. Returns 'missing' on a 404
 * (the archive is not published), else whether it had to resume.
 */
async function fetchResumable(context: Context, url: string, part: string, label: string): Promise<'missing' | 'complete' | 'resumed'> {
  let resumed = false;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await context.backoff(attempt);
    const have = await partSize(part);
    if (have > 0) resumed = true;
    try {
      const result = await fetchOnce(context, url, part, label, have);
      if (result === 'missing') {
        await rm(part, { force: true });
        return 'missing';
      }
      return resumed ? 'resumed' : 'complete';
    } catch (error) {
      if (!(error instanceof TransientError) || attempt >= context.retries) {
        const reason = error instanceof Error ? error.message : String(error);
        const received = await partSize(part);
        const kept = received > 0 ? `; the ${received} bytes received are kept in ${part} and the next run resumes from there` : '';
        throw new DownloadError(`${label}: ${reason}${kept}`);
      }
    }
  }
}

async function fetchOnce(context: Context, url: string, part: string, label: string, have: number): Promise<'missing' | 'ok'> {
  const idle = new IdleTimeout(context.timeoutMs, label);
  let bar: cliProgress.SingleBar | null = null;
  try {
    let response: Response;
    try {
      response = await fetch(url, { headers: have > 0 ? { range: `bytes=${have}-` } : {}, signal: idle.signal });
    } catch (error) {
      throw new TransientError(`request failed: ${causeOf(error, idle)}`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return 'missing';
    }
    if (response.status === 416 && have > 0) {
      // Everything is there already (an earlier run stopped after the last byte); the checksum decides.
      await response.body?.cancel();
      return 'ok';
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      throw new TransientError(`HTTP ${response.status} from ${url}`);
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new DownloadError(`${label}: HTTP ${response.status} from ${url}`);
    }
    let offset = 0;
    if (response.status === 206) {
      offset = contentRangeStart(response.headers.get('content-range'));
      if (offset !== have) {
        await response.body?.cancel();
        await rm(part, { force: true });
        throw new TransientError(`the server resumed at byte ${offset}, not ${have}; starting over`);
      }
    }
    // A 200 to a Range request: the server does not resume; start over.
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const total = Number.isFinite(length) ? offset + length : Number.NaN;
    if (context.progress && Number.isFinite(total)) {
      bar = new cliProgress.SingleBar(
        { format: `${label} [{bar}] {percentage}% | {value}/{total} KiB | ETA {eta}s`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.ceil(total / 1024), Math.floor(offset / 1024));
    }
    const handle = await open(part, offset > 0 ? 'a' : 'w');
    let written = offset;
    try {
      if (response.body === null) throw new TransientError('empty response');
      const reader = response.body.getReader();
      for (;;) {
        const chunk = await reader.read().catch((error: unknown) => {
          throw new TransientError(`connection lost after ${written} bytes: ${causeOf(error, idle)}`);
        });
        if (chunk.done) break;
        idle.touch();
        await handle.write(chunk.value);
        written += chunk.value.byteLength;
        bar?.update(Math.floor(written / 1024));
        context.options.onProgress?.({ file: label, received: written, total: Number.isFinite(total) ? total : null });
      }
    } finally {
      await handle.close();
    }
    if (Number.isFinite(total) && written !== total) {
      throw new TransientError(`connection closed after ${written} of ${total} bytes`);
    }
    bar?.update(bar.getTotal());
    return 'ok';
  } finally {
    idle.clear();
    bar?.stop();
  }
}

function contentRangeStart(header: string | null): number {
  const match = header === null ? null : /^bytes (\d+)-/.exec(header);
  return match ? Number(match[1]) : Number.NaN;
}

function causeOf(error: unknown, idle: IdleTimeout): string {
  if (idle.signal.aborted && idle.signal.reason instanceof Error) return idle.signal.reason.message;
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/** The sha256 published next to an archive: `<64 hex>  <name>`. */
async function fetchChecksum(context: Context, url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await context.backoff(attempt);
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(context.timeoutMs) });
    } catch (error) {
      if (attempt < context.retries) continue;
      throw new DownloadError(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response.status >= 500 && attempt < context.retries) {
      await response.body?.cancel();
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new DownloadError(`${url}: HTTP ${response.status}; without the checksum the archive cannot be verified`);
    }
    const text = await response.text();
    const hash = text.trim().split(/\s+/)[0] ?? '';
    if (!/^[0-9a-f]{64}$/i.test(hash)) throw new DownloadError(`${url}: not a sha256 checksum: ${JSON.stringify(text.slice(0, 100))}`);
    return hash.toLowerCase();
  }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Extracts the CSV from a verified zip to `target` (through a temporary name). */
async function extractCsv(zip: string, wanted: string, target: string): Promise<void> {
  const temporary = `${target}.tmp`;
  let zipfile: yauzl.ZipFile;
  try {
    zipfile = await yauzl.openPromise(zip, { autoClose: false });
  } catch (error) {
    throw new DownloadError(`${wanted.replace(/\.csv$/, '.zip')}: not a readable zip: ${(error as Error).message}`);
  }
  try {
    let entry: yauzl.Entry | null = null;
    for await (const candidate of zipfile.eachEntry()) {
      if (candidate.fileName === wanted || (entry === null && candidate.fileName.toLowerCase().endsWith('.csv'))) {
        entry = candidate;
        if (candidate.fileName === wanted) break;
      }
    }
    if (entry === null) throw new DownloadError(`${zip}: no CSV inside`);
    const stream = await zipfile.openReadStreamPromise(entry);
    await pipeline(stream, createWriteStream(temporary));
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    zipfile.close();
  }
}

// ---- REST fallback ---------------------------------------------------------------------------

const PAGE = 1000;
const KLINES_WEIGHT = 2;
/** Requests' worth of weight kept in reserve (other tools may share the IP's budget). */
const WEIGHT_MARGIN = 10;

/** One kline as /api/v3/klines returns it (the fields this CSV needs, in order). */
const klineRow = z.tuple([
  z
    .number()
    .int(), // open time
  z.string(), // open
  z.string(), // high
  z.string(), // low
  z.string(), // close
  z.string(), // volume
  z
    .number()
    .int(), // close time
  z.string(), // quote volume
  z
    .number()
    .int(), // trades
  z.string(), // taker buy base
  z.string(), // taker buy quote
  z.string(), // ignore
]);
const klinesResponse = z.array(klineRow);

async function restFallback(context: Context, period: CandlePeriod, csv: string): Promise<DownloadOutcome> {
  const { symbol, interval } = context.options;
  const step = context.step;
  // Closed candles only: one that opened at t is closed once t + step ≤ now.
  const last = Math.min(period.end - step, Math.floor((context.now() - step) / step) * step);
  const temporary = `${csv}.tmp`;
  let rows = 0;
  let bar: cliProgress.SingleBar | null = null;
  if (context.progress && last >= period.start) {
    bar = new cliProgress.SingleBar(
      { format: `${symbol}-${interval}-${period.label} (REST) [{bar}] {percentage}% | {value}/{total} candles`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start((last - period.start) / step + 1, 0);
  }
  const out = createWriteStream(temporary);
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  try {
    let start = period.start;
    while (start <= last) {
      const url =
        `${context.restUrl}/api/v3/klines?symbol=${encodeURIComponent(symbol)}&interval=${interval}` + `&startTime=${start}&endTime=${last}&limit=${PAGE}`;
      const page = await getKlines(context, url);
      if (page.length === 0) break;
      let lines = '';
      let previous = start - step;
      for (const k of page) {
        if (k[0] <= previous || k[0] > last) continue; // never out of order, never past the period
        previous = k[0];
        lines += `${k.join(',')}\n`;
        rows++;
      }
      if (lines !== '' && !out.write(lines)) await once(out, 'drain');
      bar?.update(rows);
      if (page.length < PAGE) break;
      start = page[page.length - 1]![0] + step;
    }
    out.end();
    await closed;
    bar?.update(bar.getTotal()); // complete, though maintenance gaps leave fewer rows than minutes
    if (rows === 0) {
      await rm(temporary, { force: true });
      return { period: period.label, file: csv, source: 'empty' };
    }
    // The file's time says when its candles were fetched: before the period's end means incomplete.
    const fetchedAt = context.now() / 1000;
    await utimes(temporary, fetchedAt, fetchedAt);
    await rename(temporary, csv);
    return { period: period.label, file: csv, source: 'rest', rows };
  } catch (error) {
    out.destroy();
    await closed.catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  } finally {
    bar?.stop();
  }
}

/** GET one page of klines, staying under the weight limit and honouring 429 Retry-After. */
async function getKlines(context: Context, url: string): Promise<z.infer<typeof klinesResponse>> {
  let failures = 0;
  for (;;) {
    if (context.usedWeight + KLINES_WEIGHT * WEIGHT_MARGIN >= context.weightLimit) {
      // Near the limit: wait for the next minute's budget rather than risk a 429 (and a ban).
      await context.sleep(60_000 - (context.now() % 60_000) + 1000);
      context.usedWeight = 0;
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(context.timeoutMs) });
    } catch (error) {
      if (++failures > context.retries) {
        throw new DownloadError(`${url}: ${error instanceof Error ? error.message : String(error)}`);
      }
      await context.backoff(failures);
      continue;
    }
    if (response.status === 429 || response.status === 418) {
      await response.body?.cancel();
      const retryAfter = Number(response.headers.get('retry-after'));
      const waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 60_000;
      if (response.status === 418 || ++failures > context.retries) {
        throw new DownloadError(
          `${url}: HTTP ${response.status}, the REST weight limit was exceeded` +
            (response.status === 418 ? ' repeatedly and the IP is banned' : '') +
            `; retry after ${Math.ceil(waitMs / 1000)} s`,
        );
      }
      await context.sleep(waitMs);
      continue;
    }
    if (response.status >= 500 && ++failures <= context.retries) {
      await response.body?.cancel();
      await context.backoff(failures);
      continue;
    }
    if (response.status !== 200) {
      const body = await response.text().catch(() => '');
      throw new DownloadError(`${url}: HTTP ${response.status} ${body.slice(0, 200)}`);
    }
    const parsed = klinesResponse.safeParse(await response.json().catch(() => null));
    if (!parsed.success) throw new DownloadError(`${url}: unexpected klines response: ${parsed.error.message.slice(0, 300)}`);
    const used = Number(response.headers.get('x-mbx-used-weight-1m'));
    if (Number.isFinite(used)) context.usedWeight = used;
    return parsed.data;
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
