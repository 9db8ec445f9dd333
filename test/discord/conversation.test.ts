// Free text on Discord: the manager channel, an owner's DM and a mention of the bot go to the
// manager (or, without one, to how to configure it); strangers are refused; nothing the model
// writes can ping anyone.
import { GatewayIntentBits } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatServices, ManagerChat } from '../../src/chat/services.ts';
import type { Actor } from '../../src/services/result.ts';
import { type DiscordDesk, expectCleanRun, openDiscordDesk, seen } from './discord-harness.ts';

let d: DiscordDesk | undefined;
afterEach(async () => {
  if (d) expectCleanRun(d);
  await d?.close();
  d = undefined;
});

/** A manager that answers from a script and records what it was asked. */
function scriptedManager(answer: (text: string) => string) {
  const asked: { text: string; channel: string; actor: Actor }[] = [];
  const manager: ManagerChat = {
    ask: async (text, channel, actor) => {
      asked.push({ text, channel, actor });
      return answer(text);
    },
    report: async () => 'all quiet',
  };
  return { manager, asked };
}

/** Test-only: give the running desk a manager (the dispatcher reads services.manager at each turn). */
function setManager(services: ChatServices, manager: ManagerChat | undefined): void {
  (services as { manager?: ManagerChat }).manager = manager;
}

