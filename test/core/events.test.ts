// The event bus: immutable facts to every subscriber, in order; a failing subscriber is reported and
// never stops the publisher or the others; a deferred subscriber (the notifiers) hears of a fact
// only after the step that published it, so nothing it does can delay an order sent in that step.
import { describe, expect, it } from 'vitest';
import { type EngineEvent, EventBus, ownerActor } from '../../src/core/events.ts';

const paused = (crewId: string): EngineEvent => ({ type: 'crew.paused', crewId, reason: 'test', actor: ownerActor('owner'), at: 0 });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('EventBus', () => {
  it('freezes each fact and delivers it to the subscribers of its type, in order', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe('a', (e) => void seen.push(`a:${e.type}`), ['crew.paused']);
    bus.subscribe('b', (e) => void seen.push(`b:${e.type}`));
    const fact = paused('c1');
    bus.publish(fact);
    bus.publish({ type: 'crew.resumed', crewId: 'c1', actor: ownerActor('owner'), at: 1 });
    expect(seen).toEqual(['a:crew.paused', 'b:crew.paused', 'b:crew.resumed']);
    expect(Object.isFrozen(fact)).toBe(true);
  });

  it('reports a failing subscriber, sync or async, and goes on with the others', async () => {
    const failures: string[] = [];
    const bus = new EventBus((name, event) => failures.push(`${name}:${event.type}`));
    const seen: string[] = [];
    bus.subscribe('throws', () => {
      throw new Error('boom');
    });
    bus.subscribe('rejects', async () => {
      throw new Error('later');
    });
    bus.subscribe('ok', (e) => void seen.push(e.type));
    bus.publish(paused('c1'));
    await nextTurn();
    expect(seen).toEqual(['crew.paused']);
    expect(failures.sort()).toEqual(['rejects:crew.paused', 'throws:crew.paused']);
  });

  it('delivers to a deferred subscriber after the publishing step, in publish order', async () => {
    const bus = new EventBus();
    const log: string[] = [];
    bus.subscribe('notifier', (e) => void log.push(`notifier:${(e as { crewId: string }).crewId}`), undefined, { deferred: true });
    bus.subscribe('engine', (e) => void log.push(`engine:${(e as { crewId: string }).crewId}`));
    bus.publish(paused('c1'));
    bus.publish(paused('c2'));
    log.push('order sent');
    expect(log).toEqual(['engine:c1', 'engine:c2', 'order sent']);
    await nextTurn();
    expect(log).toEqual(['engine:c1', 'engine:c2', 'order sent', 'notifier:c1', 'notifier:c2']);
  });

  it('flush() delivers what is waiting at once; an unsubscribed deferred subscriber gets nothing more', async () => {
    const bus = new EventBus();
    const a: string[] = [];
    const b: string[] = [];
    bus.subscribe('a', (e) => void a.push(e.type), undefined, { deferred: true });
    const stopB = bus.subscribe('b', (e) => void b.push(e.type), undefined, { deferred: true });
    bus.publish(paused('c1'));
    bus.flush();
    expect(a).toEqual(['crew.paused']);
    expect(b).toEqual(['crew.paused']);
    bus.publish(paused('c2'));
    stopB();
    await nextTurn();
    expect(a).toEqual(['crew.paused', 'crew.paused']);
    expect(b).toEqual(['crew.paused']);
  });

  it('a failing deferred subscriber is reported and the others still hear of the fact', async () => {
    const failures: string[] = [];
    const bus = new EventBus((name) => failures.push(name));
    const seen: string[] = [];
    bus.subscribe(
      'broken',
      () => {
        throw new Error('boom');
      },
      undefined,
      { deferred: true },
    );
    bus.subscribe('fine', (e) => void seen.push(e.type), undefined, { deferred: true });
    bus.publish(paused('c1'));
    await nextTurn();
    expect(failures).toEqual(['broken']);
    expect(seen).toEqual(['crew.paused']);
  });
});
