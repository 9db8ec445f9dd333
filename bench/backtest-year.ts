// A year of one-minute candles (525,600) backtested end to end from a CSV file: reading and
// validating the file, the engine, risk gate, paper exchange and journal, the equity curve and
// the KPIs — everything `crewdesk backtest` does but print. The CSV (seeded synthetic candles)
// is written first and not timed. Reported: the best of three runs after a first (cold) one.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { runBacktest } from '../src/backtest/run.ts';
import { withTempDir } from './temp-dir.ts';
import { OHLCV_HEADER } from '../src/market/csv-candles.ts';
import { FileMarketData } from '../src/market/file-market-data.ts';
import { syntheticCandles } from '../src/market/synthetic.ts';
import { round3 } from './stats.ts';

const YEAR_OF_MINUTES = 525_600;

/** Writes `count` synthetic one-minute candles as an OHLCV CSV; returns the file. */
export async function writeSyntheticCsv(dir: string, symbol: string, count: number, seed: number): Promise<string> {
  const file = join(dir, `${symbol}-1m-synthetic.csv`);
  const out = createWriteStream(file);
  let chunk = `${OHLCV_HEADER}\n`;
  for (const c of syntheticCandles(symbol, '1m', { seed, count, start: Date.UTC(2023, 0, 1) })) {
    chunk += `${c.openTime},${c.open},${c.high},${c.low},${c.close},${c.volume}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return file;
}

export async function backtestYear({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const count = quick ? 100_000 : YEAR_OF_MINUTES;
  return withTempDir(async (dir) => {
    const file = await writeSyntheticCsv(dir, 'BTCUSDT', count, 11);
    const options = { crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1m' as const, data: [file], params: { fast: 10, slow: 30 } };

    // The file alone: read, parsed and validated, nothing run (to tell the reader's share apart).
    let t = performance.now();
    let read = 0;
    for (const _ of new FileMarketData({ paths: [file], synchronous: true }).candles([{ symbol: 'BTCUSDT', interval: '1m' }]) as Iterable<unknown>) read++;
    const readSeconds = (performance.now() - t) / 1000;

    // The first run loads the crew modules and warms the JIT up; the next ones are the steady state.
    const runs: number[] = [];
    let result: Awaited<ReturnType<typeof runBacktest>> | null = null;
    for (let i = 0; i < 4; i++) {
      t = performance.now();
      result = await runBacktest(options);
      runs.push((performance.now() - t) / 1000);
    }
    const [cold, ...warm] = runs as [number, ...number[]];
    const best = Math.min(...warm);

    // The same year with a crew that hardly trades: the cost of the candles alone, without orders.
    const quiet = { ...options, crew: 'dca', params: { everyCandles: 10_000, size: 0.1 } };
    let quietResult = await runBacktest(quiet);
    const quietRuns: number[] = [];
    for (let i = 0; i < 2; i++) {
      t = performance.now();
      quietResult = await runBacktest(quiet);
      quietRuns.push((performance.now() - t) / 1000);
    }
    return {
      candles: result!.span.candles,
      crew: 'sma-cross 10/30, BTCUSDT 1m, synthetic seed 11, from the CSV file',
      seconds: round3(best),
      secondsPerRun: warm.map(round3),
      coldSeconds: round3(cold),
      candlesPerSecond: Math.round(result!.span.candles / best),
      readOnlySeconds: round3(readSeconds),
      readCandles: read,
      fills: result!.fills.length,
      finalEquity: Math.round(result!.finalEquity * 100) / 100,
      fewTrades: {
        crew: 'dca, a buy every 10,000 candles',
        seconds: round3(Math.min(...quietRuns)),
        fills: quietResult.fills.length,
      },
      perOrderMicroseconds: Math.round(((best - Math.min(...quietRuns)) / Math.max(1, result!.fills.length - quietResult.fills.length)) * 1e6),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      target: 'under 1 s for 525,600 candles',
    };
  });
}
