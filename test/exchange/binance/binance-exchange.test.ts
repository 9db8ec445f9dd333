// The Binance adapter driving the real @binance/spot client against the local emulator: an
// order's whole life with its updates and fills through onExecution, MARKET by quote amount,
// cancels, Binance's refusals, filters from exchangeInfo, trades, balances, and the live key check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec } from '../../../src/core/money.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import { defaultKnobs } from '../../../src/emulator/knobs.ts';
import type { BinanceExchange } from '../../../src/exchange/binance/binance-exchange.ts';
import { UnsafeApiKeyError, checkLiveKeys } from '../../../src/exchange/binance/modes.ts';
import { ExchangeError } from '../../../src/ports/exchange.ts';
import { Recorder, T0, candles, connectTo, emulatorWith, eventually, flat, rejection } from './support.ts';

// BTC rests at 30000 for three closed candles, then dips to 29400 (a resting buy at 29500 fills),
// then stays flat.
const BTC = candles('BTCUSDT', [flat(30_000), flat(30_000), flat(30_000), [30_000, 30_010, 29_400, 29_950], ...Array.from({ length: 30 }, () => flat(30_000))]);
const ETH = candles(
  'ETHUSDT',
  Array.from({ length: 34 }, () => flat(2_000)),
);

describe('BinanceExchange on the emulator', () => {
  let emulator: Emulator;
  let exchange: BinanceExchange;
  let recorder: Recorder;

  beforeAll(async () => {
    emulator = await emulatorWith({ candles: [...BTC, ...ETH], history: 3, balances: { USDT: '10000' } });
    exchange = await connectTo(emulator);
    recorder = new Recorder(exchange);
  });
  afterAll(async () => {
    // Clients first: the connector reconnects forever when the server goes away under it.
    await exchange.close();
    await emulator.close();
  });

  it('reads symbol filters from exchangeInfo: Binance’s BTCUSDT tick, step and min notional', async () => {
    const f = await exchange.symbolFilters('BTCUSDT');
    expect(f).toMatchObject({
      symbol: 'BTCUSDT',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      applyMinToMarket: true,
      quotePrecision: 8,
      maxNotional: dec('9000000'),
    });
    expect([f.tickSize, f.stepSize, f.minQty, f.marketStepSize, f.minNotional].map(String)).toEqual(['0.01', '0.00001', '0.00001', '0.00001', '5']);
    // Cached: the same object until the TTL runs out.
    expect(await exchange.symbolFilters('BTCUSDT')).toBe(f);
    const unknown = await rejection(exchange.symbolFilters('NOPEUSDT'));
    expect(unknown).toBeInstanceOf(ExchangeError);
    expect(unknown.code).toBe(-1121);
  });

  it('lives an order’s whole life: LIMIT placed with our client id, NEW then the fill through onExecution, balances moved', async () => {
    const placed = await exchange.placeOrder({
      clientOrderId: 'cd-life-1',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      quantity: dec('0.01'),
      price: dec('29500'),
      timeInForce: 'GTC',
    });
    expect(placed).toMatchObject({ clientOrderId: 'cd-life-1', symbol: 'BTCUSDT', status: 'submitted', type: 'LIMIT', side: 'BUY' });
    expect(placed.price.eq('29500')).toBe(true);
    expect(placed.quantity.eq('0.01')).toBe(true);
    await eventually(() => recorder.statuses('cd-life-1').includes('submitted'), 'the NEW update from the user data stream');
    // The order's quote (295 USDT, plus the fee the venue sets aside) is locked.
    await eventually(
      () =>
        exchange
          .cachedBalances()
          .find((b) => b.asset === 'USDT')
          ?.locked.gte('295'),
      'the locked quote in the balance cache',
    );

    emulator.step(); // the dip to 29400 reaches the resting buy
    const fill = await eventually(() => recorder.fills('cd-life-1')[0], 'the fill');
    expect(fill.price.toString()).toBe('29500');
    expect(fill.quantity.toString()).toBe('0.01');
    expect(fill.quoteQuantity.toString()).toBe('295');
    expect(fill.fee.toString()).toBe('0.295');
    expect(fill.feeAsset).toBe('USDT');
    expect(fill.side).toBe('BUY');
    expect(fill.exchangeOrderId).toBe(placed.exchangeOrderId);
    const withFill = recorder.of('cd-life-1').find((u) => u.fill !== undefined)!;
    expect(withFill.order.status).toBe('filled');
    expect(withFill.order.executedQty.eq('0.01')).toBe(true);
    expect(recorder.fills('cd-life-1')).toHaveLength(1);

    // 10000 − 295 − 0.295 fee; the stream's outboundAccountPosition keeps the cache current.
    await eventually(
      () =>
        exchange
          .cachedBalances()
          .find((b) => b.asset === 'BTC')
          ?.free.eq('0.01'),
      'BTC in the balance cache',
    );
    const balances = await exchange.balances();
    expect(balances.find((b) => b.asset === 'USDT')).toMatchObject({ free: dec('9704.705'), locked: dec('0') });
    expect(emulator.state().balances).toContainEqual({ asset: 'BTC', free: '0.01000000', locked: '0.00000000' });
    expect(await exchange.getOrder('BTCUSDT', 'cd-life-1')).toMatchObject({ status: 'filled' });
  });

  it('MARKET by quote amount: quoteQuantity is sent as quoteOrderQty; the fill comes once, before placeOrder resolves', async () => {
    let resolved = false;
    let fillsAtResolution = -1;
    const promise = exchange.placeOrder({ clientOrderId: 'cd-mkt-1', symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quoteQuantity: dec('150') }).then((o) => {
      resolved = true;
      fillsAtResolution = recorder.fills('cd-mkt-1').length;
      return o;
    });
    const order = await promise;
    expect(resolved).toBe(true);
    expect(fillsAtResolution).toBe(1);
    expect(order.status).toBe('filled');
    // At the last price 29950, 150 USDT buys 0.00500 BTC (rounded down to the step) for 149.75.
    expect(order.executedQty.toString()).toBe('0.005');
    expect(order.cumulativeQuote.toString()).toBe('149.75');
    const fill = recorder.fills('cd-mkt-1')[0]!;
    expect(fill.price.toString()).toBe('29950');
    expect(fill.quantity.toString()).toBe('0.005');
    expect(fill.quoteQuantity.toString()).toBe('149.75');
    // The stream's executionReports for the same trade arrive too; they add nothing.
    await eventually(
      () =>
        emulator.state().trades.length >= 2 &&
        exchange
          .cachedBalances()
          .find((b) => b.asset === 'BTC')
          ?.free.eq('0.015'),
      'the stream catching up',
    );
    expect(recorder.fills('cd-mkt-1')).toHaveLength(1);
  });

  it('cancels one order by client id, and all open orders of a symbol', async () => {
    const limit = (id: string, price: string) =>
      exchange.placeOrder({ clientOrderId: id, symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: dec('0.001'), price: dec(price), timeInForce: 'GTC' });
    await limit('cd-cxl-1', '20000');
    const cancelled = await exchange.cancelOrder('BTCUSDT', 'cd-cxl-1');
    expect(cancelled).toMatchObject({ clientOrderId: 'cd-cxl-1', status: 'cancelled' });
    // The stream reports the cancel under the order's own id (C), not the cancel request's (c).
    await eventually(() => recorder.statuses('cd-cxl-1').includes('submitted'), 'the NEW update');

    await limit('cd-cxl-2', '20000');
    await limit('cd-cxl-3', '20001');
    expect((await exchange.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual(['cd-cxl-2', 'cd-cxl-3']);
    const all = await exchange.cancelAllOrders('BTCUSDT');
    expect(all.map((o) => [o.clientOrderId, o.status])).toEqual([
      ['cd-cxl-2', 'cancelled'],
      ['cd-cxl-3', 'cancelled'],
    ]);
    expect(await exchange.openOrders()).toEqual([]);
    // Nothing open: Binance says -2011, the port says [] (as the paper venue does).
    expect(await exchange.cancelAllOrders('BTCUSDT')).toEqual([]);
  });

  it('turns refusals into ExchangeError with Binance’s code: -2010, -1013, -2011; an unknown order is null', async () => {
    const broke = await rejection(
      exchange.placeOrder({
        clientOrderId: 'cd-ref-1',
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        quantity: dec('10'),
        price: dec('29000'),
        timeInForce: 'GTC',
      }),
    );
    expect(broke).toBeInstanceOf(ExchangeError);
    expect(broke).toMatchObject({ code: -2010, httpStatus: 400 });
    expect(broke.message).toMatch(/insufficient balance/i);

    const tiny = await rejection(
      exchange.placeOrder({
        clientOrderId: 'cd-ref-2',
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        quantity: dec('0.0001'),
        price: dec('29000'),
        timeInForce: 'GTC',
      }),
    );
    expect(tiny).toBeInstanceOf(ExchangeError);
    expect(tiny).toMatchObject({ code: -1013 });
    expect(tiny.message).toMatch(/NOTIONAL/);

    const unknownCancel = await rejection(exchange.cancelOrder('BTCUSDT', 'cd-never-placed'));
    expect(unknownCancel).toBeInstanceOf(ExchangeError);
    expect(unknownCancel).toMatchObject({ code: -2011 });

    expect(await exchange.getOrder('BTCUSDT', 'cd-never-placed')).toBeNull();
    expect(recorder.of('cd-ref-1')).toEqual([]);
  });

  it('lists trades since a time as fills with trade id, fee and fee asset, and the order’s client id', async () => {
    const trades = await exchange.myTrades('BTCUSDT', Date.now() - 60_000);
    expect(trades.map((t) => t.clientOrderId)).toEqual(['cd-life-1', 'cd-mkt-1']);
    const [first] = trades;
    expect(first).toMatchObject({ symbol: 'BTCUSDT', side: 'BUY', feeAsset: 'USDT' });
    expect(first!.tradeId).toBe(recorder.fills('cd-life-1')[0]!.tradeId);
    expect(first!.fee.eq('0.295')).toBe(true);
    expect(await exchange.myTrades('ETHUSDT', Date.now() - 60_000)).toEqual([]);
    expect(T0).toBeLessThan(Date.now());
  });

  it('checkLiveKeys refuses a key that can withdraw, and accepts a trading key that cannot', async () => {
    expect(await checkLiveKeys(exchange)).toMatchObject({ enableWithdrawals: false, enableSpotAndMarginTrading: true });
    emulator.setKnobs({ enableWithdrawals: true });
    try {
      const refused = await rejection(checkLiveKeys(exchange));
      expect(refused).toBeInstanceOf(UnsafeApiKeyError);
      expect(refused.message).toMatch(/can WITHDRAW funds \(enableWithdrawals is true\)/);
    } finally {
      emulator.setKnobs(defaultKnobs());
    }
  });
});
