// Runs a research job — the same code in a warm thread of the desk's pool and in a `crewdesk
// worker` process. The candles come from the worker's own data folders (or its cache, or the
// project's checksummed downloader), each file checked against the job's sha256 before a candle
// is read; the columns are kept for the next job on the same candles. A job made with other code
// than this worker's is refused, never answered.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type CandleColumns, runCombination, type SweepRun } from '../backtest/optimize-worker.ts';
import { loadColumns } from '../backtest/optimize.ts';
import type { Interval } from '../core/domain.ts';
import { downloadCandles } from '../data/download.ts';
import { parsePeriod } from '../data/periods.ts';
import { candleFileName } from '../market/csv-candles.ts';
import { listCandleFilesSync } from '../market/file-market-data.ts';
import { crewSourceHash, engineCodeVersion } from './code-version.ts';
import { type CandleSet, candleSetKey, type ResearchJob } from './job.ts';

export interface ExecutorSetup {
  /** Folders (or files) holding candle CSVs, searched first. */
  readonly dataDirs: readonly string[];
  /** Where downloaded candle files are kept; also searched. null: never download. */
  readonly cacheDir: string | null;
  /** Extra crew folders (after crews/), as the config's crewDirs. */
  readonly crewDirs: readonly string[];
}

/** A job this worker must not answer (other code), or must fail (a file's checksum): the reason names what differs. */
export class JobRefusedError extends Error {
  override readonly name = 'JobRefusedError';
}

export class ChecksumError extends Error {
  override readonly name = 'ChecksumError';
}

const KEPT_CANDLE_SETS = 4;

/** The folder of the cache where a forge proof's candles are placed while it runs (forge-proof.ts). */
export const FORGE_JOBS_FOLDER = 'forge-jobs';

export class JobExecutor {
  private readonly columns = new Map<string, CandleColumns>();
  private readonly hashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();
  private readonly crewHashes = new Map<string, string | null>();

  constructor(private readonly setup: ExecutorSetup) {}

  /** Why this worker refuses the job (different engine or crew code), or null. */
  refusal(job: ResearchJob): string | null {
    const code = engineCodeVersion();
    if (job.code !== code) return `engine code ${short(code)} differs from the sweep's ${short(job.code)}`;
    let crew = this.crewHashes.get(job.crew.name);
    if (crew === undefined) this.crewHashes.set(job.crew.name, (crew = crewSourceHash(job.crew.name, this.setup.crewDirs)));
    if (crew === null) return `no crew module "${job.crew.name}" here`;
    if (crew !== job.crew.sha256) return `crew ${job.crew.name} source ${short(crew)} differs from the sweep's ${short(job.crew.sha256)}`;
    return null;
  }

  /** Runs the job; `columns` when the caller already holds the candle set's columns (the embedded pool shares them). */
  async execute(job: ResearchJob, columns?: CandleColumns): Promise<SweepRun> {
    const refused = this.refusal(job);
    if (refused !== null) throw new JobRefusedError(refused);
    const candles = columns ?? (await this.candles(job.candles));
    return runCombination(
      { columns: candles, crew: job.crew.name, crewDirs: this.setup.crewDirs, cash: job.cash, feeBps: job.feeBps, slippageBps: job.slippageBps },
      job.params,
      job.range.start,
      job.range.end,
    );
  }

  /** The candle set's columns: kept from an earlier job, or read from checked files. */
  async candles(set: CandleSet): Promise<CandleColumns> {
    const key = candleSetKey(set);
    const kept = this.columns.get(key);
    if (kept) return kept;
    const paths = await this.candleFiles(set);
    const { columns } = loadColumns(paths, set.symbol, set.interval as Interval, set.from ?? undefined, set.to ?? undefined);
    if (this.columns.size >= KEPT_CANDLE_SETS) this.columns.delete(this.columns.keys().next().value as string);
    this.columns.set(key, columns);
    return columns;
  }

  /** A local path for each of the set's files, in its order, each checked against its sha256 (a mismatch names the file). */
  async candleFiles(set: CandleSet, owner: 'sweep' | 'proof' = 'sweep'): Promise<string[]> {
    const paths: string[] = [];
    for (const file of set.files) paths.push(await this.file(file.name, file.sha256, set, owner));
    return paths;
  }

  /** Where this worker keeps what it downloads and a forge proof's candles while it runs; null: nowhere of its own. */
  get cacheDir(): string | null {
    return this.setup.cacheDir;
  }

  /** A local path for the file, its sha256 checked; downloaded into the cache when no folder has it. */
  private async file(name: string, sha256: string, set: CandleSet, owner: 'sweep' | 'proof'): Promise<string> {
    let path = this.find(name);
    if (path === null && this.setup.cacheDir !== null) path = await this.download(name, set);
    if (path === null) {
      throw new ChecksumError(`candle file ${name} is not in this worker's data (${[...this.setup.dataDirs, this.setup.cacheDir].filter(Boolean).join(', ')})`);
    }
    const actual = await this.sha256(path);
    if (actual !== sha256) throw new ChecksumError(`candle file ${name} (${path}) has sha256 ${actual}, the ${owner}'s has ${sha256}`);
    return path;
  }

  private find(name: string): string | null {
    const cache = this.setup.cacheDir;
    // The cache's own files, not the forge proofs' folders in it: those come and go while another worker looks.
    const cached =
      cache !== null && existsSync(cache)
        ? readdirSync(cache, { withFileTypes: true })
            .filter((e) => (e.isDirectory() && e.name !== FORGE_JOBS_FOLDER) || (e.isFile() && candleFileName(e.name) !== null))
            .map((e) => join(cache, e.name))
        : [];
    const places = [...this.setup.dataDirs, ...cached];
    for (const entry of listCandleFilesSync(places.filter((p) => existsSync(p)))) if (basename(entry.file) === name) return entry.file;
    return null;
  }

  /** A Binance archive's CSV (`BTCUSDT-1m-2024-01.csv`) fetched with the project's downloader (checksummed against Binance's). */
  private async download(name: string, set: CandleSet): Promise<string | null> {
    const prefix = `${set.symbol}-${set.interval}-`;
    if (!name.startsWith(prefix)) return null;
    const label = name.slice(prefix.length, -'.csv'.length);
    const period = parsePeriod(label);
    if (typeof period === 'string') return null;
    const dir = this.setup.cacheDir!;
    mkdirSync(dir, { recursive: true });
    await downloadCandles({ symbol: set.symbol, interval: set.interval as Interval, periods: [{ ...period, label }], dir, progress: false });
    const file = join(dir, name);
    return existsSync(file) ? file : null;
  }

  private async sha256(path: string): Promise<string> {
    const { size, mtimeMs } = statSync(path);
    const known = this.hashes.get(path);
    if (known && known.size === size && known.mtimeMs === mtimeMs) return known.sha256;
    const sha256 = await fileSha256(path);
    this.hashes.set(path, { size, mtimeMs, sha256 });
    return sha256;
  }
}

export function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function short(sha: string): string {
  return sha.slice(0, 12);
}
