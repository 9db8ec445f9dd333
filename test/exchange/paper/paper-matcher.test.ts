import { afterEach, describe, expect, it } from 'vitest';
import type { Candle, OrderRequest } from '../../../src/core/domain.ts';
import { defaultFilters, makeFilters } from '../../../src/core/filters.ts';
import { dec } from '../../../src/core/money.ts';
import { ManualClock } from '../../../src/ports/clock.ts';
import { ExchangeError, type ExecutionUpdate } from '../../../src/ports/exchange.ts';
import { PaperMatcher, type PaperMatcherOptions } from '../../../src/exchange/paper/paper-matcher.ts';

const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;

/** The i-th one-minute BTCUSDT candle after T0. */
function candle(i: number, ohlc: { o: number; h: number; l: number; c: number }, symbol = 'BTCUSDT'): Candle {
  return {
    symbol,
    interval: '1m',
    openTime: T0 + i * MINUTE,
    closeTime: T0 + (i + 1) * MINUTE - 1,
    open: ohlc.o,
    high: ohlc.h,
    low: ohlc.l,
    close: ohlc.c,
    volume: 1,
  };
}

/** A flat candle at one price, to set the last price a decision is made on. */
const flat = (i: number, price: number): Candle => candle(i, { o: price, h: price, l: price, c: price });

const engines: PaperMatcher[] = [];

function setup(options: Partial<PaperMatcherOptions> = {}) {
  const clock = new ManualClock(T0);
  const engine = new PaperMatcher({
    balances: { USDT: '10000' },
    filters: defaultFilters,
    clock,
    feeBps: 10,
    ...options,
  });
  engines.push(engine);
  const updates: ExecutionUpdate[] = [];
  engine.onExecution((u) => updates.push(u));
  /** An asset's balance as decimal strings, as the journal would store it. */
  const balance = (asset: string) => {
    const b = engine.balances().find((x) => x.asset === asset);
    return { free: b?.free.toString() ?? '0', locked: b?.locked.toString() ?? '0' };
  };
  /** Feeds candle i, with the clock at its close as in a backtest. */
  const feed = (c: Candle) => {
    clock.set(c.closeTime);
    engine.onCandle(c);
  };
  return { engine, clock, updates, balance, feed };
}

const order = (fields: Partial<OrderRequest> & Pick<OrderRequest, 'side' | 'type'>): OrderRequest => ({
  clientOrderId: 'c1',
  symbol: 'BTCUSDT',
  ...fields,
});

function rejection(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof ExchangeError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an ExchangeError');
}

// Whatever a test did, no balance may end negative.
afterEach(() => {
  for (const engine of engines.splice(0)) {
    for (const b of engine.balances()) {
      expect(b.free.gte(0), `${b.asset} free ${b.free}`).toBe(true);
      expect(b.locked.gte(0), `${b.asset} locked ${b.locked}`).toBe(true);
    }
  }
});