describe('a conversation on Discord', () => {
  it('a DM from the owner without a manager gets how to configure one', async () => {
    d = await openDiscordDesk();
    const dm = d.fake.sendMessage({ dm: true, author: d.owner, content: 'how is the desk doing?' });
    const answer = await d.fake.awaitMessage(d.fake.dmChannelId(d.owner), (m) => m.author.id === d!.fake.users.bot.id);
    expect(seen(answer)).toContain('The manager is not configured');
    expect(seen(answer)).toContain('OPENAI_API_KEY');
    expect(answer.message.message_reference?.message_id).toBe(dm.id);
  });

  it('with a manager: DMs, the manager channel and mentions reach it, keyed by channel, as the owner', async () => {
    d = await openDiscordDesk();
    const { manager, asked } = scriptedManager((text) => `You said: ${text}`);
    setManager(d.services, manager);
    const bot = d.fake.users.bot.id;

    d.fake.sendMessage({ dm: true, author: d.owner, content: 'status please' });
    await d.fake.awaitMessage(d.fake.dmChannelId(d.owner), (m) => m.content === 'You said: status please');

    d.fake.sendMessage({ channelId: d.channels.manager, author: d.owner, content: 'should we add a crew?' });
    await d.fake.awaitMessage(d.channels.manager, (m) => m.content === 'You said: should we add a crew?');

    d.fake.sendMessage({ channelId: d.channels.reports, author: d.owner, content: `<@${bot}> what happened today?` });
    await d.fake.awaitMessage(d.channels.reports, (m) => m.content === 'You said: what happened today?');

    // Elsewhere, without a mention, the bot stays out of it.
    d.fake.sendMessage({ channelId: d.channels.trades, author: d.owner, content: 'just chatting' });
    const slash = await d.fake.sendSlashCommand({ name: 'ask', user: d.owner, options: { text: 'and now?' } }).awaitReply();
    expect(slash.content).toBe('You said: and now?');

    expect(asked.map((a) => [a.text, a.channel])).toEqual([
      ['status please', d.fake.dmChannelId(d.owner)],
      ['should we add a crew?', d.channels.manager],
      ['what happened today?', d.channels.reports],
      ['and now?', d.channels.manager],
    ]);
    expect(asked.every((a) => a.actor.id === d!.owner.id && a.actor.via === 'discord' && a.actor.isOwner)).toBe(true);
    // Its own answers come back over the gateway (as on Discord) and are ignored: one answer each.
    expect(d.fake.messages(d.channels.manager).filter((m) => m.author.id === bot && m.origin === 'bot')).toHaveLength(1);
  });

  it('a stranger’s DM and message in the manager channel are refused and never reach the manager', async () => {
    d = await openDiscordDesk();
    const { manager, asked } = scriptedManager(() => 'secret numbers');
    setManager(d.services, manager);
    d.fake.sendMessage({ dm: true, author: d.stranger, content: 'what is the balance?' });
    const refusal = await d.fake.awaitMessage(d.fake.dmChannelId(d.stranger), (m) => m.author.id === d!.fake.users.bot.id);
    expect(seen(refusal)).toContain('crewdesk only takes commands from its owners');
    d.fake.sendMessage({ channelId: d.channels.manager, author: d.stranger, content: 'sell everything' });
    await d.fake.awaitMessage(d.channels.manager, (m) => m.author.id === d!.fake.users.bot.id && seen(m).includes('Not allowed'));
    await d.dispatcher.idle();
    expect(asked).toEqual([]);
    // Both attempts are one episode: the first is audited at once, the second counted (audited when the episode ends).
    await d.dispatcher.close();
    const refused = (await d.h.desk.journal.getAudit()).filter((a) => a.action.startsWith('refused') && a.actor === d!.stranger.id);
    expect(refused.map((a) => a.action)).toEqual(['refused', 'refused.repeated']);
    expect(refused[1]!.detail).toMatchObject({ count: 2 });
  });

  it('model text never pings: @everyone and user mentions go out with allowed_mentions parse []', async () => {
    d = await openDiscordDesk();
    const stranger = d.stranger.id;
    setManager(d.services, scriptedManager(() => `@everyone look, <@${stranger}> and <@&${d!.fake.guild.id}> — BUY NOW`).manager);
    d.fake.sendMessage({ channelId: d.channels.manager, author: d.owner, content: 'anything new?' });
    await d.fake.awaitMessage(d.channels.manager, (m) => m.content.includes('BUY NOW'));
    const slash = d.fake.sendSlashCommand({ name: 'ask', user: d.owner, options: { text: 'again?' } });
    await slash.awaitReply((m) => m.content.includes('BUY NOW'));

    const carrying = d.fake.requests.filter((r) => JSON.stringify(r.body ?? '').includes('BUY NOW'));
    expect(carrying.length).toBeGreaterThanOrEqual(2);
    for (const request of carrying) {
      const body = request.body as { allowed_mentions?: unknown; data?: { allowed_mentions?: unknown } };
      const allowed = body.allowed_mentions ?? body.data?.allowed_mentions;
      expect(allowed, `${request.method} ${request.path}`).toMatchObject({ parse: [] });
      expect(JSON.stringify(allowed)).not.toMatch(/users|roles|everyone/);
    }
  });

  it('a proposal of the manager is posted with Approve / Reject buttons that run /proposal for the owner only', async () => {
    d = await openDiscordDesk();
    const answered: { id: string; actor: Actor; how: string }[] = [];
    const { manager } = scriptedManager(() => 'ok');
    setManager(d.services, {
      ...manager,
      approve: async (id, actor) => (answered.push({ id, actor, how: 'approve' }), { ok: true, value: `approved ${id}: sma slow 3 → 5` }),
      reject: async (id, actor) => (answered.push({ id, actor, how: 'reject' }), { ok: true, value: `rejected ${id}` }),
    });
    expect(await d.bot.postProposal({ id: 'p-1a2b', summary: 'set sma slow to 5', rationale: 'fewer whipsaws', expiresAt: Date.now() + 60_000 })).toBe(true);
    const posted = await d.fake.awaitMessage(d.channels.alerts, (m) => m.customIds.length === 2);
    expect(posted.embeds[0]?.title).toBe('Proposal p-1a2b: set sma slow to 5');
    expect(posted.customIds).toEqual(['crewdesk:proposal:approve:p-1a2b', 'crewdesk:proposal:reject:p-1a2b']);

    const stranger = d.fake.clickButton({ customId: posted.customIds[0]!, messageId: posted.id, user: d.stranger });
    expect(seen(await stranger.awaitReply())).toContain('Not allowed');
    expect(posted.customIds).toHaveLength(2);

    const owner = d.fake.clickButton({ customId: posted.customIds[0]!, messageId: posted.id, user: d.owner });
    expect(seen(await owner.awaitReply())).toContain('approved p-1a2b: sma slow 3 → 5');
    await d.fake.waitFor(() => posted.customIds.length === 0, 'the answered proposal to lose its buttons');
    expect(answered).toEqual([{ id: 'p-1a2b', actor: { id: d.owner.id, via: 'discord', isOwner: true }, how: 'approve' }]);
    const audit = await d.h.desk.journal.getAudit();
    expect(audit.some((a) => a.action === 'command' && a.actor === d!.owner.id && JSON.stringify(a.detail).includes('/proposal approve'))).toBe(true);
  });

  it('without a manager channel, the bot does not ask for Message Content, and DMs still work', async () => {
    d = await openDiscordDesk({ noManagerChannel: true });
    expect((d.fake.identifies[0]!.intents & GatewayIntentBits.MessageContent) === 0).toBe(true);
    const { manager } = scriptedManager(() => 'hello from the manager');
    setManager(d.services, manager);
    d.fake.sendMessage({ dm: true, author: d.owner, content: 'hi' });
    await d.fake.awaitMessage(d.fake.dmChannelId(d.owner), (m) => m.content === 'hello from the manager');
  });
});
