// Latency of the live path on loopback, with the real pieces end to end: the local emulator in a
// process of its own (binance-emulator-process.ts, which takes both instants), the Binance
// adapter (@binance/spot: orders over the WebSocket API, REST as its fallback, user data on the
// same WebSocket API connection), Binance market data (one combined kline stream), and the Desk
// with its SQLite journal (write-ahead: a close's orders committed together before they are sent) running 20 crew
// instances that place an order on every candle.
// - candle close → order: from the emulator sending a closing kline (`x:true`) to the emulator
//   receiving an order that candle caused (the request has arrived), per order; and, apart, to the
//   emulator getting to process it. Two ways of closing candles:
//   - paced: a candle closes once the previous one's work is done (answers, duplicate reports,
//     journal commits), as on a live market where candles are a minute apart;
//   - back to back: a candle closes the moment the previous one's 20 fills are in, while the bot
//     is still digesting that candle's answers (the harsher, unrealistic case);
// - cancel-all: 100 open orders over 10 symbols cancelled symbol by symbol in parallel (as the
//   order manager's cancelAll does), until every REST answer is in.
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Desk } from '../src/desk/desk.ts';
import { loopbackRoundTrips } from './loopback-round-trip.ts';
import { withTempDir } from './temp-dir.ts';
import { parseConfig } from '../src/config/load.ts';
import { dec, RoundingMode } from '../src/core/money.ts';
import { BinanceExchange } from '../src/exchange/binance/binance-exchange.ts';
import { silentLogger } from '../src/log/logger.ts';
import { BinanceMarketData } from '../src/market/binance-market-data.ts';
import { wallClock } from '../src/ports/clock.ts';
import type { ChildMessage, EmulatorProcessSetup, Latencies, ParentMessage } from './binance-emulator-process.ts';
import { percentile, round3 } from './stats.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'benchKey0123456789';
const SECRET = 'bench-secret';
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'LTCUSDT', 'DASHUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'TRXUSDT'];
const LEVELS = [30_000, 2_000, 300, 100, 70, 30, 0.5, 0.4, 0.08, 0.1];
const HISTORY = 10;
/** Rounds (of 20 orders) before measuring: a desk runs for days, so what counts is its steady state,
 * with its code compiled by the JIT — measured here: the first few hundred orders run up to ~1.5×
 * slower. (The cold start is not hidden: BENCHMARKS.md keeps a row with 5 warm-up rounds.) */
const WARM_UP_ROUNDS = Number(process.env.CREWDESK_BENCH_WARMUP ?? 100);
/** Paced rounds: after a round's fills and journal flush, this long before the next candle closes. */
const PACE_MS = 20;

export async function binanceLatency({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  // 1,000 measured rounds: a p99 over 200 rounds is just the second-worst round, which moves by
  // milliseconds from run to run on a shared machine; over 1,000 it is the tenth-worst.
  const rounds = WARM_UP_ROUNDS + (quick ? 100 : 1000);
  const oneSymbol = await candleToOrder({ crews: 20, symbols: 1, rounds, paced: true });
  const tenSymbols = await candleToOrder({ crews: 20, symbols: 10, rounds, paced: true });
  const oneSymbolBackToBack = await candleToOrder({ crews: 20, symbols: 1, rounds, paced: false });
  const tenSymbolsBackToBack = await candleToOrder({ crews: 20, symbols: 10, rounds, paced: false });
  // The floor: the same emulator process, adapter and kline stream, and 20 orders sent the moment a
  // candle closes, with no desk in between (no engine, crews, risk gate or journal). What the desk's
  // figures are over it is what the desk costs; what this costs, no desk on this machine can undercut.
  const floor = await candleToOrderWithoutDesk({ orders: 20, rounds, paced: true });
  // Beneath both: two processes answering each other on loopback, paced the same, nothing else.
  const roundTrip = await loopbackRoundTrips({ rounds: rounds - WARM_UP_ROUNDS, warmUp: WARM_UP_ROUNDS, paceMs: PACE_MS });
  const cancelAll = await cancelAllLatency({ orders: 100, symbols: 10, rounds: quick ? 5 : 20 });
  return {
    candleCloseToOrder: {
      loopbackRoundTrip: {
        what: 'two processes, a 200-byte message answered by 2 KB at once, paced as the rounds are; nothing of the desk or the emulator',
        ...stats(roundTrip),
        measured: roundTrip.length,
      },
      withoutDesk: floor,
      '20 crews on 1 symbol': oneSymbol,
      '20 crews on 10 symbols (2 each)': tenSymbols,
      backToBack: {
        '20 crews on 1 symbol': oneSymbolBackToBack,
        '20 crews on 10 symbols (2 each)': tenSymbolsBackToBack,
      },
      target: 'p99 ≤ 2 ms on loopback',
    },
    cancelAll: { ...cancelAll, target: '≤ 250 ms for 100 open orders over 10 symbols' },
  };
}

// ── The emulator's process ───────────────────────────────────────────────────────────────────

interface EmulatorProcess {
  readonly restUrl: string;
  readonly wsStreamUrl: string;
  readonly wsApiUrl: string;
  ask<T>(cmd: ParentMessage['cmd']): Promise<T>;
  close(): Promise<void>;
}

async function emulatorProcess(symbols: readonly string[], candles: number): Promise<EmulatorProcess> {
  const levels = Object.fromEntries(symbols.map((s) => [s, LEVELS[SYMBOLS.indexOf(s)]!]));
  const setup: EmulatorProcessSetup = { levels, candles: HISTORY + candles, history: HISTORY, balances: { USDT: '100000000' }, apiKey: KEY, apiSecret: SECRET };
  const child: ChildProcess = fork(fileURLToPath(new URL('./binance-emulator-process.ts', import.meta.url)), [JSON.stringify(setup)], {
    execArgv: ['--import', import.meta.resolve('tsx/esm')],
    env: { ...process.env, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  const ready = new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`benchmark: the emulator process exited (${code})`)));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') resolve(message);
      else pending.get(message.id)?.(message.value);
    });
  });
  const urls = await ready;
  const ask = <T>(cmd: ParentMessage['cmd']): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, (value) => {
        pending.delete(id);
        resolve(value as T);
      });
      child.send({ cmd, id } satisfies ParentMessage);
    });
  return {
    ...urls,
    ask,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask('close').catch(() => undefined);
      await exited;
    },
  };
}