describe('MARKET orders fill at the next open', () => {
  it('buys at the next open plus slippage rounded up to the tick, and pays a 10 bps fee in USDT', () => {
    const { engine, balance, feed, updates } = setup({ slippageBps: 5 });
    feed(flat(0, 30000));
    const placed = engine.placeOrder(order({ side: 'BUY', type: 'MARKET', quantity: dec('0.1') }));
    expect(placed.status).toBe('submitted');
    // Estimate locked: 0.1 × 30000 = 3000 + 3 fee.
    expect(balance('USDT')).toEqual({ free: '6997', locked: '3003' });
    expect(engine.trades('BTCUSDT')).toEqual([]);

    const next = candle(1, { o: 30100.01, h: 30200, l: 30000, c: 30150 });
    feed(next);
    // 30100.01 × 1.0005 = 30115.060005 → up to the tick: 30115.07.
    // Notional 0.1 × 30115.07 = 3011.507; fee 3.011507; paid 3014.518507 (11.518507 more than the estimate, from free).
    const [fill] = engine.trades('BTCUSDT');
    expect(fill?.price.toString()).toBe('30115.07');
    expect(fill?.quoteQuantity.toString()).toBe('3011.507');
    expect(fill?.fee.toString()).toBe('3.011507');
    expect(fill?.feeAsset).toBe('USDT');
    expect(fill?.time).toBe(next.openTime);
    expect(balance('USDT')).toEqual({ free: '6985.481493', locked: '0' });
    expect(balance('BTC')).toEqual({ free: '0.1', locked: '0' });
    expect(engine.getOrder('BTCUSDT', 'c1')?.status).toBe('filled');
    expect(updates.map((u) => u.order.status)).toEqual(['submitted', 'filled']);
  });

  it('sells at the next open minus slippage rounded down to the tick', () => {
    const { engine, balance, feed } = setup({ balances: { BTC: '0.1' }, slippageBps: 5 });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'SELL', type: 'MARKET', quantity: dec('0.1') }));
    expect(balance('BTC')).toEqual({ free: '0', locked: '0.1' });
    feed(candle(1, { o: 30200.01, h: 30300, l: 30100, c: 30250 }));
    // 30200.01 × 0.9995 = 30184.909995 → down to the tick: 30184.90. Notional 3018.49, fee 3.01849.
    expect(engine.trades('BTCUSDT')[0]?.price.toString()).toBe('30184.9');
    expect(balance('USDT')).toEqual({ free: '3015.47151', locked: '0' });
    expect(balance('BTC')).toEqual({ free: '0', locked: '0' });
  });

  it('turns a quoteQuantity into the quantity it buys at the fill price, rounded down to the step', () => {
    const { engine, balance, feed } = setup({ balances: { USDT: '1000' } });
    feed(flat(0, 29000));
    engine.placeOrder(order({ side: 'BUY', type: 'MARKET', quoteQuantity: dec('100') }));
    expect(balance('USDT')).toEqual({ free: '899.9', locked: '100.1' });
    feed(flat(1, 29123.45));
    // 100 / 29123.45 = 0.0034336… → 0.00343 BTC; notional 0.00343 × 29123.45 = 99.8934335;
    // fee 0.0998934335 → 0.09989343 (8 decimals, half-up); paid 99.99332693.
    const [fill] = engine.trades('BTCUSDT');
    expect(fill?.quantity.toString()).toBe('0.00343');
    expect(fill?.fee.toString()).toBe('0.09989343');
    expect(engine.getOrder('BTCUSDT', 'c1')?.quantity.toString()).toBe('0.00343');
    expect(balance('USDT')).toEqual({ free: '900.00667307', locked: '0' });
    expect(balance('BTC').free).toBe('0.00343');
  });

  it('spends at most the cash when a crew sizes quantity as cash / (price × (1 + fee))', () => {
    for (const price of [29123.45, 30000, 61234.56, 100.01]) {
      const { engine, balance, feed } = setup({ balances: { USDT: '100' } });
      feed(flat(0, price));
      const qty = dec(100).div(dec(price).times('1.001')).round(5, 0);
      engine.placeOrder(order({ side: 'BUY', type: 'MARKET', quantity: qty }));
      feed(flat(1, price));
      expect(engine.getOrder('BTCUSDT', 'c1')?.status).toBe('filled');
      expect(dec(balance('USDT').free).gte(0)).toBe(true);
    }
  });

  it('expires, and returns the funds, when the price moved beyond what the account can pay', () => {
    const { engine, balance, feed, updates } = setup({ balances: { USDT: '3003' } });
    feed(flat(0, 30000));
    // Locks 0.1 × 30000 + 3 fee = the whole 3003.
    engine.placeOrder(order({ side: 'BUY', type: 'MARKET', quantity: dec('0.1') }));
    feed(flat(1, 30100)); // would cost 3010 + 3.01 = 3013.01
    expect(engine.getOrder('BTCUSDT', 'c1')?.status).toBe('expired');
    expect(updates.at(-1)?.rejectReason).toBe('insufficient balance at fill: needs 3013.01 USDT at 30100, had 3003 locked + 0 free');
    expect(balance('USDT')).toEqual({ free: '3003', locked: '0' });
    expect(engine.trades('BTCUSDT')).toEqual([]);
  });

  it('fills at placement at the last price in immediate mode', () => {
    const { engine, balance } = setup({ marketFill: 'immediate', slippageBps: 10 });
    engine.setPrice('BTCUSDT', dec('30000'));
    const placed = engine.placeOrder(order({ side: 'BUY', type: 'MARKET', quantity: dec('0.1') }));
    // 30000 × 1.001 = 30030; notional 3003; fee 3.003.
    expect(placed.status).toBe('filled');
    expect(placed.cumulativeQuote.toString()).toBe('3003');
    expect(balance('USDT')).toEqual({ free: '6993.997', locked: '0' });
  });

  it('rounds a noisy float open to its tick before pricing, so no float noise reaches money', () => {
    const { engine, balance, feed } = setup();
    feed(flat(0, 30000));
    for (const id of ['a', 'b', 'c']) {
      engine.placeOrder(order({ clientOrderId: id, side: 'BUY', type: 'MARKET', quantity: dec('0.1') }));
    }
    feed(flat(1, 0.1 * 3 * 100_000)); // 30000.000000000004
    expect(engine.trades('BTCUSDT').map((f) => f.price.toString())).toEqual(['30000', '30000', '30000']);
    expect(balance('BTC').free).toBe('0.3'); // not 0.30000000000000004
  });
});

