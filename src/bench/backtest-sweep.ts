// A 100-combination parameter sweep over a month of one-minute candles (43,200), on 1 and on 2
// worker threads. Each figure is the whole sweep as `crewdesk optimize` runs it — workers
// started, candles read once and shared, every combination in-sample, the top 5 out-of-sample —
// so the speed-up includes what does not parallelize. The CSV is written first and not timed.
// Best of 3 rounds (1 worker, then 2) for each figure.
//
// Each round also measures what the machine's second core gives right then: a fixed CPU-bound
// loop on one thread, then on two at once. On a shared VM that is often far from 2× (seen here:
// 1.2×–1.9× within the same hour), and no sweep can scale past it; `parallelEfficiency` is the
// sweep's speed-up over the machine's.
import { Worker } from 'node:worker_threads';
import { runOptimization } from '../backtest/optimize.ts';
import { withTempDir } from '../cli/bench.ts';
import { writeSyntheticCsv } from './backtest-year.ts';

const MONTH_OF_MINUTES = 43_200;
/** 10 × 10 = 100 combinations, every one valid (fast < slow throughout). */
const GRID = 'fast=5..50:5,slow=60..240:20';

export async function optimizeSweep({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const count = quick ? 14_400 : MONTH_OF_MINUTES;
  return withTempDir(async (dir) => {
    const file = await writeSyntheticCsv(dir, 'BTCUSDT', count, 5);
    const sweep = async (workers: number) => {
      const t = performance.now();
      const result = await runOptimization({ crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1m', data: [file], grid: GRID, workers, split: 0.7, metric: 'sharpe', top: 5 });
      return { seconds: (performance.now() - t) / 1000, result };
    };
    // Alternated and repeated, best of each: on a shared machine a burst of other work hits one
    // figure, not the ratio's both sides at once.
    const rounds = quick ? 1 : 3;
    let one: Awaited<ReturnType<typeof sweep>> | null = null;
    let two: Awaited<ReturnType<typeof sweep>> | null = null;
    const oneTimes: number[] = [];
    const twoTimes: number[] = [];
    const machine: number[] = [];
    for (let r = 0; r < rounds; r++) {
      machine.push(round(await machineSpeedUp()));
      const a = await sweep(1);
      const b = await sweep(2);
      oneTimes.push(round(a.seconds));
      twoTimes.push(round(b.seconds));
      if (one === null || a.seconds < one.seconds) one = a;
      if (two === null || b.seconds < two.seconds) two = b;
    }
    if (one === null || two === null) throw new Error('no sweep ran');
    const same = JSON.stringify(one.result.top) === JSON.stringify(two.result.top);
    return {
      candles: count,
      combinations: one.result.combinations,
      runs: one.result.combinations + one.result.top.length,
      crew: `sma-cross, grid ${GRID}, split 0.7, ranked by sharpe, top 5 out-of-sample`,
      oneWorkerSeconds: round(one.seconds),
      twoWorkersSeconds: round(two.seconds),
      rounds: { oneWorker: oneTimes, twoWorkers: twoTimes },
      speedUp: round(one.seconds / two.seconds),
      machineSpeedUpPerRound: machine,
      parallelEfficiency: round(one.seconds / two.seconds / Math.max(...machine)),
      sameRanking: same,
      best: one.result.top[0]?.params,
      target: 'speed-up ≥ 1.8× on 2 workers (on a machine whose second core gives ~2×)',
    };
  });
}

/** What two threads get done, relative to one, on a fixed CPU-bound loop (2.0 on two free cores). */
async function machineSpeedUp(): Promise<number> {
  const spin = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const source =
        "const { parentPort } = require('node:worker_threads'); const t = performance.now(); let x = 1;" +
        'for (let i = 0; i < 60_000_000; i++) x = (x * 48271) % 2147483647;' +
        'parentPort.postMessage([performance.now() - t, x]);';
      const worker = new Worker(source, { eval: true });
      worker.once('message', (m: [number, number]) => {
        resolve(m[0]);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
  const alone = await spin();
  const together = await Promise.all([spin(), spin()]);
  return (2 * alone) / Math.max(...together);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
