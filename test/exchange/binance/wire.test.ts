// Binance's wire shapes the adapter depends on: filters as the real exchangeInfo writes them
// (zeros for bounds it does not enforce, the legacy MIN_NOTIONAL), executionReports of cancels,
// and how long a 429/418 keeps the gate closed.
import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../../src/exchange/binance/rest-client.ts';
import { executionReportSchema, fillFromReport, filtersFromSymbolInfo, orderFromReport, symbolInfoSchema } from '../../../src/exchange/binance/wire.ts';

describe('symbol filters from exchangeInfo', () => {
  it('reads Binance’s BTCUSDT as published: a MARKET_LOT_SIZE step of 0 falls back to LOT_SIZE’s', () => {
    const info = symbolInfoSchema.parse({
      symbol: 'BTCUSDT',
      status: 'TRADING',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
        { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
        { filterType: 'ICEBERG_PARTS', limit: 10 },
        { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '83.61402958', stepSize: '0.00000000' },
        { filterType: 'TRAILING_DELTA', minTrailingAboveDelta: 10 },
        {
          filterType: 'NOTIONAL',
          minNotional: '5.00000000',
          applyMinToMarket: true,
          maxNotional: '9000000.00000000',
          applyMaxToMarket: false,
          avgPriceMins: 5,
        },
        { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      ],
    });
    const f = filtersFromSymbolInfo(info);
    const text = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'object' && v !== null ? String(v) : v]));
    expect(text).toEqual({
      symbol: 'BTCUSDT',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      tickSize: '0.01',
      minPrice: '0.01',
      maxPrice: '1000000',
      stepSize: '0.00001',
      minQty: '0.00001',
      maxQty: '9000',
      marketStepSize: '0.00001',
      marketMinQty: '0.00001',
      marketMaxQty: '83.61402958',
      minNotional: '5',
      maxNotional: '9000000',
      applyMinToMarket: true,
      quotePrecision: 8,
    });
  });

  it('reads the legacy MIN_NOTIONAL filter, and names a filter value that is not a decimal', () => {
    const base = { symbol: 'OLDUSDT', status: 'TRADING', baseAsset: 'OLD', quoteAsset: 'USDT' };
    const legacy = filtersFromSymbolInfo(
      symbolInfoSchema.parse({
        ...base,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: '0.00010000', maxPrice: '0', tickSize: '0.00010000' },
          { filterType: 'LOT_SIZE', minQty: '1.00000000', maxQty: '90000.00000000', stepSize: '1.00000000' },
          { filterType: 'MIN_NOTIONAL', minNotional: '10.00000000', applyToMarket: false, avgPriceMins: 5 },
        ],
      }),
    );
    expect([String(legacy.minNotional), legacy.applyMinToMarket, legacy.maxNotional, String(legacy.maxPrice)]).toEqual(['10', false, null, '0']);
    expect(() =>
      filtersFromSymbolInfo(
        symbolInfoSchema.parse({
          ...base,
          filters: [
            { filterType: 'PRICE_FILTER', tickSize: 0.01 },
            { filterType: 'LOT_SIZE', stepSize: '1' },
          ],
        }),
      ),
    ).toThrow('exchangeInfo OLDUSDT: PRICE_FILTER.tickSize is not a decimal string (0.01)');
  });
});

describe('executionReport', () => {
  const report = {
    e: 'executionReport',
    E: 1_700_000_000_100,
    s: 'BTCUSDT',
    c: 'web_cancel_request_id',
    S: 'BUY',
    o: 'LIMIT',
    f: 'GTC',
    q: '0.00100000',
    p: '29000.00000000',
    P: '0.00000000',
    C: 'cd-order-7',
    x: 'CANCELED',
    X: 'CANCELED',
    r: 'NONE',
    i: 4_293_153,
    l: '0.00000000',
    z: '0.00000000',
    L: '0.00000000',
    n: '0',
    N: null,
    T: 1_700_000_000_099,
    t: -1,
    O: 1_699_999_000_000,
    Z: '0.00000000',
    Y: '0.00000000',
    Q: '0.00000000',
    extraFieldBinanceAddedLater: true,
  };

  it('maps a cancel to the order’s own client id (C), not the cancel request’s (c); no fill', () => {
    const parsed = executionReportSchema.parse(report);
    expect(orderFromReport(parsed)).toMatchObject({
      clientOrderId: 'cd-order-7',
      exchangeOrderId: '4293153',
      status: 'cancelled',
      time: 1_699_999_000_000,
      updateTime: 1_700_000_000_099,
    });
    expect(fillFromReport(parsed)).toBeUndefined();
  });

  it('maps a trade to a fill: trade id t, price L, quantity l, quote Y, commission n in N, time T', () => {
    const trade = executionReportSchema.parse({
      ...report,
      c: 'cd-order-8',
      C: '',
      x: 'TRADE',
      X: 'FILLED',
      l: '0.00100000',
      z: '0.00100000',
      L: '28999.99000000',
      n: '0.02899999',
      N: 'USDT',
      t: 991,
      Z: '28.99999000',
      Y: '28.99999000',
    });
    const fill = fillFromReport(trade)!;
    expect(orderFromReport(trade)).toMatchObject({ clientOrderId: 'cd-order-8', status: 'filled' });
    expect({ ...fill, price: String(fill.price), quantity: String(fill.quantity), quoteQuantity: String(fill.quoteQuantity), fee: String(fill.fee) }).toEqual({
      tradeId: '991',
      clientOrderId: 'cd-order-8',
      exchangeOrderId: '4293153',
      symbol: 'BTCUSDT',
      side: 'BUY',
      price: '28999.99',
      quantity: '0.001',
      quoteQuantity: '28.99999',
      fee: '0.02899999',
      feeAsset: 'USDT',
      time: 1_700_000_000_099,
    });
  });
});

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 45); // 45 s into a minute, 5 s into a 10-second window
  it('waits out a ban until the time Binance names', () => {
    expect(retryAfterMs(418, 'Way too much request weight used; IP banned until 1767268965000. Please use WebSocket Streams.', now)).toBe(1767268965000 - now);
  });
  it('waits until the window the message names resets', () => {
    expect(retryAfterMs(429, 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.', now)).toBe(15_000);
    expect(retryAfterMs(429, 'Too many new orders; current limit is 100 orders per 10 SECOND.', now)).toBe(5_000);
    expect(retryAfterMs(429, 'Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute.', now)).toBe(15_000);
  });
  it('falls back to a minute (429) or two (418) when the message says nothing', () => {
    expect(retryAfterMs(429, '', now)).toBe(60_000);
    expect(retryAfterMs(418, '', now)).toBe(120_000);
  });
});
