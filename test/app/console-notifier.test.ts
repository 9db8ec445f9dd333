// The console's line per fact, rendered from the facts' typed fields: who acted, which exit sent a
// sell, what scope a denial covers; a status change a fill made is the fill's line, not its own.
import { describe, expect, it } from 'vitest';
import { ConsoleNotifier, describeEvent } from '../../src/console/console-notifier.ts';
import { crewScope, DESK_SCOPE, type EngineEvent, type FactScope, ownerActor, riskActor } from '../../src/core/events.ts';
import { dec } from '../../src/core/money.ts';
import { newOrder } from '../support/journal-records.ts';

const order = newOrder(
  { clientOrderId: 'cd-sma-7', crewId: 'sma', adviceKey: 'sma@1', reason: 'flatten by console', at: 0 },
  { side: 'SELL', quantity: dec('0.5'), quoteQuantity: undefined },
);

describe('console lines', () => {
  it('say who acted from the actor field', () => {
    expect(
      describeEvent({ type: 'crew.paused', crewId: 'sma', reason: 'drawdown 12.00% reached the limit of 10%', actor: riskActor('crew-drawdown'), at: 0 }),
    ).toBe('paused  sma: drawdown 12.00% reached the limit of 10% (by risk)');
    expect(describeEvent({ type: 'crew.resumed', crewId: 'sma', actor: ownerActor('console'), at: 0 })).toBe('resumed sma by console');
    expect(describeEvent({ type: 'halt', level: 'cancel', reason: 'weekend', actor: { kind: 'manager' }, via: 'manager', at: 0 })).toBe(
      'HALT (cancel) by manager: weekend',
    );
    expect(describeEvent({ type: 'halt', level: 'none', reason: 'back', actor: ownerActor('900000000000000002'), via: 'discord', at: 0 })).toBe(
      'RESUMED by 900000000000000002',
    );
  });

  it('tag a sell with the exit that sent it, and a desk-wide denial as all crews', () => {
    expect(
      describeEvent({
        type: 'advice',
        crewId: 'sma',
        adviceKey: 'k',
        candleTime: 0,
        advice: { action: 'sell', size: 1, reason: 'low under the stop' },
        exit: 'stop-loss',
        at: 0,
      }),
    ).toBe('advice  sma: sell 100% [stop-loss] — low under the stop');
    expect(
      describeEvent({
        type: 'advice',
        crewId: 'sma',
        adviceKey: 'k',
        candleTime: 0,
        advice: { action: 'sell', size: 1, reason: 'crossed under' },
        exit: 'crew',
        at: 0,
      }),
    ).toBe('advice  sma: sell 100% — crossed under');
    expect(describeEvent({ type: 'order.created', order, exit: 'flatten' })).toBe('order   sma: SELL MARKET 0.5 BTCUSDT [flatten] (cd-sma-7)');
    expect(
      describeEvent({ type: 'risk.denied', scope: DESK_SCOPE, adviceKey: null, advice: null, rule: 'daily-loss', reason: 'loss 300 reached the limit', at: 0 }),
    ).toBe('denied  all crews: [daily-loss] loss 300 reached the limit');
  });

  it('leave a status change made by a fill to the fill’s line, whatever its reason says', () => {
    const filled = { ...order, status: 'filled' as const };
    expect(describeEvent({ type: 'order.updated', order: filled, from: 'submitted', reason: 'exchange update', fillTradeId: 't1' })).toBeNull();
    expect(describeEvent({ type: 'order.updated', order: { ...order, status: 'cancelled' }, from: 'submitted', reason: 'fill', fillTradeId: null })).toBe(
      'order   sma: cd-sma-7 submitted → cancelled (fill)',
    );
  });

  it('says a denial once per scope and rule, folding its repeats within the fold window even after the crew trades', () => {
    const lines: string[] = [];
    const notifier = new ConsoleNotifier(
      (line) => lines.push(line.replace(/^.*? UTC {2}/, '')),
      () => 0,
    );
    const denied = (scope: FactScope): EngineEvent => ({
      type: 'risk.denied',
      scope,
      adviceKey: null,
      advice: null,
      rule: 'position-size',
      reason: 'limit',
      at: 0,
    });
    notifier.notify(denied(crewScope('sma')));
    notifier.notify(denied(crewScope('sma')));
    notifier.notify(denied(crewScope('rsi')));
    notifier.notify(denied(DESK_SCOPE));
    notifier.notify({ type: 'order.created', order, exit: null });
    notifier.notify(denied(crewScope('sma')));
    expect(lines.map((l) => l.split(':')[0])).toEqual(['denied  sma', 'denied  rsi', 'denied  all crews', 'order   sma']);
  });
});