describe('LIMIT orders', () => {
  it('lock price × qty + fee, rest until a candle trades through, and fill at the limit', () => {
    const { engine, balance, feed } = setup({ balances: { USDT: '1000' } });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'BUY', type: 'LIMIT', quantity: dec('0.01'), price: dec('29500') }));
    // 0.01 × 29500 = 295 + 0.295 fee.
    expect(balance('USDT')).toEqual({ free: '704.705', locked: '295.295' });

    feed(candle(1, { o: 30000, h: 30100, l: 29600, c: 29700 }));
    expect(engine.openOrders('BTCUSDT')).toHaveLength(1);

    const through = candle(2, { o: 29700, h: 29800, l: 29400, c: 29450 });
    feed(through);
    const [fill] = engine.trades('BTCUSDT');
    expect(fill?.price.toString()).toBe('29500'); // the limit, not the low
    expect(fill?.time).toBe(through.closeTime);
    expect(balance('USDT')).toEqual({ free: '704.705', locked: '0' });
    expect(balance('BTC').free).toBe('0.01');
    expect(engine.openOrders()).toEqual([]);
  });

  it('a resting buy limit that the market gaps through fills at its own price (it is the maker)', () => {
    const { engine, feed } = setup();
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'BUY', type: 'LIMIT', quantity: dec('0.01'), price: dec('29500') }));
    feed(flat(1, 30000));
    feed(candle(2, { o: 29000, h: 29100, l: 28900, c: 29000 }));
    expect(engine.trades('BTCUSDT')[0]?.price.toString()).toBe('29500');
  });

  it('a marketable buy limit takes the book at the next open', () => {
    const { engine, balance, feed } = setup({ balances: { USDT: '1000' } });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'BUY', type: 'LIMIT', quantity: dec('0.01'), price: dec('30500') }));
    expect(balance('USDT').locked).toBe('305.305');
    const next = candle(1, { o: 30200, h: 30600, l: 30100, c: 30300 });
    feed(next);
    // Pays 302 + 0.302 fee; the 3.003 locked in excess goes back to free.
    const [fill] = engine.trades('BTCUSDT');
    expect(fill?.price.toString()).toBe('30200');
    expect(fill?.time).toBe(next.openTime);
    expect(balance('USDT')).toEqual({ free: '697.698', locked: '0' });
  });

  it('a sell limit locks the base, rests, and fills when the high reaches it', () => {
    const { engine, balance, feed } = setup({ balances: { BTC: '0.5' } });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'SELL', type: 'LIMIT', quantity: dec('0.5'), price: dec('31000') }));
    expect(balance('BTC')).toEqual({ free: '0', locked: '0.5' });
    feed(candle(1, { o: 30000, h: 30900, l: 29900, c: 30800 }));
    expect(engine.trades('BTCUSDT')).toEqual([]);
    feed(candle(2, { o: 30800, h: 31050, l: 30700, c: 30900 }));
    // 0.5 × 31000 = 15500; fee 15.5.
    expect(balance('USDT')).toEqual({ free: '15484.5', locked: '0' });
    expect(balance('BTC')).toEqual({ free: '0', locked: '0' });
  });

  it('a marketable sell limit takes the book at the next open', () => {
    const { engine, feed } = setup({ balances: { BTC: '0.5' } });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'SELL', type: 'LIMIT', quantity: dec('0.1'), price: dec('29000') }));
    feed(candle(1, { o: 29950, h: 30000, l: 29800, c: 29900 }));
    expect(engine.trades('BTCUSDT')[0]?.price.toString()).toBe('29950');
  });

  it('an IOC limit that cannot fill on the next candle expires and returns its funds', () => {
    const { engine, balance, feed } = setup({ balances: { USDT: '1000' } });
    feed(flat(0, 30000));
    const req = order({ side: 'BUY', type: 'LIMIT', timeInForce: 'IOC', quantity: dec('0.01'), price: dec('29000') });
    engine.placeOrder(req);
    feed(candle(1, { o: 30000, h: 30100, l: 29500, c: 29900 }));
    expect(engine.getOrder('BTCUSDT', 'c1')?.status).toBe('expired');
    expect(balance('USDT')).toEqual({ free: '1000', locked: '0' });
  });

  it('a resting limit fills on a price tick through it (emulator / live paper)', () => {
    const { engine } = setup({ marketFill: 'immediate' });
    engine.setPrice('BTCUSDT', dec('30000'));
    engine.placeOrder(order({ side: 'BUY', type: 'LIMIT', quantity: dec('0.01'), price: dec('29500') }));
    engine.setPrice('BTCUSDT', dec('29600'));
    expect(engine.getOrder('BTCUSDT', 'c1')?.status).toBe('submitted');
    engine.setPrice('BTCUSDT', dec('29499.99'));
    expect(engine.trades('BTCUSDT')[0]?.price.toString()).toBe('29500');
  });
});

