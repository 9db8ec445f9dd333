// Each fault knob as the real @binance/spot client meets it: latency, a response lost after the
// order was accepted, a burst of 503s, a clock that is off, and WebSocket connections cut.
import { type Spot, SpotRestAPI, SpotWebsocketAPI, SpotWebsocketStreams } from '@binance/spot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/emulator.ts';
import { defaultKnobs } from '../../src/emulator/knobs.ts';
import { API_KEY, API_SECRET, candles, eventually, flat, rejection, spotClient } from './harness.ts';

const { NewOrderSideEnum: Side, NewOrderTypeEnum: Type, NewOrderTimeInForceEnum: Tif } = SpotRestAPI;
type Event = Record<string, unknown>;

const BTC = candles(
  'BTCUSDT',
  Array.from({ length: 40 }, () => flat(30_000)),
);

describe('fault knobs, observed by the real client', () => {
  let emulator: Emulator;
  let spot: Spot;
  let ws: SpotWebsocketAPI.WebsocketAPIConnection;
  const events: Event[] = [];

  const restingBuy = (id: string) =>
    spot.restAPI!.newOrder({ symbol: 'BTCUSDT', side: Side.BUY, type: Type.LIMIT, timeInForce: Tif.GTC, quantity: 0.001, price: 20_000, newClientOrderId: id });

  beforeAll(async () => {
    emulator = await startEmulator({ candles: BTC, history: 5, apiKey: API_KEY, apiSecret: API_SECRET });
    spot = spotClient(emulator);
    ws = await spotClient(emulator, { wsTimeout: 300 }).websocketAPI!.connect();
    const { stream } = await ws.userDataStreamSubscribeSignature();
    stream.on('message', (event) => void events.push(event as unknown as Event));
  });
  afterEach(() => {
    emulator.setKnobs(defaultKnobs());
  });
  afterAll(async () => {
    await ws.disconnect();
    await emulator.close();
  });

  it('latency: every REST and WebSocket API response comes late; a short client timeout gives up', async () => {
    emulator.setKnobs({ latencyMs: 150 });
    let started = Date.now();
    await spot.restAPI!.ping();
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    started = Date.now();
    await ws.time();
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);

    const impatient = spotClient(emulator, { timeout: 50 });
    const timedOut = await rejection(impatient.restAPI!.getAccount());
    expect(timedOut.name).toBe('NetworkError');
  });

  it('a dropped response: the client sees a hang-up, the order exists and is found by origClientOrderId', async () => {
    emulator.setKnobs({ dropOrderResponses: 1 });
    const lost = await rejection(restingBuy('lost-1'));
    expect(lost).toMatchObject({ name: 'NetworkError', message: 'Network error or request timeout.' });
    expect(emulator.knobs.dropOrderResponses).toBe(0);

    const found = await (await spot.restAPI!.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'lost-1' })).data();
    expect(found).toMatchObject({ clientOrderId: 'lost-1', status: 'NEW', price: '20000.00000000' });
    // The user data stream told the truth all along.
    await eventually(() => events.find((e) => e.c === 'lost-1' && e.x === 'NEW'), 'the NEW report of the lost order');

    // Over the WebSocket API the reply never comes: the connector times out.
    emulator.setKnobs({ dropOrderResponses: 1 });
    const silent = await rejection(
      ws.orderPlace({
        symbol: 'BTCUSDT',
        side: SpotWebsocketAPI.OrderPlaceSideEnum.BUY,
        type: SpotWebsocketAPI.OrderPlaceTypeEnum.LIMIT,
        timeInForce: SpotWebsocketAPI.OrderPlaceTimeInForceEnum.GTC,
        quantity: 0.001,
        price: 20_000,
        newClientOrderId: 'lost-2',
      }),
    );
    expect(silent.message).toMatch(/^Request timeout for id/);
    const status = await ws.orderStatus({ symbol: 'BTCUSDT', origClientOrderId: 'lost-2' });
    expect(status.data).toMatchObject({ clientOrderId: 'lost-2', status: 'NEW' });
    expect(emulator.state().openOrders).toHaveLength(2);
    await spot.restAPI!.deleteOpenOrders({ symbol: 'BTCUSDT' });
  });

  it('a 5xx burst: GETs are retried through it, a POST is not retried and places nothing', async () => {
    // The connector's quirk: `retries: N` makes N attempts in all (N − 1 retries), so two 503s
    // exhaust `retries: 2`...
    emulator.setKnobs({ fail5xx: 2 });
    const two = spotClient(emulator, { retries: 2, backoff: 1 });
    expect(await rejection(two.restAPI!.getAccount())).toMatchObject({ name: 'ServerError', statusCode: 503 });
    expect(emulator.knobs.fail5xx).toBe(0);
    // ...and `retries: 3` gets through them.
    emulator.setKnobs({ fail5xx: 2 });
    const patient = spotClient(emulator, { retries: 3, backoff: 1 });
    const account = await (await patient.restAPI!.getAccount()).data();
    expect(account.canTrade).toBe(true);
    expect(emulator.knobs.fail5xx).toBe(0);

    emulator.setKnobs({ fail5xx: 1 });
    const raw = await fetch(`${emulator.restUrl}/api/v3/ping`);
    expect(raw.status).toBe(503);
    expect(await raw.json()).toEqual({ code: -1001, msg: 'Internal error; unable to process your request. Please try your request again.' });

    const ordersBefore = emulator.state().orders.length;
    emulator.setKnobs({ fail5xx: 1 });
    const refused = await rejection(patient.restAPI!.newOrder({ symbol: 'BTCUSDT', side: Side.BUY, type: Type.MARKET, quantity: 0.001 }));
    expect(refused).toMatchObject({ name: 'ServerError', statusCode: 503 });
    expect(emulator.state().orders).toHaveLength(ordersBefore);
  });

  it('clock skew: a client that does not sync gets -1021; a wide recvWindow covers a server ahead, not one behind', async () => {
    emulator.setKnobs({ clockSkewMs: 10_000 });
    const time = await (await spot.restAPI!.time()).data();
    expect(Number(time.serverTime) - Date.now()).toBeGreaterThan(9_000);
    const late = await rejection(spot.restAPI!.getAccount());
    expect(late).toMatchObject({ name: 'BadRequestError', code: -1021, message: 'Timestamp for this request is outside of the recvWindow.' });
    expect((await (await spot.restAPI!.getAccount({ recvWindow: 20_000 })).data()).canTrade).toBe(true);
    expect(await rejection(ws.accountStatus())).toMatchObject({ code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' });

    // A server behind the client sees timestamps from the future: no recvWindow helps.
    emulator.setKnobs({ clockSkewMs: -5_000 });
    expect(await rejection(spot.restAPI!.getAccount({ recvWindow: 60_000 }))).toMatchObject({ code: -1021 });
  });

  it('WebSocket disconnects: both connections see the close, reconnect, and the user data stream must be subscribed again', async () => {
    const streams = await spot.websocketStreams!.connect({ stream: ['btcusdt@kline_1m'] });
    const closes: string[] = [];
    const opens: string[] = [];
    streams.on('close', () => closes.push('streams'));
    streams.on('open', () => opens.push('streams'));
    ws.on('close', () => closes.push('ws-api'));
    ws.on('open', () => opens.push('ws-api'));
    const klines: boolean[] = [];
    streams.kline({ symbol: 'BTCUSDT', interval: SpotWebsocketStreams.KlineIntervalEnum.INTERVAL_1m }).on('message', (k) => void klines.push(k.k!.x!));
    expect(emulator.connections().userData).toBe(1);

    expect(emulator.disconnectWebSockets()).toBe(2);
    await eventually(() => closes.length === 2, 'both clients seeing the close');
    expect(emulator.connections().userData).toBe(0);

    // The connector reconnects by itself (reconnectDelay) and resubscribes its market streams...
    await eventually(() => opens.length === 2 && emulator.connections().subscribers('btcusdt@kline_1m') === 1, 'both reconnected');
    emulator.advance();
    await eventually(() => klines.includes(true), 'klines after the reconnect');

    // ...but not the user data stream: the bot must subscribe again.
    expect(emulator.connections().userData).toBe(0);
    const { stream } = await ws.userDataStreamSubscribeSignature();
    const after: Event[] = [];
    stream.on('message', (event) => void after.push(event as unknown as Event));
    await restingBuy('after-reconnect');
    await eventually(() => after.find((e) => e.c === 'after-reconnect'), 'user data after resubscribing');
    await streams.disconnect();
  });
});
