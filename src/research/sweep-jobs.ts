// Turns a sweep into jobs: what every run of it shares (the code's and the crew's hashes, the
// costs, the candle files by name and sha256) computed once, then one job per run, numbered in
// the order the sweep asks for them — so the same sweep gives the same jobs, locally or on a queue.
import { basename } from 'node:path';
import type { SweepSpec } from '../backtest/optimize.ts';
import type { TimeRange } from '../backtest/coverage.ts';
import type { Interval } from '../core/domain.ts';
import { BacktestInputError, openMarket } from '../backtest/run.ts';
import { crewSourceHash, engineCodeVersion } from './code-version.ts';
import { fileSha256 } from './execute.ts';
import type { CandleSet, ResearchJob } from './job.ts';

export class SweepJobs {
  private next = 0;

  private constructor(
    readonly sweep: string,
    private readonly shared: Omit<ResearchJob, 'id' | 'params' | 'range'>,
  ) {}

  static async of(spec: SweepSpec, sweep: string): Promise<SweepJobs> {
    const crewSha = crewSourceHash(spec.crew, spec.crewDirs);
    if (crewSha === null) throw new BacktestInputError(`unknown crew "${spec.crew}"`);
    const candles = await candleSetOf(spec.data, spec.symbol, spec.interval, spec.loadFrom, spec.to);
    return new SweepJobs(sweep, {
      kind: 'sweep-run',
      sweep,
      code: engineCodeVersion(),
      crew: { name: spec.crew, sha256: crewSha },
      cash: spec.cash,
      feeBps: spec.feeBps,
      slippageBps: spec.slippageBps,
      candles,
    });
  }

  /** The candles every job of the sweep names. */
  get candles(): CandleSet {
    return this.shared.candles;
  }

  /** The next run's job. */
  job(params: Record<string, unknown>, range: TimeRange): ResearchJob {
    return { ...this.shared, id: `${this.sweep}-${this.next++}`, params, range: { start: range.start, end: range.end } };
  }
}

/**
 * The candle files a run over `data` reads for the symbol and interval within [from, to], named
 * by file name and sha256 — what a worker needs to find (or download) and check the same bytes.
 * Sweep runs and forge proofs name their candles this way.
 */
export async function candleSetOf(
  data: readonly string[],
  symbol: string,
  interval: Interval,
  from: number | undefined,
  to: number | undefined,
): Promise<CandleSet> {
  const market = openMarket(data, [{ symbol, interval }], from, to);
  const names = new Set<string>();
  const files: CandleSet['files'] = [];
  for (const f of market.filesOf({ symbol, interval })) {
    const name = basename(f.file);
    // A worker finds files by name: two of one name would be one file to it.
    if (names.has(name)) throw new BacktestInputError(`two candle files are named ${name}; a research job names files by name, keep one`);
    names.add(name);
    files.push({ name, sha256: await fileSha256(f.file) });
  }
  return { symbol, interval, from: from ?? null, to: to ?? null, files };
}

/** A sweep's id: time-ordered and unique enough for a queue shared by a few desks. */
export function newSweepId(now = Date.now()): string {
  return `s${now.toString(36)}-${Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
}