describe('stop orders', () => {
  it('a STOP_LOSS sell triggers when the low reaches the stop and fills at the stop', () => {
    const { engine, balance, feed } = setup({ balances: { BTC: '0.1' } });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'SELL', type: 'STOP_LOSS', quantity: dec('0.1'), stopPrice: dec('29000') }));
    feed(candle(1, { o: 30000, h: 30100, l: 29100, c: 29200 }));
    expect(engine.trades('BTCUSDT')).toEqual([]);
    feed(candle(2, { o: 29500, h: 29600, l: 28800, c: 28900 }));
    // min(open 29500, stop 29000) = 29000; 2900 − 2.9 fee.
    expect(engine.trades('BTCUSDT')[0]?.price.toString()).toBe('29000');
    expect(balance('USDT')).toEqual({ free: '2897.1', locked: '0' });
  });

  it('a STOP_LOSS sell gapped through fills at the open, minus slippage', () => {
    const { engine, balance, feed } = setup({ balances: { BTC: '0.1' }, slippageBps: 10 });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'SELL', type: 'STOP_LOSS', quantity: dec('0.1'), stopPrice: dec('29000') }));
    const gap = candle(1, { o: 28500, h: 28600, l: 28000, c: 28100 });
    feed(gap);
    // 28500 × 0.999 = 28471.5; notional 2847.15; fee 2.84715.
    const [fill] = engine.trades('BTCUSDT');
    expect(fill?.price.toString()).toBe('28471.5');
    expect(fill?.time).toBe(gap.openTime);
    expect(balance('USDT')).toEqual({ free: '2844.30285', locked: '0' });
  });

  it('a STOP_LOSS buy triggers on the high and fills at max(open, stop)', () => {
    const { engine, balance, feed } = setup();
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'BUY', type: 'STOP_LOSS', quantity: dec('0.1'), stopPrice: dec('31000') }));
    expect(balance('USDT').locked).toBe('3103.1'); // 0.1 × 31000 + 3.1
    feed(candle(1, { o: 30500, h: 31200, l: 30400, c: 31100 }));
    expect(engine.trades('BTCUSDT')[0]?.price.toString()).toBe('31000');
    expect(balance('USDT')).toEqual({ free: '6896.9', locked: '0' });
  });

  it('a triggered STOP_LOSS_LIMIT takes at its stop when its limit is under it (a marketable limit), not at the limit', () => {
    const { engine, feed } = setup({ balances: { BTC: '0.1' } });
    feed(flat(0, 30000));
    const req = order({
      side: 'SELL',
      type: 'STOP_LOSS_LIMIT',
      quantity: dec('0.1'),
      stopPrice: dec('29000'),
      price: dec('28900'),
    });
    engine.placeOrder(req);
    feed(candle(1, { o: 29500, h: 29600, l: 28800, c: 28850 }));
    // The limit sell entered at 29000 with a limit of 28900 is marketable: it sells at the market there.
    expect(engine.trades('BTCUSDT')[0]?.price.toString()).toBe('29000');
  });

  it('a triggered STOP_LOSS_LIMIT fills on its trigger candle even when the low stays above its limit', () => {
    const { engine, feed } = setup({ balances: { BTC: '0.1' } });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: dec('0.1'), stopPrice: dec('29000'), price: dec('28700') }));
    feed(candle(1, { o: 29500, h: 29600, l: 28950, c: 28990 }));
    expect(engine.trades('BTCUSDT').map((t) => t.price.toString())).toEqual(['29000']);
    expect(engine.openOrders('BTCUSDT')).toHaveLength(0);
  });

  it('a STOP_LOSS_LIMIT gapped under its stop but above its limit sells at the open', () => {
    const { engine, feed } = setup({ balances: { BTC: '0.1' } });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: dec('0.1'), stopPrice: dec('29000'), price: dec('28700') }));
    const gap = candle(1, { o: 28800, h: 28900, l: 28600, c: 28650 });
    feed(gap);
    expect(engine.trades('BTCUSDT')[0]?.price.toString()).toBe('28800');
    expect(engine.trades('BTCUSDT')[0]?.time).toBe(gap.openTime);
  });

  it('a STOP_LOSS_LIMIT gapped through rests as a limit until the price comes back', () => {
    const { engine, balance, feed } = setup({ balances: { BTC: '0.1' } });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: dec('0.1'), stopPrice: dec('29000'), price: dec('28900') }));
    feed(candle(1, { o: 28000, h: 28500, l: 27900, c: 28400 })); // triggered; 28900 is above the range
    expect(engine.openOrders('BTCUSDT')).toHaveLength(1);
    expect(balance('BTC').locked).toBe('0.1');
    feed(candle(2, { o: 28400, h: 29000, l: 28300, c: 28950 }));
    // 0.1 × 28900 = 2890 − 2.89 fee.
    expect(engine.trades('BTCUSDT')[0]?.price.toString()).toBe('28900');
    expect(balance('USDT').free).toBe('2887.11');
  });

  it('splitFill: one fill reported as two trades (half, then the rest), balances as for one', () => {
    let split = 1;
    const { engine, balance, feed, updates } = setup({ splitFill: () => split-- > 0 });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'BUY', type: 'LIMIT', quantity: dec('0.1'), price: dec('29000') }));
    feed(candle(1, { o: 29500, h: 29600, l: 28800, c: 28850 }));
    const trades = updates.filter((u) => u.fill !== undefined);
    expect(trades.map((u) => [u.order.status, u.fill!.quantity.toString(), u.order.executedQty.toString()])).toEqual([
      ['partially_filled', '0.05', '0.05'],
      ['filled', '0.05', '0.1'],
    ]);
    // 0.1 × 29000 = 2900 + 2.9 fee, as one fill would have cost.
    expect(balance('USDT')).toEqual({ free: '7097.1', locked: '0' });
    expect(trades.reduce((sum, u) => sum + u.fill!.fee.toNumber(), 0)).toBeCloseTo(2.9, 10);
  });

  it('refuses a stop the last price has already passed', () => {
    const { engine, feed } = setup({ balances: { BTC: '0.1' } });
    feed(flat(0, 30000));
    const req = order({ side: 'SELL', type: 'STOP_LOSS', quantity: dec('0.1'), stopPrice: dec('31000') });
    expect(rejection(() => engine.placeOrder(req))).toEqual({ code: -2010, message: 'Order would trigger immediately.' });
  });
});

