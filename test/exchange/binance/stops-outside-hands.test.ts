// Someone else's hand on the exchange while the desk runs (the owner in Binance's own app): a crew's
// protective stop cancelled there is placed again (the crew still holds the position: it must stay
// protected) and the owner is told; a position the owner sold there himself leaves no stop resting and
// no retry loop — the crew is paused, saying that the account no longer holds what its book does.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { dec } from '../../../src/core/money.ts';
import { Desk } from '../../../src/desk/desk.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import type { BinanceExchange } from '../../../src/exchange/binance/binance-exchange.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { BinanceMarketData } from '../../../src/market/binance-market-data.ts';
import { wallClock } from '../../../src/ports/clock.ts';
import { tempDir, writeCrewModule } from '../../support/desk-harness.ts';
import { candles, connectTo, emulatorWith, eventually, flat } from './support.ts';

interface OrderView {
  readonly clientOrderId: string;
  readonly type: string;
  readonly side: string;
  readonly origQty: string;
}
interface BalanceView {
  readonly asset: string;
  readonly free: string;
  readonly locked: string;
}

describe('protective stops and the owner’s own hand on the exchange', () => {
  let emulator: Emulator;
  let exchange: BinanceExchange;
  let desk: Desk;
  let dir: string;
  const controller = new AbortController();
  let run: Promise<void>;
  let fills = 0;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = tempDir('crewdesk-binance-hands-');
    writeCrewModule(
      dir,
      'holdon',
      `export default defineCrew({
  name: 'holdon',
  description: 'Buys at a close of 101 and holds.',
  params: z.object({}),
  indicators: () => ({}),
  warmup: () => 0,
  onCandle: ({ candle, position }) => (candle.close === 101 && !position.isLong ? { action: 'buy', size: 0.5, reason: 'in' } : { action: 'hold' }),
});`,
    );
    emulator = await emulatorWith({
      candles: candles('BTCUSDT', [100, 100, 100, 100, 100, 101, 100, 100, 100, 100].map(flat)),
      history: 5,
      balances: { USDT: '1000' },
    });
    exchange = await connectTo(emulator, { pollIntervalMs: 20, wsReconnectDelayMs: 300 });
    const config = parseConfig(
      {
        mode: 'testnet',
        journal: join(dir, 'journal.sqlite'),
        crewDirs: [dir],
        risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
        // A refused stop may be asked for again after a second here (the default waits a minute).
        stops: { trailMinSeconds: 1 },
        teams: [{ name: 'guards', capital: '1000', crews: [{ id: 'guard', crew: 'holdon', symbol: 'BTCUSDT', interval: '1m', params: { stopLossPct: 5 } }] }],
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
  const crew = () => desk.engine.crews.get('guard')!;

  it('a stop cancelled outside the desk is placed again; a position sold outside it pauses the crew, no stop left', async () => {
    emulator.advance();
    await eventually(() => fills === 1 && stops().length === 1, 'the entry and its stop', 10_000);
    const first = stops()[0]!;

    // The owner cancels the crew's stop in Binance's app: the crew still holds, so the desk protects it again.
    emulator.venue.cancel('BTCUSDT', { origClientOrderId: first.clientOrderId });
    await eventually(() => stops().length === 1 && stops()[0]!.clientOrderId !== first.clientOrderId, 'the stop placed again', 10_000);
    expect(Number(stops()[0]!.origQty)).toBe(Number(crew().book.quantity.toString()));
    await eventually(() => errors.some((m) => m.includes(first.clientOrderId) && /cancelled outside the desk/.test(m)), 'the owner told', 10_000);

    // Now the owner cancels it and sells the BTC himself: nothing is left to protect on the exchange.
    const second = stops()[0]!;
    emulator.venue.cancel('BTCUSDT', { origClientOrderId: second.clientOrderId });
    const btc = state().balances.find((b) => b.asset === 'BTC')!;
    emulator.venue.place({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: dec(btc.free) });
    await eventually(() => crew().status === 'paused', 'the crew paused', 15_000);
    expect(crew().statusReason).toMatch(/BTC/);
    // No stop rests, and none keeps being asked for.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(stops()).toEqual([]);
    const orders = await desk.journal.getOrders({ crewId: 'guard' });
    const protective = orders.filter((o) => o.purpose === 'protective');
    expect(protective.length).toBeLessThanOrEqual(3);
  }, 60_000);
});
