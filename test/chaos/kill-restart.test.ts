// Chaos: the bot runs as a child process in testnet mode against the local Binance emulator and is
// killed with SIGKILL at random moments, then restarted, across at least 50 order lifecycles.
// At the end: no duplicate order (by client order id or by advice), no lost fill, and the
// journal's positions equal the emulator's balances.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Big from 'big.js';
import { afterAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/emulator.ts';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { seededRandom } from '../../src/market/synthetic.ts';
import { tempDir, writeCrewModule } from '../support/desk-harness.ts';
import { eventually, exited, startTestnetDesk, testnetEnv, writeTestnetConfig } from '../support/testnet-process.ts';

const KEY = 'ChaosKey0'.repeat(7).slice(0, 64);
const SECRET = 'ChaosSecret1'.repeat(6).slice(0, 64);
const LIFECYCLES = 50;

interface EmulatorOrder {
  readonly clientOrderId: string;
  readonly orderId: number;
  readonly status: string;
}
interface EmulatorTrade {
  readonly id: number;
  readonly orderId: number;
  readonly symbol: string;
}
interface EmulatorBalance {
  readonly asset: string;
  readonly free: string;
  readonly locked: string;
}

let emulator: Emulator | undefined;
let child: ChildProcess | undefined;
afterAll(async () => {
  child?.kill('SIGKILL');
  await emulator?.close();
});

/** Resolves once the bot's output shows an order it placed in this life, or after `maxMs` regardless. */
async function firstOrder(output: () => string, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until && !/order {3}flip-btc: (BUY|SELL) MARKET/.test(output())) await new Promise((r) => setTimeout(r, 20));
}

async function journalCounts(file: string): Promise<{ filled: number }> {
  const journal = await SqliteJournal.open(file, { readonly: true });
  try {
    const orders = await journal.getOrders();
    return { filled: orders.filter((o) => o.status === 'filled').length };
  } finally {
    await journal.close();
  }
}