describe('fees', () => {
  it('are rounded half-up to the quote precision (8 decimals)', () => {
    const { engine, feed } = setup();
    feed(flat(0, 12345.67));
    engine.placeOrder(order({ side: 'BUY', type: 'MARKET', quantity: dec('0.00043') }));
    feed(flat(1, 12345.67));
    // 0.00043 × 12345.67 = 5.3086381; × 0.001 = 0.0053086381 → 0.00530864.
    const [fill] = engine.trades('BTCUSDT');
    expect(fill?.quoteQuantity.toString()).toBe('5.3086381');
    expect(fill?.fee.toString()).toBe('0.00530864');
  });

  it('add up exactly over a round trip', () => {
    const { engine, balance, feed } = setup({ slippageBps: 5 });
    feed(flat(0, 30000));
    engine.placeOrder(order({ clientOrderId: 'buy', side: 'BUY', type: 'MARKET', quantity: dec('0.1') }));
    feed(flat(1, 30100.01)); // fills at 30115.07: pays 3014.518507
    engine.placeOrder(order({ clientOrderId: 'sell', side: 'SELL', type: 'MARKET', quantity: dec('0.1') }));
    feed(flat(2, 30200.01)); // fills at 30184.90: receives 3015.47151
    // 10000 − 3014.518507 + 3015.47151 = 10000.953003
    expect(balance('USDT')).toEqual({ free: '10000.953003', locked: '0' });
    expect(balance('BTC')).toEqual({ free: '0', locked: '0' });
  });
});

