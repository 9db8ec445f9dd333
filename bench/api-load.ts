// The desk under its API's load: 20 crews paper trading on a paced local replay (10 symbols, 1m
// candles at 3600×) with the API on, first idle, then with 50 Server-Sent Events clients and reads
// at 200/s (autocannon) for 30 s (8 s with --quick), both from another process. Measured: the
// reads' latency and errors, the streams' events, and the desk's candle close → order latency
// (from the replay handing the engine a closing candle to the order's fact, in this process) in
// both phases, with the event loop's lag and the memory as the HealthMonitor sampled them.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startDeskApi } from '../src/api/wire.ts';
import { apiConfigSchema } from '../src/config/api.ts';
import { parseConfig } from '../src/config/load.ts';
import type { Candle } from '../src/core/domain.ts';
import { defaultFilters } from '../src/core/filters.ts';
import { Desk } from '../src/desk/desk.ts';
import { PaperExchange } from '../src/exchange/paper/paper-exchange.ts';
import { silentLogger } from '../src/log/logger.ts';
import { PacedMarketData } from '../src/market/replay.ts';
import { SyntheticMarketData } from '../src/market/synthetic.ts';
import { ManualClock } from '../src/ports/clock.ts';
import type { CandleSubscription, MarketData } from '../src/ports/market-data.ts';
import { DeskService } from '../src/services/desk-service.ts';
import { HealthMonitor } from '../src/services/health-monitor.ts';
import type { LoadResult, LoadSetup } from './api-load-client.ts';
import { percentile, round3 } from './stats.ts';
import { withTempDir } from './temp-dir.ts';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'LTCUSDT', 'DASHUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'TRXUSDT'];
const CREWS = 20;
const TOKEN = 'bench-api-token';
const READS = [
  '/api/v1/status',
  '/api/v1/crews',
  '/api/v1/crews/c0',
  '/api/v1/positions',
  '/api/v1/teams',
  '/api/v1/equity?scope=total',
  '/api/v1/risk',
  '/api/v1/audit?limit=20',
  '/metrics',
];

/** The replay, noting when each closing candle is handed to the engine (per symbol). */
class TimedMarket implements MarketData {
  readonly description: string;
  readonly handedAt = new Map<string, number>();
  constructor(private readonly inner: MarketData) {
    this.description = inner.description;
  }
  async *candles(subscriptions: readonly CandleSubscription[], signal?: AbortSignal): AsyncGenerator<Candle> {
    for await (const candle of this.inner.candles(subscriptions, signal) as AsyncIterable<Candle>) {
      this.handedAt.set(candle.symbol, performance.now());
      yield candle;
    }
  }
}

