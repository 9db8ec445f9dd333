// /halt and /resume end to end against the paper exchange: what each level does, the
// confirmation flatten needs (single use, bound to the asker, expiring), and the reply saying
// what was done and what is left.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flatCandles } from '../support/desk-harness.ts';
import { bidderCandles, type ChatDesk, openChatDesk, OWNER, replyText, TestSink } from '../chat/chat-harness.ts';
import { Dispatcher } from '../../src/chat/dispatcher.ts';
import { ownerAllowlist } from '../../src/chat/preconditions.ts';

let chat: ChatDesk | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await chat?.dispose();
  chat = undefined;
});

describe('/halt', () => {
  it('cancel (the default) cancels the resting bid and says what was done and what is left', async () => {
    chat = await openChatDesk();
    await chat.trade(bidderCandles());
    expect(await chat.h.exchange.openOrders()).toHaveLength(1); // the bid at 90
    const { outcome, sink } = await chat.run({ command: 'halt', options: { reason: 'news at 3' } });
    expect(outcome).toBe('done');
    expect(sink.last.title).toBe('HALTED (cancel)');
    expect(sink.last.tone).toBe('warn');
    const [done, left] = sink.last.fields!;
    expect(done!.value).toContain('Cancelled 1 open order.');
    expect(left!.value).toBe('Positions kept: bidder 14.98501 BTCUSDT. /halt flatten sells them.');
    expect(await chat.h.exchange.openOrders()).toEqual([]);
    expect(chat.h.desk.engine.halt).toMatchObject({ level: 'cancel', reason: 'news at 3', actor: 'owner-1' });
    const audit = await chat.audit();
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'owner-1', via: 'discord', action: 'halt:cancel' }),
        expect.objectContaining({
          actor: 'owner-1',
          via: 'discord',
          action: 'command',
          detail: { command: '/halt', options: { reason: 'news at 3' }, outcome: 'done' },
        }),
      ]),
    );
  });

  it('entries stops new buys and leaves the resting order working, and says so', async () => {
    chat = await openChatDesk();
    await chat.trade(bidderCandles());
    const { sink } = await chat.run({ command: 'halt', options: { level: 'entries' } });
    expect(sink.last.title).toBe('HALTED (entries)');
    expect(replyText(sink.last)).toContain('1 open order still working (/halt cancel cancels them).');
    expect(await chat.h.exchange.openOrders()).toHaveLength(1);
  });

  it('flatten asks for a confirmation first, and only then sells everything', async () => {
    chat = await openChatDesk();
    await chat.trade(bidderCandles());
    const sink = new TestSink();
    const running = chat.dispatcher.dispatch({ actor: OWNER, command: 'halt', options: { level: 'flatten' } }, sink);
    const request = await sink.nextConfirmation();
    expect(request).toMatchObject({ actorId: 'owner-1', confirmLabel: 'Flatten everything', prompt: expect.stringContaining('SELL EVERY POSITION') });
    // Nothing has happened yet.
    expect(chat.h.desk.engine.halt.level).toBe('none');
    expect(await chat.h.exchange.openOrders()).toHaveLength(1);

    expect(await chat.dispatcher.answerConfirmation(request.token, OWNER, 'confirm')).toMatchObject({ text: 'Confirmed.' });
    expect(await running).toBe('done');
    expect(sink.last.title).toBe('HALTED (flatten)');
    expect(replyText(sink.last)).toContain('Cancelled 1 open order.');
    expect(replyText(sink.last)).toContain('Sent 1 market sell to close the positions.');
    expect(replyText(sink.last)).toContain('Still held until the sells fill: bidder 14.98501 BTCUSDT.');
    // The market sell fills on the next candle.
    await chat.trade(flatCandles([100]).map((c) => ({ ...c, openTime: c.openTime + 4 * 3_600_000, closeTime: c.closeTime + 4 * 3_600_000 })));
    expect(chat.desk.positions()).toEqual([]);
    // The button cannot be pressed twice.
    expect(await chat.dispatcher.answerConfirmation(request.token, OWNER, 'confirm')).toMatchObject({
      text: expect.stringContaining('already answered'),
      tone: 'bad',
    });
  });

  it('flatten refuses the confirmation of another owner, and does nothing when cancelled', async () => {
    chat = await openChatDesk();
    await chat.trade(bidderCandles());
    const dispatcher = await Dispatcher.load({ services: chat.services, isOwner: ownerAllowlist(['owner-1', 'owner-2']) });
    const sink = new TestSink();
    const running = dispatcher.dispatch({ actor: OWNER, command: 'halt', options: { level: 'flatten' } }, sink);
    const request = await sink.nextConfirmation();
    const other = await dispatcher.answerConfirmation(request.token, { id: 'owner-2', via: 'discord', isOwner: true }, 'confirm');
    expect(other).toMatchObject({ text: 'Not accepted: only the person who ran the command can answer its confirmation.', tone: 'bad', ephemeral: true });
    expect(chat.h.desk.engine.halt.level).toBe('none');
    await dispatcher.answerConfirmation(request.token, OWNER, 'cancel');
    expect(await running).toBe('refused');
    expect(sink.last.text).toBe('Cancelled: nothing was done. /halt without a level cancels the open orders and keeps the positions.');
    expect(chat.h.desk.engine.halt.level).toBe('none');
    expect(await chat.h.exchange.openOrders()).toHaveLength(1);
  });

  it('flatten does nothing when the confirmation expires (60 s), and a late press is refused', async () => {
    chat = await openChatDesk();
    await chat.trade(bidderCandles());
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const sink = new TestSink();
    const running = chat.dispatcher.dispatch({ actor: OWNER, command: 'halt', options: { level: 'flatten' } }, sink);
    const request = await sink.nextConfirmation();
    vi.advanceTimersByTime(60_000);
    expect(await running).toBe('refused');
    expect(sink.last.text).toContain('The confirmation expired: nothing was done.');
    expect(await chat.dispatcher.answerConfirmation(request.token, OWNER, 'confirm')).toMatchObject({ text: expect.stringContaining('expired') });
    expect(chat.h.desk.engine.halt.level).toBe('none');
  });
});

describe('/resume', () => {
  it('lifts the halt for an owner, and says when there is nothing to lift', async () => {
    chat = await openChatDesk();
    await chat.run({ command: 'halt' });
    const { outcome, sink } = await chat.run({ command: 'resume' });
    expect(outcome).toBe('done');
    expect(sink.last).toMatchObject({ title: 'Resumed', tone: 'good', text: expect.stringContaining('trading resumed (was halted at level cancel') });
    expect(chat.h.desk.engine.halt.level).toBe('none');
    const again = await chat.run({ command: 'resume' });
    expect(again.outcome).toBe('refused');
    expect(again.sink.last.text).toBe('trading is not halted');
  });
});

describe('/help halt', () => {
  it('says what each level does, and that the protective exits keep working', async () => {
    chat = await openChatDesk();
    const { sink } = await chat.run({ command: 'help', options: { command: 'halt' } });
    const text = replyText(sink.last);
    expect(text).toContain('entries: no new entries; sells and exits go on');
    expect(text).toContain('cancel: also cancel open orders and crew sells; exits go on');
    expect(text).toContain('flatten: also sell every position at market');
    expect(text).toContain('exits keep working at every level');
  });
});
