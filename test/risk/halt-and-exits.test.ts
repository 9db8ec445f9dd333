// A halt keeps the protective exits working; flatten orders pass the gate like every other order;
// the manager halts no further than it may; risk/ depends on a port, not on the engine.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownerActor } from '../../src/core/events.ts';
import { dec } from '../../src/core/money.ts';
import { checkAction } from '../../src/manager/actions.ts';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { DeskService } from '../../src/services/desk-service.ts';
import { flatCandles, type Harness, openHarness } from '../support/desk-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

/** sma-cross 2/3 buys at t4's open 12; t5's low 11 is more than 5 % under it: the stop-loss. */
const STOP_LOSS = flatCandles([10, 10, 10, 13, 13, 11, 12, 13], [10, 10, 10, 10, 12, 13, 11, 12]);

describe('a halt keeps the protective exits', () => {
  it('a stop-loss still sells the position while trading is halted at cancel', async () => {
    h = await openHarness({
      crews: [{ id: 'sma', crew: 'sma-cross', params: { fast: 2, slow: 3, stopLossPct: 5 } }],
      risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
      // The engine's own stop check (the fallback where no stop rests on the exchange); test/engine/protective-stops.test.ts has the exchange's.
      stops: { onExchange: false },
    });
    await h.desk.engine.run(new ArrayMarketData(STOP_LOSS.slice(0, 5)));
    expect(h.desk.engine.crews.get('sma')!.book.quantity.gt(0)).toBe(true);

    await h.desk.engine.setHalt('cancel', 'owner away', ownerActor('owner-1'), 'test');
    await h.desk.engine.run(new ArrayMarketData(STOP_LOSS.slice(5)));

    // The crew's own later buy is an entry, denied; the stop-loss is not.
    const exits = h.events.flatMap((e) => (e.type === 'advice' && e.advice.action === 'sell' ? [e.adviceKey] : []));
    const denied = new Set(h.events.flatMap((e) => (e.type === 'risk.denied' ? [e.adviceKey] : [])));
    expect(exits.length).toBe(1);
    expect(exits.filter((key) => denied.has(key))).toEqual([]);
    expect(h.desk.engine.crews.get('sma')!.book.quantity.toString()).toBe('0');
    await h.desk.journal.flush();
    const sells = (await h.desk.journal.getOrders({ crewId: 'sma' })).filter((o) => o.side === 'SELL');
    expect(sells.map((o) => o.status)).toEqual(['filled']);
  });
});

describe('flatten orders pass the gate', () => {
  it('a position under the minimum order size is denied by the gate’s filters rule, journaled as a risk event', async () => {
    h = await openHarness({
      crews: [{ id: 'sma', crew: 'sma-cross', capital: '3', params: { fast: 2, slow: 3 } }],
      risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
    });
    // Hold a dust position: the book says so (as a restart could leave it).
    const book = h.desk.engine.crews.get('sma')!.book;
    book.applyFill({
      tradeId: 't',
      clientOrderId: 'o',
      exchangeOrderId: '1',
      symbol: 'BTCUSDT',
      side: 'BUY',
      price: dec(10),
      quantity: dec('0.1'),
      quoteQuantity: dec(1),
      fee: dec(0),
      feeAsset: 'USDT',
      time: 0,
    });

    const result = await h.desk.engine.setHalt('flatten', 'out', ownerActor('owner-1'), 'test');

    expect(result.flattened).toBe(0);
    expect(result.failures).toEqual([
      expect.stringMatching(/^sma: 0\.1 BTCUSDT is below the minimum order size \(dust\), left in place \(Filter failure: NOTIONAL/),
    ]);
    await h.desk.journal.flush();
    const [event] = await h.desk.journal.getRiskEvents({ crewId: 'sma' });
    expect(event).toMatchObject({ rule: 'filters' });
    expect(await h.desk.journal.getOrders({ crewId: 'sma' })).toEqual([]);
  });
});

describe('the manager halts no further than it may', () => {
  it('stops entries at once, but cancel and flatten wait for an owner', async () => {
    h = await openHarness({ crews: [{ id: 'sma', crew: 'sma-cross' }] });
    const service = new DeskService(h.desk);
    const policy = { maxCrewShareOfTeamPct: 50, managerPauses: new Map<string, string>() };
    const approval = (level: 'entries' | 'cancel' | 'flatten') => {
      const checked = checkAction(service, { kind: 'halt', level, reason: 'test' }, policy);
      return checked.ok ? checked.value.approval : checked.error;
    };
    expect([approval('entries'), approval('cancel'), approval('flatten')]).toEqual(['now', 'owner', 'owner']);
  });
});

describe('risk in one place', () => {
  it('nothing under src/risk imports the engine (the gate reads a BookView port)', () => {
    const dir = join(import.meta.dirname, '../../src/risk');
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /from '\.\.\/engine\//.test(readFileSync(join(dir, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