function connect(emu: EmulatorProcess): Promise<BinanceExchange> {
  // The connector logs every connect at info level, onto stdout: the benchmarks print JSON there
  // (forge-draft's runs come through here too).
  process.env.LOG_LEVEL ??= 'error';
  return BinanceExchange.connect({ endpoints: { restUrl: emu.restUrl, wsApiUrl: emu.wsApiUrl }, apiKey: KEY, apiSecret: SECRET });
}

// ── Candle close → order ─────────────────────────────────────────────────────────────────────

/** A crew that buys when flat and sells when long: one order on every candle. (`.mts`: an ES module wherever the temp dir is.) */
const FLIP_CREW = (template: string, zod: string) => `import { defineCrew } from '${template}';
import { z } from '${zod}';
export default defineCrew({
  name: 'bench-flip',
  description: 'Buys when flat, sells everything when long: an order on every candle (benchmarks only).',
  params: z.object({ size: z.number().min(0.01).max(1).default(0.5).describe("Fraction of the crew's cash spent on each buy.") }),
  indicators: () => ({}),
  warmup: () => 0,
  onCandle: ({ position, params }) =>
    position.isLong ? { action: 'sell', size: 1, reason: 'flip' } : { action: 'buy', size: params.size, reason: 'flip' },
});
`;

export async function candleToOrder(setup: { crews: number; symbols: number; rounds: number; paced: boolean }): Promise<Record<string, unknown>> {
  const symbols = SYMBOLS.slice(0, setup.symbols);
  return withTempDir(async (dir) => {
    writeFileSync(
      join(dir, 'bench-flip.mts'),
      FLIP_CREW(pathToFileURL(join(REPO, 'src/crew/template.ts')).href, pathToFileURL(join(REPO, 'node_modules/zod/index.js')).href),
    );
    const emu = await emulatorProcess(symbols, setup.rounds + 5);
    let exchange: BinanceExchange | null = null;
    try {
      exchange = await connect(emu);
      return await runDesk(emu, exchange, dir, symbols, setup);
    } finally {
      await exchange?.close();
      await emu.close();
    }
  });
}

