// One rate budget for the process: when Binance's reported order count for the current 10-second
// window nears the limit, the next order waits for the window to turn instead of drawing a 429.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec } from '../../../src/core/money.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import type { BinanceExchange } from '../../../src/exchange/binance/binance-exchange.ts';
import { candles, connectTo, emulatorWith, flat } from './support.ts';

describe('rate budget', () => {
  let emulator: Emulator;
  let exchange: BinanceExchange;
  beforeAll(async () => {
    emulator = await emulatorWith({ candles: candles('BTCUSDT', Array.from({ length: 10 }, () => flat(30_000))), history: 3, balances: { USDT: '100000' } });
    emulator.setKnobs({ ordersPer10s: 5 });
    exchange = await connectTo(emulator);
  });
  afterAll(async () => {
    await exchange.close();
    await emulator.close();
  });

  it('queues orders before the limit rather than after it (no 429)', async () => {
    exchange.rest.adoptRateLimits([{ rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 5 }]);
    const windowStart = Date.now() - (Date.now() % 10_000);
    // 90 % of 5 is 4.5: after the 5th order of the window the 6th waits for the next window.
    for (let i = 1; i <= 6; i++) {
      await exchange.placeOrder({ clientOrderId: `cd-budget-${i}`, symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: dec('0.001'), price: dec('20000'), timeInForce: 'GTC' });
    }
    // The emulator answers a 6th order in one window with 429: none came, so the sixth waited.
    const orders = await exchange.openOrders('BTCUSDT');
    expect(orders.filter((o) => o.clientOrderId.startsWith('cd-budget-'))).toHaveLength(6);
    expect(Date.now() - (Date.now() % 10_000)).toBeGreaterThan(windowStart);
  }, 30_000);
});
