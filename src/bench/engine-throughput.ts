// Engine throughput: sma-cross over 500,000 one-minute candles through the whole path —
// engine, risk gate, paper exchange, SQLite journal of orders and fills. The candles come from
// the seeded synthetic generator (no file parsing); its own cost is measured apart.
import { Desk } from '../app/desk.ts';
import { parseConfig } from '../config/load.ts';
import { defaultFilters } from '../core/filters.ts';
import { PaperExchange } from '../exchange/paper/paper-exchange.ts';
import { MemoryJournal } from '../journal/memory-journal.ts';
import { silentLogger } from '../log/logger.ts';
import { syntheticCandles, SyntheticMarketData } from '../market/synthetic.ts';
import { ManualClock } from '../ports/clock.ts';
import { withTempDir } from '../cli/bench.ts';
import { round3 } from './stats.ts';

export async function engineThroughput({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const count = quick ? 100_000 : 500_000;
  const seed = 7;

  // The generator alone (so its cost can be told apart from the engine's).
  let t = performance.now();
  let n = 0;
  for (const _ of syntheticCandles('BTCUSDT', '1m', { seed, count })) n++;
  const generatorSeconds = (performance.now() - t) / 1000;

  return withTempDir(async (dir) => {
    const sqlite = await runDesk({ seed, count, journalFile: `${dir}/bench.sqlite`, sampleRss: true });
    // Read before the in-memory run, which keeps every record and would set the peak itself.
    const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    // The same run with the journal in memory, as `crewdesk backtest` and the sweep run: what the
    // engine, gate and paper exchange do on their own, without SQLite's thread on the other core.
    const memory = await runDesk({ seed, count, journalFile: null, sampleRss: false });
    const engineSeconds = Math.max(sqlite.seconds - generatorSeconds, 1e-9);
    return {
      candles: count,
      crew: 'sma-cross 10/30, BTCUSDT 1m, synthetic seed 7',
      seconds: round3(sqlite.seconds),
      candlesPerSecond: Math.round(count / sqlite.seconds),
      generatorSeconds: round3(generatorSeconds),
      engineOnlyCandlesPerSecond: Math.round(count / engineSeconds),
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
        engineOnlyCandlesPerSecond: Math.round(count / Math.max(memory.seconds - generatorSeconds, 1e-9)),
        coresBusy: round3(memory.cpuSeconds / memory.seconds),
        sameTrading: memory.orders === sqlite.orders && memory.fills === sqlite.fills && memory.denials === sqlite.denials,
      },
      target: '≥ 1,000,000 candles/s on one core, memory flat in the number of candles',
      generatedCandles: n,
    };
  });
}

interface DeskRun {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly orders: number;
  readonly fills: number;
  readonly denials: number;
  readonly journaledFills: number;
  readonly rss: readonly number[];
}

/** One run of the whole path over the synthetic market, the journal a SQLite file (or, with null, in memory). */
async function runDesk({ seed, count, journalFile, sampleRss }: { seed: number; count: number; journalFile: string | null; sampleRss: boolean }): Promise<DeskRun> {
  const config = parseConfig(
    {
      journal: journalFile ?? ':memory:',
      equitySnapshotMinutes: 60,
      paper: { feeBps: 10, slippageBps: 0, balances: { USDT: '10000' } },
      // The whole path runs, but no drawdown stop ends the run early: this measures throughput.
      risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
      teams: [{ name: 'bench', capital: '10000', crews: [{ id: 'sma', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1m', params: { fast: 10, slow: 30 } }] }],
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
  desk.bus.subscribe('count', (e) => {
    if (e.type === 'order.created') orders++;
    else if (e.type === 'fill') fills++;
    else if (e.type === 'risk.denied') denials++;
  }, ['order.created', 'fill', 'risk.denied']);
  const cpu = process.cpuUsage();
  const t = performance.now();
  await desk.engine.run(new SyntheticMarketData({ seed, count }));
  await desk.journal.flush();
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const journaledFills = (await desk.journal.getFills()).length;
  await desk.close();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, orders, fills, denials, journaledFills, rss };
}

