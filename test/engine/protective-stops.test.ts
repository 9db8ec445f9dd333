// Protective stops on the exchange, through the real engine, journal and paper exchange (the venue a
// backtest and a paper desk share): an entry fill places its stop, the candle through it fills it on
// the exchange (and the engine sells nothing more), a halt at cancel keeps it, flatten lifts it, a
// crew's own exit lifts it before selling, a trailing stop moves no faster than its step and rate.
import { afterEach, describe, expect, it } from 'vitest';
import type { Order } from '../../src/core/domain.ts';
import { ownerActor } from '../../src/core/events.ts';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { candlesFrom, flatCandles, type Harness, openHarness } from '../support/desk-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

/** sma-cross 2/3 buys at t4's open 12; t5 (open 13) falls to 11, through a 5 % stop at 11.41. */
const THROUGH_THE_STOP = flatCandles([10, 10, 10, 13, 13, 11, 12, 13], [10, 10, 10, 10, 12, 13, 11, 12]);
/** The same entry; t5 closes at 11.5 (low 11.5, above a 20 % stop): the crew's own cross-down sells at t6's open 11.5. */
const CREW_EXIT = flatCandles([10, 10, 10, 13, 13, 11.5, 11.5, 11.5], [10, 10, 10, 10, 12, 13, 11.5, 11.5]);

const RISK = { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 };

async function ordersOf(crewId: string): Promise<Order[]> {
  await h!.desk.journal.flush();
  return h!.desk.journal.getOrders({ crewId });
}

