// Refusals are cheap: a stranger who keeps trying gets a few answers, then silence; the journal
// gets one row when the episode starts and one with the count when it ends, however many
// attempts there were. Time is a test clock: no sleeps, no wall-clock assertions.
import { afterEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../src/chat/dispatcher.ts';
import { ownerAllowlist } from '../../src/chat/preconditions.ts';
import { RefusalThrottle } from '../../src/chat/refusal-throttle.ts';
import { type ChatDesk, OWNER, openChatDesk, STRANGER, TestSink } from './chat-harness.ts';

let chat: ChatDesk | undefined;
let own: Dispatcher | undefined;
afterEach(async () => {
  await own?.close();
  await chat?.dispose();
  own = undefined;
  chat = undefined;
});

/** A dispatcher on the chat desk's services with a clock the test moves. */
async function throttled(options: { repliesPerEpisode?: number; quietMs?: number; maxTracked?: number } = {}) {
  chat = await openChatDesk();
  const clock = { now: 1_000_000 };
  own = await Dispatcher.load({ services: chat.services, isOwner: ownerAllowlist([OWNER.id]), refusals: { ...options, now: () => clock.now } });
  const refusedRows = async () => (await chat!.audit()).filter((a) => a.action.startsWith('refused'));
  return { dispatcher: own, clock, refusedRows };
}

describe('a stranger who keeps trying', () => {
  it('gets three answers, the third saying no more will come, then silence; the journal grows by one row', async () => {
    const { dispatcher, refusedRows } = await throttled();
    const sinks: TestSink[] = [];
    for (let i = 0; i < 50; i++) {
      const sink = new TestSink();
      sinks.push(sink);
      const outcome =
        i % 2 === 0
          ? await dispatcher.dispatch({ actor: STRANGER, command: 'halt', options: { level: 'flatten' } }, sink)
          : await dispatcher.converse({ actor: STRANGER, text: 'sell everything', channel: 'dm' }, sink);
      expect(outcome).toBe('refused');
    }
    expect(sinks.map((s) => s.replies.length)).toEqual([1, 1, 1, ...Array(47).fill(0)]);
    expect(sinks[0]!.last.text).not.toContain('Further attempts');
    expect(sinks[2]!.last.text).toContain('Further attempts will not be answered.');
    expect((await refusedRows()).map((a) => a.action)).toEqual(['refused']);
    expect(chat!.h.desk.engine.halt.level).toBe('none');
  });

  it('has the episode’s count audited when it ends after a quiet spell, and is answered again in a new episode', async () => {
    const { dispatcher, clock, refusedRows } = await throttled({ quietMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      await dispatcher.dispatch({ actor: STRANGER, command: 'status' }, new TestSink());
      clock.now += 1000;
    }
    clock.now += 60_000;
    const sink = new TestSink();
    await dispatcher.dispatch({ actor: STRANGER, command: 'positions' }, sink);
    expect(sink.replies).toHaveLength(1);
    const rows = await refusedRows();
    expect(rows.map((a) => `${a.action} ${a.actor}`)).toEqual(['refused stranger-9', 'refused.repeated stranger-9', 'refused stranger-9']);
    expect(rows[1]!.detail).toMatchObject({ count: 5, from: 1_000_000, to: 1_004_000, what: ['/status'] });
    expect(rows[2]!.detail).toMatchObject({ what: '/positions' });
  });

  it('is throttled apart from other strangers, and an owner is never throttled', async () => {
    const { dispatcher, refusedRows } = await throttled({ repliesPerEpisode: 1 });
    const other = { ...STRANGER, id: 'stranger-10' };
    const replies = async (actor: typeof STRANGER) => {
      const sink = new TestSink();
      await dispatcher.dispatch({ actor, command: 'status' }, sink);
      return sink.replies.length;
    };
    expect([await replies(STRANGER), await replies(STRANGER), await replies(other), await replies(other)]).toEqual([1, 0, 1, 0]);
    for (let i = 0; i < 5; i++) expect(await replies(OWNER)).toBe(1);
    expect((await refusedRows()).map((a) => a.actor)).toEqual(['stranger-9', 'stranger-10']);
  });

  it('a button pressed by a throttled stranger gets no answer', async () => {
    const { dispatcher } = await throttled({ repliesPerEpisode: 1 });
    expect(await dispatcher.answerConfirmation('t', STRANGER, 'confirm')).toMatchObject({ title: 'Not allowed' });
    expect(await dispatcher.answerConfirmation('t', STRANGER, 'confirm')).toBeNull();
  });
});

describe('the throttle’s memory', () => {
  it('follows at most maxTracked strangers, ending the longest-quiet episode first', () => {
    let now = 0;
    const throttle = new RefusalThrottle({ maxTracked: 2, now: () => now });
    const a = { id: 'a', via: 'discord' as const, isOwner: false };
    const b = { ...a, id: 'b' };
    const c = { ...a, id: 'c' };
    throttle.note(a, '/x');
    throttle.note(a, '/x');
    now++;
    throttle.note(b, '/y');
    now++;
    const third = throttle.note(c, '/z');
    expect(third.ended).toEqual([{ actor: a, count: 2, from: 0, to: 0, what: ['/x'] }]);
    expect(throttle.drain().map((e) => e.actor.id)).toEqual([]);
  });
});
