// The contract every module in crews/ must pass: run through the real engine (risk gate, paper
// exchange, SQLite journal) on real Binance candles, it trades within its capital, its books
// balance to the cent, and the journal agrees with the engine.
import Big from 'big.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREWS_DIR, loadCrews } from '../../src/crew/loader.ts';
import { FileMarketData } from '../../src/market/file-market-data.ts';
import { candleDir, CANDLE_FILES } from '../data/candle-fixtures.ts';
import { type Harness, openHarness } from '../support/desk-harness.ts';

const { crews, problems } = await loadCrews([CREWS_DIR]);
const names = [...crews.keys()];

describe('every crew module, through the engine on real candles', () => {
  let file: string;
  beforeAll(() => {
    const { dir, real } = candleDir();
    file = join(dir, CANDLE_FILES.btc1mWeek.name);
    console.info(`every-crew contract: ${real ? 'real Binance' : 'synthetic'} candles, ${CANDLE_FILES.btc1mWeek.name}`);
  });

  it('loads crews/ without problems', () => {
    expect(problems).toEqual([]);
    expect(names.length).toBeGreaterThanOrEqual(4);
  });

  const harnesses: Harness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.dispose();
  });

  it.each(names)('%s trades within its capital and its journal balances', async (name) => {
    const h = await openHarness({
      crews: [{ id: `c-${name}`, crew: name, symbol: 'BTCUSDT', interval: '1m', params: { stopLossPct: 3 } }],
      risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
    });
    harnesses.push(h);
    await h.desk.engine.run(new FileMarketData({ paths: [file] }));
    await h.desk.journal.flush();

    const errors = h.events.filter((e) => e.type === 'error');
    expect(errors).toEqual([]);
    const fills = await h.desk.journal.getFills({ crewId: `c-${name}` });
    expect(fills.length, `${name} made no trade in a week of 1m candles`).toBeGreaterThan(0);

    // Replaying the journaled fills by hand gives the engine's book, to the unit.
    let cash = new Big(10000);
    let qty = new Big(0);
    for (const f of fills) {
      if (f.side === 'BUY') {
        cash = cash.minus(f.quoteQuantity.toString()).minus(f.fee.toString());
        qty = qty.plus(f.quantity.toString());
      } else {
        cash = cash.plus(f.quoteQuantity.toString()).minus(f.fee.toString());
        qty = qty.minus(f.quantity.toString());
      }
      expect(cash.gte(0), `${name} spent more than it had at ${f.tradeId}`).toBe(true);
      expect(qty.gte(0), `${name} sold more than it held at ${f.tradeId}`).toBe(true);
    }
    const book = h.desk.engine.crews.get(`c-${name}`)!.book;
    expect(book.cash.toString()).toBe(cash.toString());
    expect(book.quantity.toString()).toBe(qty.toString());
    // Every order ended (nothing left in flight at the end of the data but resting/new ones).
    const orders = await h.desk.journal.getOrders({ crewId: `c-${name}` });
    expect(orders.every((o) => ['filled', 'cancelled', 'rejected', 'expired', 'submitted', 'new'].includes(o.status))).toBe(true);
    expect(new Set(orders.map((o) => o.clientOrderId)).size).toBe(orders.length);
  });
});
