// Engine throughput: sma-cross over 500,000 one-minute candles through the whole path —
// engine, risk gate, paper exchange, SQLite journal of orders and fills. The candles come from
// the seeded synthetic generator (no file parsing); its own cost is measured apart. Beside it, in
// the same process, the indicator-only loop: the same two SMAs and the same cross decisions with
// no engine at all — the floor any engine is measured against, as a ratio.
import { Desk } from '../src/desk/desk.ts';
import { parseConfig } from '../src/config/load.ts';
import { defaultFilters } from '../src/core/filters.ts';
import { PaperExchange } from '../src/exchange/paper/paper-exchange.ts';
import { MemoryJournal } from '../src/journal/memory-journal.ts';
import { silentLogger } from '../src/log/logger.ts';
import { ArrayMarketData, syntheticCandles } from '../src/market/synthetic.ts';
import { SqliteJournal } from '../src/journal/sqlite-journal.ts';
import type { Candle } from '../src/core/domain.ts';
import { loadavg } from 'node:os';
import { ManualClock } from '../src/ports/clock.ts';
import { withTempDir } from './temp-dir.ts';
import { SMA } from 'trading-signals';
import { round3 } from './stats.ts';

export async function engineThroughput({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const count = quick ? 100_000 : 500_000;
  const seed = 7;

  // Generated once, before any clock starts: no run below pays for candles.
  const t = performance.now();
  const candles = [...syntheticCandles('BTCUSDT', '1m', { seed, count })];
  const generatorSeconds = (performance.now() - t) / 1000;

  // The indicator-only loop, twice (the first warms the JIT).
  indicatorOnly(candles);
  const indicators = indicatorOnly(candles);
  const indicatorSeconds = indicators.cpuSeconds;

  return withTempDir(async (dir) => {
    const sqlite = await runDesk({ candles, journalFile: `${dir}/bench.sqlite`, sampleRss: true });
    // Read before the in-memory run, which keeps every record and would set the peak itself.
    const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    // The same run with the journal in memory, as `crewdesk backtest` and the sweep run: what the
    // engine, gate and paper exchange do on their own, without SQLite.
    const memory = await runDesk({ candles, journalFile: null, sampleRss: false });
    // CPU seconds, not wall seconds: on a shared machine (load average above the core count) the
    // wall clock measures the neighbours. Both are reported; the ratio and target use CPU time.
    const engineSeconds = sqlite.cpuSeconds;
    return {
      candles: count,
      crew: 'sma-cross 10/30, BTCUSDT 1m, synthetic seed 7 (generated before timing)',
      loadAverage1m: round3(loadavg()[0]!),
      seconds: round3(sqlite.seconds),
      cpuSeconds: round3(sqlite.cpuSeconds),
      candlesPerSecond: Math.round(count / sqlite.seconds),
      candlesPerCpuSecond: Math.round(count / engineSeconds),
      generatorSeconds: round3(generatorSeconds),
      journalCommits: sqlite.commits,
      // What the SQLite journal adds over the same run in memory, per commit: nearly all of it is the
      // commit itself (every order is committed before it is sent), which bounds the candle rate.
      journalCpuMicrosPerCommit: sqlite.commits ? Math.round(((sqlite.cpuSeconds - memory.cpuSeconds) * 1e6) / sqlite.commits) : null,
      indicatorOnly: {
        what: 'the same SMA(10)/SMA(30) cross decisions in a plain loop over the same candles, no engine',
        candlesPerCpuSecond: Math.round(count / indicatorSeconds),
        crosses: indicators.crosses,
        // The engine with its SQLite journal, as a fraction of the bare loop's speed (goal ≥ 1/7).
        engineRatio: `1/${round3(engineSeconds / indicatorSeconds)}`,
      },
      // CPU time of every thread (the main one, SQLite's, the garbage collector's) over the wall time.
      coresBusy: round3(sqlite.cpuSeconds / sqlite.seconds),
      orders: sqlite.orders,
      fills: sqlite.fills,
      riskDenials: sqlite.denials,
      journaledFills: sqlite.journaledFills,
      rssMiBEvery100kCandles: sqlite.rss,
      peakRssMiB,
      journalInMemory: {
        what: 'the same run with the journal in memory (the backtest path)',
        seconds: round3(memory.seconds),
        candlesPerCpuSecond: Math.round(count / memory.cpuSeconds),
        coresBusy: round3(memory.cpuSeconds / memory.seconds),
        sameTrading: memory.orders === sqlite.orders && memory.fills === sqlite.fills && memory.denials === sqlite.denials,
      },
      target: '≥ 1,000,000 candles/s with the SQLite journal (generation apart), memory flat in the number of candles; ≥ 1/7 of the indicator-only loop',
    };
  });
}

/** sma-cross's decisions (crews/sma-cross.ts) with nothing around them: two SMAs, a cross test. */
function indicatorOnly(candles: readonly Candle[]): { cpuSeconds: number; crosses: number } {
  const cpu = process.cpuUsage();
  const fast = new SMA(10);
  const slow = new SMA(30);
  let prevFast: number | null = null;
  let prevSlow: number | null = null;
  let long = false;
  let crosses = 0;
  for (const candle of candles) {
    const f = fast.add(candle.close);
    const s = slow.add(candle.close);
    if (f !== null && s !== null && prevFast !== null && prevSlow !== null) {
      if (!long && prevFast <= prevSlow && f > s) (long = true), crosses++;
      else if (long && prevFast >= prevSlow && f < s) (long = false), crosses++;
    }
    prevFast = f;
    prevSlow = s;
  }
  const used = process.cpuUsage(cpu);
  return { cpuSeconds: (used.user + used.system) / 1e6, crosses };
}

interface DeskRun {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly orders: number;
  readonly fills: number;
  readonly denials: number;
  readonly journaledFills: number;
  readonly rss: readonly number[];
  /** SQLite commits the run made (null for the journal in memory). */
  readonly commits: number | null;
}

/** One run of the whole path over the synthetic market, the journal a SQLite file (or, with null, in memory). */
async function runDesk({ candles, journalFile, sampleRss }: { candles: readonly Candle[]; journalFile: string | null; sampleRss: boolean }): Promise<DeskRun> {
  const config = parseConfig(
    {
      journal: journalFile ?? ':memory:',
      equitySnapshotMinutes: 60,
      paper: { feeBps: 10, slippageBps: 0, balances: { USDT: '10000' } },
      // The whole path runs, but no drawdown stop ends the run early: this measures throughput.
      risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
      teams: [
        { name: 'bench', capital: '10000', crews: [{ id: 'sma', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1m', params: { fast: 10, slow: 30 } }] },
      ],
    },
    'bench config',
  );
  const clock = new ManualClock(0);
  const exchange = new PaperExchange({ balances: config.paper.balances, feeBps: 10, slippageBps: 0, filters: (s) => defaultFilters(s), clock });
  const rss: number[] = [];
  let seen = 0;
  const desk = await Desk.open({
    config,
    exchange,
    clock,
    log: silentLogger(),
    ...(journalFile === null ? { journal: new MemoryJournal() } : {}),
    onEquity: sampleRss
      ? () => {
          if (++seen % 100_000 === 0) rss.push(Math.round(process.memoryUsage.rss() / 2 ** 20));
        }
      : undefined,
  });
  let orders = 0;
  let fills = 0;
  let denials = 0;
  desk.bus.subscribe(
    'count',
    (e) => {
      if (e.type === 'order.created') orders++;
      else if (e.type === 'fill') fills++;
      else if (e.type === 'risk.denied') denials++;
    },
    ['order.created', 'fill', 'risk.denied'],
  );
  const cpu = process.cpuUsage();
  const t = performance.now();
  await desk.engine.run(new ArrayMarketData(candles));
  await desk.journal.flush();
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const journaledFills = (await desk.journal.getFills()).length;
  const commits = desk.journal instanceof SqliteJournal ? desk.journal.commits : null;
  await desk.close();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, orders, fills, denials, journaledFills, rss, commits };
}
