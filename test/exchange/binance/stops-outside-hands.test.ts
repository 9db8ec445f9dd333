// Someone else's hand on the exchange while the desk runs (the owner in Binance's own app): a crew's
// protective stop cancelled there is placed again (the crew still holds the position: it must stay
// protected) and the owner is told; a position the owner sold there himself leaves no stop resting and
// no retry loop — the crew is paused, saying that the account no longer holds what its book does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec } from '../../../src/core/money.ts';
import { eventually } from './support.ts';
import { openStopsDesk, type StopsDesk } from './stops-desk.ts';

describe('protective stops and the owner’s own hand on the exchange', () => {
  let t: StopsDesk;
  beforeAll(async () => {
    t = await openStopsDesk({
      crew: 'holdon',
      source: `export default defineCrew({
  name: 'holdon',
  description: 'Buys at a close of 101 and holds.',
  params: z.object({}),
  indicators: () => ({}),
  warmup: () => 0,
  onCandle: ({ candle, position }) => (candle.close === 101 && !position.isLong ? { action: 'buy', size: 0.5, reason: 'in' } : { action: 'hold' }),
});`,
      closes: [100, 100, 100, 100, 100, 101, 100, 100, 100, 100],
      // A refused stop may be asked for again after a second here (the default waits a minute).
      stops: { trailMinSeconds: 1 },
      params: { stopLossPct: 5 },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const crew = () => t.desk.engine.crews.get('guard')!;

  it('a stop cancelled outside the desk is placed again; a position sold outside it pauses the crew, no stop left', async () => {
    t.emulator.advance();
    await eventually(() => t.fills() === 1 && t.stops().length === 1, 'the entry and its stop', 10_000);
    const first = t.stops()[0]!;

    // The owner cancels the crew's stop in Binance's app: the crew still holds, so the desk protects it again.
    t.emulator.venue.cancel('BTCUSDT', { origClientOrderId: first.clientOrderId });
    await eventually(() => t.stops().length === 1 && t.stops()[0]!.clientOrderId !== first.clientOrderId, 'the stop placed again', 10_000);
    expect(Number(t.stops()[0]!.origQty)).toBe(Number(crew().book.quantity.toString()));
    await eventually(() => t.errors.some((m) => m.includes(first.clientOrderId) && /cancelled outside the desk/.test(m)), 'the owner told', 10_000);

    // Now the owner cancels it and sells the BTC himself: nothing is left to protect on the exchange.
    const second = t.stops()[0]!;
    t.emulator.venue.cancel('BTCUSDT', { origClientOrderId: second.clientOrderId });
    const btc = t.state().balances.find((b) => b.asset === 'BTC')!;
    t.emulator.venue.place({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: dec(btc.free) });
    await eventually(() => crew().status === 'paused', 'the crew paused', 15_000);
    expect(crew().statusReason).toMatch(/BTC/);
    // No stop rests, and none keeps being asked for.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(t.stops()).toEqual([]);
    const orders = await t.desk.journal.getOrders({ crewId: 'guard' });
    const protective = orders.filter((o) => o.purpose === 'protective');
    expect(protective.length).toBeLessThanOrEqual(3);
  }, 60_000);
});
