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

/** Closes the crew reads as orders: 101 buys half its cash, 102 buys the rest, 99 sells everything. */
const SCRIPT = [100, 100, 100, 100, 100, 101, 102, 100, 100, 101, 99, 100];

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
        teams: [{ name: 'guards', capital: '1000', crews: [{ id: 'guard', crew: 'scripted', symbol: 'BTCUSDT', interval: '1m', params: { stopLossPct: 5 } }] }],
      },
      'test config',
    );
    desk = await Desk.open({ config, exchange, clock: wallClock, log: silentLogger(), journalFile: join(dir, 'journal.sqlite') });
    desk.bus.subscribe('count', () => void fills++, ['fill']);
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
});
