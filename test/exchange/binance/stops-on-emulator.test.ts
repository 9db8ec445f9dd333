// Protective stops through the whole live path on the emulator: the Desk (engine, gate, order manager,
// SQLite journal) trading through the Binance adapter (the real @binance/spot client) on Binance market
// data. Each act leaves exactly the right stop on the exchange: an entry places one for what filled, an
// add-on entry grows it to what is held, a halt at cancel keeps it, flatten lifts it before selling, and
// the crew's own exit lifts it before selling.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { ownerActor } from '../../../src/core/events.ts';
import { Desk } from '../../../src/desk/desk.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import type { BinanceExchange } from '../../../src/exchange/binance/binance-exchange.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { BinanceMarketData } from '../../../src/market/binance-market-data.ts';
import { wallClock } from '../../../src/ports/clock.ts';
import { tempDir, writeCrewModule } from '../../support/desk-harness.ts';
import { candles, connectTo, emulatorWith, eventually, flat } from './support.ts';

/** Closes the crew reads as orders: 101 buys half its cash, 102 buys the rest, 99 sells everything; then a
 * new entry and a climb of 1 % a candle for a trailing stop to follow. */
const CLIMB = Array.from({ length: 8 }, (_, i) => Math.round(103 * 1.01 ** i * 100) / 100);
const SCRIPT = [100, 100, 100, 100, 100, 101, 102, 100, 100, 101, 99, 100, 101, ...CLIMB, 100];

interface OrderView {
  readonly clientOrderId: string;
  readonly type: string;
  readonly side: string;
  readonly origQty: string;
  readonly stopPrice?: string;
}
interface BalanceView {
  readonly asset: string;
  readonly free: string;
  readonly locked: string;
}

