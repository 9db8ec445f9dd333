// Crash-only: a restart restores each crew's book, order sequence and state from the journal.
import { afterEach, describe, expect, it } from 'vitest';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { flatCandles, type Harness, openHarness, tempDir } from '../support/desk-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe('restart', () => {
  it('continues order ids, books and positions where the journal left them', async () => {
    const dir = tempDir();
    const crews = [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3 } }];
    const risk = { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 };
    // First run: buy at t=3, sell at t=5 (see the sma-cross test). Second run starts with empty
    // averages (no warm-up source here): 7,7,7 then 11 crosses up (buy), 12,12,6 crosses down (sell).
    const candles = flatCandles([10, 10, 10, 13, 13, 7, 7, 7, 7, 7, 7, 11, 12, 12, 6, 6], [10, 10, 10, 10, 12, 13, 8, 7, 7, 7, 7, 7, 11, 12, 12, 6]);
    h = await openHarness({ dir, crews, risk });
    await h.desk.engine.run(new ArrayMarketData(candles.slice(0, 8)));
    const before = h.desk.engine.summaries()[0]!;
    await h.close();

    h = await openHarness({ dir, crews, risk });
    const restored = h.desk.engine.summaries()[0]!;
    expect(restored.cash).toBe(before.cash);
    expect(restored.quantity).toBe(before.quantity);
    await h.desk.engine.run(new ArrayMarketData(candles.slice(8)));
    await h.desk.journal.flush();
    const orders = await h.desk.journal.getOrders({ crewId: 'sma' });
    const ids = orders.map((o) => o.clientOrderId);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.map((id) => id.split('-').pop())).toEqual(ids.map((_, i) => (i + 1).toString(36)));
  });

  it('uses params tuned at run time after a restart, but the config file wins when the owner edits it', async () => {
    const dir = tempDir();
    h = await openHarness({ dir, crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3 } }] });
    const crew = h.desk.engine.crews.get('sma')!;
    crew.setParams({ ...crew.params, slow: 7 });
    await h.close();
    h = await openHarness({ dir, crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3 } }] });
    expect(h.desk.engine.crews.get('sma')!.params.slow).toBe(7);
    await h.close();
    h = await openHarness({ dir, crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 4, slow: 9 } }] });
    expect(h.desk.engine.crews.get('sma')!.params).toMatchObject({ fast: 4, slow: 9 });
  });
});
