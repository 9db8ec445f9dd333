// The emulator as the real @binance/spot client sees it: market data, an order's whole life
// with its user data events over the WebSocket API, cancels, and Binance's refusals.
import { type Spot, SpotRestAPI, SpotWebsocketAPI } from '@binance/spot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/emulator.ts';
import { API_KEY, API_SECRET, T0, candles, eventually, flat, rejection, signedFetch, spotClient } from './harness.ts';

const { NewOrderSideEnum: Side, NewOrderTypeEnum: Type, NewOrderTimeInForceEnum: Tif } = SpotRestAPI;

type Event = Record<string, unknown>;

// BTC rests at 30000 for three closed candles (history), then dips to 29890 and rallies to 30100.
const BTC = candles('BTCUSDT', [
  flat(30_000),
  flat(30_000),
  flat(30_000),
  [30_000, 30_010, 29_890, 29_950],
  [29_950, 30_100, 29_940, 30_080],
  ...Array.from({ length: 20 }, () => flat(30_080)),
]);
const ETH = candles(
  'ETHUSDT',
  Array.from({ length: 25 }, () => flat(2_000)),
);

function start(): Promise<Emulator> {
  return startEmulator({ candles: [...BTC, ...ETH], history: 3, apiKey: API_KEY, apiSecret: API_SECRET });
}

