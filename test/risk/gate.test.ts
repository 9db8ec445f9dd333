import { describe, expect, it } from 'vitest';
import { defaultFilters } from '../../src/core/filters.ts';
import { dec } from '../../src/core/money.ts';
import { CrewBook } from '../../src/engine/crew-book.ts';
import { type GateContext, RiskGate } from '../../src/risk/gate.ts';
import { DEFAULT_RISK_LIMITS, type RiskLimits } from '../../src/risk/limits.ts';

const filters = defaultFilters('BTCUSDT');
const T0 = Date.UTC(2024, 0, 1, 12);

function setup(limits: Partial<RiskLimits> = {}, capital = '1000') {
  const gate = new RiskGate({ ...DEFAULT_RISK_LIMITS, ...limits }, 10);
  const book = CrewBook.flat('c1', 'BTCUSDT', 'BTC', 'USDT', dec(capital));
  book.mark(30_000);
  const ctx = (over: Partial<GateContext> = {}): GateContext => ({
    book,
    crewCapital: dec(capital),
    crewPaused: false,
    filters,
    price: 30_000,
    teamCapital: dec(capital),
    teamExposure: book.exposureF,
    totalExposure: book.exposureF,
    now: T0,
    isExit: false,
    ...over,
  });
  return { gate, book, ctx };
}

const buyAll = { action: 'buy', size: 1, reason: 'test' } as const;
const sellAll = { action: 'sell', size: 1, reason: 'test' } as const;

function fillBuy(book: CrewBook, qty: string, price: string) {
  book.applyFill({
    tradeId: 't',
    clientOrderId: 'o',
    exchangeOrderId: '1',
    symbol: 'BTCUSDT',
    side: 'BUY',
    price: dec(price),
    quantity: dec(qty),
    quoteQuantity: dec(qty).times(dec(price)),
    fee: dec(0),
    feeAsset: 'USDT',
    time: T0,
  });
}

