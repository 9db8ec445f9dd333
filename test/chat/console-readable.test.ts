// The console is readable: repeats are folded, the noise level and the time zone are settings in
// the config (checked by zod), numbers read one way per kind, and a red table is not a failure.
import { describe, expect, it } from 'vitest';
import { ConsoleNotifier } from '../../src/console/console-notifier.ts';
import { renderReply } from '../../src/chat/console.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { EngineEvent } from '../../src/core/events.ts';
import { defaultFilters } from '../../src/core/filters.ts';
import { dec } from '../../src/core/money.ts';
import { bidderCandles, openChatDesk } from './chat-harness.ts';

const T0 = Date.UTC(2026, 10, 3, 15, 12);
const MIN = 60_000;

const advice = (at: number, reason = 'DCA slot every 24 candles'): EngineEvent =>
  ({
    type: 'advice',
    crewId: 'dca-eth',
    adviceKey: `k${at}`,
    candleTime: at,
    advice: { action: 'buy', size: 0.1, reason },
    exit: null,
    at,
  }) as unknown as EngineEvent;
const denied = (at: number, held: string): EngineEvent =>
  ({
    type: 'risk.denied',
    scope: { kind: 'crew', crewId: 'dca-eth' },
    adviceKey: `k${at}`,
    advice: null,
    rule: 'position-size',
    reason: `position limit 2000 quote (held ${held}): no room for a new entry`,
    at,
  }) as unknown as EngineEvent;
const order = (at: number): EngineEvent =>
  ({
    type: 'order.created',
    order: {
      crewId: 'dca-eth',
      symbol: 'ETHUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: null,
      quoteQuantity: dec('12345.6789'),
      price: null,
      clientOrderId: `cd-${at}`,
      status: 'new',
      updatedAt: at,
    },
    exit: null,
  }) as unknown as EngineEvent;
const fill = (at: number): EngineEvent =>
  ({
    type: 'fill',
    crewId: 'dca-eth',
    fill: {
      symbol: 'ETHUSDT',
      side: 'BUY',
      price: dec('2302.8'),
      quantity: dec('5.2'),
      quoteQuantity: dec('11974.56'),
      fee: dec('11.97456'),
      feeAsset: 'USDT',
      time: at,
      tradeId: '1',
      clientOrderId: 'c',
      exchangeOrderId: '1',
    },
    position: {
      crewId: 'dca-eth',
      symbol: 'ETHUSDT',
      quantity: dec('5.2'),
      cash: dec('1800.14321'),
      costBasis: dec('0'),
      realizedPnl: dec('0'),
      feesPaid: dec('0'),
      entryTime: at,
    },
  }) as unknown as EngineEvent;

function printer(options: ConstructorParameters<typeof ConsoleNotifier>[2] = {}) {
  const lines: string[] = [];
  const notifier = new ConsoleNotifier((line) => lines.push(line), undefined, options);
  return { lines, notifier };
}