describe('rejections carry Binance codes and messages', () => {
  it('-2010 when the balance cannot cover the lock', () => {
    const { engine, feed } = setup({ balances: { USDT: '100' } });
    feed(flat(0, 30000));
    const buy = order({ side: 'BUY', type: 'MARKET', quantity: dec('0.01') }); // 300.3 needed
    const sell = order({ side: 'SELL', type: 'LIMIT', quantity: dec('0.01'), price: dec('30000') });
    const insufficient = { code: -2010, message: 'Account has insufficient balance for requested action.' };
    expect(rejection(() => engine.placeOrder(buy))).toEqual(insufficient);
    expect(rejection(() => engine.placeOrder(sell))).toEqual(insufficient);
    expect(engine.allOrders('BTCUSDT')).toEqual([]);
  });

  it('-1013 for LOT_SIZE, PRICE_FILTER, NOTIONAL and MARKET_LOT_SIZE failures', () => {
    const { engine, feed } = setup({
      filters: (symbol) =>
        symbol === 'ETHUSDT'
          ? makeFilters({ symbol, baseAsset: 'ETH', quoteAsset: 'USDT', tickSize: '0.01', stepSize: '0.0001', marketMinQty: '0.01' })
          : defaultFilters(symbol),
    });
    feed(flat(0, 30000));
    const limit = (quantity: string, price: string) => order({ side: 'BUY', type: 'LIMIT', quantity: dec(quantity), price: dec(price) });
    expect(rejection(() => engine.placeOrder(limit('0.000015', '30000')))).toEqual({
      code: -1013,
      message: 'Filter failure: LOT_SIZE',
    });
    expect(rejection(() => engine.placeOrder(limit('0.001', '30000.005')))).toEqual({
      code: -1013,
      message: 'Filter failure: PRICE_FILTER',
    });
    // 0.0001 × 30000 = 3 < 5
    expect(rejection(() => engine.placeOrder(limit('0.0001', '30000')))).toEqual({
      code: -1013,
      message: 'Filter failure: NOTIONAL',
    });
    engine.onCandle({ ...flat(0, 3000), symbol: 'ETHUSDT' });
    const eth = order({ symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: dec('0.005') });
    expect(rejection(() => engine.placeOrder(eth))).toEqual({ code: -1013, message: 'Filter failure: MARKET_LOT_SIZE' });
  });

  it('-1013 for a MARKET order before the symbol has a price', () => {
    const { engine } = setup();
    const req = order({ side: 'BUY', type: 'MARKET', quantity: dec('0.1') });
    expect(rejection(() => engine.placeOrder(req))).toEqual({
      code: -1013,
      message: 'No reference price for BTCUSDT yet: a MARKET order needs a last price.',
    });
  });

  it('-1121 for a symbol the filters do not know', () => {
    const { engine } = setup();
    const req = order({ symbol: 'NOPE', side: 'BUY', type: 'LIMIT', quantity: dec('1'), price: dec('1') });
    expect(rejection(() => engine.placeOrder(req))).toEqual({ code: -1121, message: 'Invalid symbol.' });
  });

  it('-2010 for a client order id that is still open; reusable once closed', () => {
    const { engine, feed } = setup();
    feed(flat(0, 30000));
    const req = order({ side: 'BUY', type: 'LIMIT', quantity: dec('0.01'), price: dec('29000') });
    engine.placeOrder(req);
    expect(rejection(() => engine.placeOrder(req))).toEqual({ code: -2010, message: 'Duplicate order sent.' });
    engine.cancelOrder('BTCUSDT', 'c1');
    expect(engine.placeOrder(req).status).toBe('submitted');
    expect(engine.allOrders('BTCUSDT').map((o) => o.exchangeOrderId)).toEqual(['1', '2']);
  });

  it('-1102 / -1106 for parameters a type needs or must not have', () => {
    const { engine, feed } = setup();
    feed(flat(0, 30000));
    expect(rejection(() => engine.placeOrder(order({ side: 'BUY', type: 'LIMIT', quantity: dec('0.01') })))).toEqual({
      code: -1102,
      message: "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
    });
    const marketWithPrice = order({ side: 'BUY', type: 'MARKET', quantity: dec('0.01'), price: dec('30000') });
    expect(rejection(() => engine.placeOrder(marketWithPrice))).toEqual({
      code: -1106,
      message: "Parameter 'price' sent when not required.",
    });
  });
});

