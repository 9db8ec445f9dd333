// 200 crews in one desk: paper trading on a local replay (the paced synthetic market `crewdesk
// start` falls back to, 10 symbols, 20 crews each), the SQLite journal on a file. What a crowd
// costs the desk: the event loop's lag (how late a timer, a command or a stream message would be
// served) and the process's memory.
import { loadavg } from 'node:os';
import { Desk } from '../src/desk/desk.ts';
import { withTempDir } from './temp-dir.ts';
import { parseConfig } from '../src/config/load.ts';
import { defaultFilters } from '../src/core/filters.ts';
import { PaperExchange } from '../src/exchange/paper/paper-exchange.ts';
import { silentLogger } from '../src/log/logger.ts';
import { PacedMarketData } from '../src/market/replay.ts';
import { SyntheticMarketData } from '../src/market/synthetic.ts';
import { ManualClock } from '../src/ports/clock.ts';
import { percentile, round3 } from './stats.ts';

const TICK_MS = 5;

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'LTCUSDT', 'DASHUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'TRXUSDT'];

export async function crowdDesk({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const crews = 200;
  // 1m candles at 3600× (as `crewdesk start` replays): one candle per symbol every ~17 ms.
  const candlesPerSymbol = quick ? 300 : 1_200;
  const speed = 3_600;
  return withTempDir(async (dir) => {
    const config = parseConfig(
      {
        journal: `${dir}/crowd.sqlite`,
        equitySnapshotMinutes: 60,
        paper: { feeBps: 10, slippageBps: 0, balances: { USDT: String(crews * 1_000) } },
        risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
        teams: [
          {
            name: 'crowd',
            capital: String(crews * 1_000),
            crews: Array.from({ length: crews }, (_, i) => ({
              id: `c${i}`,
              crew: 'sma-cross',
              symbol: SYMBOLS[i % SYMBOLS.length]!,
              interval: '1m',
              params: { fast: 3 + (i % 7), slow: 12 + (i % 13) },
              capital: '1000',
            })),
          },
        ],
      },
      'bench config',
    );
    const clock = new ManualClock(0);
    const exchange = new PaperExchange({ balances: config.paper.balances, feeBps: 10, slippageBps: 0, filters: (s) => defaultFilters(s), clock });
    const desk = await Desk.open({ config, exchange, clock, log: silentLogger() });
    let orders = 0;
    desk.bus.subscribe('count', () => {
      orders++;
    }, ['order.created']);
    // Lag: a 5 ms timer, and how much later than due each tick runs.
    const lags: number[] = [];
    let peakRss = process.memoryUsage.rss();
    let due = performance.now() + TICK_MS;
    const sampler = setInterval(() => {
      const now = performance.now();
      lags.push(Math.max(0, now - due));
      due = now + TICK_MS;
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, TICK_MS);
    const t = performance.now();
    await desk.engine.run(new PacedMarketData(new SyntheticMarketData({ seed: 11, count: candlesPerSymbol }), speed));
    // One more tick, so a stretch the loop was held until the very end is measured too.
    await new Promise((resolve) => setTimeout(resolve, 2 * TICK_MS));
    clearInterval(sampler);
    const seconds = (performance.now() - t) / 1000;
    await desk.close();
    return {
      crews,
      symbols: SYMBOLS.length,
      candles: candlesPerSymbol * SYMBOLS.length,
      replaySpeed: speed,
      seconds: round3(seconds),
      orders,
      eventLoopLagMs: { samples: lags.length, p50: round3(percentile(lags, 0.5)), p99: round3(percentile(lags, 0.99)), max: round3(Math.max(...lags)) },
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      loadAverage1m: round3(loadavg()[0]!),
      target: 'event-loop lag p99 ≤ 20 ms, RSS ≤ 300 MB',
    };
  });
}
