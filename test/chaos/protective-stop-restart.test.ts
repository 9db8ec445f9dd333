// A protective stop lives on the exchange, so it protects a desk that is dead. The real `crewdesk start`
// runs in testnet mode against the local Binance emulator (the real @binance/spot client): its entry
// fills and its stop rests on the exchange; the desk is killed with SIGKILL; the price falls through
// the stop, which fills on the exchange; the restarted desk books that fill as the crew's exit, and
// its books equal the account.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Big from 'big.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../src/core/domain.ts';
import { type Emulator, startEmulator } from '../../src/emulator/emulator.ts';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { tempDir, writeCrewModule } from '../support/desk-harness.ts';
import { eventually, exited, minuteCandles, startTestnetDesk, testnetEnv, writeTestnetConfig } from '../support/testnet-process.ts';

const KEY = 'StopsKey0'.repeat(8).slice(0, 64);
const SECRET = 'StopsSecret1'.repeat(6).slice(0, 64);

interface OrderView {
  readonly clientOrderId: string;
  readonly type: string;
  readonly side: string;
  readonly status: string;
  readonly stopPrice?: string;
  readonly price: string;
  readonly origQty: string;
}
interface BalanceView {
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

/** 1m candles: 30 flat at 100 already closed, then ten at 101 (the crew buys on a close above 100.5). */
const market = () => minuteCandles([...Array.from({ length: 30 }, () => 100), [100, 101] as const, ...Array.from({ length: 9 }, () => 101)], 30);

describe('a protective stop on the exchange while the desk is dead', () => {
  it('an entry fill places its stop; the stop fills while the desk is SIGKILLed; the restarted desk books it as the exit', async () => {
    const dir = tempDir('crewdesk-stops-');
    const crewDir = join(dir, 'crews');
    writeCrewModule(
      crewDir,
      'buy-above',
      `export default defineCrew({
        name: 'buy-above',
        description: 'stops test crew: buys everything on a close above a level, never sells by itself',
        params: z.object({ level: z.number().min(0).max(1e9).default(100.5).describe('buy on a close above this') }),
        indicators: () => ({}),
        warmup: () => 0,
        onCandle(ctx) {
          return !ctx.position.isLong && ctx.candle.close > ctx.params.level ? { action: 'buy', size: 1, reason: 'above the level' } : { action: 'hold' };
        },
      });`,
    );
    const journalFile = join(dir, 'journal.sqlite');
    const configFile = writeTestnetConfig(dir, journalFile, [
      `crewDirs: [${crewDir}]`,
      'risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 }',
      'teams:',
      '  - name: stops',
      '    capital: "1000"',
      '    crews:',
      '      - { id: guard-btc, crew: buy-above, symbol: BTCUSDT, interval: 1m, capital: "1000", params: { stopLossPct: 5 } }',
    ]);
    emulator = await startEmulator({ apiKey: KEY, apiSecret: SECRET, candles: market(), history: 30, speed: 0, balances: { USDT: '1000' } });
    const env = testnetEnv(emulator, KEY, SECRET);
    const state = () => emulator!.state() as unknown as { openOrders: OrderView[]; orders: OrderView[]; balances: BalanceView[] };

    // 1. The entry fills; its stop rests on the exchange.
    const first = await startTestnetDesk(configFile, env);
    child = first.proc;
    // Candles are played once the desk listens; one more each time the desk has not bought within 15 s (a slow
    // stream subscription on a busy machine misses a candle; a later one above the level buys just the same).
    let stop: OrderView | undefined;
    for (let attempt = 0; attempt < 8 && !stop; attempt++) {
      emulator.step(1);
      stop = await eventually('the protective stop on the exchange', () => state().openOrders.find((o) => o.type === 'STOP_LOSS_LIMIT'), 15_000).catch(
        () => undefined,
      );
    }
    if (!stop) throw new Error(`no protective stop on the exchange:\n${first.output()}`);
    expect(stop).toMatchObject({ side: 'SELL', status: 'NEW' });
    const bought = state().balances.find((b) => b.asset === 'BTC')!;
    // The stop covers the whole position (the base is locked by it on the exchange).
    expect(new Big(stop.origQty).toString()).toBe(new Big(bought.locked).toString());
    const stopPrice = Number(stop.stopPrice);
    const limit = Number(stop.price);
    expect(limit).toBeLessThan(stopPrice);

    // 2. The desk dies; the price falls through the stop (not past its limit): the exchange sells.
    first.proc.kill('SIGKILL');
    await exited(first.proc);
    const through = ((stopPrice + limit) / 2).toFixed(2);
    emulator.setPrice('BTCUSDT', through);
    const filled = state().orders.find((o) => o.clientOrderId === stop.clientOrderId)!;
    expect(filled.status).toBe('FILLED');
    expect(state().openOrders).toEqual([]);

    // 3. The restarted desk books the stop's fill as the crew's exit, and its books equal the account.
    const second = await startTestnetDesk(configFile, env);
    child = second.proc;
    await eventually('the restart reconciliation line', () => /restart reconciliation: [1-9]/.test(second.output()));
    second.proc.kill('SIGTERM');
    expect(await exited(second.proc), second.output()).toBe(0);
    child = undefined;

    const journal = await SqliteJournal.open(journalFile, { readonly: true });
    try {
      const orders = await journal.getOrders({ crewId: 'guard-btc' });
      const protective = orders.filter((o) => o.purpose === 'protective');
      expect(protective.map((o) => [o.clientOrderId, o.status])).toEqual([[stop.clientOrderId, 'filled']]);
      const fills = await journal.getFills({ crewId: 'guard-btc' });
      expect(fills.map((f) => `${f.side} ${f.clientOrderId === stop.clientOrderId ? 'stop' : 'entry'} ${f.price}`)).toEqual([
        expect.stringMatching(/^BUY entry /),
        `SELL stop ${Number(through)}`,
      ]);
      // No second sale: the stop was the exit, and nothing else rests or sold.
      expect(orders.filter((o) => o.side === 'SELL').length).toBe(1);
      const [position] = await journal.getPositions();
      const balance = (asset: string) => {
        const b = emulator!.state().balances as BalanceView[];
        const found = b.find((x) => x.asset === asset);
        return found ? new Big(found.free).plus(found.locked) : new Big(0);
      };
      expect(position!.quantity.toString()).toBe('0');
      expect(new Big(position!.cash.toString()).toString()).toBe(balance('USDT').toString());
      expect(balance('BTC').toString()).toBe('0');
    } finally {
      await journal.close();
    }
  }, 300_000);
});