describe('chaos: SIGKILL at random moments, restart, reconcile', () => {
  it(`keeps journal and exchange in agreement across ≥ ${LIFECYCLES} order lifecycles`, async () => {
    const dir = tempDir('crewdesk-chaos-');
    const crewDir = join(dir, 'crews');
    // Trades on every candle: buy half its cash when flat, sell everything when long.
    writeCrewModule(
      crewDir,
      'flip',
      `export default defineCrew({
        name: 'flip',
        description: 'chaos test crew: an order on every candle',
        params: z.object({ size: z.number().min(0.01).max(1).default(0.5).describe('fraction of cash per buy') }),
        indicators: () => ({}),
        warmup: () => 0,
        onCandle(ctx) {
          return ctx.position.isLong ? { action: 'sell', size: 1, reason: 'flip out' } : { action: 'buy', size: ctx.params.size, reason: 'flip in' };
        },
      });`,
    );
    const journalFile = join(dir, 'journal.sqlite');
    const configFile = writeTestnetConfig(dir, journalFile, [
      `crewDirs: [${crewDir}]`,
      'risk: { maxOrdersPerMinutePerCrew: 10000, maxOrdersPerMinute: 10000, maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 }',
      'teams:',
      '  - name: chaos',
      '    capital: "1000"',
      '    crews:',
      '      - { id: flip-btc, crew: flip, symbol: BTCUSDT, interval: 1m, capital: "1000" }',
    ]);
    // 200 ms per response: an order is in flight for most of each candle, so kills often land mid-order.
    emulator = await startEmulator({
      apiKey: KEY,
      apiSecret: SECRET,
      symbols: ['BTCUSDT'],
      seed: 11,
      history: 50,
      speed: 4,
      balances: { USDT: '1000' },
      knobs: { latencyMs: 200 },
    });
    const env = testnetEnv(emulator, KEY, SECRET);

    const random = seededRandom(20261124);
    let kills = 0;
    let filled = 0;
    /** Restarts whose reconciliation settled an order the previous kill left open. */
    let reconciliations = 0;
    while (filled < LIFECYCLES) {
      const bot = await startTestnetDesk(configFile, env);
      child = bot.proc;
      // Each life reaches its first order of this run before the kill clock starts (a busy machine
      // starts the bot slower; the kill is timed from the trading, not from the start), then the kill
      // lands somewhere in the next 0–1.3 s: between candles, mid-order, mid-journal-write.
      await firstOrder(bot.output, 30_000);
      await new Promise((r) => setTimeout(r, random() * 1300));
      reconciliations += (bot.output().match(/restart reconciliation: [1-9]/g) ?? []).length;
      bot.proc.kill('SIGKILL');
      await exited(bot.proc);
      kills++;
      filled = (await journalCounts(journalFile)).filled;
      expect(kills, `only ${filled} lifecycles after ${kills} kills`).toBeLessThan(40);
    }

    // One last clean run: reconcile what the last kill left, trade a little, stop with SIGTERM.
    const last = await startTestnetDesk(configFile, env);
    child = last.proc;
    await new Promise((r) => setTimeout(r, 2000));
    last.proc.kill('SIGTERM');
    expect(await exited(last.proc), last.output()).toBe(0);
    child = undefined;
    emulator.setKnobs({ latencyMs: 0 });
    const state = emulator.state() as unknown as { orders: EmulatorOrder[]; trades: EmulatorTrade[]; balances: EmulatorBalance[] };

    const journal = await SqliteJournal.open(journalFile, { readonly: true });
    try {
      const orders = await journal.getOrders();
      const fills = await journal.getFills();
      const positions = await journal.getPositions();
      console.info(
        `chaos: ${kills} kills (${reconciliations} restarts settled orders left open), ${orders.length} journaled orders (${orders.filter((o) => o.status === 'filled').length} filled), ${state.orders.length} on the exchange, ${state.trades.length} trades`,
      );
      expect(orders.filter((o) => o.status === 'filled').length).toBeGreaterThanOrEqual(LIFECYCLES);

      // No duplicate order: each client order id reached the exchange at most once…
      const exchangeIds = state.orders.map((o) => o.clientOrderId);
      expect(new Set(exchangeIds).size).toBe(exchangeIds.length);
      // …every exchange order is a journaled order (written before it was sent)…
      const journaled = new Map(orders.map((o) => [o.clientOrderId, o] as const));
      expect(exchangeIds.filter((id) => !journaled.has(id))).toEqual([]);
      // …and no advice produced two orders.
      const adviceKeys = orders.map((o) => o.adviceKey);
      expect(new Set(adviceKeys).size).toBe(adviceKeys.length);

      // No lost fill: every exchange trade is journaled, against the right order.
      const clientIdOf = new Map(state.orders.map((o) => [o.orderId, o.clientOrderId] as const));
      const journaledTrades = new Set(fills.map((f) => `${f.symbol}:${f.tradeId}:${f.clientOrderId}`));
      const missing = state.trades.filter((t) => !journaledTrades.has(`${t.symbol}:${t.id}:${clientIdOf.get(t.orderId)}`));
      expect(missing).toEqual([]);
      expect(fills.length).toBe(state.trades.length);

      // Nothing left in doubt.
      expect(orders.filter((o) => o.status === 'unknown' || o.status === 'new')).toEqual([]);

      // The journal's books equal the account.
      const balance = (asset: string) => {
        const b = state.balances.find((x) => x.asset === asset);
        return b ? new Big(b.free).plus(b.locked) : new Big(0);
      };
      const quantity = positions.reduce((s, p) => s.plus(p.quantity.toString()), new Big(0));
      const cash = positions.reduce((s, p) => s.plus(p.cash.toString()), new Big(0));
      expect(quantity.toString()).toBe(balance('BTC').toString());
      expect(cash.toString()).toBe(balance('USDT').toString());
    } finally {
      await journal.close();
    }
  }, 420_000);
});