describe('protective stops on the emulator, through the Desk and the Binance adapter', () => {
  let emulator: Emulator;
  let exchange: BinanceExchange;
  let desk: Desk;
  let dir: string;
  const controller = new AbortController();
  let run: Promise<void>;
  let fills = 0;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = tempDir('crewdesk-binance-stops-');
    writeCrewModule(
      dir,
      'scripted',
      `export default defineCrew({
  name: 'scripted',
  description: 'Reads its orders from the close: 101 buys half, 102 buys the rest, 99 sells.',
  params: z.object({ size: z.number().min(0.01).max(1).default(0.5).describe('Fraction of cash the first buy spends.') }),
  indicators: () => ({}),
  warmup: () => 0,
  onCandle: ({ candle, position, params }) =>
    candle.close === 101 && !position.isLong ? { action: 'buy', size: params.size, reason: 'first half' }
    : candle.close === 102 ? { action: 'buy', size: 1, reason: 'the rest' }
    : candle.close === 99 && position.isLong ? { action: 'sell', size: 1, reason: 'its own exit' }
    : { action: 'hold' },
});`,
    );
    emulator = await emulatorWith({ candles: candles('BTCUSDT', SCRIPT.map(flat)), history: 5, balances: { USDT: '1000' } });
    exchange = await connectTo(emulator, { pollIntervalMs: 20, wsReconnectDelayMs: 300 });
    const config = parseConfig(
      {
        mode: 'testnet',
        journal: join(dir, 'journal.sqlite'),
        crewDirs: [dir],
        risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
        // A trailing stop may move on every candle here (the emulator's candles come faster than a minute).
        stops: { trailStepPct: 0.5, trailMinSeconds: 0 },
        teams: [{ name: 'guards', capital: '1000', crews: [{ id: 'guard', crew: 'scripted', symbol: 'BTCUSDT', interval: '1m', params: { stopLossPct: 5 } }] }],
      },
      'test config',
    );
    desk = await Desk.open({ config, exchange, clock: wallClock, log: silentLogger(), journalFile: join(dir, 'journal.sqlite') });
    desk.bus.subscribe('count', () => void fills++, ['fill']);
    desk.bus.subscribe('errors', (e) => void (e.type === 'error' && errors.push(e.message)), ['error']);
    run = desk.engine.run(new BinanceMarketData({ restUrl: emulator.restUrl, wsStreamUrl: emulator.wsStreamUrl, reconnectInitialMs: 50 }), controller.signal);
    await eventually(() => emulator.connections().subscribers('btcusdt@kline_1m') === 1, 'the kline stream');
  });
  afterAll(async () => {
    controller.abort();
    await run;
    await desk.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const state = () => emulator.state() as unknown as { openOrders: OrderView[]; balances: BalanceView[] };
  const stops = () => state().openOrders.filter((o) => o.type === 'STOP_LOSS_LIMIT');
  const held = () => desk.engine.crews.get('guard')!.book.quantity.toString();
  const btc = () => state().balances.find((b) => b.asset === 'BTC');

  it('each act leaves the right stop: entry, add-on, halt cancel (kept), flatten (lifted), the crew’s own exit (lifted)', async () => {
    // The first entry fills in two trades (a partial fill, then the rest): one stop, for exactly what filled.
    emulator.setKnobs({ splitFills: 1 });
    emulator.advance();
    await eventually(() => fills === 2 && stops().length === 1 && Number(stops()[0]!.origQty) === Number(held()), 'the first entry and its stop', 10_000);
    expect(Number(btc()!.locked)).toBe(Number(held()));

    // The add-on fills: the stop follows the quantity held (cancelled and replaced), still one.
    emulator.advance();
    await eventually(() => fills === 3 && stops().length === 1 && Number(stops()[0]!.origQty) === Number(held()), 'the stop for the whole position', 10_000);
    const grown = stops()[0]!;
    expect(Number(grown.origQty)).toBe(Number(btc()!.locked));

    // Halt at cancel: entries and resting orders go, the protection stays.
    const cancel = await desk.engine.setHalt('cancel', 'owner away', ownerActor('owner-1'), 'test');
    expect(cancel.failures).toEqual([]);
    expect(stops().map((o) => o.clientOrderId)).toEqual([grown.clientOrderId]);

    // Flatten: the stop is lifted, then the position sold at market; nothing rests.
    const flatten = await desk.engine.setHalt('flatten', 'get out', ownerActor('owner-1'), 'test');
    expect(flatten).toMatchObject({ flattened: 1, failures: [] });
    await eventually(() => fills === 4 && held() === '0', 'the flatten sale', 10_000);
    expect(state().openOrders).toEqual([]);
    expect(Number(btc()?.free ?? 0) + Number(btc()?.locked ?? 0)).toBe(0);
    await desk.engine.setHalt('none', 'back', ownerActor('owner-1'), 'test');

    // Two flat candles, then a new entry with its stop, then the crew's own exit: the stop is lifted first, one sale.
    emulator.advance();
    emulator.advance();
    emulator.advance();
    await eventually(() => fills === 5 && stops().length === 1, 'the new entry and its stop', 10_000);
    emulator.advance();
    await eventually(() => fills === 6 && held() === '0', 'the crew’s own exit', 10_000);
    expect(state().openOrders).toEqual([]);

    await desk.journal.flush();
    const orders = await desk.journal.getOrders({ crewId: 'guard' });
    expect(orders.map((o) => `${o.side} ${o.type} ${o.purpose ?? 'trade'} ${o.status}`)).toEqual([
      'BUY MARKET trade filled',
      'SELL STOP_LOSS_LIMIT protective cancelled', // replaced: the add-on grew the position
      'BUY MARKET trade filled',
      'SELL STOP_LOSS_LIMIT protective cancelled', // lifted by flatten
      'SELL MARKET trade filled',
      'BUY MARKET trade filled',
      'SELL STOP_LOSS_LIMIT protective cancelled', // lifted by the crew's exit
      'SELL MARKET trade filled',
    ]);
    // The partly filled entry: two trades, and every stop's quantity was what the book held when it was placed.
    const fillsOf = await desk.journal.getFills({ crewId: 'guard' });
    expect(fillsOf.filter((f) => f.clientOrderId === orders[0]!.clientOrderId)).toHaveLength(2);
  });

  it('a trailing stop follows the climb by cancel-and-replace, one move a candle at most, within the order rate budget', async () => {
    // 25 new orders per 10 s, for both tests' ~20: a stop moved on every price tick (four a candle) would be refused (429).
    emulator.setKnobs({ ordersPer10s: 25 });
    desk.engine.crews.get('guard')!.setParams({ ...desk.engine.crews.get('guard')!.params, trailingStopPct: 2 });
    const before = fills;
    emulator.advance(); // 100: nothing
    emulator.advance(); // 101: the entry
    await eventually(() => fills === before + 1 && stops().length === 1, 'the entry and its stop', 10_000);
    const levels = [Number(stops()[0]!.stopPrice)];
    for (const close of CLIMB) {
      emulator.advance();
      // The stop is re-placed 2 % under the new high (the close), down to the tick.
      const want = Math.floor((Math.round(close * 100) * 98) / 100) / 100;
      await eventually(() => stops().length === 1 && Number(stops()[0]!.stopPrice) === want, `the stop up to ${want}`, 10_000);
      levels.push(want);
    }
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    await desk.journal.flush();
    const protective = (await desk.journal.getOrders({ crewId: 'guard' })).filter((o) => o.purpose === 'protective');
    // The three stops before, then the entry's and one per candle of the climb: never more than a move a candle.
    expect(protective.length).toBe(3 + 1 + CLIMB.length);
    expect(protective.slice(0, -1).every((o) => o.status === 'cancelled')).toBe(true);
    expect(Number(stops()[0]!.origQty)).toBe(Number(held()));
    expect(errors).toEqual([]);
  });
});