describe('market data through @binance/spot', () => {
  let emulator: Emulator;
  let spot: Spot;
  beforeAll(async () => {
    emulator = await start();
    spot = spotClient(emulator);
  });
  afterAll(() => emulator.close());

  it('serves exchangeInfo with the symbols of the data and Binance filters, and the rate limits', async () => {
    const response = await spot.restAPI!.exchangeInfo();
    const info = await response.data();
    expect(info.symbols?.map((s) => s.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    const btc = info.symbols!.find((s) => s.symbol === 'BTCUSDT')!;
    expect(btc.baseAsset).toBe('BTC');
    expect(btc.quoteAsset).toBe('USDT');
    const filters = Object.fromEntries((btc.filters ?? []).map((f) => [f.filterType, f]));
    // defaultFilters' Binance values for BTCUSDT: tick 0.01, step 0.00001, min notional 5.
    expect(filters.PRICE_FILTER).toMatchObject({ tickSize: '0.01000000' });
    expect(filters.LOT_SIZE).toMatchObject({ stepSize: '0.00001000', minQty: '0.00001000' });
    expect(filters.MARKET_LOT_SIZE).toMatchObject({ stepSize: '0.00001000' });
    expect(filters.NOTIONAL).toMatchObject({ minNotional: '5.00000000', applyMinToMarket: true });
    expect(info.rateLimits).toContainEqual({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 });
    // The connector reads the weight header into rateLimits.
    expect(response.rateLimits?.find((r) => r.rateLimitType === 'REQUEST_WEIGHT')?.count).toBeGreaterThan(0);
  });

  it('serves klines in Binance array-of-strings rows, with startTime/endTime/limit', async () => {
    const rows = await (await spot.restAPI!.klines({ symbol: 'BTCUSDT', interval: SpotRestAPI.KlinesIntervalEnum.INTERVAL_1m })).data();
    // Only the history is closed before the replay starts.
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual([
      T0,
      '30000.00000000',
      '30000.00000000',
      '30000.00000000',
      '30000.00000000',
      '10.00000000',
      T0 + 59_999,
      '300000.00000000',
      10,
      '5.00000000',
      '150000.00000000',
      '0',
    ]);

    emulator.step(5);
    const window = await (
      await spot.restAPI!.klines({
        symbol: 'BTCUSDT',
        interval: SpotRestAPI.KlinesIntervalEnum.INTERVAL_1m,
        startTime: T0 + 3 * 60_000,
        endTime: T0 + 4 * 60_000,
        limit: 1000,
      })
    ).data();
    expect(window.map((k) => k[0])).toEqual([T0 + 3 * 60_000, T0 + 4 * 60_000]);
    expect(window[0]!.slice(1, 5)).toEqual(['30000.00000000', '30010.00000000', '29890.00000000', '29950.00000000']);
    const last2 = await (await spot.restAPI!.klines({ symbol: 'BTCUSDT', interval: SpotRestAPI.KlinesIntervalEnum.INTERVAL_1m, limit: 2 })).data();
    expect(last2.map((k) => k[0])).toEqual([T0 + 6 * 60_000, T0 + 7 * 60_000]);
    // Coarser intervals are aggregated from the data's interval.
    const fiveMinutes = await (await spot.restAPI!.klines({ symbol: 'BTCUSDT', interval: SpotRestAPI.KlinesIntervalEnum.INTERVAL_5m })).data();
    expect(fiveMinutes[0]!.slice(0, 5)).toEqual([T0, '30000.00000000', '30100.00000000', '29890.00000000', '30080.00000000']);
  });

  it('serves the last price and an account with balances as strings and commission rates', async () => {
    const ticker = await (await spot.restAPI!.tickerPrice({ symbol: 'ETHUSDT' })).data();
    expect(ticker).toEqual({ symbol: 'ETHUSDT', price: '2000.00000000' });
    const account = await (await spot.restAPI!.getAccount()).data();
    expect(account.canTrade).toBe(true);
    expect(account.balances).toEqual([{ asset: 'USDT', free: '10000.00000000', locked: '0.00000000' }]);
    expect(account.commissionRates).toEqual({ maker: '0.00100000', taker: '0.00100000', buyer: '0.00000000', seller: '0.00000000' });
    const restrictions = await (await spot.restAPI!.sendSignedRequest('/sapi/v1/account/apiRestrictions', 'GET')).data();
    expect(restrictions).toMatchObject({ enableReading: true, enableSpotAndMarginTrading: true, enableWithdrawals: false });
    emulator.setKnobs({ enableWithdrawals: true });
    const risky = await (await spot.restAPI!.sendSignedRequest('/sapi/v1/account/apiRestrictions', 'GET')).data();
    expect(risky).toMatchObject({ enableWithdrawals: true });
  });
});

describe("an order's whole life, as the bot sees it over REST and the WebSocket API", () => {
  let emulator: Emulator;
  let spot: Spot;
  let ws: SpotWebsocketAPI.WebsocketAPIConnection;
  const events: Event[] = [];
  const reports = (clientOrderId: string): Event[] => events.filter((e) => e.e === 'executionReport' && (e.c === clientOrderId || e.C === clientOrderId));

  beforeAll(async () => {
    emulator = await start();
    spot = spotClient(emulator);
    ws = await spot.websocketAPI!.connect();
    const { response, stream } = await ws.userDataStreamSubscribeSignature();
    expect(response.data).toEqual({ subscriptionId: 0 });
    stream.on('message', (event) => void events.push(event as unknown as Event));
  });
  afterAll(async () => {
    await ws.disconnect();
    await emulator.close();
  });

  it('rests a LIMIT buy (NEW), fills it when the price moves through it (TRADE/FILLED) and moves the balances', async () => {
    const placed = await (
      await spot.restAPI!.newOrder({
        symbol: 'BTCUSDT',
        side: Side.BUY,
        type: Type.LIMIT,
        timeInForce: Tif.GTC,
        quantity: 0.001,
        price: 29_900,
        newClientOrderId: 'buy-dip-1',
      })
    ).data();
    expect(placed).toMatchObject({
      symbol: 'BTCUSDT',
      clientOrderId: 'buy-dip-1',
      status: 'NEW',
      price: '29900.00000000',
      origQty: '0.00100000',
      executedQty: '0.00000000',
      cummulativeQuoteQty: '0.00000000',
      fills: [],
    });

    const accepted = await eventually(() => reports('buy-dip-1').find((e) => e.x === 'NEW'), 'the NEW executionReport');
    expect(accepted).toMatchObject({
      s: 'BTCUSDT',
      S: 'BUY',
      o: 'LIMIT',
      f: 'GTC',
      X: 'NEW',
      i: placed.orderId,
      p: '29900.00000000',
      q: '0.00100000',
      w: true,
      C: '',
    });
    const locked = await eventually(() => events.find((e) => e.e === 'outboundAccountPosition'), 'the locked balance');
    // 29.9 USDT plus the 0.1 % fee are held back.
    expect(locked.B).toContainEqual({ a: 'USDT', f: '9970.07010000', l: '29.92990000' });

    // The next candle dips to 29890: the resting order fills at its own price, as a maker.
    emulator.step();
    const filled = await eventually(() => reports('buy-dip-1').find((e) => e.x === 'TRADE'), 'the fill');
    expect(filled).toMatchObject({
      X: 'FILLED',
      l: '0.00100000',
      L: '29900.00000000',
      z: '0.00100000',
      Z: '29.90000000',
      Y: '29.90000000',
      n: '0.02990000',
      N: 'USDT',
      m: true,
      i: placed.orderId,
    });
    expect(typeof filled.t).toBe('number');
    expect(Object.keys(filled).sort()).toEqual(
      [
        'e',
        'E',
        's',
        'c',
        'S',
        'o',
        'f',
        'q',
        'p',
        'P',
        'F',
        'g',
        'C',
        'x',
        'X',
        'r',
        'i',
        'l',
        'z',
        'L',
        'n',
        'N',
        'T',
        't',
        'I',
        'w',
        'm',
        'M',
        'O',
        'Z',
        'Y',
        'Q',
        'W',
        'V',
      ].sort(),
    );

    const account = await (await spot.restAPI!.getAccount({ omitZeroBalances: true })).data();
    expect(account.balances).toEqual([
      { asset: 'BTC', free: '0.00100000', locked: '0.00000000' },
      { asset: 'USDT', free: '9970.07010000', locked: '0.00000000' },
    ]);
    const order = await (await spot.restAPI!.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'buy-dip-1' })).data();
    expect(order).toMatchObject({ orderId: placed.orderId, status: 'FILLED', executedQty: '0.00100000', cummulativeQuoteQty: '29.90000000', isWorking: false });
    const trades = await (await spot.restAPI!.myTrades({ symbol: 'BTCUSDT' })).data();
    expect(trades).toEqual([
      expect.objectContaining({
        orderId: placed.orderId,
        price: '29900.00000000',
        qty: '0.00100000',
        quoteQty: '29.90000000',
        commission: '0.02990000',
        commissionAsset: 'USDT',
        isBuyer: true,
        isMaker: true,
      }),
    ]);
  });

  it('fills a MARKET order at once and answers FULL with its fills (REST) and over the WebSocket API', async () => {
    const full = await (await spot.restAPI!.newOrder({ symbol: 'BTCUSDT', side: Side.SELL, type: Type.MARKET, quantity: 0.0005 })).data();
    // The last price is the previous candle's close, 29950.
    expect(full).toMatchObject({ status: 'FILLED', type: 'MARKET', executedQty: '0.00050000', cummulativeQuoteQty: '14.97500000' });
    expect(full.fills).toEqual([
      { price: '29950.00000000', qty: '0.00050000', commission: '0.01497500', commissionAsset: 'USDT', tradeId: expect.any(Number) },
    ]);
    expect(full.clientOrderId).toMatch(/^[A-Za-z0-9]{22}$/);

    const viaWs = await ws.orderPlace({
      symbol: 'BTCUSDT',
      side: SpotWebsocketAPI.OrderPlaceSideEnum.SELL,
      type: SpotWebsocketAPI.OrderPlaceTypeEnum.MARKET,
      quantity: 0.0005,
      newClientOrderId: 'ws-sell-1',
      newOrderRespType: SpotWebsocketAPI.OrderPlaceNewOrderRespTypeEnum.FULL,
    });
    expect(viaWs.data).toMatchObject({ clientOrderId: 'ws-sell-1', status: 'FILLED', executedQty: '0.00050000' });
    expect(viaWs.data.fills).toHaveLength(1);
    expect(viaWs.rateLimits?.find((r) => r.rateLimitType === 'ORDERS')?.count).toBeGreaterThan(0);
    const quote = await (
      await spot.restAPI!.newOrder({
        symbol: 'ETHUSDT',
        side: Side.BUY,
        type: Type.MARKET,
        quoteOrderQty: 20,
        newOrderRespType: SpotRestAPI.NewOrderNewOrderRespTypeEnum.RESULT,
      })
    ).data();
    expect(quote).toMatchObject({ status: 'FILLED', origQuoteOrderQty: '20.00000000', executedQty: '0.01000000', cummulativeQuoteQty: '20.00000000' });
    expect(quote).not.toHaveProperty('fills');
    await eventually(() => reports('ws-sell-1').find((e) => e.X === 'FILLED'), 'the WebSocket order fill report');
  });

  it('cancels one order (c is the cancel id, C the original) and then all of a symbol', async () => {
    for (const id of ['low-1', 'low-2', 'low-3']) {
      await spot.restAPI!.newOrder({
        symbol: 'BTCUSDT',
        side: Side.BUY,
        type: Type.LIMIT,
        timeInForce: Tif.GTC,
        quantity: 0.001,
        price: 20_000,
        newClientOrderId: id,
      });
    }
    const cancelled = await (await spot.restAPI!.deleteOrder({ symbol: 'BTCUSDT', origClientOrderId: 'low-1', newClientOrderId: 'cancel-low-1' })).data();
    expect(cancelled).toMatchObject({ status: 'CANCELED', origClientOrderId: 'low-1', clientOrderId: 'cancel-low-1', executedQty: '0.00000000' });
    const report = await eventually(() => reports('low-1').find((e) => e.x === 'CANCELED'), 'the CANCELED report');
    expect(report).toMatchObject({ X: 'CANCELED', c: 'cancel-low-1', C: 'low-1' });

    const viaWs = await ws.orderCancel({ symbol: 'BTCUSDT', origClientOrderId: 'low-2' });
    expect(viaWs.data).toMatchObject({ status: 'CANCELED', origClientOrderId: 'low-2' });

    const all = await (await spot.restAPI!.deleteOpenOrders({ symbol: 'BTCUSDT' })).data();
    expect(all.map((o) => [o.origClientOrderId, o.status])).toEqual([['low-3', 'CANCELED']]);
    expect(await (await spot.restAPI!.getOpenOrders({ symbol: 'BTCUSDT' })).data()).toEqual([]);
    const history = await (await spot.restAPI!.allOrders({ symbol: 'BTCUSDT' })).data();
    expect(history.filter((o) => o.status === 'CANCELED').map((o) => o.clientOrderId)).toEqual(['low-1', 'low-2', 'low-3']);
    // Nothing left to cancel is Binance's -2011.
    expect((await rejection(spot.restAPI!.deleteOpenOrders({ symbol: 'BTCUSDT' }))).code).toBe(-2011);
    const account = await (await spot.restAPI!.getAccount({ omitZeroBalances: true })).data();
    expect(account.balances?.find((b) => b.asset === 'USDT')?.locked).toBe('0.00000000');
  });
});

