// The transport under Discord's realities: alerts posted to their channels (silent or pinging the
// owners), a 429 and a run of 5xx on an alert post retried until it arrives once, a dropped gateway
// connection resumed, long replies split under Discord's limits, the 3-second deadline kept by a
// safety defer, and a reply that missed the deadline posted to the channel instead.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DISCORD_LIMITS } from '../../src/chat/limits.ts';
import { ownerActor, riskActor } from '../../src/core/events.ts';
import { bidderCandles } from '../chat/chat-harness.ts';
import { type DiscordDesk, expectCleanRun, openDiscordDesk, seen } from './discord-harness.ts';

let d: DiscordDesk | undefined;
afterEach(async () => {
  if (d) expectCleanRun(d);
  await d?.close();
  d = undefined;
});

const SUPPRESS_NOTIFICATIONS = 1 << 12;

function postsTo(desk: DiscordDesk, channelId: string) {
  return desk.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`);
}

describe('alerts', () => {
  it('a fill goes to #trades silently, mentioning nobody', async () => {
    d = await openDiscordDesk();
    await d.trade(bidderCandles());
    const fill = await d.fake.awaitMessage(d.channels.trades, (m) => m.content.includes('BUY'));
    expect(fill.content).toMatch(/🟢 BUY [\d.]+ BTCUSDT @ 100 · bidder · fee/);
    expect(fill.flags & SUPPRESS_NOTIFICATIONS).toBe(SUPPRESS_NOTIFICATIONS);
    const [post] = postsTo(d, d.channels.trades);
    expect(post?.body).toMatchObject({ allowed_mentions: { parse: [] } });
    expect(JSON.stringify((post?.body as { allowed_mentions: unknown }).allowed_mentions)).not.toContain('users');
  });

  it('a drawdown pause pings the owners; the daily report goes to #reports', async () => {
    d = await openDiscordDesk();
    d.h.desk.engine.pauseCrew('sma', 'drawdown 12.00% reached the limit of 10%', riskActor('crew-drawdown'));
    const pause = await d.fake.awaitMessage(d.channels.alerts, (m) => m.content.includes('paused · sma'));
    expect(pause.content.startsWith(`<@${d.owner.id}>`)).toBe(true);
    expect(pause.flags & SUPPRESS_NOTIFICATIONS).toBe(0);

    const delivered = await d.bot.postReport({
      title: 'Daily report — 2024-01-01',
      text: 'Equity 6000.00 (+0.00)',
      fields: [{ name: 'Crews', value: 'bidder, sma' }],
      tone: 'info',
    });
    expect(delivered).toBe(true);
    const report = await d.fake.awaitMessage(d.channels.reports);
    expect(report.embeds[0]).toMatchObject({ title: 'Daily report — 2024-01-01', description: 'Equity 6000.00 (+0.00)' });
    expect(report.flags & SUPPRESS_NOTIFICATIONS).toBe(SUPPRESS_NOTIFICATIONS);
  });

  it('a 429 on an alert post is waited out and the alert arrives once', async () => {
    d = await openDiscordDesk();
    d.fake.failNextMessagePost({ channelId: d.channels.alerts, status: 429, retryAfter: 0.05 });
    await d.h.desk.engine.setHalt('entries', 'weekend', riskActor('total-drawdown'), 'engine');
    const alert = await d.fake.awaitMessage(d.channels.alerts, (m) => m.content.includes('HALT (entries)'));
    await d.bot.alerts.flush();
    expect(postsTo(d, d.channels.alerts).map((r) => [r.status, r.fault])).toEqual([
      [429, true],
      [200, false],
    ]);
    expect(
      d.fake
        .messages(d.channels.alerts)
        .filter((m) => m.content.includes('HALT (entries)'))
        .map((m) => m.id),
    ).toEqual([alert.id]);
  });

  it('when Discord keeps failing (5xx past discord.js’s own retries) the queue retries with backoff, batches what piled up, and trading never waits', async () => {
    d = await openDiscordDesk();
    d.fake.failNextMessagePost({ channelId: d.channels.alerts, status: 502, times: 6 });
    // publish() is synchronous and never waits on a post: the five return while every post is failing.
    for (let i = 1; i <= 5; i++)
      d.h.desk.bus.publish({ type: 'crew.paused', crewId: `crew-${i}`, reason: `test pause ${i}`, actor: ownerActor(d.owner.id), at: 0 });
    expect(await d.bot.alerts.flush(15_000)).toBe(true);
    expect(postsTo(d, d.channels.alerts).filter((r) => r.status === 502)).toHaveLength(6);
    expect(d.bot.alerts.stats.retries).toBeGreaterThanOrEqual(1);
    const delivered = d.fake
      .messages(d.channels.alerts)
      .map((m) => m.content)
      .join('\n');
    for (let i = 1; i <= 5; i++) expect(delivered.match(new RegExp(`test pause ${i}\\b`, 'g'))).toHaveLength(1);
    expect(d.fake.messages(d.channels.alerts).length).toBeLessThan(5); // batched, not one message each
    // Errors were logged as warnings (retrying), not as failures.
    expect(d.logs.some((l) => l.msg === 'discord: alert post failed; retrying')).toBe(true);
  }, 30_000);
});

describe('the connection', () => {
  it('resumes after the gateway drops, and still answers', async () => {
    d = await openDiscordDesk();
    const drop = await d.fake.dropGatewayConnection();
    expect(drop.dropped).toBe(1);
    await drop.awaitResumed();
    const reply = await d.fake.sendSlashCommand({ name: 'status', user: d.owner }).awaitReply();
    expect(seen(reply)).toContain('Mode: paper');
    expect(d.fake.gatewayStats.identifies).toBe(1);
    expect(d.fake.gatewayStats.resumes).toBe(1);
  });
});

describe('replies', () => {
  it('a long reply is split under the content and embed limits and loses nothing', async () => {
    d = await openDiscordDesk();
    const reason = 'because '.repeat(20).trim();
    for (let i = 0; i < 100; i++) {
      d.h.desk.bus.publish({
        type: 'advice',
        crewId: 'sma',
        adviceKey: `k${i}`,
        candleTime: i,
        advice: { action: 'buy', size: 0.5, reason: `#${String(i).padStart(3, '0')} ${reason}` },
        exit: null,
        at: i,
      });
    }
    const cmd = d.fake.sendSlashCommand({ name: 'logs', user: d.owner, options: { n: 100 } });
    await cmd.awaitReply();
    await d.dispatcher.idle();
    const messages = d.messagesOf(cmd);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(m.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
      const total = m.embeds.reduce(
        (s, e) => s + (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.fields ?? []).reduce((f, x) => f + x.name.length + x.value.length, 0),
        0,
      );
      expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
      expect(m.embeds.every((e) => (e.description?.length ?? 0) <= DISCORD_LIMITS.embedDescription)).toBe(true);
      expect(m.ephemeral).toBe(true); // /logs is private, all of it
    }
    const all = messages.map(seen).join('\n');
    for (let i = 0; i < 100; i++) expect(all).toContain(`#${String(i).padStart(3, '0')} ${reason}`);
  });

  it('a command still running near the 3-second deadline is deferred on its own, then answered', async () => {
    d = await openDiscordDesk({ safetyDeferMs: 100 });
    const balances = d.h.exchange.balances.bind(d.h.exchange);
    d.h.exchange.balances = async () => {
      await sleep(400);
      return balances();
    };
    const cmd = d.fake.sendSlashCommand({ name: 'balance', user: d.owner });
    const reply = await cmd.awaitReply();
    expect(cmd.callbacks[0]?.type).toBe(5);
    expect(reply.ephemeral).toBe(true);
    expect(seen(reply)).toContain('USDT');
    expect(cmd.lateCallbacks).toBe(0);
  });

  it('a private answer after a public defer stays private: the placeholder says so, the answer is ephemeral', async () => {
    d = await openDiscordDesk({ services: { backtest: { run: async () => Promise.reject(new Error('the data folder is not readable')) } } });
    const cmd = d.fake.sendSlashCommand({ name: 'backtest', user: d.owner, options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' } });
    const answer = await cmd.awaitFollowUp((m) => seen(m).includes('Something went wrong'));
    expect(answer.ephemeral).toBe(true);
    expect(seen(answer)).toContain('the data folder is not readable');
    expect(cmd.original?.ephemeral).toBe(false);
    expect(cmd.original?.content).toBe('Answered privately.');
    expect(d.fake.messages(d.channels.manager).some((m) => seen(m).includes('not readable'))).toBe(false);
    // The dispatcher logged the failure (an error in the command, not in Discord).
    expect(d.errors().map((l) => l.msg)).toEqual(['chat command failed']);
    d.logs.length = 0;
  });

  it('when the interaction can no longer be answered, a public reply is posted to the channel instead (the halt still happened)', async () => {
    d = await openDiscordDesk({ fake: { interactionResponseDeadlineMs: 100 }, safetyDeferMs: 5_000 });
    await d.trade(bidderCandles());
    const cancelAll = d.h.exchange.cancelAllOrders.bind(d.h.exchange);
    d.h.exchange.cancelAllOrders = async (symbol) => {
      await sleep(300);
      return cancelAll(symbol);
    };
    const cmd = d.fake.sendSlashCommand({ name: 'halt', user: d.owner, channelId: d.channels.manager });
    const posted = await d.fake.awaitMessage(d.channels.manager, (m) => m.origin === 'bot' && seen(m).includes('HALTED (cancel)'));
    expect(seen(posted)).toContain('Cancelled 1 open order.');
    expect(cmd.lateCallbacks).toBe(1);
    expect(await d.h.exchange.openOrders()).toEqual([]);
    expect(d.logs.some((l) => l.msg === 'discord: interaction response failed')).toBe(true);
  });
});
