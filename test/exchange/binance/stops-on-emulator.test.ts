// Protective stops through the whole live path on the emulator: the Desk (engine, gate, order manager,
// SQLite journal) trading through the Binance adapter (the real @binance/spot client) on Binance market
// data. Each act leaves exactly the right stop on the exchange: an entry places one for what filled, an
// add-on entry grows it to what is held, a halt at cancel keeps it, flatten lifts it before selling, and
// the crew's own exit lifts it before selling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerActor } from '../../../src/core/events.ts';
import { openStopsDesk, type StopsDesk } from './stops-desk.ts';
import { eventually } from './support.ts';

/** Closes the crew reads as orders: 101 buys half its cash, 102 buys the rest, 99 sells everything; then a
 * new entry and a climb of 1 % a candle for a trailing stop to follow. */
const CLIMB = Array.from({ length: 8 }, (_, i) => Math.round(103 * 1.01 ** i * 100) / 100);
const SCRIPT = [100, 100, 100, 100, 100, 101, 102, 100, 100, 101, 99, 100, 101, ...CLIMB, 100];

describe('protective stops on the emulator, through the Desk and the Binance adapter', () => {
  let t: StopsDesk;
  beforeAll(async () => {
    t = await openStopsDesk({
      crew: 'scripted',
      source: `export default defineCrew({
  name: 'scripted',
  description: 'Reads its orders from the close: 101 buys half, 102 buys the rest, 99 sells.',
  params: z.object({ size: z.number().min(0.01).max(1).default(0.5).describe('Fraction of cash the first buy spends.') }),
  indicators: () => ({}),
  warmup: () => 0,
  onCandle: ({ candle, position, params }) =>
    candle.close === 101 && !position.isLong ? { action: 'buy', size: params.size, reason: 'first half' }
    : candle.close === 102 ? { action: 'buy', size: 1, reason: 'the rest' }
    : candle.close === 99 && position.isLong ? { action: 'sell', size: 1, reason: 'its own exit' }
    : { action: 'hold' },
});`,
      closes: SCRIPT,
      // A trailing stop may move on every candle here (the emulator's candles come faster than a minute).
      stops: { trailStepPct: 0.5, trailMinSeconds: 0 },
      params: { stopLossPct: 5 },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const stops = () => t.stops();
  const held = () => t.desk.engine.crews.get('guard')!.book.quantity.toString();
  const btc = () => t.state().balances.find((b) => b.asset === 'BTC');

  it('each act leaves the right stop: entry, add-on, halt cancel (kept), flatten (lifted), the crew’s own exit (lifted)', async () => {
    // The first entry fills in two trades (a partial fill, then the rest): one stop, for exactly what filled.
    t.emulator.setKnobs({ splitFills: 1 });
    t.emulator.advance();
    await eventually(() => t.fills() === 2 && stops().length === 1 && Number(stops()[0]!.origQty) === Number(held()), 'the first entry and its stop', 10_000);
    expect(Number(btc()!.locked)).toBe(Number(held()));

    // The add-on fills: the stop follows the quantity held (cancelled and replaced), still one.
    t.emulator.advance();
    await eventually(
      () => t.fills() === 3 && stops().length === 1 && Number(stops()[0]!.origQty) === Number(held()),
      'the stop for the whole position',
      10_000,
    );
    const grown = stops()[0]!;
    expect(Number(grown.origQty)).toBe(Number(btc()!.locked));

    // Halt at cancel: entries and resting orders go, the protection stays.
    const cancel = await t.desk.engine.setHalt('cancel', 'owner away', ownerActor('owner-1'), 'test');
    expect(cancel.failures).toEqual([]);
    expect(stops().map((o) => o.clientOrderId)).toEqual([grown.clientOrderId]);

    // Flatten: the stop is lifted, then the position sold at market; nothing rests.
    const flatten = await t.desk.engine.setHalt('flatten', 'get out', ownerActor('owner-1'), 'test');
    expect(flatten).toMatchObject({ flattened: 1, failures: [] });
    await eventually(() => t.fills() === 4 && held() === '0', 'the flatten sale', 10_000);
    expect(t.state().openOrders).toEqual([]);
    expect(Number(btc()?.free ?? 0) + Number(btc()?.locked ?? 0)).toBe(0);
    await t.desk.engine.setHalt('none', 'back', ownerActor('owner-1'), 'test');

    // Two flat candles, then a new entry with its stop, then the crew's own exit: the stop is lifted first, one sale.
    t.emulator.advance();
    t.emulator.advance();
    t.emulator.advance();
    await eventually(() => t.fills() === 5 && stops().length === 1, 'the new entry and its stop', 10_000);
    t.emulator.advance();
    await eventually(() => t.fills() === 6 && held() === '0', 'the crew’s own exit', 10_000);
    expect(t.state().openOrders).toEqual([]);

    await t.desk.journal.flush();
    const orders = await t.desk.journal.getOrders({ crewId: 'guard' });
    expect(orders.map((o) => `${o.side} ${o.type} ${o.purpose ?? 'trade'} ${o.status}`)).toEqual([
      'BUY MARKET trade filled',
      'SELL STOP_LOSS_LIMIT protective cancelled', // replaced: the add-on grew the position
      'BUY MARKET trade filled',
      'SELL STOP_LOSS_LIMIT protective cancelled', // lifted by flatten
      'SELL MARKET trade filled',
      'BUY MARKET trade filled',
      'SELL STOP_LOSS_LIMIT protective cancelled', // lifted by the crew's exit
      'SELL MARKET trade filled',
    ]);
    // The partly filled entry: two trades, and every stop's quantity was what the book held when it was placed.
    const fillsOf = await t.desk.journal.getFills({ crewId: 'guard' });
    expect(fillsOf.filter((f) => f.clientOrderId === orders[0]!.clientOrderId)).toHaveLength(2);
  });

  it('a trailing stop follows the climb by cancel-and-replace, one move a candle at most, within the order rate budget', async () => {
    // 25 new orders per 10 s, for both tests' ~20: a stop moved on every price tick (four a candle) would be refused (429).
    t.emulator.setKnobs({ ordersPer10s: 25 });
    t.desk.engine.crews.get('guard')!.setParams({ ...t.desk.engine.crews.get('guard')!.params, trailingStopPct: 2 });
    const before = t.fills();
    t.emulator.advance(); // 100: nothing
    t.emulator.advance(); // 101: the entry
    await eventually(() => t.fills() === before + 1 && stops().length === 1, 'the entry and its stop', 10_000);
    const levels = [Number(stops()[0]!.stopPrice)];
    for (const close of CLIMB) {
      t.emulator.advance();
      // The stop is re-placed 2 % under the new high (the close), down to the tick.
      const want = Math.floor((Math.round(close * 100) * 98) / 100) / 100;
      await eventually(() => stops().length === 1 && Number(stops()[0]!.stopPrice) === want, `the stop up to ${want}`, 10_000);
      levels.push(want);
    }
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    await t.desk.journal.flush();
    const protective = (await t.desk.journal.getOrders({ crewId: 'guard' })).filter((o) => o.purpose === 'protective');
    // The three stops before, then the entry's and one per candle of the climb: never more than a move a candle.
    expect(protective.length).toBe(3 + 1 + CLIMB.length);
    expect(protective.slice(0, -1).every((o) => o.status === 'cancelled')).toBe(true);
    expect(Number(stops()[0]!.origQty)).toBe(Number(held()));
    expect(t.errors).toEqual([]);
  });
});