export async function apiLoad({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const idleSeconds = quick ? 4 : 10;
  const loadSeconds = quick ? 8 : 30;
  const sseClients = 50;
  const readsPerSecond = 200;
  return withTempDir(async (dir) => {
    const config = parseConfig(
      {
        journal: `${dir}/api-load.sqlite`,
        equitySnapshotMinutes: 60,
        paper: { feeBps: 10, slippageBps: 0, balances: { USDT: String(CREWS * 1_000) } },
        risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100, maxOrdersPerMinute: 1_000_000, maxOrdersPerMinutePerCrew: 1_000_000 },
        teams: [
          {
            name: 'load',
            capital: String(CREWS * 1_000),
            crews: Array.from({ length: CREWS }, (_, i) => ({
              id: `c${i}`,
              crew: 'sma-cross',
              symbol: SYMBOLS[i % SYMBOLS.length]!,
              interval: '1m',
              params: { fast: 2 + (i % 3), slow: 5 + (i % 4) },
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
    const health = new HealthMonitor({ eventLoopLagMs: Number.POSITIVE_INFINITY, rssMb: Number.POSITIVE_INFINITY }, { sampleMs: 1_000 });
    const service = new DeskService(desk, { mode: 'paper' });
    const api = await startDeskApi({
      config: apiConfigSchema.parse({ port: 0, rateLimitPerMinute: 1_000_000, eventBuffer: 2_000 }),
      tokens: { change: TOKEN, read: null },
      services: { desk: service, health },
      desk,
      health,
    });
    // 1m candles at 3600×: 60 a second per symbol; enough for both phases and the start.
    const market = new TimedMarket(
      new PacedMarketData(new SyntheticMarketData({ seed: 5, count: (idleSeconds + loadSeconds + 30) * 60, start: Date.UTC(2024, 0, 1) }), 3_600),
    );
    type Phase = 'idle' | 'load' | null;
    let phase: Phase = null;
    const closeToOrder: Record<'idle' | 'load', number[]> = { idle: [], load: [] };
    const healthOf: Record<'idle' | 'load', { lagP99: number[]; rss: number[] }> = { idle: { lagP99: [], rss: [] }, load: { lagP99: [], rss: [] } };
    desk.bus.subscribe(
      'bench.close-to-order',
      (fact) => {
        if (fact.type !== 'order.created' || phase === null) return;
        const handed = market.handedAt.get(fact.order.symbol);
        if (handed !== undefined) closeToOrder[phase].push(performance.now() - handed);
      },
      ['order.created'],
    );
    const sampler = setInterval(() => {
      if (phase === null) return;
      const f = health.figures();
      healthOf[phase].lagP99.push(f.eventLoopLagP99Ms);
      healthOf[phase].rss.push(f.rssMb);
    }, 1_000);
    const controller = new AbortController();
    const running = desk.engine.run(market, controller.signal);
    try {
      // Warm-up (indicators, JIT), then the idle phase: the API listening, nobody calling.
      await new Promise((r) => setTimeout(r, 3_000));
      phase = 'idle';
      await new Promise((r) => setTimeout(r, idleSeconds * 1_000));
      phase = 'load';
      const load = await runClients({ url: api.server.url, token: TOKEN, sseClients, readsPerSecond, seconds: loadSeconds, paths: READS });
      phase = null;
      const summary = (xs: number[]) => ({
        p50: round3(percentile(xs, 0.5)),
        p99: round3(percentile(xs, 0.99)),
        max: round3(percentile(xs, 1)),
        orders: xs.length,
      });
      const peak = (xs: number[]) => (xs.length ? Math.max(...xs) : null);
      return {
        crews: CREWS,
        symbols: SYMBOLS.length,
        replay: '1m candles at 3600×',
        seconds: { idle: idleSeconds, load: loadSeconds },
        load: { sseClients, readsPerSecond, paths: READS.length },
        reads: load.reads,
        apiLatencyMs: load.latencyMs,
        sse: load.sse,
        candleCloseToOrderMs: { idle: summary(closeToOrder.idle), underLoad: summary(closeToOrder.load) },
        eventLoopLagP99Ms: { idlePeak: peak(healthOf.idle.lagP99), underLoadPeak: peak(healthOf.load.lagP99) },
        rssMbPeak: { idle: peak(healthOf.idle.rss), underLoad: peak(healthOf.load.rss) },
        target: 'no errors; API p99 reported; close → order p99 under load within its idle figure’s range (the 2 ms loopback target is binance-latency’s)',
        loadAverage: loadavg().map(round3),
      };
    } finally {
      clearInterval(sampler);
      controller.abort();
      await running.catch(() => undefined);
      await api.close();
      health.close();
      await desk.close();
    }
  });
}

/** The clients' process: forked with tsx, its result over IPC. */
function runClients(setup: LoadSetup): Promise<LoadResult> {
  const child = fork(fileURLToPath(new URL('./api-load-client.ts', import.meta.url)), [JSON.stringify(setup)], {
    execArgv: ['--import', import.meta.resolve('tsx/esm')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: LoadResult | { error: string }) => {
      if ('error' in message) reject(new Error(`benchmark: the load clients failed: ${message.error}`));
      else resolve(message);
      child.kill();
    });
    child.once('exit', (code) => reject(new Error(`benchmark: the load clients exited (${code}) without a result`)));
  });
}
