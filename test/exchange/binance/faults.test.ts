// Each emulator fault knob as the Binance adapter meets it: latency, a response dropped after the
// order was accepted, bursts of 5xx, WebSocket disconnects (fills while disconnected arrive once),
// clock skew, rate limits; and a malformed answer.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dec } from '../../../src/core/money.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import { defaultKnobs } from '../../../src/emulator/knobs.ts';
import type { BinanceExchange } from '../../../src/exchange/binance/binance-exchange.ts';
import { BinanceRest } from '../../../src/exchange/binance/rest-client.ts';
import { ClockSkewError } from '../../../src/exchange/binance/server-clock.ts';
import { ExchangeError } from '../../../src/ports/exchange.ts';
import { Recorder, candles, connectTo, emulatorWith, eventually, flat, rejection, withExchange } from './support.ts';

// Three closed candles at 30000, then alternately a dip to 29400 (a buy at 29500 fills) and a flat one.
const BTC = candles('BTCUSDT', [
  flat(30_000),
  flat(30_000),
  flat(30_000),
  ...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? ([30_000, 30_010, 29_400, 30_000] as const) : flat(30_000))),
]);

const restingBuy = (exchange: BinanceExchange, id: string, price = '29500') =>
  exchange.placeOrder({ clientOrderId: id, symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: dec('0.001'), price: dec(price), timeInForce: 'GTC' });

/** Steps the emulator until the next candle dips (so a resting buy at 29500 fills). */
function stepToDip(emulator: Emulator): void {
  for (let i = 0; i < 3; i++) if (emulator.step()[0]!.low < 29_500) return;
  throw new Error('no dip candle left');
}

