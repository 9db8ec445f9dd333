// One rate budget for the process: when Binance's reported order count for the current 10-second
// window nears the limit, the next order waits for the window to turn instead of drawing a 429.
// Time is the test's own: Date is frozen (the emulator, @binance/spot's timestamps and the adapter
// all read it) and moves only when the adapter's injected clock sleeps, so the result is the same
// on an idle or a busy machine, and nothing waits for a real window to turn.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dec } from '../../../src/core/money.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import type { BinanceExchange } from '../../../src/exchange/binance/binance-exchange.ts';
import type { RestClock } from '../../../src/exchange/binance/rest-client.ts';
import { candles, connectTo, emulatorWith, flat } from './support.ts';

describe('rate budget', () => {
  let emulator: Emulator;
  let exchange: BinanceExchange;
  const sleeps: number[] = [];
  /** Sleeping moves the frozen time on: a wait costs no real time at all. */
  const clock: RestClock = {
    now: () => Date.now(),
    sleep: async (ms) => {
      sleeps.push(ms);
      vi.setSystemTime(Date.now() + ms);
    },
  };
  // Two seconds into a 10-second window: every order before the wait lands in that one window.
  const start = Math.floor(Date.now() / 10_000) * 10_000 + 2_000;

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    emulator = await emulatorWith({
      candles: candles(
        'BTCUSDT',
        Array.from({ length: 10 }, () => flat(30_000)),
      ),
      history: 3,
      balances: { USDT: '100000' },
      now: () => Date.now(),
    });
    emulator.setKnobs({ ordersPer10s: 5 });
    exchange = await connectTo(emulator, { clock });
  });
  afterAll(async () => {
    await exchange?.close();
    await emulator?.close();
    vi.useRealTimers();
  });

  it('queues orders before the limit rather than after it (no 429), whatever the machine’s speed', async () => {
    exchange.rest.adoptRateLimits([{ rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 5 }]);
    const windowStart = start - (start % 10_000);
    // 90 % of 5 is 4.5: after the 5th order of the window the 6th waits for the next window.
    for (let i = 1; i <= 6; i++) {
      await exchange.placeOrder({
        clientOrderId: `cd-budget-${i}`,
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        quantity: dec('0.001'),
        price: dec('20000'),
        timeInForce: 'GTC',
      });
    }
    // The emulator answers a 6th order in one window with 429: none came, so the sixth waited…
    const orders = await exchange.openOrders('BTCUSDT');
    expect(orders.filter((o) => o.clientOrderId.startsWith('cd-budget-'))).toHaveLength(6);
    // …once, to the turn of the window (its 25 ms margin included), and only then was it sent.
    expect(sleeps).toEqual([windowStart + 10_000 - start + 25]);
    expect(Date.now() - (Date.now() % 10_000)).toBe(windowStart + 10_000);
  }, 30_000);
});
