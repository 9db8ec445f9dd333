// Nothing is sent while Binance says back off. Another client on the same IP uses up the request
// weight; the adapter's next read draws a 429 and closes its gate until the window ends. From then
// on no request of any kind — the user data stream's health check (session.subscriptions), an
// order, the subscription after a reconnect — reaches the venue, so no 418 ban follows; once the
// window has turned, the health check and the subscription come back by themselves.
// Time is frozen (Date, read by the emulator and the adapter alike) so the back-off lasts exactly as
// long as the test says, on an idle or a busy machine.
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dec } from '../../../src/core/money.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import { probe } from '../../../src/emulator/probe.ts';
import type { ExchangeTrouble } from '../../../src/core/events.ts';
import type { BinanceExchange } from '../../../src/exchange/binance/binance-exchange.ts';
import { createLogger } from '../../../src/log/logger.ts';
import { ExchangeError } from '../../../src/ports/exchange.ts';
import { candles, connectTo, emulatorWith, flat, rejection } from './support.ts';

/** Waits for a condition on the monotonic clock (Date is frozen here). */
async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a 429 from Binance', () => {
  let emulator: Emulator;
  let exchange: BinanceExchange;
  const logLines: string[] = [];
  /** Every request that reached the venue, in order, with its answer status where the test can see it. */
  const received: string[] = [];
  /** What the owner is told (the desk publishes these facts on its bus). */
  const trouble: ExchangeTrouble[] = [];
  // Two seconds into a minute: the weight window turns only when the test moves time on.
  const start = Math.floor(Date.now() / 60_000) * 60_000 + 2_000;

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    emulator = await emulatorWith({
      candles: candles(
        'BTCUSDT',
        Array.from({ length: 10 }, () => flat(30_000)),
      ),
      history: 3,
      balances: { USDT: '100000' },
      now: () => Date.now(),
    });
    emulator.setKnobs({ banAfter429s: 2, banMs: 600_000 });
    const log = createLogger({
      level: 'debug',
      pretty: false,
      destination: new Writable({
        write(chunk, _enc, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    });
    exchange = await connectTo(emulator, { streamHealthCheckMs: 20, log });
    exchange.onTrouble((fact) => trouble.push(fact));
    probe.requestReceived = (req) => received.push(`REST ${req.method} ${req.url?.split('?')[0]}`);
    probe.wsApiRequestReceived = (method) => received.push(`WS ${method}`);
  });
  afterAll(async () => {
    probe.requestReceived = undefined;
    probe.wsApiRequestReceived = undefined;
    await exchange?.close();
    await emulator?.close();
    vi.useRealTimers();
  });

  it('sends nothing until the window ends — health checks, orders, a reconnect’s subscription — and draws no 418', async () => {
    // Another program on this IP has spent 50 of the minute's weight; then the limit drops to 40
    // (as it would to a client that did not know it): the adapter's next request draws a 429.
    for (let i = 0; i < 50; i++) expect((await fetch(`${emulator.restUrl}/api/v3/time`)).status).toBe(200);
    emulator.setKnobs({ requestWeightPerMinute: 40 });
    const refused = await rejection(exchange.openOrders('BTCUSDT'));
    expect(refused).toBeInstanceOf(ExchangeError);
    expect((refused as ExchangeError).httpStatus).toBe(429);
    expect(exchange.rest.gateClosedForMs()).toBeGreaterThan(50_000);
    // The health check comes every 20 ms: it is held back (one sent before the 429 came back may
    // still arrive), where it used to be sent into the back-off — twice is a ban.
    const mark = received.length;
    const checksSent = () => received.slice(mark).filter((r) => r === 'WS session.subscriptions').length;
    await until(() => logLines.some((l) => l.includes('session.subscriptions not sent')) || checksSent() >= 2, 'a health check held back or sent');
    expect(checksSent()).toBeLessThan(2);
    // From the first one held back (none is in flight then), nothing may arrive.
    received.length = 0;

    // The health check runs every 20 ms: it keeps finding the gate closed and sends nothing.
    const skipped = () => logLines.filter((l) => l.includes('session.subscriptions not sent')).length;
    await until(() => skipped() >= 5, 'five health checks held back by the gate');
    // An order in the back-off is refused here, not sent.
    const order = await rejection(
      exchange.placeOrder({
        clientOrderId: 'cd-backoff-1',
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        quantity: dec('0.001'),
        price: dec('20000'),
        timeInForce: 'GTC',
      }),
    );
    expect(order.message).toMatch(/^not sent \(/);
    // A dropped connection: the connector reconnects, and the subscription waits for the gate.
    expect(emulator.disconnectWebSockets()).toBeGreaterThan(0);
    await until(() => emulator.connections().wsApi > 0, 'the connector’s reconnect');
    const before = skipped();
    await until(() => skipped() >= before + 5, 'five more health checks after the reconnect');
    expect(received).toEqual([]);
    expect(exchange.streaming).toBe(false);

    // The minute turns: requests may go again, and the stream comes back by itself — no ban.
    vi.setSystemTime(start - (start % 60_000) + 60_000 + 100);
    await until(() => exchange.streaming, 'the user data stream subscribed again', 15_000);
    await until(() => received.includes('WS session.subscriptions'), 'a health check sent again');
    const placed = await exchange.placeOrder({
      clientOrderId: 'cd-backoff-2',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      quantity: dec('0.001'),
      price: dec('20000'),
      timeInForce: 'GTC',
    });
    expect(placed.status).toBe('submitted');
    expect(logLines.some((l) => /banned until|"status":418/.test(l))).toBe(false);
    // The owner heard of it once when it began, and once when it ended, with what was refused meanwhile.
    expect(trouble.map((t) => [t.phase, t.kind])).toEqual([
      ['began', 'rate-limit'],
      ['ended', 'rate-limit'],
    ]);
    expect(trouble[1]!.refused.orders).toBe(1);
    expect(trouble[1]!.refused.reads).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