describe('cancelling', () => {
  it('releases the locked funds and reports the cancellation', () => {
    const { engine, balance, feed, updates } = setup({ balances: { USDT: '1000' } });
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'BUY', type: 'LIMIT', quantity: dec('0.01'), price: dec('29000') }));
    expect(balance('USDT')).toEqual({ free: '709.71', locked: '290.29' });
    const cancelled = engine.cancelOrder('BTCUSDT', 'c1');
    expect(cancelled.status).toBe('cancelled');
    expect(balance('USDT')).toEqual({ free: '1000', locked: '0' });
    expect(updates.map((u) => u.order.status)).toEqual(['submitted', 'cancelled']);
    // A cancelled order never fills afterwards.
    feed(candle(1, { o: 29000, h: 29000, l: 28000, c: 28500 }));
    expect(engine.trades('BTCUSDT')).toEqual([]);
  });

  it('-2011 for an unknown or already closed order', () => {
    const { engine, feed } = setup();
    const unknown = { code: -2011, message: 'Unknown order sent.' };
    expect(rejection(() => engine.cancelOrder('BTCUSDT', 'nope'))).toEqual(unknown);
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'BUY', type: 'MARKET', quantity: dec('0.01') }));
    feed(flat(1, 30000));
    expect(rejection(() => engine.cancelOrder('BTCUSDT', 'c1'))).toEqual(unknown);
  });

  it('cancelAllOrders cancels every open order of the symbol and frees everything', () => {
    const { engine, balance, feed } = setup({ balances: { USDT: '1000', BTC: '0.1' } });
    feed(flat(0, 30000));
    engine.placeOrder(order({ clientOrderId: 'a', side: 'BUY', type: 'LIMIT', quantity: dec('0.01'), price: dec('29000') }));
    engine.placeOrder(order({ clientOrderId: 'b', side: 'SELL', type: 'LIMIT', quantity: dec('0.1'), price: dec('31000') }));
    const cancelled = engine.cancelAllOrders('BTCUSDT');
    expect(cancelled.map((o) => [o.clientOrderId, o.status])).toEqual([
      ['a', 'cancelled'],
      ['b', 'cancelled'],
    ]);
    expect(engine.openOrders()).toEqual([]);
    expect(balance('USDT')).toEqual({ free: '1000', locked: '0' });
    expect(balance('BTC')).toEqual({ free: '0.1', locked: '0' });
    expect(engine.cancelAllOrders('BTCUSDT')).toEqual([]);
  });
});