describe('latency, dropped responses and 5xx bursts', () => {
  let emulator: Emulator;
  let exchange: BinanceExchange;
  let recorder: Recorder;
  beforeAll(async () => {
    emulator = await emulatorWith({ candles: BTC, history: 3 });
    exchange = await connectTo(emulator, { readAttempts: 3 });
    recorder = new Recorder(exchange);
  });
  afterEach(() => {
    emulator.setKnobs(defaultKnobs());
  });
  afterAll(async () => {
    await exchange.close();
    await emulator.close();
  });

  it('latency: slower answers, same results', async () => {
    emulator.setKnobs({ latencyMs: 120 });
    const started = Date.now();
    const order = await restingBuy(exchange, 'cd-lat-1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    expect(order.status).toBe('submitted');
    expect(await exchange.getOrder('BTCUSDT', 'cd-lat-1')).toMatchObject({ status: 'submitted' });
    await exchange.cancelOrder('BTCUSDT', 'cd-lat-1');
  });

  it.each([
    ['the WebSocket API (no reply: its request times out)', true, 'cd-drop-1'],
    ['REST (socket hang-up)', false, 'cd-drop-2'],
  ])('a response dropped after acceptance, over %s: placeOrder rejects with an unknown outcome (not a refusal); the order is found by client id', async (_, overWs, id) => {
    const ex = overWs ? exchange : await connectTo(emulator, { ordersOverWsApi: false, timeoutMs: 600 });
    const rec = overWs ? recorder : new Recorder(ex);
    try {
      emulator.setKnobs({ dropOrderResponses: 1 });
      const lost = await rejection(restingBuy(ex, id));
      expect(lost).not.toBeInstanceOf(ExchangeError);
      expect(lost.message).toMatch(/outcome unknown/);
      expect(emulator.state().orders.filter((o) => (o as { clientOrderId: string }).clientOrderId === id)).toHaveLength(1);
      const found = await ex.getOrder('BTCUSDT', id);
      expect(found).toMatchObject({ clientOrderId: id, status: 'submitted' });
      // The adapter asks by itself too, and hands the answer out (an order manager that marked it
      // unknown learns it is live) — in addition to the stream's NEW.
      await eventually(() => rec.statuses(id).filter((s) => s === 'submitted').length >= 2, 'the check after the lost answer');
      await ex.cancelOrder('BTCUSDT', id);
    } finally {
      if (!overWs) await ex.close();
    }
  });

  it('5xx on reads: repeated through a short burst; a longer one is a clear error, not a refusal', async () => {
    emulator.setKnobs({ fail5xx: 2 });
    const account = await exchange.openOrders('BTCUSDT');
    expect(account).toEqual([]);
    expect(emulator.knobs.fail5xx).toBe(0);

    emulator.setKnobs({ fail5xx: 3 });
    const failed = await rejection(exchange.openOrders('BTCUSDT'));
    expect(failed).not.toBeInstanceOf(ExchangeError);
    expect(failed.message).toBe('GET /api/v3/openOrders BTCUSDT: Binance answered HTTP 503 (server error) (after 3 attempts)');
  });

  it.each([
    ['REST', false, /^POST \/api\/v3\/order: Binance answered HTTP 503 .*outcome unknown/],
    ['the WebSocket API', true, /^order\.place: Binance's WebSocket API answered -1001 .*outcome unknown/],
  ])('5xx on a new order over %s: never repeated (it might be a second order); the outcome is unknown', async (_, overWs, message) => {
    const ex = overWs ? exchange : await connectTo(emulator, { ordersOverWsApi: false });
    try {
      const before = emulator.state().orders.length;
      emulator.setKnobs({ fail5xx: 1 });
      const failed = await rejection(restingBuy(ex, `cd-503-${String(overWs)}`));
      expect(failed).not.toBeInstanceOf(ExchangeError);
      expect(failed.message).toMatch(message);
      expect(emulator.knobs.fail5xx).toBe(0);
      expect(emulator.state().orders).toHaveLength(before);
    } finally {
      if (!overWs) await ex.close();
    }
  });

  it('5xx on a cancel over the WebSocket API: repeated (a cancel cannot double anything)', async () => {
    await restingBuy(exchange, 'cd-503-cancel');
    emulator.setKnobs({ fail5xx: 2 });
    expect((await exchange.cancelOrder('BTCUSDT', 'cd-503-cancel')).status).toBe('cancelled');
    expect(emulator.knobs.fail5xx).toBe(0);
  });
});

describe('WebSocket disconnects', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await emulatorWith({ candles: BTC, history: 3 });
  });
  afterAll(() => emulator.close());

  it('a fill while the user data stream is down arrives by REST polling, once; the stream is subscribed again', async () => {
    // A slow reconnect, so the fill happens and is polled while disconnected.
    await withExchange(emulator, { wsReconnectDelayMs: 600, pollIntervalMs: 20 }, async (exchange, recorder) => {
      await restingBuy(exchange, 'cd-ws-1');
      expect(emulator.connections().userData).toBe(1);
      emulator.disconnectWebSockets();
      await eventually(() => !exchange.streaming, 'the adapter noticing the drop');

      stepToDip(emulator);
      const fill = await eventually(() => recorder.fills('cd-ws-1')[0], 'the fill, by polling');
      expect(emulator.connections().userData).toBe(0);
      expect(fill.price.toString()).toBe('29500');
      expect(recorder.of('cd-ws-1').at(-1)!.order.status).toBe('filled');

      await eventually(() => exchange.streaming && emulator.connections().userData === 1, 'the user data stream subscribed again');
      // One handler only: an order after the reconnect is reported once, not once per subscription made.
      await restingBuy(exchange, 'cd-ws-2');
      stepToDip(emulator);
      await eventually(() => recorder.fills('cd-ws-2').length === 1, 'the next fill, by the stream');
      await exchange.pollNow();
      expect(recorder.statuses('cd-ws-2')).toEqual(['submitted', 'filled']);
      expect(recorder.fills('cd-ws-1')).toHaveLength(1);
    });
  });

  it('a fill between the drop and the new subscription is fetched once the stream is back', async () => {
    // Reconnects fast and polls almost never: the catch-up after resubscribing finds the fill.
    await withExchange(emulator, { wsReconnectDelayMs: 50, pollIntervalMs: 600_000 }, async (exchange, recorder) => {
      await restingBuy(exchange, 'cd-ws-3');
      emulator.disconnectWebSockets();
      stepToDip(emulator);
      const fill = await eventually(() => recorder.fills('cd-ws-3')[0], 'the fill, after the resubscription');
      expect(fill.quantity.toString()).toBe('0.001');
      expect(exchange.streaming).toBe(true);
      expect(emulator.connections().userData).toBe(1);
      await exchange.pollNow();
      expect(recorder.fills('cd-ws-3')).toHaveLength(1);
    });
  });
  it('a subscription lost without a close (the connector renews connections silently) is found and made again', async () => {
    await withExchange(emulator, { streamHealthCheckMs: 30, pollIntervalMs: 600_000 }, async (exchange, recorder) => {
      await restingBuy(exchange, 'cd-ws-4');
      // What a renewal leaves behind: an open connection without the subscription.
      const connection = (exchange as unknown as { stream: { connection: { userDataStreamUnsubscribe(p: object): Promise<unknown> } } }).stream.connection;
      await connection.userDataStreamUnsubscribe({});
      expect(emulator.connections().userData).toBe(0);
      stepToDip(emulator);
      await eventually(() => emulator.connections().userData === 1, 'the subscription made again');
      // The fill that happened in between comes from the catch-up poll, once.
      await eventually(() => recorder.fills('cd-ws-4').length === 1, 'the fill');
      await exchange.pollNow();
      expect(recorder.fills('cd-ws-4')).toHaveLength(1);
    });
  });
});

