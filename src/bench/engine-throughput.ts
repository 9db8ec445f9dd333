// Engine throughput: sma-cross over 500,000 one-minute candles through the whole path —
// engine, risk gate, paper exchange, SQLite journal of orders and fills. The candles come from
// the seeded synthetic generator (no file parsing); its own cost is measured apart.
import { Desk } from '../app/desk.ts';
import { parseConfig } from '../config/load.ts';
import { defaultFilters } from '../core/filters.ts';
import { PaperExchange } from '../exchange/paper/paper-exchange.ts';
import { silentLogger } from '../log/logger.ts';
import { syntheticCandles, SyntheticMarketData } from '../market/synthetic.ts';
import { ManualClock } from '../ports/clock.ts';
import { withTempDir } from '../cli/bench.ts';

export async function engineThroughput({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const count = quick ? 100_000 : 500_000;
  const seed = 7;

  // The generator alone (so its cost can be told apart from the engine's).
  let t = performance.now();
  let n = 0;
  for (const _ of syntheticCandles('BTCUSDT', '1m', { seed, count })) n++;
  const generatorSeconds = (performance.now() - t) / 1000;

  return withTempDir(async (dir) => {
    const config = parseConfig(
      {
        journal: `${dir}/bench.sqlite`,
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
      onEquity: () => {
        if (++seen % 100_000 === 0) rss.push(Math.round(process.memoryUsage.rss() / 2 ** 20));
      },
    });
    let orders = 0;
    let fills = 0;
    let denials = 0;
    desk.bus.subscribe('count', (e) => {
      if (e.type === 'order.created') orders++;
      else if (e.type === 'fill') fills++;
      else if (e.type === 'risk.denied') denials++;
    }, ['order.created', 'fill', 'risk.denied']);
    t = performance.now();
    await desk.engine.run(new SyntheticMarketData({ seed, count }));
    await desk.journal.flush();
    const seconds = (performance.now() - t) / 1000;
    const journaledFills = (await desk.journal.getFills()).length;
    await desk.close();
    const engineSeconds = Math.max(seconds - generatorSeconds, 1e-9);
    return {
      candles: count,
      crew: 'sma-cross 10/30, BTCUSDT 1m, synthetic seed 7',
      seconds: round(seconds),
      candlesPerSecond: Math.round(count / seconds),
      generatorSeconds: round(generatorSeconds),
      engineOnlyCandlesPerSecond: Math.round(count / engineSeconds),
      orders,
      fills,
      riskDenials: denials,
      journaledFills,
      rssMiBEvery100kCandles: rss,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      target: '≥ 1,000,000 candles/s on one core, memory flat in the number of candles',
      generatedCandles: n,
    };
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
