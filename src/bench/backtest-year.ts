// A year of one-minute candles (525,600) backtested end to end from a CSV file: reading and
// validating the file, the engine, risk gate, paper exchange and journal, the equity curve and
// the KPIs — everything `crewdesk backtest` does but print. The CSV (seeded synthetic candles)
// is written first and not timed.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { runBacktest } from '../backtest/run.ts';
import { withTempDir } from '../cli/bench.ts';
import { OHLCV_HEADER } from '../market/csv-candles.ts';
import { syntheticCandles } from '../market/synthetic.ts';

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
    const rssBefore = process.memoryUsage.rss();
    const t = performance.now();
    const result = await runBacktest({ crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1m', data: [file], params: { fast: 10, slow: 30 } });
    const seconds = (performance.now() - t) / 1000;
    return {
      candles: result.span.candles,
      crew: 'sma-cross 10/30, BTCUSDT 1m, synthetic seed 11, from the CSV file',
      seconds: round(seconds),
      candlesPerSecond: Math.round(result.span.candles / seconds),
      fills: result.fills.length,
      finalEquity: Math.round(result.finalEquity * 100) / 100,
      rssBeforeMiB: Math.round(rssBefore / 2 ** 20),
      rssAfterMiB: Math.round(process.memoryUsage.rss() / 2 ** 20),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      target: 'under 1 s for 525,600 candles',
    };
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