describe('clock skew', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await emulatorWith({ candles: BTC, history: 3 });
  });
  afterEach(() => {
    emulator.setKnobs(defaultKnobs());
  });
  afterAll(() => emulator.close());

  it('a local clock ahead of the server: refused at connect with an error naming the skew', async () => {
    emulator.setKnobs({ clockSkewMs: -3000 });
    const error = await rejection(connectTo(emulator));
    expect(error).toBeInstanceOf(ClockSkewError);
    expect(error).toMatchObject({ code: -1021 });
    expect(error.message).toMatch(/this machine's clock is (29|30)\d\d ms AHEAD of Binance's server time/);
    expect(error.message).toMatch(/Sync the system clock/);
  });

  it('a local clock behind the server: recvWindow widened by the offset, and trading works', async () => {
    emulator.setKnobs({ clockSkewMs: 10_000 });
    await withExchange(emulator, {}, async (exchange) => {
      expect(exchange.rest.recvWindow).toBeGreaterThanOrEqual(15_000);
      expect(exchange.rest.recvWindow).toBeLessThan(15_500);
      expect(exchange.streaming).toBe(true);
      expect((await restingBuy(exchange, 'cd-skew-1')).status).toBe('submitted');
      expect((await exchange.cancelOrder('BTCUSDT', 'cd-skew-1')).status).toBe('cancelled');
    });
  });

  it('a clock that drifts ahead while running: -1021, resync, and a refusal naming the skew until it is fixed', async () => {
    await withExchange(emulator, { clockRecheckMs: 0 }, async (exchange) => {
      const before = emulator.state().orders.length;
      emulator.setKnobs({ clockSkewMs: -2500 });
      const refused = await rejection(restingBuy(exchange, 'cd-drift-1'));
      expect(refused).toBeInstanceOf(ClockSkewError);
      expect(refused.message).toMatch(/AHEAD/);
      expect(emulator.state().orders).toHaveLength(before);
      emulator.setKnobs({ clockSkewMs: 0 });
      expect((await restingBuy(exchange, 'cd-drift-2')).status).toBe('submitted');
      await exchange.cancelAllOrders('BTCUSDT');
    });
  });
});

describe('rate limits', () => {
  it('a 429 closes a gate: later calls are not sent until the window ends (no 418 ban follows)', async () => {
    const emulator = await emulatorWith({ candles: BTC, history: 3 });
    const exchange = await connectTo(emulator);
    try {
      // The next order-sized read overflows the minute's weight.
      emulator.setKnobs({ requestWeightPerMinute: 40, banAfter429s: 2 });
      let refused: Error & { code?: number; httpStatus?: number };
      for (;;) {
        refused = await rejection(exchange.openOrders('BTCUSDT')).catch((e: unknown) => e as Error);
        if (refused instanceof ExchangeError) break;
      }
      expect(refused).toMatchObject({ code: -1003, httpStatus: 429 });
      expect(refused.message).toMatch(/HTTP 429; Retry-After \d+ s/);
      for (let i = 0; i < 4; i++) {
        const gated = await rejection(
          exchange.placeOrder({ clientOrderId: `cd-rl-${i}`, symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quoteQuantity: dec('10') }),
        );
        expect(gated).toBeInstanceOf(ExchangeError);
        expect(gated).toMatchObject({ code: -1003, httpStatus: 429 });
        // One gate for the process: REST's 429 holds the WebSocket API's orders back too.
        expect(gated.message).toMatch(/^not sent \(order\.place\): Binance rate limit/);
      }
      expect(emulator.state().orders).toHaveLength(0);
    } finally {
      await exchange.close();
      await emulator.close();
    }
  });
});

describe('a malformed answer', () => {
  it('is an error that says which field was wrong', async () => {
    const rest = new BinanceRest({ restUrl: 'http://127.0.0.1:9' });
    const orderLike = z.object({ status: z.string(), executedQty: z.string().regex(/^\d+(\.\d+)?$/) });
    const error = await rejection(
      rest.call('GET /api/v3/order', 'read', async () => ({ status: 200, data: async () => ({ status: 'NEW', executedQty: 1.5 }) }), orderLike),
    );
    expect(error.message).toBe('GET /api/v3/order: malformed response from Binance — executedQty: Invalid input: expected string, received number');
  });
});
