// New orders and cancels over Binance's WebSocket API (`order.place`, `order.cancel`), through the
// real @binance/spot client on the emulator: signed frames on the connection that carries the user
// data stream; REST only when that connection is down at the moment of sending; an order whose
// answer was lost with its connection is unknown at once, and never sent a second time by REST.
import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dec } from '../../../src/core/money.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import { defaultKnobs } from '../../../src/emulator/knobs.ts';
import { probe } from '../../../src/emulator/probe.ts';
import type { BinanceExchange } from '../../../src/exchange/binance/binance-exchange.ts';
import { ExchangeError } from '../../../src/ports/exchange.ts';
import { API_KEY, candles, connectTo, emulatorWith, eventually, flat, rejection, withExchange } from './support.ts';

const BTC = candles(
  'BTCUSDT',
  Array.from({ length: 20 }, () => flat(30_000)),
);

/** What reached the emulator, by transport. */
const seen = { rest: [] as string[], ws: [] as { method: string; params: Readonly<Record<string, unknown>> }[] };
probe.requestReceived = (req: IncomingMessage) => {
  if (req.url?.startsWith('/api/v3/order')) seen.rest.push(`${req.method} /api/v3/order`);
};
probe.wsApiRequestReceived = (method, params) => {
  if (method.startsWith('order.')) seen.ws.push({ method, params });
};

const marketBuy = (exchange: BinanceExchange, id: string) =>
  exchange.placeOrder({ clientOrderId: id, symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quoteQuantity: dec('100') });
const restingBuy = (exchange: BinanceExchange, id: string) =>
  exchange.placeOrder({ clientOrderId: id, symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: dec('0.001'), price: dec('29000.5'), timeInForce: 'GTC' });
const ordersNamed = (emulator: Emulator, id: string) => emulator.state().orders.filter((o) => (o as { clientOrderId: string }).clientOrderId === id);

