// The kill switch through Discord, end to end against the paper exchange: /halt cancels every
// open order; /halt flatten asks with two buttons bound to the owner, then sells; a confirmation
// nobody answers expires and nothing is done; only an owner can /resume.
import { afterEach, describe, expect, it } from 'vitest';
import { bidderCandles } from '../chat/chat-harness.ts';
import { parseConfirmationButton } from '../../src/discord/render.ts';
import { candlesFrom } from '../support/desk-harness.ts';
import { type DiscordDesk, expectCleanRun, openDiscordDesk, seen } from './discord-harness.ts';

let d: DiscordDesk | undefined;
afterEach(async () => {
  if (d) expectCleanRun(d);
  await d?.close();
  d = undefined;
});

/** One more flat candle at 100, an hour after the bidder's four. */
const nextCandle = () => candlesFrom([[100, 100, 100, 100]], Date.UTC(2024, 0, 1, 4));

describe('/halt through Discord', () => {
  it('cancels every open order on the paper exchange, says what is left, pings the owner in #alerts, and /resume lifts it', async () => {
    d = await openDiscordDesk();
    await d.trade(bidderCandles());
    expect(await d.h.exchange.openOrders()).toHaveLength(1); // the bid at 90

    const halt = d.fake.sendSlashCommand({ name: 'halt', user: d.owner, options: { reason: 'going offline' } });
    const reply = await halt.awaitReply();
    expect(halt.callbacks[0]?.type).toBe(4); // answered at once, no defer needed
    expect(reply.ephemeral).toBe(false);
    const text = seen(reply);
    expect(text).toContain('HALTED (cancel)');
    expect(text).toContain('Cancelled 1 open order.');
    expect(text).toMatch(/Positions kept: bidder [\d.]+ BTCUSDT/);
    expect(await d.h.exchange.openOrders()).toEqual([]);
    expect(d.h.desk.engine.halt).toMatchObject({ level: 'cancel', reason: 'going offline', actor: d.owner.id });

    // The halt reaches the owner's phone: a mention of the owners, and nothing else pingable.
    const alert = await d.fake.awaitMessage(d.channels.alerts, (m) => m.content.includes('HALT (cancel)'));
    expect(alert.content).toContain(`<@${d.owner.id}>`);
    const post = d.fake.requests.find(
      (r) => r.method === 'POST' && r.path === `/channels/${d!.channels.alerts}/messages` && JSON.stringify(r.body).includes('HALT (cancel)'),
    );
    expect(post?.body).toMatchObject({ allowed_mentions: { parse: [], users: [d.owner.id] } });
    expect(((post?.body as { flags?: number }).flags ?? 0) & 4096).toBe(0); // not silent

    // A stranger cannot lift it; the owner can.
    const stranger = await d.fake.sendSlashCommand({ name: 'resume', user: d.stranger }).awaitReply();
    expect(seen(stranger)).toContain('Not allowed');
    expect(d.h.desk.engine.halt.level).toBe('cancel');
    const resumed = await d.fake.sendSlashCommand({ name: 'resume', user: d.owner }).awaitReply();
    expect(seen(resumed)).toContain('trading resumed (was halted at level cancel');
    expect(d.h.desk.engine.halt.level).toBe('none');
    const audit = await d.h.desk.journal.getAudit();
    expect(audit.map((a) => `${a.action} by ${a.actor} via ${a.via}`)).toEqual(
      expect.arrayContaining([`halt:cancel by ${d.owner.id} via discord`, `resume by ${d.owner.id} via discord`]),
    );
  });

  it('flatten asks with two buttons bound to the owner; the owner’s click sells every position at market', async () => {
    d = await openDiscordDesk();
    await d.trade(bidderCandles());
    expect(d.h.desk.engine.crews.get('bidder')!.book.quantity.gt(0)).toBe(true);

    const halt = d.fake.sendSlashCommand({ name: 'halt', user: d.owner, options: { level: 'flatten' } });
    const prompt = await halt.awaitReply((m) => m.customIds.length === 2);
    expect(prompt.ephemeral).toBe(true);
    expect(seen(prompt)).toContain('SELL EVERY POSITION');
    const [confirmId, cancelId] = prompt.customIds;
    expect(confirmId).toMatch(/^crewdesk:confirm:/);
    expect(cancelId).toMatch(/^crewdesk:cancel:/);
    expect(d.h.desk.engine.halt.level).toBe('none'); // nothing before the answer

    // Someone else pressing the button is refused, and the prompt stays.
    const strangerClick = d.fake.clickButton({ customId: confirmId!, messageId: prompt.id, user: d.stranger });
    const refusal = await strangerClick.awaitReply();
    expect(refusal.ephemeral).toBe(true);
    expect(seen(refusal)).toContain('crewdesk only takes commands from its owners');
    expect(strangerClick.callbacks[0]?.type).toBe(4);
    expect(prompt.customIds).toHaveLength(2);
    expect(d.h.desk.engine.halt.level).toBe('none');

    const click = d.fake.clickButton({ customId: confirmId!, messageId: prompt.id, user: d.owner });
    expect((await click.awaitResponse()).type).toBe(7); // the prompt updated: buttons gone
    expect(prompt.customIds).toEqual([]);
    expect(prompt.content).toContain('Confirmed.');
    const result = await halt.awaitFollowUp((m) => seen(m).includes('HALTED (flatten)'));
    expect(result.ephemeral).toBe(false);
    expect(seen(result)).toContain('Sent 1 market sell to close the positions.');
    expect(d.h.desk.engine.halt.level).toBe('flatten');

    await d.trade(nextCandle()); // the market sell fills at the next open
    expect(d.h.desk.engine.crews.get('bidder')!.book.quantity.toString()).toBe('0');
    expect(await d.h.exchange.openOrders()).toEqual([]);
    // The sell is in #trades too.
    await d.fake.awaitMessage(d.channels.trades, (m) => m.content.includes('SELL'));
  });

  it('a confirmation nobody answers expires: nothing is done, and its buttons go away', async () => {
    d = await openDiscordDesk({ confirmTimeoutMs: 300 });
    await d.trade(bidderCandles());
    const halt = d.fake.sendSlashCommand({ name: 'halt', user: d.owner, options: { level: 'flatten' } });
    const prompt = await halt.awaitReply((m) => m.customIds.length === 2);
    const { token } = parseConfirmationButton(prompt.customIds[0]!);
    const answer = await halt.awaitFollowUp((m) => seen(m).includes('Not flattened'));
    expect(seen(answer)).toContain('The confirmation expired: nothing was done.');
    await d.fake.waitFor(() => prompt.customIds.length === 0, 'the expired prompt to lose its buttons');
    expect(d.h.desk.engine.halt.level).toBe('none');
    expect(d.h.desk.engine.crews.get('bidder')!.book.quantity.gt(0)).toBe(true);
    // An answer now is refused as expired (the token is single-use and timed).
    const late = await d.dispatcher.answerConfirmation(token, { id: d.owner.id, via: 'discord', isOwner: false }, 'confirm');
    expect(late?.text).toContain('this confirmation has expired');
  });

  it('the cancel button cancels', async () => {
    d = await openDiscordDesk();
    await d.trade(bidderCandles());
    const halt = d.fake.sendSlashCommand({ name: 'halt', user: d.owner, options: { level: 'flatten' } });
    const prompt = await halt.awaitReply((m) => m.customIds.length === 2);
    const click = d.fake.clickButton({ customId: prompt.customIds[1]!, messageId: prompt.id, user: d.owner });
    await click.awaitResponse();
    expect(prompt.content).toContain('Cancelled.');
    const answer = await halt.awaitFollowUp((m) => seen(m).includes('Not flattened'));
    expect(seen(answer)).toContain('Cancelled: nothing was done.');
    expect(d.h.desk.engine.halt.level).toBe('none');
  });
});
