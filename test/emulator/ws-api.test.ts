// The WebSocket API at the frame level: what a client that is not @binance/spot sends and
// receives — signed params sorted by name, Binance's error replies, ping frames, and the user
// data subscription's `{subscriptionId, event}` frames until it is unsubscribed.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Emulator, startEmulator } from '../../src/emulator/emulator.ts';
import { API_KEY, API_SECRET, candles, eventually, flat } from './harness.ts';

type Message = Record<string, any>;

/** Params signed the way Binance documents: every param but signature, sorted, as a query string. */
function signed(params: Record<string, string | number>, secret = API_SECRET): Record<string, string | number> {
  const all: Record<string, string | number> = { ...params, apiKey: API_KEY, timestamp: Date.now() };
  const payload = Object.keys(all)
    .sort()
    .map((k) => `${k}=${all[k]}`)
    .join('&');
  return { ...all, signature: createHmac('sha256', secret).update(payload).digest('hex') };
}

describe('the WebSocket API, frame by frame', () => {
  let emulator: Emulator;
  let socket: WebSocket;
  const messages: Message[] = [];
  let nextId = 0;

  async function call(method: string, params?: Record<string, unknown>): Promise<Message> {
    const id = `req-${++nextId}`;
    socket.send(JSON.stringify({ id, method, ...(params !== undefined && { params }) }));
    return eventually(() => messages.find((m) => m.id === id), `the reply to ${method}`);
  }

  beforeAll(async () => {
    emulator = await startEmulator({
      candles: candles(
        'BTCUSDT',
        Array.from({ length: 10 }, () => flat(30_000)),
      ),
      history: 2,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
    });
    socket = new WebSocket(emulator.wsApiUrl);
    socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Message));
    await new Promise((resolve) => socket.once('open', resolve));
  });
  afterAll(async () => {
    socket.close();
    await emulator.close();
  });

  it('answers ping frames with pong frames, and the ping and time methods', async () => {
    const pong = new Promise((resolve) => socket.once('pong', resolve));
    socket.ping('hello');
    expect(String(await pong)).toBe('hello');
    expect(await call('ping')).toMatchObject({ status: 200, result: {} });
    const time = await call('time');
    expect(time.result.serverTime).toBeGreaterThan(0);
    expect(time.rateLimits[0]).toMatchObject({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1 });
  });

  it('checks SIGNED requests: key (401, -2015), signature (-1022), then serves them', async () => {
    expect(await call('account.status', { ...signed({}), apiKey: 'otherKey' })).toMatchObject({
      status: 401,
      error: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
    });
    expect(await call('account.status', signed({}, 'wrong-secret'))).toMatchObject({
      status: 400,
      error: { code: -1022, msg: 'Signature for this request is not valid.' },
    });
    expect(await call('account.status', { apiKey: API_KEY })).toMatchObject({ status: 400, error: { code: -1102 } });
    const account = await call('account.status', signed({ omitZeroBalances: 'true' }));
    expect(account).toMatchObject({ status: 200, result: { canTrade: true, balances: [{ asset: 'USDT', free: '10000.00000000', locked: '0.00000000' }] } });
    expect(await call('no.such.method')).toMatchObject({ status: 400, error: { code: -1000 } });
    expect(await call('userDataStream.subscribe')).toMatchObject({ status: 401, error: { code: -1002 } });
  });

  it('pushes user data as {subscriptionId, event} until unsubscribed', async () => {
    const subscribed = await call('userDataStream.subscribe.signature', signed({}));
    expect(subscribed).toMatchObject({ status: 200, result: { subscriptionId: 0 } });
    const placed = await call(
      'order.place',
      signed({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '29000', newClientOrderId: 'frame-1' }),
    );
    expect(placed).toMatchObject({ status: 200, result: { clientOrderId: 'frame-1', status: 'NEW' } });
    const report = await eventually(() => messages.find((m) => m.event?.e === 'executionReport'), 'the executionReport frame');
    expect(report).toMatchObject({ subscriptionId: 0, event: { c: 'frame-1', x: 'NEW' } });
    await eventually(() => messages.find((m) => m.event?.e === 'outboundAccountPosition'), 'the balance frame');

    expect(await call('userDataStream.unsubscribe', { subscriptionId: 0 })).toMatchObject({ status: 200 });
    expect(emulator.connections().userData).toBe(0);
    const before = messages.filter((m) => m.event !== undefined).length;
    const cancelled = await call('order.cancel', signed({ symbol: 'BTCUSDT', origClientOrderId: 'frame-1' }));
    expect(cancelled).toMatchObject({ status: 200, result: { status: 'CANCELED' } });
    expect(messages.filter((m) => m.event !== undefined)).toHaveLength(before);
  });
});

describe('the replay clock', () => {
  it('plays candles by itself at --speed candles per second, and stops when closed', async () => {
    const emulator = await startEmulator({ symbols: ['BTCUSDT'], speed: 200, history: 10, apiKey: API_KEY, apiSecret: API_SECRET });
    const socket = new WebSocket(`${emulator.wsStreamUrl}/ws/btcusdt@kline_1m`);
    const closed: number[] = [];
    socket.on('message', (data) => {
      const k = (JSON.parse(data.toString()) as Message).k;
      if (k.x === true) closed.push(k.t);
    });
    try {
      await eventually(() => closed.length >= 3, 'three candles closed by the clock');
      // Consecutive one-minute candles, in order.
      expect(closed[1]! - closed[0]!).toBe(60_000);
      expect(closed[2]! - closed[1]!).toBe(60_000);
    } finally {
      socket.close();
      await emulator.close();
    }
  });
});