describe('protective stops on the exchange', () => {
  it('an entry fill places its stop, journaled as protective; the candle through it fills it on the exchange, and the engine sells nothing more', async () => {
    h = await openHarness({ crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3, stopLossPct: 5 } }], risk: RISK });
    await h.desk.engine.run(new ArrayMarketData(THROUGH_THE_STOP.slice(0, 5)));
    const crew = h.desk.engine.crews.get('sma')!;
    expect(crew.book.quantity.gt(0)).toBe(true);

    // One SELL STOP_LOSS_LIMIT for the whole position: stop 5 % under the entry (12 plus the 0.1 % fee: 12.012 × 0.95,
    // down to the tick), limit 1 % under the stop (the default), down to the tick.
    const [resting] = await h.exchange.openOrders('BTCUSDT');
    expect(resting).toMatchObject({ side: 'SELL', type: 'STOP_LOSS_LIMIT', status: 'submitted' });
    expect(resting!.quantity.toString()).toBe(crew.book.quantity.toString());
    const journaled = (await ordersOf('sma')).find((o) => o.clientOrderId === resting!.clientOrderId)!;
    expect(journaled).toMatchObject({ purpose: 'protective', status: 'submitted', side: 'SELL', type: 'STOP_LOSS_LIMIT' });
    expect(journaled.stopPrice?.toString()).toBe('11.41');
    expect(journaled.price?.toString()).toBe('11.29');
    // Deterministic, like every order id: the crew's tag and its next sequence number.
    expect(journaled.clientOrderId).toMatch(new RegExp(`^cd-${crew.tag}-[0-9a-z]+$`));

    await h.desk.engine.run(new ArrayMarketData(THROUGH_THE_STOP.slice(5)));
    const sells = (await h.desk.journal.getFills({ crewId: 'sma' })).filter((f) => f.side === 'SELL');
    // Sold once, by the stop, inside t5 (at its stop price: the low went through it).
    expect(sells.map((f) => [f.clientOrderId, f.price.toString(), f.time])).toEqual([[resting!.clientOrderId, '11.41', THROUGH_THE_STOP[5]!.closeTime]]);
    expect(crew.book.quantity.toString()).toBe('0');
    // The engine's own stop check stood aside: no stop-loss advice, no second sell order.
    expect(h.events.filter((e) => e.type === 'advice' && e.exit === 'stop-loss')).toEqual([]);
    expect((await ordersOf('sma')).filter((o) => o.side === 'SELL').map((o) => `${o.purpose ?? 'trade'} ${o.status}`)).toEqual(['protective filled']);
  });

  it('halt cancel keeps the stop; flatten lifts it, then sells at market; nothing is left resting', async () => {
    h = await openHarness({ crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3, stopLossPct: 5 } }], risk: RISK });
    await h.desk.engine.run(new ArrayMarketData(THROUGH_THE_STOP.slice(0, 5)));
    const [stop] = await h.exchange.openOrders('BTCUSDT');
    expect(stop?.type).toBe('STOP_LOSS_LIMIT');

    const cancel = await h.desk.engine.setHalt('cancel', 'owner away', ownerActor('owner-1'), 'test');
    expect(cancel.failures).toEqual([]);
    expect((await h.exchange.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual([stop!.clientOrderId]);

    const flatten = await h.desk.engine.setHalt('flatten', 'get out', ownerActor('owner-1'), 'test');
    expect(flatten).toMatchObject({ flattened: 1, failures: [] });
    const after = await h.exchange.openOrders('BTCUSDT');
    expect(after.map((o) => o.type)).toEqual(['MARKET']); // the stop is gone, the flatten sell waits for the next open
    await h.desk.engine.run(new ArrayMarketData(THROUGH_THE_STOP.slice(5, 6)));
    expect(await h.exchange.openOrders('BTCUSDT')).toEqual([]);
    const sells = (await ordersOf('sma')).filter((o) => o.side === 'SELL');
    expect(sells.map((o) => `${o.purpose ?? 'trade'} ${o.type} ${o.status}`)).toEqual(['protective STOP_LOSS_LIMIT cancelled', 'trade MARKET filled']);
    expect(h.desk.engine.crews.get('sma')!.book.quantity.toString()).toBe('0');
  });

  it('a crew’s own exit lifts the stop before it sells: one sale, no stop left', async () => {
    h = await openHarness({ crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3, stopLossPct: 20 } }], risk: RISK });
    await h.desk.engine.run(new ArrayMarketData(CREW_EXIT));
    const sells = (await ordersOf('sma')).filter((o) => o.side === 'SELL');
    expect(sells.map((o) => `${o.purpose ?? 'trade'} ${o.type} ${o.status}`)).toEqual(['protective STOP_LOSS_LIMIT cancelled', 'trade MARKET filled']);
    expect(await h.exchange.openOrders('BTCUSDT')).toEqual([]);
    const fills = await h.desk.journal.getFills({ crewId: 'sma' });
    expect(fills.map((f) => `${f.side} ${f.price}`)).toEqual(['BUY 12', 'SELL 11.5']);
  });

  it('with stops.onExchange false the engine checks the stop on the candle and sells at the next open, as before', async () => {
    h = await openHarness({
      crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3, stopLossPct: 5 } }],
      risk: RISK,
      stops: { onExchange: false },
    });
    await h.desk.engine.run(new ArrayMarketData(THROUGH_THE_STOP));
    const sells = (await ordersOf('sma')).filter((o) => o.side === 'SELL');
    expect(sells.map((o) => `${o.purpose ?? 'trade'} ${o.type} ${o.status}`)).toEqual(['trade MARKET filled']);
  });

  it('a trailing stop moves up by cancel-and-replace, never by less than its step nor sooner than its rate allows', async () => {
    // The buy fills at 12.9 (t4); then the price climbs 1 % an hour for 30 hours (each candle's low its open), and falls back.
    const rising = Array.from({ length: 30 }, (_, i) => 13 * 1.01 ** i);
    const closes = [10, 10, 10, 13, ...rising, rising.at(-1)! * 0.9];
    const rows = closes.map((c, i) => {
      const o = i === 4 ? 12.9 : i > 0 ? closes[i - 1]! : c;
      return [o, Math.max(o, c), Math.min(o, c), c] as const;
    });
    h = await openHarness({
      crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3, trailingStopPct: 3 } }],
      risk: RISK,
      stops: { trailStepPct: 0.5, trailMinSeconds: 3 * 3600 },
    });
    await h.desk.engine.run(new ArrayMarketData(candlesFrom(rows)));
    const stops = (await ordersOf('sma')).filter((o) => o.purpose === 'protective');
    const times = stops.map((o) => o.createdAt);
    // Placed at the entry, then moved at most once every three hours of market time.
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(3 * 3_600_000);
    expect(stops.length).toBeGreaterThan(5);
    expect(stops.length).toBeLessThanOrEqual(2 + Math.floor((30 * 3_600_000) / (3 * 3_600_000)));
    // Each move is up by at least the step; every stop but the last was cancelled, the last sold the fall.
    for (let i = 1; i < stops.length; i++) expect(stops[i]!.stopPrice!.toNumber()).toBeGreaterThanOrEqual(stops[i - 1]!.stopPrice!.toNumber() * 1.005);
    expect(stops.map((o) => o.status)).toEqual([...stops.slice(1).map(() => 'cancelled'), 'filled']);
    expect(h.desk.engine.crews.get('sma')!.book.quantity.toString()).toBe('0');
  });
});
