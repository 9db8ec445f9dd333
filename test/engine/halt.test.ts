// The kill switch: levels, what each one does to orders and positions, and that it survives a restart.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownerActor } from '../../src/core/events.ts';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { BIDDER_CREW, flatCandles, type Harness, openHarness, tempDir, writeCrewModule } from '../support/desk-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

function writeTestCrews(dir: string): void {
  writeCrewModule(dir, 'buy-then-bid', BIDDER_CREW);
}

async function openWithTestCrew(dir: string): Promise<Harness> {
  const crewDir = join(dir, 'crews');
  writeTestCrews(crewDir);
  return openHarness({
    dir,
    crewDirs: [crewDir],
    crews: [{ id: 'bidder', crew: 'buy-then-bid' }],
    risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
  });
}

describe('halt', () => {
  it('at level entries refuses new entries with the reason, journaled as a risk event', async () => {
    h = await openWithTestCrew(tempDir());
    await h.desk.engine.setHalt('entries', 'owner is nervous', ownerActor('owner-1'), 'test');
    await h.desk.engine.run(new ArrayMarketData(flatCandles([100, 100, 100])));
    const denials = h.events.filter((e) => e.type === 'risk.denied');
    expect(denials.map((e) => e.type === 'risk.denied' && e.rule)).toEqual(['halt', 'halt']);
    const stored = await h.desk.journal.getRiskEvents({ crewId: 'bidder' });
    expect(stored[0]?.reason).toContain('owner is nervous');
    expect(await h.desk.journal.getOrders()).toEqual([]);
  });

  it('at level cancel cancels every open order and says how many', async () => {
    h = await openWithTestCrew(tempDir());
    await h.desk.engine.run(new ArrayMarketData(flatCandles([100, 100, 100, 100])));
    expect(h.desk.engine.orders.openOrderCount()).toBe(1); // the resting bid at 90
    const result = await h.desk.engine.setHalt('cancel', 'test', ownerActor('owner-1'), 'test');
    expect(result).toMatchObject({ cancelled: 1, failures: [] });
    expect(h.desk.engine.orders.openOrderCount()).toBe(0);
    expect(await h.exchange.openOrders()).toEqual([]);
    await h.desk.journal.flush();
    const orders = await h.desk.journal.getOrders({ crewId: 'bidder' });
    expect(orders.map((o) => o.status).sort()).toEqual(['cancelled', 'filled']);
    // The cancelled bid no longer holds cash in the crew's book.
    expect(h.desk.engine.crews.get('bidder')!.book.reserved.toString()).toBe('0');
  });

  it('at level flatten also sells every position at market', async () => {
    h = await openWithTestCrew(tempDir());
    const candles = flatCandles([100, 100, 100, 100, 100]);
    await h.desk.engine.run(new ArrayMarketData(candles.slice(0, 4)));
    expect(h.desk.engine.crews.get('bidder')!.book.quantity.gt(0)).toBe(true);
    const result = await h.desk.engine.setHalt('flatten', 'get me out', ownerActor('owner-1'), 'test');
    expect(result).toMatchObject({ cancelled: 1, flattened: 1, failures: [] });
    await h.desk.engine.run(new ArrayMarketData(candles.slice(4))); // the market sell fills at the next open
    expect(h.desk.engine.crews.get('bidder')!.book.quantity.toString()).toBe('0');
  });

  it('survives a restart of the journal, with its reason and actor, and a resume is audited', async () => {
    const dir = tempDir();
    h = await openWithTestCrew(dir);
    await h.desk.engine.setHalt('flatten', 'weekend', ownerActor('owner-1'), 'discord');
    await h.close();
    h = await openWithTestCrew(dir);
    expect(h.desk.engine.halt).toMatchObject({ level: 'flatten', reason: 'weekend', actor: 'owner-1' });
    await h.desk.engine.setHalt('none', 'back', ownerActor('owner-1'), 'discord');
    await h.close();
    h = await openWithTestCrew(dir);
    expect(h.desk.engine.halt.level).toBe('none');
    const audit = await h.desk.journal.getAudit();
    expect(audit.map((a) => `${a.action} by ${a.actor} via ${a.via}`)).toEqual(
      expect.arrayContaining(['halt:flatten by owner-1 via discord', 'resume by owner-1 via discord']),
    );
  });
});

describe('crew protections', () => {
  it('a stop-loss from the template sells, names the reason, and cools the crew down', async () => {
    h = await openHarness({
      crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3, stopLossPct: 5 } }],
      risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100, stopLossCooldownMinutes: 600 },
      // The engine's own stop check (the fallback where no stop rests on the exchange); test/engine/protective-stops.test.ts has the exchange's.
      stops: { onExchange: false },
    });
    // Buy signal at t=3 (see the sma-cross test), fill at t=4's open 12; t=5's low 11 is > 5 % under 12.
    await h.desk.engine.run(new ArrayMarketData(flatCandles([10, 10, 10, 13, 13, 11, 12, 13], [10, 10, 10, 10, 12, 13, 11, 12])));
    const advice = h.events.flatMap((e) => (e.type === 'advice' ? [e.advice] : []));
    expect(advice.map((a) => `${a.action}: ${a.reason.split(':')[0]}`)).toContain('sell: stop-loss');
    // The fact says which exit decided it, as a field.
    expect(h.events.flatMap((e) => (e.type === 'advice' ? [`${e.advice.action}: ${e.exit}`] : []))).toContain('sell: stop-loss');
  });

  it('pauses a crew whose drawdown reaches its limit, and journals why', async () => {
    h = await openHarness({
      crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3 } }],
      risk: { maxCrewDrawdownPct: 10, maxTotalDrawdownPct: 100 },
    });
    await h.desk.engine.run(new ArrayMarketData(flatCandles([10, 10, 10, 13, 13, 10, 10], [10, 10, 10, 10, 12, 13, 10])));
    const paused = h.events.find((e) => e.type === 'crew.paused');
    expect(paused && paused.type === 'crew.paused' && paused.reason).toMatch(/drawdown .* reached the limit of 10%/);
    // Who paused it is a field: the risk rule, by name; the reason is prose for people only.
    expect(paused && paused.type === 'crew.paused' && paused.actor).toEqual({ kind: 'risk', rule: 'crew-drawdown' });
    await h.desk.journal.flush();
    const [record] = await h.desk.journal.getCrewInstances();
    expect(record!.status).toBe('paused');
  });

  it('a daily loss is a fact for the whole desk (no crew id), journaled as a risk event of no crew', async () => {
    h = await openHarness({
      crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3 } }],
      risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100, dailyLossLimitQuote: 1 },
    });
    await h.desk.engine.run(new ArrayMarketData(flatCandles([10, 10, 10, 13, 13, 10, 10], [10, 10, 10, 10, 12, 13, 10])));
    const denials = h.events.flatMap((e) => (e.type === 'risk.denied' && e.rule === 'daily-loss' ? [e] : []));
    expect(denials.map((d) => [d.scope, d.adviceKey])).toEqual([[{ kind: 'desk' }, null]]);
    await h.desk.journal.flush();
    const journaled = (await h.desk.journal.getRiskEvents()).filter((r) => r.rule === 'daily-loss');
    expect(journaled.map((r) => [r.crewId, r.adviceKey])).toEqual([[null, null]]);
  });
});