describe("Binance's refusals", () => {
  let emulator: Emulator;
  let spot: Spot;
  beforeAll(async () => {
    emulator = await start();
    spot = spotClient(emulator);
  });
  afterAll(() => emulator.close());

  it('-2010 for more than the balance, -1013 for a filter failure, -2011 and -2013 for unknown orders', async () => {
    const broke = await rejection(
      spot.restAPI!.newOrder({ symbol: 'BTCUSDT', side: Side.BUY, type: Type.LIMIT, timeInForce: Tif.GTC, quantity: 1, price: 29_000 }),
    );
    expect(broke).toMatchObject({ name: 'BadRequestError', code: -2010, message: 'Account has insufficient balance for requested action.' });

    const dust = await rejection(
      spot.restAPI!.newOrder({ symbol: 'BTCUSDT', side: Side.BUY, type: Type.LIMIT, timeInForce: Tif.GTC, quantity: 0.0001, price: 29_000 }),
    );
    expect(dust).toMatchObject({ code: -1013, message: 'Filter failure: NOTIONAL' });
    const offTick = await rejection(
      spot.restAPI!.newOrder({ symbol: 'BTCUSDT', side: Side.BUY, type: Type.LIMIT, timeInForce: Tif.GTC, quantity: 0.001, price: 29_000.005 }),
    );
    expect(offTick).toMatchObject({ code: -1013, message: 'Filter failure: PRICE_FILTER' });

    expect(await rejection(spot.restAPI!.deleteOrder({ symbol: 'BTCUSDT', orderId: 424242 }))).toMatchObject({ code: -2011, message: 'Unknown order sent.' });
    expect(await rejection(spot.restAPI!.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'never-sent' }))).toMatchObject({
      code: -2013,
      message: 'Order does not exist.',
    });
    expect(await rejection(spot.restAPI!.getOrder({ symbol: 'DOGEUSDT', orderId: 1 }))).toMatchObject({ code: -1121, message: 'Invalid symbol.' });
    expect(emulator.state().orders).toEqual([]);
  });

  it('-1022 for a bad signature and -2015 (HTTP 401) for a bad key; signatures cover the raw query and the form body', async () => {
    const ok = await signedFetch(emulator.restUrl, 'GET', '/api/v3/account', {});
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-mbx-used-weight-1m')).toMatch(/^\d+$/);

    const tampered = await signedFetch(emulator.restUrl, 'GET', '/api/v3/account', {}, { tamper: true });
    expect(tampered).toMatchObject({ status: 400, body: { code: -1022, msg: 'Signature for this request is not valid.' } });
    const wrongSecret = await signedFetch(emulator.restUrl, 'GET', '/api/v3/account', {}, { secret: 'not-the-secret' });
    expect(wrongSecret.body).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });

    const badKey = await signedFetch(emulator.restUrl, 'GET', '/api/v3/account', {}, { apiKey: 'someoneElsesKey' });
    expect(badKey).toMatchObject({ status: 401, body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } });
    const client = spotClient(emulator, { apiKey: 'someoneElsesKey' });
    expect(await rejection(client.restAPI!.getAccount())).toMatchObject({ name: 'UnauthorizedError', code: -2015 });

    // A POST with its parameters in a form body, as other clients send them.
    const inBody = await signedFetch(
      emulator.restUrl,
      'POST',
      '/api/v3/order',
      {
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTC',
        quantity: '0.001',
        price: '25000',
        newClientOrderId: 'form-1',
        newOrderRespType: 'ACK',
      },
      { inBody: true },
    );
    expect(inBody.status).toBe(200);
    expect(inBody.body).toEqual({ symbol: 'BTCUSDT', orderId: expect.any(Number), orderListId: -1, clientOrderId: 'form-1', transactTime: expect.any(Number) });
    // Order attempts count, the refused ones of the previous test included.
    expect(Number(inBody.headers.get('x-mbx-order-count-10s'))).toBeGreaterThanOrEqual(1);

    const unsigned = await fetch(`${emulator.restUrl}/api/v3/account?timestamp=${Date.now()}`, { headers: { 'X-MBX-APIKEY': API_KEY } });
    expect(await unsigned.json()).toEqual({ code: -1102, msg: "Mandatory parameter 'signature' was not sent, was empty/null, or malformed." });
  });

  it('answers 429 with Retry-After past the weight limit, then 418 when the client keeps going', async () => {
    // A frozen clock in the middle of a minute, so the weight window cannot roll over mid-test.
    const now = Math.floor(Date.now() / 60_000) * 60_000 + 30_000;
    const limited = await startEmulator({
      candles: BTC,
      history: 3,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      now: () => now,
      knobs: { requestWeightPerMinute: 3, banAfter429s: 2 },
    });
    try {
      const client = spotClient(limited);
      for (let i = 1; i <= 3; i++) {
        const response = await client.restAPI!.ping();
        expect(response.headers['x-mbx-used-weight-1m']).toBe(String(i));
      }
      const raw = await fetch(`${limited.restUrl}/api/v3/ping`);
      expect(raw.status).toBe(429);
      expect(raw.headers.get('retry-after')).toBe('30');
      expect(await raw.json()).toMatchObject({ code: -1003 });
      // Told to back off, the client keeps going: one more 429, then the ban.
      expect(await rejection(client.restAPI!.ping())).toMatchObject({ name: 'TooManyRequestsError', code: -1003 });
      const banned = await rejection(client.restAPI!.time());
      expect(banned).toMatchObject({ name: 'RateLimitBanError', code: -1003 });
      expect(banned.message).toMatch(/banned until/);
    } finally {
      await limited.close();
    }
  });
});
