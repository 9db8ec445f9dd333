// The research back ends side by side, on the same sweeps as `crewdesk optimize` runs them:
//  - a 100-combination sweep (sma-cross, 10 × 10 grid, top 5 out-of-sample: 105 runs) over a month
//    of one-minute candles on 1 and 2 threads of the warm embedded pool (warmed by a sweep first:
//    the pool is kept between sweeps, which is what the desk and the CLI now do);
//  - the same sweep through Redis (a redis-server of the bench's own) with 1 and 2 `crewdesk
//    worker` processes (each warmed by a sweep first), and the queue's overhead per job: the
//    one-worker queue sweep's time minus the one-thread local sweep's, over the runs;
//  - a 1,000-combination sweep's throughput (combinations per second) on each back end with two
//    workers, over a week of one-minute candles.
// Best of the rounds for each figure; every result is checked identical to the local one.
import { mkdirSync, renameSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { type OptimizationResult, runOptimization } from '../src/backtest/optimize.ts';
import { QueueResearch } from '../src/research/queue-backend.ts';
import { EmbeddedResearch, WarmThreadPool } from '../src/research/warm-pool.ts';
import { RedisServer, redisServerBinary } from '../test/research/redis-server.ts';
import { WorkerProcess } from '../test/research/worker-process.ts';
import { writeSyntheticCsv } from './backtest-year.ts';
import { round3 } from './stats.ts';
import { withTempDir } from './temp-dir.ts';

const MONTH_OF_MINUTES = 43_200;
const WEEK_OF_MINUTES = 10_080;
/** 10 × 10 = 100 combinations, every one valid (fast < slow throughout). */
const GRID_100 = 'fast=5..50:5,slow=60..240:20';
/** 20 × 50 = 1,000 combinations, every one valid. */
const GRID_1000 = 'fast=2..21,slow=30..128:2';

interface Timed {
  readonly seconds: number;
  readonly result: OptimizationResult;
  /** The sweep's wall time not spent inside a run, per run (one worker: the transport's share plus the sweep's own work). */
  readonly gapMsPerRun: number;
}

export async function researchSweep({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const monthCount = quick ? 14_400 : MONTH_OF_MINUTES;
  const rounds = quick ? 1 : 2;
  return withTempDir(async (root) => {
    const month = join(root, 'month');
    const week = join(root, 'week');
    mkdirSync(month);
    mkdirSync(week);
    await writeSyntheticCsv(month, 'BTCUSDT', monthCount, 5);
    // A worker finds files by name: the week's must not share the month's.
    renameSync(await writeSyntheticCsv(week, 'BTCUSDT', WEEK_OF_MINUTES, 6), join(week, 'BTCUSDT-1m-week.csv'));
    const sweep = async (backend: EmbeddedResearch | QueueResearch, data: string, grid: string, workers: number): Promise<Timed> => {
      const t = performance.now();
      let runMs: number[] = [];
      const result = await runOptimization({
        crew: 'sma-cross',
        symbol: 'BTCUSDT',
        interval: '1m',
        data: [data],
        grid,
        workers,
        split: 0.7,
        top: 5,
        backend,
        onTimings: (timings) => (runMs = timings.runs.map((r) => r.ms)),
      });
      const wallMs = performance.now() - t;
      const gapMsPerRun = (wallMs * workers - runMs.reduce((a, b) => a + b, 0)) / Math.max(runMs.length, 1);
      return { seconds: wallMs / 1000, result, gapMsPerRun };
    };
    const best = async (times: number, once: () => Promise<Timed>): Promise<Timed> => {
      let fastest: Timed | null = null;
      for (let i = 0; i < times; i++) {
        const timed = await once();
        if (fastest === null || timed.seconds < fastest.seconds) fastest = timed;
      }
      return fastest!;
    };
    const same = (a: OptimizationResult, b: OptimizationResult) => JSON.stringify({ ...a, workers: 0 }) === JSON.stringify({ ...b, workers: 0 });

    // ── Embedded: the warm thread pool ──
    const pool = new WarmThreadPool();
    const embedded = new EmbeddedResearch(pool);
    let local: Record<string, unknown>;
    let local1: Timed;
    let localThroughput: Timed;
    try {
      const poolStart = performance.now();
      await pool.ensure(2);
      const poolReadySeconds = (performance.now() - poolStart) / 1000;
      await sweep(embedded, month, GRID_100, 2); // warms both threads (sources, crews, JIT)
      local1 = await best(rounds, () => sweep(embedded, month, GRID_100, 1));
      const local2 = await best(rounds, () => sweep(embedded, month, GRID_100, 2));
      await sweep(embedded, week, 'fast=5,slow=60', 2);
      localThroughput = await sweep(embedded, week, GRID_1000, 2);
      local = {
        poolReadySeconds: round3(poolReadySeconds),
        oneWorkerSeconds: round3(local1.seconds),
        twoWorkersSeconds: round3(local2.seconds),
        speedUp: round3(local1.seconds / local2.seconds),
        sameResult: same(local1.result, local2.result),
        sweep1000: { seconds: round3(localThroughput.seconds), combinationsPerSecond: round3(1000 / localThroughput.seconds) },
      };
    } finally {
      await pool.close();
    }

    // ── Queue: BullMQ on a redis-server of the bench's own, crewdesk worker processes ──
    const binary = redisServerBinary();
    if (binary === null) return { candles: monthCount, runs: local1.result.combinations + 5, embedded: local, queue: 'skipped: no redis-server on PATH' };
    const redis = await RedisServer.start(binary);
    const workers: WorkerProcess[] = [];
    let queue: Record<string, unknown>;
    try {
      const backend = await QueueResearch.connect({ url: redis.url });
      try {
        const args = ['--redis', redis.url, '--data', month, '--data', week];
        workers.push(await WorkerProcess.start('bench-w1', args));
        await sweep(backend, month, GRID_100, 1); // warms the worker
        const queue1 = await best(rounds, () => sweep(backend, month, GRID_100, 1));
        workers.push(await WorkerProcess.start('bench-w2', args));
        await sweep(backend, month, GRID_100, 2); // warms the second
        const queue2 = await best(rounds, () => sweep(backend, month, GRID_100, 2));
        await sweep(backend, week, 'fast=5,slow=60', 2);
        const queueThroughput = await sweep(backend, week, GRID_1000, 2);
        const runs = local1.result.combinations + local1.result.top.length;
        queue = {
          oneWorkerSeconds: round3(queue1.seconds),
          twoWorkersSeconds: round3(queue2.seconds),
          speedUp: round3(queue1.seconds / queue2.seconds),
          sameResultAsLocal: same(queue1.result, local1.result) && same(queue2.result, local1.result),
          // Wall-clock difference of the two one-worker sweeps, per run: at the mercy of the machine's load.
          wallDifferenceMsPerJob: round3(((queue1.seconds - local1.seconds) * 1000) / runs),
          // Less so: each sweep's time outside its runs (as the runs measured themselves), per run, queue minus local.
          overheadMsPerJob: round3(queue1.gapMsPerRun - local1.gapMsPerRun),
          gapMsPerRun: { queue: round3(queue1.gapMsPerRun), local: round3(local1.gapMsPerRun) },
          sweep1000: {
            seconds: round3(queueThroughput.seconds),
            combinationsPerSecond: round3(1000 / queueThroughput.seconds),
            sameResultAsLocal: same(queueThroughput.result, localThroughput.result),
          },
        };
      } finally {
        await backend.close();
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await redis.down();
    }
    return {
      candles: monthCount,
      runs: local1.result.combinations + local1.result.top.length,
      crew: `sma-cross, grid ${GRID_100}, split 0.7, ranked by sharpe, top 5 out-of-sample; 1,000: grid ${GRID_1000} over ${WEEK_OF_MINUTES} candles`,
      embedded: local,
      queue,
      load: { loadavg1: round3(loadavg()[0]!), cores: cpus().length },
      target: 'embedded speed-up ≥ 1.8× on 2 warm workers; queue overhead ≤ 5 ms per job',
    };
  });
}
