// Exchange trouble is told once per episode, as a typed fact: began (with a mention on Discord),
// a tally of what was refused while it lasted, ended. Bans, rate limits, clock faults, and a run of
// rejected orders; a worse kind inside an episode is said once more.
import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../../src/console/console-notifier.ts';
import type { ExchangeTrouble } from '../../../src/core/events.ts';
import { AlertClassifier } from '../../../src/discord/alerts.ts';
import { REJECTION_RUN, TroubleWatch } from '../../../src/exchange/binance/trouble-watch.ts';
import { ExchangeError } from '../../../src/ports/exchange.ts';

function watch() {
  let now = 1_000_000;
  const facts: ExchangeTrouble[] = [];
  const w = new TroubleWatch('binance', () => now);
  w.on((f) => facts.push(f));
  return { w, facts, tick: (ms: number) => (now += ms) };
}

const tooMany = new ExchangeError(-1003, 'Too many requests; current limit is 40 requests per minute.', 429);
const banned = new ExchangeError(-1003, 'Way too many requests; IP banned until 1700000000000.', 418);
const clock = new ExchangeError(-1021, 'Timestamp for this request is outside of the recvWindow.', 400);
const balance = new ExchangeError(-2010, 'Account has insufficient balance for requested action.', 400);

describe('exchange trouble episodes', () => {
  it('a 429: one "began" however many requests are refused, one "ended" with the tally at the first answer after it', () => {
    const { w, facts, tick } = watch();
    w.refused('read', tooMany, 1_060_000);
    for (let i = 0; i < 5; i++) w.refused('order', tooMany, 1_060_000);
    w.refused('cancel', tooMany, 1_060_000);
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({
      type: 'exchange.trouble',
      phase: 'began',
      kind: 'rate-limit',
      code: -1003,
      httpStatus: 429,
      until: 1_060_000,
      since: 1_000_000,
    });
    tick(61_000);
    w.accepted('read');
    w.accepted('order');
    expect(facts).toHaveLength(2);
    expect(facts[1]).toMatchObject({ phase: 'ended', kind: 'rate-limit', refused: { orders: 5, cancels: 1, reads: 1 }, at: 1_061_000 });
    // Each fact holds its own tally: the one said at the start is not rewritten later.
    expect(facts[0]!.refused).toEqual({ orders: 0, cancels: 0, reads: 1 });
  });

  it('a ban after a rate limit is said once more (worse), and ends once', () => {
    const { w, facts } = watch();
    w.refused('read', tooMany, 1_060_000);
    w.refused('read', banned, 1_120_000);
    w.refused('read', banned, 1_120_000);
    w.accepted('read');
    expect(facts.map((f) => [f.phase, f.kind])).toEqual([
      ['began', 'rate-limit'],
      ['began', 'ban'],
      ['ended', 'ban'],
    ]);
    expect(facts[1]!.until).toBe(1_120_000);
  });

  it('a clock fault is an episode of its own', () => {
    const { w, facts } = watch();
    w.refused('order', clock, null);
    w.refused('order', clock, null);
    w.accepted('read');
    expect(facts.map((f) => [f.phase, f.kind, f.refused.orders])).toEqual([
      ['began', 'clock', 1],
      ['ended', 'clock', 2],
    ]);
  });

  it(`orders rejected ${REJECTION_RUN} in a row make an episode; an accepted order ends it; reads answered do not`, () => {
    const { w, facts } = watch();
    w.refused('order', balance, null);
    w.accepted('order'); // the run is broken
    for (let i = 0; i < REJECTION_RUN - 1; i++) w.refused('order', balance, null);
    expect(facts).toHaveLength(0);
    w.refused('order', balance, null);
    w.refused('order', balance, null);
    w.accepted('read');
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({ phase: 'began', kind: 'rejections', code: -2010, refused: { orders: REJECTION_RUN } });
    w.accepted('order');
    expect(facts[1]).toMatchObject({ phase: 'ended', kind: 'rejections', refused: { orders: REJECTION_RUN + 1 } });
  });

  it('is said on the console in one line, and on Discord with a mention when it begins (not when it ends)', () => {
    const { w, facts, tick } = watch();
    w.refused('order', banned, 1_000_000 + 120_000);
    tick(125_000);
    w.accepted('read');
    const [began, ended] = facts as [ExchangeTrouble, ExchangeTrouble];
    expect(describeEvent(began)).toMatch(
      /^exchange ⛔ Binance: IP ban \(-1003, HTTP 418\) — nothing is sent before \d\d:\d\d:\d\d UTC\. Way too many requests.* Refused so far: 1 order\(s\), 0 cancel\(s\), 0 other request\(s\)\.$/,
    );
    expect(describeEvent(ended)).toBe('exchange ✅ Binance: IP ban over after 2m 5s; refused meanwhile: 1 order(s), 0 cancel(s), 0 other request(s)');
    const c = new AlertClassifier();
    expect(c.classify(began)).toMatchObject({ channel: 'alerts', ping: true, text: expect.stringContaining('⛔ Binance: IP ban') });
    expect(c.classify(ended)).toMatchObject({ channel: 'alerts', ping: false, text: expect.stringContaining('IP ban over') });
  });
});