describe('orders over the WebSocket API', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await emulatorWith({ candles: BTC, history: 3, balances: { USDT: '100000' } });
  });
  afterEach(() => {
    emulator.setKnobs(defaultKnobs());
    seen.rest.length = 0;
    seen.ws.length = 0;
  });
  afterAll(async () => {
    probe.requestReceived = undefined;
    probe.wsApiRequestReceived = undefined;
    await emulator.close();
  });

  it('a new order and its cancel go as signed order.place / order.cancel frames; REST hears of neither', async () => {
    await withExchange(emulator, {}, async (exchange, recorder) => {
      const filled = await marketBuy(exchange, 'cd-ws-place-1');
      expect(filled).toMatchObject({ clientOrderId: 'cd-ws-place-1', status: 'filled' });
      // The FULL answer's fill and the stream's report of it: handed out once.
      await eventually(() => recorder.statuses('cd-ws-place-1').includes('filled'), 'the fill');
      expect(recorder.fills('cd-ws-place-1')).toHaveLength(1);

      const resting = await restingBuy(exchange, 'cd-ws-place-2');
      expect(resting.status).toBe('submitted');
      expect((await exchange.cancelOrder('BTCUSDT', 'cd-ws-place-2')).status).toBe('cancelled');

      expect(seen.rest).toEqual([]);
      expect(seen.ws.map((r) => r.method)).toEqual(['order.place', 'order.place', 'order.cancel']);
      // Binance's request security, as the emulator checked it: key, timestamp, recvWindow, signature;
      // decimals as decimal strings.
      expect(seen.ws[1]!.params).toMatchObject({
        apiKey: API_KEY,
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        quantity: '0.001',
        price: '29000.5',
        timeInForce: 'GTC',
        newClientOrderId: 'cd-ws-place-2',
        newOrderRespType: 'FULL',
        recvWindow: String(exchange.rest.recvWindow),
      });
      expect(seen.ws[1]!.params.signature).toMatch(/^[0-9a-f]{64}$/);
      expect(seen.ws[2]!.params).toMatchObject({ symbol: 'BTCUSDT', origClientOrderId: 'cd-ws-place-2' });
      expect(exchange.ordersSent).toEqual({ wsApi: 2, rest: 0 });
      // The pinned connector is shaped as ws-api-messages.ts and ws-api-requests.ts expect: these went
      // out written directly, and their answers and events were parsed natively.
      expect(exchange.wsApiFastPath).toBe(true);
    });
  });

  it("a refusal is Binance's error with its code, and nothing is sent again", async () => {
    await withExchange(emulator, {}, async (exchange) => {
      const refused = await rejection(
        exchange.placeOrder({ clientOrderId: 'cd-ws-ref-1', symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quoteQuantity: dec('1000000') }),
      );
      expect(refused).toBeInstanceOf(ExchangeError);
      expect(refused).toMatchObject({ code: -2010, httpStatus: 400 });
      expect(seen.ws).toHaveLength(1);
      expect(seen.rest).toEqual([]);
    });
  });

  it('while the WebSocket API is down, orders and cancels go by REST (and fill); once it is back, by the WebSocket API again', async () => {
    await withExchange(emulator, { wsReconnectDelayMs: 800, pollIntervalMs: 20 }, async (exchange, recorder) => {
      emulator.disconnectWebSockets();
      await eventually(() => !exchange.streaming, 'the connection down');
      expect((await marketBuy(exchange, 'cd-ws-down-1')).status).toBe('filled');
      expect((await restingBuy(exchange, 'cd-ws-down-r')).status).toBe('submitted');
      expect((await exchange.cancelOrder('BTCUSDT', 'cd-ws-down-r')).status).toBe('cancelled');
      expect(seen.rest).toEqual(['POST /api/v3/order', 'POST /api/v3/order', 'DELETE /api/v3/order']);
      expect(seen.ws).toEqual([]);
      expect(recorder.fills('cd-ws-down-1')).toHaveLength(1);

      await eventually(() => exchange.streaming, 'the connection back', 5000);
      expect((await marketBuy(exchange, 'cd-ws-down-2')).status).toBe('filled');
      expect(seen.ws.map((r) => r.method)).toEqual(['order.place']);
      expect(exchange.ordersSent).toEqual({ wsApi: 1, rest: 2 });
    });
  });

  it('the connection lost before the answer: unknown at once (no waiting for the timeout), never sent again by REST, found by its client id', async () => {
    await withExchange(emulator, { timeoutMs: 30_000, wsReconnectDelayMs: 50 }, async (exchange) => {
      // The answer would come 20 s after the order (the client's timeout is 30 s): "at once" is well before
      // either, with room for a busy machine.
      emulator.setKnobs({ latencyMs: 20_000 });
      const placing = rejection(restingBuy(exchange, 'cd-ws-lost-1'));
      await eventually(() => ordersNamed(emulator, 'cd-ws-lost-1').length === 1, 'the order at the venue');
      const cutAt = Date.now();
      emulator.disconnectWebSockets();
      const lost = await placing;
      expect(Date.now() - cutAt).toBeLessThan(10_000);
      expect(lost).not.toBeInstanceOf(ExchangeError);
      expect(lost.message).toMatch(
        /^order\.place: the WebSocket API connection closed before Binance's answer — the order may or may not have been placed \(outcome unknown\)$/,
      );
      emulator.setKnobs({ latencyMs: 0 });
      expect(seen.rest).toEqual([]);
      expect(ordersNamed(emulator, 'cd-ws-lost-1')).toHaveLength(1);
      expect(await exchange.getOrder('BTCUSDT', 'cd-ws-lost-1')).toMatchObject({ status: 'submitted' });
      await exchange.cancelOrder('BTCUSDT', 'cd-ws-lost-1');
    });
  });

  it('the ORDERS limit over the WebSocket API (-1015, 429) closes the one gate: REST requests wait too', async () => {
    // Another process on the same account uses up the window's orders; this one's budget has not
    // seen them (each process's budget learns only from its own answers), so Binance refuses.
    // An emulator of its own: a window's order count starts at nothing.
    const venue = await emulatorWith({ candles: BTC, history: 3, balances: { USDT: '100000' }, knobs: { ordersPer10s: 3 } });
    const other = await connectTo(venue);
    const exchange = await connectTo(venue);
    try {
      let refused: (Error & { code?: number; httpStatus?: number }) | undefined;
      for (let attempt = 0; attempt < 3 && refused === undefined; attempt++) {
        for (let i = 0; i < 3; i++) await restingBuy(other, `cd-ws-rl-other-${attempt}-${i}`);
        // Accepted only if the 10 s window turned just now: then the next attempt refuses.
        refused = await restingBuy(exchange, `cd-ws-rl-${attempt}`).then(
          () => undefined,
          (error: Error) => error,
        );
      }
      expect(refused).toBeInstanceOf(ExchangeError);
      expect(refused).toMatchObject({ code: -1015, httpStatus: 429 });
      expect(refused!.message).toMatch(/^Too many new orders; current limit is 3 orders per 10 SECOND\. \(WebSocket API 429; retry after \d+ s/);
      const gated = await rejection(exchange.openOrders('BTCUSDT'));
      expect(gated).toMatchObject({ code: -1015, httpStatus: 429 });
      expect(gated.message).toMatch(/^not sent \(GET \/api\/v3\/openOrders BTCUSDT\): Binance rate limit/);
    } finally {
      await other.close();
      await exchange.close();
      await venue.close();
    }
  });

  it('the budget learns the limits the WebSocket API reports, and holds orders back before the limit rather than draw a 429', async () => {
    const venue = await emulatorWith({ candles: BTC, history: 3, balances: { USDT: '100000' }, knobs: { ordersPer10s: 3 } });
    const exchange = await connectTo(venue);
    try {
      for (let i = 0; i < 5; i++) await restingBuy(exchange, `cd-ws-budget-${i}`);
      // At most three per 10 s window: the later ones waited for a window to turn, none was refused.
      expect(ordersNamed(venue, 'cd-ws-budget-4')).toHaveLength(1);
      expect(exchange.ordersSent).toEqual({ wsApi: 5, rest: 0 });
    } finally {
      await exchange.close();
      await venue.close();
    }
  }, 30_000);

  it('ordersOverWsApi: false keeps every order on REST', async () => {
    await withExchange(emulator, { ordersOverWsApi: false }, async (exchange) => {
      expect((await marketBuy(exchange, 'cd-ws-off-1')).status).toBe('filled');
      expect(seen.rest).toEqual(['POST /api/v3/order']);
      expect(seen.ws).toEqual([]);
    });
  });
});