describe('risk gate', () => {
  it('sizes a market buy as a quote amount: cash × size / (1 + fee), exact', () => {
    const { gate, ctx } = setup();
    const v = gate.check(buyAll, ctx());
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    // 1000 / 1.001 = 999.000999000999… → rounded down to 8 decimals
    expect(v.order.quoteQuantity?.toString()).toBe('999.000999');
    expect(v.order.type).toBe('MARKET');
  });

  it('denies entries while halted at any level, with the halt reason', () => {
    const { gate, ctx } = setup();
    gate.setHalt({ level: 'entries', reason: 'owner said so', actor: 'owner', since: T0 });
    const v = gate.check(buyAll, ctx());
    expect(v).toMatchObject({ ok: false, rule: 'halt' });
    expect(!v.ok && v.reason).toContain('owner said so');
  });

  it('still lets a crew exit under an entries halt, but not under cancel', () => {
    const { gate, book, ctx } = setup();
    fillBuy(book, '0.01', '30000');
    gate.setHalt({ level: 'entries', reason: 'r', actor: 'a', since: T0 });
    expect(gate.check(sellAll, ctx()).ok).toBe(true);
    gate.setHalt({ level: 'cancel', reason: 'r', actor: 'a', since: T0 });
    expect(gate.check(sellAll, ctx())).toMatchObject({ ok: false, rule: 'halt' });
  });

  it('lets the protective exits sell at every halt level: a halt never strips a position of them', () => {
    const { gate, book, ctx } = setup();
    fillBuy(book, '0.01', '30000');
    for (const level of ['entries', 'cancel', 'flatten'] as const) {
      gate.setHalt({ level, reason: 'r', actor: 'a', since: T0 });
      for (const exit of ['stop-loss', 'trailing-stop', 'max-holding', 'take-profit', 'flatten'] as const) {
        expect(gate.check({ action: 'sell', size: 1, reason: exit }, ctx({ isExit: true, exit })), `${exit} at ${level}`).toMatchObject({ ok: true });
      }
      // An exit is never a buy: no entry passes a halt, whatever it claims.
      expect(gate.check(buyAll, ctx({ isExit: true }))).toMatchObject({ ok: false, rule: 'halt' });
    }
  });

  it('does not hold the owner’s flatten back by the order rate, but every other exit', () => {
    const { gate, book, ctx } = setup({ maxOrdersPerMinutePerCrew: 1 });
    fillBuy(book, '0.01', '30000');
    gate.noteOrderSent('c1', T0);
    expect(gate.check(sellAll, ctx({ isExit: true, exit: 'stop-loss' }))).toMatchObject({ ok: false, rule: 'order-rate' });
    expect(gate.check(sellAll, ctx({ isExit: true, exit: 'flatten' }))).toMatchObject({ ok: true });
  });

  it('denies entries of a paused crew', () => {
    const { gate, ctx } = setup();
    expect(gate.check(buyAll, ctx({ crewPaused: true }))).toMatchObject({ ok: false, rule: 'crew-paused' });
  });

  it('cuts a buy to the position limit, and denies when the position is already at it', () => {
    const { gate, book, ctx } = setup({ maxPositionQuote: 400 });
    const v = gate.check(buyAll, ctx());
    expect(v.ok && v.order.quoteQuantity?.toString()).toBe('399.6003996'); // 400 / 1.001
    expect(v.ok && v.order.note).toContain('position limit 400');
    fillBuy(book, '0.0133', '30000'); // 399 quote held
    const denied = gate.check(buyAll, ctx());
    expect(denied).toMatchObject({ ok: false, rule: 'position-size' });
  });

  it('applies the position fraction of the crew capital', () => {
    const { gate, ctx } = setup({ maxPositionFraction: 0.5 });
    const v = gate.check(buyAll, ctx());
    expect(v.ok && v.order.reserveQuote.toString()).toBe('500');
  });

  it('denies a buy when the team exposure limit is used up', () => {
    const { gate, ctx } = setup({ maxTeamExposureFraction: 0.5 });
    const v = gate.check(buyAll, ctx({ teamCapital: dec(2000), teamExposure: 998 }));
    expect(v).toMatchObject({ ok: false, rule: 'team-exposure' });
    expect(!v.ok && v.reason).toContain('team exposure limit 1000');
  });

  it('denies a buy when the total exposure limit is used up', () => {
    const { gate, ctx } = setup({ maxTotalExposureQuote: 5000 });
    expect(gate.check(buyAll, ctx({ totalExposure: 4999 }))).toMatchObject({ ok: false, rule: 'total-exposure' });
  });

  it('denies entries for the rest of the UTC day once the daily loss limit is hit', () => {
    const { gate, ctx } = setup();
    gate.blockEntriesForDay(T0);
    expect(gate.check(buyAll, ctx())).toMatchObject({ ok: false, rule: 'daily-loss' });
    expect(gate.check(buyAll, ctx({ now: T0 + 12 * 3_600_000 })).ok).toBe(true); // next day
  });

  it('cools a crew down after a stop-loss', () => {
    const { gate, ctx } = setup({ stopLossCooldownMinutes: 30 });
    gate.noteStopLoss('c1', T0);
    const v = gate.check(buyAll, ctx({ now: T0 + 10 * 60_000 }));
    expect(v).toMatchObject({ ok: false, rule: 'cooldown' });
    expect(!v.ok && v.reason).toContain('20 more minute');
    expect(gate.check(buyAll, ctx({ now: T0 + 30 * 60_000 })).ok).toBe(true);
  });

  it('limits orders per minute per crew and overall', () => {
    const { gate, ctx } = setup({ maxOrdersPerMinutePerCrew: 2, maxOrdersPerMinute: 3 });
    gate.noteOrderSent('c1', T0);
    gate.noteOrderSent('c1', T0 + 1000);
    expect(gate.check(buyAll, ctx({ now: T0 + 2000 }))).toMatchObject({ ok: false, rule: 'order-rate' });
    expect(gate.check(buyAll, ctx({ now: T0 + 61_000 })).ok).toBe(true); // the first one left the window
    gate.noteOrderSent('c2', T0 + 61_500);
    gate.noteOrderSent('c3', T0 + 61_600);
    gate.noteOrderSent('c4', T0 + 61_700);
    const v = gate.check(buyAll, ctx({ now: T0 + 62_000 }));
    expect(v).toMatchObject({ ok: false, rule: 'order-rate' });
    expect(!v.ok && v.reason).toContain('across all crews');
  });

  it('denies what would fail Binance filters (below min notional) before anything is sent', () => {
    const { gate, ctx } = setup({}, '4');
    const v = gate.check(buyAll, ctx());
    expect(v).toMatchObject({ ok: false });
    expect(!v.ok && v.reason).toMatch(/Filter failure: NOTIONAL|no room/);
  });

  it('sells the whole position rounded to the market step, leaving no float noise', () => {
    const { gate, book, ctx } = setup();
    fillBuy(book, '0.03', '30000');
    const v = gate.check(sellAll, ctx());
    expect(v.ok && v.order.quantity?.toString()).toBe('0.03');
  });

  it('refuses to sell what the crew does not hold', () => {
    const { gate, ctx } = setup();
    expect(gate.check(sellAll, ctx())).toMatchObject({ ok: false, rule: 'no-position' });
  });

  it('prices limit buys on the tick and sizes them with the fee', () => {
    const { gate, ctx } = setup();
    const v = gate.check({ action: 'buy', size: 0.5, reason: 'dip', limitPrice: 29_000.004 }, ctx());
    expect(v.ok && v.order.price?.toString()).toBe('29000');
    // 500 / (29000 × 1.001) = 0.0172241… → 0.01722
    expect(v.ok && v.order.quantity?.toString()).toBe('0.01722');
  });
});
