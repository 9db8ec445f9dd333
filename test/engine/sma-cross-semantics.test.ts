// The sma-cross contract, end to end through the engine, risk gate, paper exchange and journal,
// on a series small enough to check by hand.
import Big from 'big.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { flatCandles, type Harness, openHarness } from '../support/desk-harness.ts';

const NO_DRAWDOWN_STOPS = { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 };

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe('sma-cross, fast=2 slow=3, 10 bps fee, no slippage, 10,000 USDT', () => {
  //  t   open close   SMA2   SMA3   signal (decided at the close of t)
  //  0    10    10      –      –
  //  1    10    10     10      –
  //  2    10    10     10     10    (both exist from here: first possible signal is t=3)
  //  3    10    13    11.5    11    fast > slow, prev 10 ≤ 10  → BUY
  //  4    12    13     13     12    (the buy fills at t=4's open: 12)
  //  5    13     7     10     11    fast < slow, prev 13 ≥ 12  → SELL
  //  6     8     7      7      9    (the sell fills at t=6's open: 8)
  //  7     7     7      7      7    fast = slow: nothing
  const closes = [10, 10, 10, 13, 13, 7, 7, 7];
  const opens = [10, 10, 10, 10, 12, 13, 8, 7];
  const candles = flatCandles(closes, opens);

  it('buys at the next open after a cross up and sells at the next open after a cross down', async () => {
    h = await openHarness({ crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3 } }], risk: NO_DRAWDOWN_STOPS });
    await h.desk.engine.run(new ArrayMarketData(candles));

    // Independent arithmetic: qty = floor(cash / (price × 1.001), 0.00001)
    const fee = new Big('0.001');
    const buyPrice = new Big(12);
    const qty = new Big(10000)
      .div(buyPrice.times(fee.plus(1)))
      .div('0.00001')
      .round(0, Big.roundDown)
      .times('0.00001');
    expect(qty.toString()).toBe('832.50083');
    const buyCost = qty.times(buyPrice);
    const buyFee = buyCost.times(fee);
    const sellPrice = new Big(8);
    const proceeds = qty.times(sellPrice);
    const sellFee = proceeds.times(fee);
    const finalCash = new Big(10000).minus(buyCost).minus(buyFee).plus(proceeds).minus(sellFee);

    const fills = await h.desk.journal.getFills({ crewId: 'sma' });
    expect(fills.map((f) => [f.side, f.price.toString(), f.quantity.toString(), f.fee.toString(), f.time])).toEqual([
      ['BUY', '12', '832.50083', buyFee.toString(), candles[4]!.openTime],
      ['SELL', '8', '832.50083', sellFee.toString(), candles[6]!.openTime],
    ]);
    const [summary] = h.desk.engine.summaries();
    expect(summary!.cash).toBe(finalCash.round(2).toFixed(2));
    const [position] = await h.desk.journal.getPositions();
    expect(position!.cash.toString()).toBe(finalCash.toString());
    expect(position!.quantity.toString()).toBe('0');
  });

  it('gives no signal before both averages exist at t−1, even on a cross at t', async () => {
    // SMA3 first exists at t=2; a cross at t=2 itself (prev slow missing) is not a signal.
    h = await openHarness({ crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3 } }], risk: NO_DRAWDOWN_STOPS });
    await h.desk.engine.run(new ArrayMarketData(flatCandles([10, 9, 13, 13])));
    // t=2: SMA2=11 > SMA3=10.67 but SMA3(t−1) did not exist → hold; t=3: 13 > 11.67 and prev 11 > 10.67 → no cross
    expect(h.events.filter((e) => e.type === 'advice')).toEqual([]);
  });

  it('values an open position at the last close at the end of the data, without selling it', async () => {
    h = await openHarness({ crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3 } }], risk: NO_DRAWDOWN_STOPS });
    await h.desk.engine.run(new ArrayMarketData(flatCandles([10, 10, 10, 13, 13, 14], [10, 10, 10, 10, 12, 13])));
    const qty = new Big('832.50083');
    const cash = new Big(10000).minus(qty.times(12).times('1.001'));
    const equity = cash.plus(qty.times(14));
    const [summary] = h.desk.engine.summaries();
    expect(summary!.quantity).toBe('832.50083');
    expect(summary!.equity).toBe(equity.round(2).toFixed(2));
    const sells = (await h.desk.journal.getOrders()).filter((o) => o.side === 'SELL');
    expect(sells).toEqual([]);
  });

  it('fills a MARKET order at the next open × (1 + slippage), the price rounded up to the tick', async () => {
    h = await openHarness({ crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3 } }], slippageBps: 5, risk: NO_DRAWDOWN_STOPS });
    await h.desk.engine.run(new ArrayMarketData(candles));
    const fills = await h.desk.journal.getFills({ crewId: 'sma' });
    // 12 × 1.0005 = 12.006 → 12.01 (BUY rounds up); 8 × 0.9995 = 7.996 → 7.99 (SELL rounds down)
    expect(fills.map((f) => f.price.toString())).toEqual(['12.01', '7.99']);
  });
});