/** The Desk on the emulator, one candle at a time: each round closes a candle and waits until its orders have filled. */
async function runDesk(
  emu: EmulatorProcess,
  exchange: BinanceExchange,
  dir: string,
  symbols: readonly string[],
  setup: { crews: number; rounds: number; paced: boolean },
): Promise<Record<string, unknown>> {
  const journalFile = join(dir, 'journal.sqlite');
  const config = parseConfig(
    {
      mode: 'testnet',
      journal: journalFile,
      crewDirs: [dir],
      equitySnapshotMinutes: 0,
      risk: { maxOrdersPerMinute: 1_000_000, maxOrdersPerMinutePerCrew: 1_000_000, maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
      teams: [
        {
          name: 'bench',
          capital: String(setup.crews * 10_000),
          crews: Array.from({ length: setup.crews }, (_, i) => ({
            id: `flip-${i}`,
            crew: 'bench-flip',
            symbol: symbols[i % symbols.length]!,
            interval: '1m',
            capital: '10000',
          })),
        },
      ],
    },
    'bench config',
  );
  const desk = await Desk.open({ config, exchange, clock: wallClock, log: silentLogger(), journalFile });
  const controller = new AbortController();
  let run: Promise<void> = Promise.resolve();
  try {
    if (desk.engine.crews.size !== setup.crews) {
      throw new Error(`benchmark: ${desk.engine.crews.size} crews started, not ${setup.crews}: ${desk.problems.map((p) => p.reason).join('; ')}`);
    }
    const fills = new Tally('fills');
    desk.bus.subscribe('count', () => fills.add(), ['fill']);
    run = desk.engine.run(new BinanceMarketData({ restUrl: emu.restUrl, wsStreamUrl: emu.wsStreamUrl }), controller.signal);
    await until(async () => (await emu.ask<{ streams: number }>('state')).streams === 1, 'the kline stream');
    const started = performance.now();
    const pauses = new GcPauses();
    for (let round = 0; round < setup.rounds; round++) {
      // The first rounds warm the JIT and the connections up; they are not counted.
      if (round === WARM_UP_ROUNDS) {
        await emu.ask('reset');
        pauses.start();
      }
      const filled = fills.reach(fills.count + setup.crews, `round ${round}`);
      await emu.ask('advance');
      // Each crew flips on its position: the next candle waits until every order has filled.
      await filled;
      if (setup.paced) {
        await desk.journal.flush();
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const gc = pauses.stop();
    const sentBy = { ...exchange.ordersSent };
    const { received, processed } = await emu.ask<Latencies>('latencies');
    if (received.length !== processed.length) throw new Error(`benchmark: ${received.length} orders arrived but ${processed.length} were processed`);
    return {
      ...stats(received),
      orders: setup.rounds * setup.crews,
      measured: received.length,
      rounds: setup.rounds,
      warmUpRounds: WARM_UP_ROUNDS,
      seconds: round3(seconds),
      // How the orders went: over the WebSocket API, or by REST (its fallback while it is down).
      sentBy,
      // Until the single-threaded emulator got to each order (its own queue included).
      untilProcessedByEmulator: stats(processed),
      gcPausesWhileMeasured: gc,
    };
  } finally {
    controller.abort();
    await run.catch(() => undefined);
    await desk.close();
  }
}

/** 20 market orders on every closing kline, placed straight through the adapter, paced as the desk's rounds are. */
async function candleToOrderWithoutDesk(setup: { orders: number; rounds: number; paced: boolean }): Promise<Record<string, unknown>> {
  const symbol = SYMBOLS[0]!;
  const emu = await emulatorProcess([symbol], setup.rounds + 5);
  let exchange: BinanceExchange | null = null;
  const controller = new AbortController();
  let run: Promise<void> = Promise.resolve();
  try {
    const live = (exchange = await connect(emu));
    await live.symbolFilters(symbol);
    const quantity = dec('0.01');
    const answers = new Tally('answers');
    let failure: unknown = null;
    let round = 0;
    const market = new BinanceMarketData({ restUrl: emu.restUrl, wsStreamUrl: emu.wsStreamUrl });
    run = (async () => {
      for await (const candle of market.candles([{ symbol, interval: '1m' }], controller.signal)) {
        // Buy on even rounds, sell on odd ones, as the flip crews do; all sent before the first answer.
        const side = round++ % 2 === 0 ? 'BUY' : 'SELL';
        for (let i = 0; i < setup.orders; i++) {
          live.placeOrder({ clientOrderId: `cd-floor-${candle.openTime}-${i}`, symbol, side, type: 'MARKET', quantity }).then(
            () => answers.add(),
            (error: unknown) => {
              failure ??= error;
              answers.wake();
            },
          );
        }
      }
    })();
    await until(async () => (await emu.ask<{ streams: number }>('state')).streams === 1, 'the kline stream');
    const started = performance.now();
    const pauses = new GcPauses();
    for (let r = 0; r < setup.rounds; r++) {
      if (r === WARM_UP_ROUNDS) {
        await emu.ask('reset');
        pauses.start();
      }
      const done = answers.reach(answers.count + setup.orders, `round ${r}`);
      await emu.ask('advance');
      await done;
      if (failure !== null) throw failure;
      if (setup.paced) await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
    const seconds = (performance.now() - started) / 1000;
    const gc = pauses.stop();
    const { received, processed } = await emu.ask<Latencies>('latencies');
    return {
      what: `${setup.orders} market orders sent through the adapter on every closing kline, no desk`,
      ...stats(received),
      measured: received.length,
      rounds: setup.rounds,
      warmUpRounds: WARM_UP_ROUNDS,
      seconds: round3(seconds),
      sentBy: { ...live.ordersSent },
      untilProcessedByEmulator: stats(processed),
      gcPausesWhileMeasured: gc,
    };
  } finally {
    controller.abort();
    await run.catch(() => undefined);
    await exchange?.close();
    await emu.close();
  }
}

// ── Cancel-all ───────────────────────────────────────────────────────────────────────────────

async function cancelAllLatency(setup: { orders: number; symbols: number; rounds: number }): Promise<Record<string, unknown>> {
  const symbols = SYMBOLS.slice(0, setup.symbols);
  const emu = await emulatorProcess(symbols, 5);
  const samples: number[] = [];
  let exchange: BinanceExchange | null = null;
  try {
    exchange = await connect(emu);
    const live = exchange;
    // The account's limits (exchangeInfo), as the Desk learns them: else the budget assumes
    // Binance's 100 orders per 10 s and holds each round of 100 orders back for a window.
    for (const symbol of symbols) await live.symbolFilters(symbol);
    for (let round = 0; round < setup.rounds; round++) {
      await Promise.all(
        Array.from({ length: setup.orders }, (_, i) => {
          const symbol = symbols[i % symbols.length]!;
          // Resting buys at half the price (20 quote each): open until cancelled.
          const price = dec(LEVELS[SYMBOLS.indexOf(symbol)]!).div(2);
          return live.placeOrder({
            clientOrderId: `cd-cxl-${round}-${i}`,
            symbol,
            side: 'BUY',
            type: 'LIMIT',
            price,
            quantity: dec(20).div(price).round(0, RoundingMode.up),
            timeInForce: 'GTC',
          });
        }),
      );
      const open = (await emu.ask<{ openOrders: number }>('state')).openOrders;
      if (open !== setup.orders) throw new Error(`benchmark: ${open} open orders, expected ${setup.orders}`);
      const started = performance.now();
      const results = await Promise.all(symbols.map((s) => live.cancelAllOrders(s)));
      samples.push(performance.now() - started);
      const count = results.reduce((n, r) => n + r.length, 0);
      const left = (await emu.ask<{ openOrders: number }>('state')).openOrders;
      if (count !== setup.orders || left !== 0) throw new Error(`benchmark: cancel-all cancelled ${count} of ${setup.orders} orders (${left} left open)`);
    }
  } finally {
    await exchange?.close();
    await emu.close();
  }
  const { p50Ms, meanMs, maxMs } = stats(samples);
  return { orders: setup.orders, symbols: setup.symbols, rounds: setup.rounds, p50Ms, meanMs, maxMs };
}

/** The garbage collector's pauses in this process (the bot's side) while rounds are measured: a
 * scavenge of a few milliseconds that starts between a kline and its orders is that round's latency. */
class GcPauses {
  private readonly durations: number[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.durations.push(entry.duration);
  });

  start(): void {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): { count: number; p50Ms: number; maxMs: number; totalMs: number } {
    this.observer.disconnect();
    const d = this.durations;
    return { count: d.length, p50Ms: round3(percentile(d, 0.5)), maxMs: round3(percentile(d, 1)), totalMs: round3(d.reduce((a, b) => a + b, 0)) };
  }
}

/** A count a round waits on: counted as things come, not polled (a polling loop would compete for
 * the CPU it measures). */
class Tally {
  count = 0;
  private wanted = Number.POSITIVE_INFINITY;
  private reached: (() => void) | null = null;

  constructor(private readonly what: string) {}

  add(): void {
    if (++this.count >= this.wanted) this.wake();
  }

  /** Ends the current wait now (the caller then checks why). */
  wake(): void {
    this.reached?.();
  }

  /** Resolves once the count is `n`; fails after 10 s, naming `round`. */
  reach(n: number, round: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.count >= n) return resolve();
      const timer = setTimeout(() => reject(new Error(`benchmark: timed out waiting for the ${this.what} of ${round} (${this.count} of ${n})`)), 10_000);
      this.wanted = n;
      this.reached = () => {
        clearTimeout(timer);
        this.reached = null;
        this.wanted = Number.POSITIVE_INFINITY;
        resolve();
      };
    });
  }
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────

function stats(samples: readonly number[]): { p50Ms: number; p99Ms: number; maxMs: number; meanMs: number } {
  const mean = samples.reduce((s, x) => s + x, 0) / Math.max(1, samples.length);
  return { p50Ms: round3(percentile(samples, 0.5)), p99Ms: round3(percentile(samples, 0.99)), maxMs: round3(percentile(samples, 1)), meanMs: round3(mean) };
}

/** Asks until `check` holds (set-up only, never while measuring); fails after 10 s. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`benchmark: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