describe('repeats are folded', () => {
  it('a DCA crew out of cash says its advice once a day with a count, not 75 times', () => {
    const { lines, notifier } = printer();
    for (let i = 0; i < 75; i++) {
      notifier.notify(advice(T0 + i * 24 * MIN));
      notifier.notify(denied(T0 + i * 24 * MIN, (2001 + i / 100).toFixed(2)));
    }
    notifier.flush();
    const adviceLines = lines.filter((l) => l.includes('advice'));
    const denialLines = lines.filter((l) => l.includes('denied'));
    // 75 slots × 24 minutes = 30 hours: printed at the start and a day later, the rest counted.
    expect(adviceLines).toHaveLength(3);
    expect(adviceLines[1]).toContain('(and 59 like it not shown since 2026-11-03 15:12 UTC)');
    expect(adviceLines[2]).toContain('(the last of 14 like it not shown since 2026-11-04 15:12 UTC)');
    expect(denialLines).toHaveLength(3);
    expect(lines).toHaveLength(6);
  });

  it('a denial is folded even when the crew trades in between (it used to repeat after every order)', () => {
    const { lines, notifier } = printer();
    for (let i = 0; i < 10; i++) {
      const at = T0 + i * 24 * MIN;
      notifier.notify(order(at));
      notifier.notify(fill(at + MIN));
      notifier.notify(denied(at + 2 * MIN, '2001.00'));
    }
    expect(lines.filter((l) => l.includes('denied'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('fill'))).toHaveLength(10);
    expect(lines.filter((l) => l.includes('order'))).toHaveLength(10);
  });

  it('advice whose reason changes (new figures) is news, never folded', () => {
    const { lines, notifier } = printer();
    for (let i = 0; i < 5; i++) notifier.notify(advice(T0 + i * MIN, `RSI(14) rose through 30: 2${i}.1 → 31.0`));
    expect(lines).toHaveLength(5);
  });
});

describe('the noise level', () => {
  const feed = (notifier: ConsoleNotifier) => {
    for (let i = 0; i < 3; i++) {
      notifier.notify(advice(T0 + i * MIN));
      notifier.notify(order(T0 + i * MIN));
      notifier.notify(fill(T0 + i * MIN));
    }
    notifier.notify({ type: 'halt', level: 'entries', reason: 'test', actor: 'owner', at: T0 + 5 * MIN } as unknown as EngineEvent);
  };

  it('quiet prints fills and halts, not advice or orders', () => {
    const { lines, notifier } = printer({ level: 'quiet' });
    feed(notifier);
    expect(lines.map((l) => /^\S+ \S+ \S+ {2}(\S+)/.exec(l)?.[1])).toEqual(['fill', 'fill', 'fill', 'HALT']);
  });

  it('verbose prints every repeat', () => {
    const { lines, notifier } = printer({ level: 'verbose' });
    feed(notifier);
    expect(lines.filter((l) => l.includes('advice'))).toHaveLength(3);
  });

  it('is a config setting checked by zod, as is the time zone (defaults: normal, UTC)', () => {
    const base = { teams: [{ name: 'a', capital: '100', crews: [{ id: 'x', crew: 'dca', symbol: 'ETHUSDT', interval: '1m' }] }] };
    expect(configSchema.parse(base).console).toEqual({ level: 'normal', timezone: 'UTC', foldMinutes: 1440 });
    expect(configSchema.parse({ ...base, console: { level: 'quiet', timezone: 'Europe/Zurich' } }).console).toMatchObject({
      level: 'quiet',
      timezone: 'Europe/Zurich',
    });
    const loud = configSchema.safeParse({ ...base, console: { level: 'loud' } });
    expect(loud.success).toBe(false);
    expect(JSON.stringify(loud.error?.issues)).toContain('verbose');
    const mars = configSchema.safeParse({ ...base, console: { timezone: 'Mars/Olympus' } });
    expect(JSON.stringify(mars.error?.issues)).toContain('not a time zone');
    expect(configSchema.safeParse({ ...base, console: { colour: true } }).success).toBe(false);
  });
});

describe('numbers and times as people read them', () => {
  it('times in the desk’s time zone, prices to the tick, quantities to the step, quote amounts to cents', () => {
    const filters = defaultFilters('ETHUSDT', 2300);
    const { lines, notifier } = printer({ timeZone: 'Europe/Zurich', filtersOf: () => filters });
    notifier.notify(order(T0));
    notifier.notify(fill(T0));
    const tick = filters.tickSize.toString().split('.')[1]?.length ?? 0;
    const step = filters.stepSize.toString().split('.')[1]?.length ?? 0;
    expect(lines[0]).toBe('2026-11-03 16:12 CET  order   dca-eth: BUY MARKET 12,345.68 quote of ETHUSDT (cd-1793718720000)');
    expect(lines[1]).toBe(
      `2026-11-03 16:12 CET  fill    dca-eth: BUY ${(5.2).toFixed(step)} ETHUSDT @ ${(2302.8).toFixed(tick).replace(/^2/, '2,')} fee 11.97 USDT → cash 1,800.14, holding ${(5.2).toFixed(step)}`,
    );
  });
});

describe('a red reply on the console', () => {
  it('a table with a loss (red on Discord) carries no ✖; a refusal or an error does', () => {
    const loss = renderReply({ title: 'Status', tone: 'bad', fields: [{ name: 'Today’s PnL', value: '-1,500.00' }], code: 'crew  pnl\nsma   -1,500.00' });
    expect(loss).not.toContain('✖');
    expect(loss.split('\n')[0]).toBe('── Status ──');
    expect(renderReply({ text: 'Something went wrong: boom', tone: 'bad', ephemeral: true })).toBe('✖ Something went wrong: boom');
    expect(renderReply({ title: 'Not allowed', text: 'no', tone: 'bad', refused: true, code: 'x' })).toContain('✖');
  });
});

describe('replies show times in the desk’s time zone', () => {
  it('/trades: the config’s console.timezone, not ISO and not always UTC', async () => {
    const chat = await openChatDesk();
    try {
      Object.assign(chat.h.desk.config.console, { timezone: 'Asia/Tokyo' });
      await chat.trade(bidderCandles());
      const { sink } = await chat.run({ command: 'trades' });
      expect(sink.last.code).toMatch(/^2024-01-01 10:00 GMT\+9\s+bidder\s+BUY/m);
    } finally {
      await chat.dispose();
    }
  });
});
