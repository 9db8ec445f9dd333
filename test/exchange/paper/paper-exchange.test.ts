import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/core/domain.ts';
import { defaultFilters } from '../../../src/core/filters.ts';
import { dec } from '../../../src/core/money.ts';
import { ManualClock } from '../../../src/ports/clock.ts';
import { type Exchange, ExchangeError, type ExecutionUpdate } from '../../../src/ports/exchange.ts';
import { PaperMatcher } from '../../../src/exchange/paper/paper-matcher.ts';
import { PaperExchange } from '../../../src/exchange/paper/paper-exchange.ts';

const T0 = Date.UTC(2024, 0, 1);
const flat = (i: number, price: number): Candle => ({
  symbol: 'BTCUSDT',
  interval: '1m',
  openTime: T0 + i * 60_000,
  closeTime: T0 + (i + 1) * 60_000 - 1,
  open: price,
  high: price,
  low: price,
  close: price,
  volume: 1,
});

function paper(): PaperExchange {
  return new PaperExchange({ balances: { USDT: '1000' }, filters: defaultFilters, clock: new ManualClock(T0) });
}

describe('PaperExchange', () => {
  it('is the Exchange port over the matching engine: order, fill on the next candle, trades, balances', async () => {
    const exchange: Exchange = paper();
    const updates: ExecutionUpdate[] = [];
    exchange.onExecution((u) => updates.push(u));
    exchange.onCandle?.(flat(0, 20000));

    const placed = await exchange.placeOrder({
      clientOrderId: 'x1',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: dec('0.01'),
    });
    expect(exchange.name).toBe('paper');
    expect(placed.status).toBe('submitted');
    expect(await exchange.openOrders()).toHaveLength(1);

    exchange.onCandle?.(flat(1, 20000)); // synchronous: the fill is there right after the call
    expect(updates.map((u) => u.order.status)).toEqual(['submitted', 'filled']);
    const trades = await exchange.myTrades!('BTCUSDT', T0);
    // 0.01 × 20000 = 200; fee 0.2.
    expect(trades.map((t) => [t.price.toString(), t.fee.toString()])).toEqual([['20000', '0.2']]);
    const usdt = (await exchange.balances()).find((b) => b.asset === 'USDT');
    expect(usdt?.free.toString()).toBe('799.8');
    expect((await exchange.getOrder('BTCUSDT', 'x1'))?.status).toBe('filled');
    expect((await exchange.symbolFilters('BTCUSDT')).tickSize.toString()).toBe('0.01');
  });

  it('rejects with ExchangeError instead of throwing synchronously', async () => {
    const exchange = paper();
    const cancel = exchange.cancelOrder('BTCUSDT', 'nope');
    await expect(cancel).rejects.toBeInstanceOf(ExchangeError);
    await expect(cancel).rejects.toMatchObject({ code: -2011, message: 'Unknown order sent.' });
    await expect(exchange.symbolFilters('NOPE')).rejects.toMatchObject({ code: -1121 });
  });

  it('can wrap an existing engine, which the emulator shares', async () => {
    const engine = new PaperMatcher({ balances: {}, filters: defaultFilters, clock: new ManualClock(T0) });
    const exchange = new PaperExchange(engine);
    expect(exchange.engine).toBe(engine);
    expect(await exchange.cancelAllOrders('BTCUSDT')).toEqual([]);
  });
});