describe('execution listeners', () => {
  it('a throwing listener neither breaks matching nor silences the others', () => {
    const errors: unknown[] = [];
    const { engine, feed, updates } = setup({ onListenerError: (e) => errors.push(e) });
    engine.onExecution(() => {
      throw new Error('broken notifier');
    });
    const late: string[] = [];
    engine.onExecution((u) => late.push(u.order.status));
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'BUY', type: 'MARKET', quantity: dec('0.01') }));
    feed(flat(1, 30000));
    expect(engine.getOrder('BTCUSDT', 'c1')?.status).toBe('filled');
    expect(updates.map((u) => u.order.status)).toEqual(['submitted', 'filled']);
    expect(late).toEqual(['submitted', 'filled']);
    expect(errors).toHaveLength(2);
  });

  it('an order placed from a fill is matched from the next candle on, not the one that filled its parent', () => {
    const { engine, feed } = setup();
    engine.onExecution((u) => {
      if (u.fill && u.order.clientOrderId === 'entry') {
        engine.placeOrder(order({ clientOrderId: 'stop', side: 'SELL', type: 'STOP_LOSS', quantity: u.fill.quantity, stopPrice: dec('29000') }));
      }
    });
    feed(flat(0, 30000));
    engine.placeOrder(order({ clientOrderId: 'entry', side: 'BUY', type: 'MARKET', quantity: dec('0.01') }));
    // The entry fills at 30000 while this candle's low is 28000: the stop must not see this low.
    feed(candle(1, { o: 30000, h: 30100, l: 28000, c: 29500 }));
    expect(engine.getOrder('BTCUSDT', 'stop')?.status).toBe('submitted');
    feed(candle(2, { o: 29500, h: 29600, l: 28900, c: 29000 }));
    expect(engine.getOrder('BTCUSDT', 'stop')?.status).toBe('filled');
  });

  it('unsubscribing stops the updates', () => {
    const { engine, feed } = setup();
    const seen: string[] = [];
    const off = engine.onExecution((u) => seen.push(u.order.status));
    off();
    feed(flat(0, 30000));
    engine.placeOrder(order({ side: 'BUY', type: 'MARKET', quantity: dec('0.01') }));
    expect(seen).toEqual([]);
  });
});

describe('the candle hot path', () => {
  it('ignores candles of symbols without resting orders, only remembering the last price', () => {
    const { engine } = setup();
    for (let i = 0; i < 1000; i++) engine.onCandle(flat(i, 30000 + i));
    expect(engine.lastPrice('BTCUSDT')?.toString()).toBe('30999');
    expect(engine.lastPrice('ETHUSDT')).toBeNull();
  });
});
