/**
 * FakeDiscord against the REAL discord.js Client: login, interactions (reply, defer/edit/follow-up,
 * ephemeral, attachments, autocomplete, buttons), channel posts through a 429, DMs, intents, gateway
 * drop + RESUME, and a clean exit after destroy/close.
 */
import { once } from 'node:events';
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import {
  ActionRowBuilder,
  AttachmentBuilder,
  AutocompleteInteraction,
  ButtonBuilder,
  ButtonInteraction,
  ButtonStyle,
  ChannelType,
  ChatInputCommandInteraction,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  REST,
  SlashCommandBuilder,
  type ClientEvents,
  type Message,
  type TextChannel,
} from 'discord.js';
import { InteractionResponseType, MessageType } from 'discord-api-types/v10';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FAKE_DISCORD_IDS, FakeDiscord } from './discord/fake-discord.ts';
import { runExitCheck } from './exit-check.ts';

const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent];

/** Errors thrown by test handlers inside client events (else they would be unhandled rejections). */
const handlerErrors: unknown[] = [];
const clients: Client[] = [];

function makeClient(fake: FakeDiscord, intents: GatewayIntentBits[] = INTENTS): Client {
  const client = new Client({ intents, partials: [Partials.Channel], ...fake.clientOptions() });
  client.on(Events.Error, (error) => handlerErrors.push(error));
  client.on(Events.ShardError, (error) => handlerErrors.push(error));
  clients.push(client);
  return client;
}

async function login(client: Client, fake: FakeDiscord): Promise<void> {
  const ready = nextEvent(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
}

/** Run an async handler for each `event`, collecting its errors for the afterEach check. */
function on<E extends keyof ClientEvents>(client: Client, event: E, handler: (...args: ClientEvents[E]) => Promise<void> | void): void {
  client.on(event, (...args: ClientEvents[E]) => {
    Promise.resolve()
      .then(() => handler(...args))
      .catch((error: unknown) => handlerErrors.push(error));
  });
}

/** The next `event` whose arguments satisfy `predicate`. */
function nextEvent<E extends keyof ClientEvents>(
  client: Client,
  event: E,
  predicate: (...args: ClientEvents[E]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<ClientEvents[E]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: ClientEvents[E]): void => {
      if (!predicate(...args)) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(args);
    };
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`timed out waiting for client event ${String(event)}`));
    }, timeoutMs);
    client.on(event, listener);
  });
}

const statusCommand = new SlashCommandBuilder()
  .setName('status')
  .setDescription('Desk status')
  .addStringOption((o) => o.setName('pair').setDescription('Pair').setRequired(true).setAutocomplete(true))
  .addBooleanOption((o) => o.setName('verbose').setDescription('More detail'))
  .addIntegerOption((o) => o.setName('hours').setDescription('Window'));
const reportCommand = new SlashCommandBuilder().setName('report').setDescription('Daily report');
const slowCommand = new SlashCommandBuilder().setName('slow').setDescription('Deferred then follow-up');

describe('FakeDiscord with the real discord.js Client', () => {
  let fake: FakeDiscord;
  let client: Client;

  beforeAll(async () => {
    fake = await FakeDiscord.start();
    client = makeClient(fake);
    await login(client, fake);
  });

  afterEach(() => {
    for (const event of [Events.InteractionCreate, Events.MessageCreate] as const) client.removeAllListeners(event);
    client.rest.removeAllListeners('rateLimited');
    expect(handlerErrors).toEqual([]);
    fake.assertHealthy();
  });

  afterAll(async () => {
    for (const c of clients.splice(0)) await c.destroy();
    await fake?.close();
  });

  async function textChannel(name: string): Promise<TextChannel> {
    const channel = await client.channels.fetch(fake.channelId(name));
    if (channel?.type !== ChannelType.GuildText) throw new Error(`#${name} is not a text channel`);
    return channel;
  }

  it('logs in: READY + GUILD_CREATE give the bot user, the guild, its channels and members', () => {
    expect(client.isReady()).toBe(true);
    expect(client.user?.id).toBe(fake.users.bot.id);
    expect(client.application?.id).toBe(fake.application.id);
    const guild = client.guilds.cache.get(fake.guild.id);
    expect(guild?.name).toBe(fake.guild.name);
    expect(guild?.channels.cache.map((c) => c.name).sort()).toEqual(['alerts', 'manager', 'reports', 'trades']);
    expect(guild?.members.cache.has(fake.users.owner.id)).toBe(true);
    expect(guild?.ownerId).toBe(fake.users.owner.id);
    expect(fake.channelId('trades')).toBe(FAKE_DISCORD_IDS.channels.trades);
    expect(fake.users.owner.id).toBe(FAKE_DISCORD_IDS.owner);
    expect(fake.identifies).toHaveLength(1);
    expect(fake.identifies[0]?.intents).toBe(INTENTS.reduce((a, b) => a | b, 0));
    expect(fake.gatewayStats).toMatchObject({ identifies: 1, resumes: 0, openConnections: 1 });
    expect(fake.requests.map((r) => r.route)).toContain('GET /gateway/bot');
  });

  it('bulk-overwrites guild commands, returns them with ids, and rejects invalid ones like Discord', async () => {
    const set = await client.application!.commands.set([statusCommand.toJSON(), reportCommand.toJSON(), slowCommand.toJSON()], fake.guild.id);
    expect(set.size).toBe(3);
    const stored = fake.commands(fake.guild.id);
    expect(stored.map((c) => c.name)).toEqual(['status', 'report', 'slow']);
    expect(set.get(stored[0]!.id)?.name).toBe('status');
    // A second overwrite keeps ids of commands with the same name.
    const again = await client.application!.commands.set([statusCommand.toJSON()], fake.guild.id);
    expect([...again.keys()]).toEqual([stored[0]!.id]);
    await client.application!.commands.set([statusCommand.toJSON(), reportCommand.toJSON(), slowCommand.toJSON()], fake.guild.id);
    const fetched = await client.application!.commands.fetch({ guildId: fake.guild.id });
    expect(fetched.map((c) => c.name).sort()).toEqual(['report', 'slow', 'status']);

    const bad = client.application!.commands.set([{ name: 'Bad Name', description: 'x' }], fake.guild.id);
    await expect(bad).rejects.toMatchObject({ code: 50035, status: 400 });
    expect(fake.commands(fake.guild.id)).toHaveLength(3);
  });

  it('delivers a slash command as ChatInputCommandInteraction; an ephemeral reply with an attachment is recorded', async () => {
    const seen: { isChatInput: boolean; pair: string; verbose: boolean | null; hours: number | null; channel?: string; member?: string }[] = [];
    on(client, Events.InteractionCreate, async (interaction) => {
      if (!interaction.isChatInputCommand() || interaction.commandName !== 'status') return;
      seen.push({
        isChatInput: interaction instanceof ChatInputCommandInteraction,
        pair: interaction.options.getString('pair', true),
        verbose: interaction.options.getBoolean('verbose'),
        hours: interaction.options.getInteger('hours'),
        channel: interaction.channel && 'name' in interaction.channel ? (interaction.channel.name ?? undefined) : undefined,
        member: interaction.member?.user.id,
      });
      await interaction.reply({
        content: `status ${interaction.options.getString('pair', true)}`,
        flags: MessageFlags.Ephemeral,
        files: [new AttachmentBuilder(Buffer.from('pair,pnl\nBTCUSDT,12.5\n'), { name: 'pnl.csv' })],
      });
    });

    const cmd = fake.sendSlashCommand({
      name: 'status',
      options: { pair: 'BTCUSDT', verbose: true, hours: 24 },
      user: fake.users.owner,
      channelId: fake.channelId('manager'),
    });
    const response = await cmd.awaitResponse();
    expect(response.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(response.body).toMatchObject({ type: 4, data: { content: 'status BTCUSDT', flags: MessageFlags.Ephemeral } });
    expect(response.files).toHaveLength(1);
    expect(response.files[0]?.name).toBe('pnl.csv');
    expect(response.files[0]?.data.toString()).toBe('pair,pnl\nBTCUSDT,12.5\n');

    const reply = await cmd.awaitReply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.attachments[0]?.filename).toBe('pnl.csv');
    expect(fake.messages(fake.channelId('manager')).some((m) => m.id === reply.id)).toBe(false);
    expect(seen).toEqual([{ isChatInput: true, pair: 'BTCUSDT', verbose: true, hours: 24, channel: 'manager', member: fake.users.owner.id }]);
  });

  it('supports deferReply + editReply + followUp, and a follow-up replacing the "thinking" message', async () => {
    on(client, Events.InteractionCreate, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      if (interaction.commandName === 'report') {
        await interaction.deferReply();
        await interaction.editReply({ content: 'report ready', embeds: [{ title: 'PnL', description: '+1.2%' }] });
        await interaction.followUp({ content: 'details for you', flags: MessageFlags.Ephemeral });
        await interaction.followUp('public note');
      } else if (interaction.commandName === 'slow') {
        await interaction.deferReply();
        await interaction.followUp('done thinking');
      }
    });

    const report = fake.sendSlashCommand({ name: 'report', user: fake.users.owner });
    expect((await report.awaitResponse()).type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    const original = await report.awaitReply((m) => m.content === 'report ready');
    expect(original.embeds[0]).toMatchObject({ title: 'PnL', description: '+1.2%' });
    expect(original.loading).toBe(false);
    const edit = await report.awaitEdit();
    expect(edit.target).toBe('@original');
    await report.awaitFollowUp((m) => m.content === 'public note');
    expect(report.followUps.map((m) => [m.content, m.ephemeral])).toEqual([
      ['details for you', true],
      ['public note', false],
    ]);
    const manager = fake.messages(fake.channelId('manager')).map((m) => m.content);
    expect(manager).toEqual(expect.arrayContaining(['report ready', 'public note']));
    expect(manager).not.toContain('details for you');
    expect(original.message.type).toBe(MessageType.ChatInputCommand);

    const slow = fake.sendSlashCommand({ name: 'slow' });
    const replaced = await slow.awaitReply((m) => m.content === 'done thinking');
    expect(slow.followUps).toEqual([replaced]);
  });

  it('answers an autocomplete with choices', async () => {
    on(client, Events.InteractionCreate, async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      expect(interaction).toBeInstanceOf(AutocompleteInteraction);
      const typed = interaction.options.getFocused();
      const pairs = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'].filter((p) => p.startsWith(typed.toUpperCase()));
      await interaction.respond(pairs.map((p) => ({ name: p, value: p })));
    });
    const auto = fake.sendAutocomplete({ name: 'status', options: { pair: 'b' }, focused: 'pair' });
    expect(await auto.awaitChoices()).toEqual([
      { name: 'BTCUSDT', value: 'BTCUSDT' },
      { name: 'BNBUSDT', value: 'BNBUSDT' },
    ]);
  });

  it('delivers a button click on a bot message; interaction.update() edits that message', async () => {
    const alerts = await textChannel('alerts');
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('approve:42').setLabel('Approve').setStyle(ButtonStyle.Success),
      new ButtonBuilder().setCustomId('reject:42').setLabel('Reject').setStyle(ButtonStyle.Danger),
    );
    const sent = await alerts.send({ content: 'Approve trade 42?', components: [row] });
    const posted = await fake.awaitMessage(alerts.id, (m) => m.customIds.includes('approve:42'));
    expect(posted.id).toBe(sent.id);

    const clicked: string[] = [];
    on(client, Events.InteractionCreate, async (interaction) => {
      if (!interaction.isButton()) return;
      expect(interaction).toBeInstanceOf(ButtonInteraction);
      clicked.push(`${interaction.customId} by ${interaction.user.id} on ${interaction.message.id}`);
      await interaction.update({ content: `Approved by ${interaction.user.username}`, components: [] });
    });
    const click = fake.clickButton({ customId: 'approve:42', messageId: posted.id, user: fake.users.owner });
    expect((await click.awaitResponse()).type).toBe(InteractionResponseType.UpdateMessage);
    expect(clicked).toEqual([`approve:42 by ${fake.users.owner.id} on ${posted.id}`]);
    expect(posted.content).toBe('Approved by owner');
    expect(posted.components).toEqual([]);
    expect(() => fake.clickButton({ customId: 'approve:42', messageId: posted.id })).toThrow(/no component/);
  });

  it('retries a channel post after a 429 and the message arrives once', async () => {
    const trades = await textChannel('trades');
    const rateLimited: number[] = [];
    client.rest.on('rateLimited', (info) => rateLimited.push(info.timeToReset));
    fake.failNextMessagePost({ status: 429, retryAfter: 0.05 });

    const sent = await trades.send('filled BTCUSDT 0.01 @ 65000');

    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${trades.id}/messages`);
    expect(posts.map((r) => [r.status, r.fault])).toEqual([
      [429, true],
      [200, false],
    ]);
    expect(posts[0]?.response).toMatchObject({ message: 'You are being rate limited.', retry_after: 0.05, global: false });
    expect(rateLimited.length).toBeGreaterThan(0);
    const copies = fake.messages(trades.id).filter((m) => m.content === 'filled BTCUSDT 0.01 @ 65000');
    expect(copies.map((m) => m.id)).toEqual([sent.id]);

    // A global 429 is waited out too.
    fake.failNextMessagePost({ status: 429, retryAfter: 0.05, global: true });
    await trades.send('second fill');
    expect(fake.messages(trades.id).filter((m) => m.content === 'second fill')).toHaveLength(1);
  });

  it('validates message bodies like Discord (50035 for a 2001-char message)', async () => {
    const trades = await textChannel('trades');
    const error = await trades.send('x'.repeat(2001)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ code: 50035, status: 400 });
    expect(fake.messages(trades.id).some((m) => m.content.startsWith('xxx'))).toBe(false);
  });

  it('delivers a DM (channel_type 1) to messageCreate via Partials.Channel and records the answer', async () => {
    on(client, Events.MessageCreate, async (message) => {
      if (message.author.bot || message.channel.type !== ChannelType.DM) return;
      await message.reply(`pong: ${message.content}`);
    });
    const received = nextEvent(client, Events.MessageCreate, (m) => !m.author.bot);
    const ping = fake.sendMessage({ dm: true, author: fake.users.owner, content: 'ping' });
    const [message] = await received;
    expect(message.content).toBe('ping');
    expect(message.guildId).toBeNull();
    expect(message.channel.type).toBe(ChannelType.DM);
    expect(message.author.id).toBe(fake.users.owner.id);

    const dmId = fake.dmChannelId(fake.users.owner);
    const answer = await fake.awaitMessage(dmId, (m) => m.content === 'pong: ping');
    expect(answer.message.message_reference?.message_id).toBe(ping.id);

    // Bot-initiated DMs go through POST /users/@me/channels to the same channel; closed DMs fail with 50007.
    await client.users.send(fake.users.owner.id, 'risk alert');
    await fake.awaitMessage(dmId, (m) => m.content === 'risk alert');
    fake.setDmsClosed(fake.users.stranger);
    await expect(client.users.send(fake.users.stranger.id, 'hello?')).rejects.toMatchObject({ code: 50007, status: 403 });
    fake.setDmsClosed(fake.users.stranger, false);
  });

  it('filters guild messages by intents: no MessageContent → empty content unless the bot is mentioned', async () => {
    const plain = makeClient(fake, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    await login(plain, fake);
    const reportsId = fake.channelId('reports');

    const full = nextEvent(client, Events.MessageCreate, (m) => m.content === 'hello desk');
    const stripped = nextEvent(plain, Events.MessageCreate, (m) => m.channelId === reportsId);
    fake.sendMessage({ channelId: reportsId, content: 'hello desk', author: fake.users.stranger });
    const [[fullMessage], [strippedMessage]] = await Promise.all([full, stripped]);
    expect(fullMessage.member?.id).toBe(fake.users.stranger.id);
    expect(strippedMessage.content).toBe('');

    const mentioned = nextEvent(plain, Events.MessageCreate, (m) => m.content !== '');
    fake.sendMessage({ channelId: reportsId, content: `<@${fake.users.bot.id}> status?`, author: fake.users.owner });
    const [mention] = await mentioned;
    expect(mention.mentions.users.has(fake.users.bot.id)).toBe(true);

    await plain.destroy();
    clients.splice(clients.indexOf(plain), 1);
  });

  it('handles a DM slash command, withResponse, fetchReply, deferUpdate + editReply on a component', async () => {
    on(client, Events.InteractionCreate, async (interaction) => {
      if (interaction.isChatInputCommand() && interaction.commandName === 'report') {
        const response = await interaction.reply({
          content: `dm=${String(!interaction.inGuild())} ch=${interaction.channel?.type}`,
          components: [
            new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('refresh').setLabel('Refresh').setStyle(ButtonStyle.Primary)),
          ],
          withResponse: true,
        });
        const fetched = await interaction.fetchReply();
        if (response.resource?.message?.id !== fetched.id) throw new Error('withResponse and fetchReply disagree');
      } else if (interaction.isButton() && interaction.customId === 'refresh') {
        await interaction.deferUpdate();
        await interaction.editReply({ content: 'refreshed', components: [] });
      }
    });

    const cmd = fake.sendSlashCommand({ name: 'report', guildId: null, user: fake.users.owner });
    const reply = await cmd.awaitReply();
    expect(reply.content).toBe(`dm=true ch=${ChannelType.DM}`);
    expect(reply.channelId).toBe(fake.dmChannelId(fake.users.owner));
    expect(cmd.callbacks[0]?.withResponse).toBe(true);

    const click = fake.clickButton({ customId: 'refresh', messageId: reply.id });
    expect((await click.awaitResponse()).type).toBe(InteractionResponseType.DeferredMessageUpdate);
    await click.awaitEdit((e) => e.message.content === 'refreshed');
    expect(reply.content).toBe('refreshed');
    expect(reply.history.map((m) => m.content)).toEqual([`dm=true ch=${ChannelType.DM}`]);
  });

  it('edits and deletes channel messages (MESSAGE_UPDATE/DELETE echo) and fetches members over the gateway', async () => {
    const reports = await textChannel('reports');
    const sent = await reports.send({ content: 'draft', files: [new AttachmentBuilder(Buffer.from([1, 2, 3]), { name: 'a.bin' })] });
    const stored = await fake.awaitMessage(reports.id, (m) => m.id === sent.id);
    expect(stored.files.map((f) => [f.name, [...f.data]])).toEqual([['a.bin', [1, 2, 3]]]);
    const download = await fetch(stored.attachments[0]!.url);
    expect([...new Uint8Array(await download.arrayBuffer())]).toEqual([1, 2, 3]);

    const updated = nextEvent(client, Events.MessageUpdate, (_old, m) => m.id === sent.id);
    await sent.edit('final');
    await updated;
    expect(stored.content).toBe('final');
    expect(stored.attachments).toHaveLength(1);
    const deleted = nextEvent(client, Events.MessageDelete, (m) => m.id === sent.id);
    await sent.delete();
    await deleted;
    expect(stored.deleted).toBe(true);

    const guild = client.guilds.cache.get(fake.guild.id)!;
    const members = await guild.members.fetch({ user: [fake.users.owner.id, fake.users.stranger.id] });
    expect([...members.keys()].sort()).toEqual([fake.users.owner.id, fake.users.stranger.id].sort());
    const one = await guild.members.fetch({ user: fake.users.stranger.id, force: true });
    expect(one.user.username).toBe('stranger');
  });

  it('resumes after a dropped gateway connection and gets events dispatched while it was down', async () => {
    const identifiesBefore = fake.gatewayStats.identifies;
    const resumed = nextEvent(client, Events.ShardResume);
    const drop = await fake.dropGatewayConnection();
    expect(drop.dropped).toBe(1);

    const tradesId = fake.channelId('trades');
    const received = nextEvent(client, Events.MessageCreate, (m: Message) => m.content === 'sent while down');
    fake.sendMessage({ channelId: tradesId, content: 'sent while down' });
    await drop.awaitResumed();
    const [message] = await received;
    expect(message.channelId).toBe(tradesId);
    const [, replayed] = await resumed;
    expect(replayed).toBeGreaterThanOrEqual(1);

    // A network cut (no close frame) resumes the same way.
    const cut = await fake.dropGatewayConnection({ abrupt: true });
    const afterCut = nextEvent(client, Events.MessageCreate, (m: Message) => m.content === 'after the cut');
    fake.sendMessage({ channelId: tradesId, content: 'after the cut' });
    await cut.awaitResumed();
    await afterCut;

    expect(fake.gatewayStats.identifies).toBe(identifiesBefore);
    expect(fake.sessions.find((s) => s.state === 'connected')?.connection?.endpoint).toBe('resume');

    // And the client still answers interactions afterwards.
    on(client, Events.InteractionCreate, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply('still here');
    });
    await fake.sendSlashCommand({ name: 'report' }).awaitReply((m) => m.content === 'still here');
  });
});

describe('FakeDiscord edge behaviour', () => {
  let fake: FakeDiscord;
  let client: Client;

  beforeAll(async () => {
    // 200 ms heartbeats: fast enough to see several, slow enough that a loaded machine does not make the
    // client declare a zombie connection (it does when an ack is still unprocessed at the next beat).
    fake = await FakeDiscord.start({ heartbeatIntervalMs: 200, interactionResponseDeadlineMs: 100 });
    client = makeClient(fake);
    await login(client, fake);
  });

  afterEach(() => {
    client.removeAllListeners(Events.InteractionCreate);
    expect(handlerErrors).toEqual([]);
  });

  afterAll(async () => {
    for (const c of clients.splice(0)) await c.destroy();
    await fake?.close();
  });

  it('answers every heartbeat so the client never sees a zombie connection', async () => {
    const start = fake.gatewayStats.heartbeats;
    await fake.waitFor(() => fake.gatewayStats.heartbeats >= start + 3, '3 more heartbeats');
    const acks = fake.gatewayFrames.filter((f) => f.direction === 'out' && f.op === 11).length;
    expect(acks).toBe(fake.gatewayStats.heartbeats);
    expect(fake.gatewayStats).toMatchObject({ identifies: 1, resumes: 0 });
    expect(client.ws.ping).toBeGreaterThanOrEqual(0);
  });

  it('follows op 7 Reconnect with a RESUME and op 9 Invalid Session (not resumable) with a fresh IDENTIFY', async () => {
    const before = fake.gatewayStats;
    const resumed = nextEvent(client, Events.ShardResume);
    expect(fake.requestReconnect()).toBe(1);
    await resumed;
    expect(fake.gatewayStats).toMatchObject({ identifies: before.identifies, resumes: before.resumes + 1 });

    expect(fake.invalidateSession(false)).toBe(1);
    await fake.waitFor(() => fake.gatewayStats.identifies === before.identifies + 1 && fake.sessions.at(-1)?.state === 'connected', 'a fresh IDENTIFY');
    const received = nextEvent(client, Events.MessageCreate, (m) => m.content === 'new session');
    fake.sendMessage({ channelId: fake.channelId('alerts'), content: 'new session' });
    await received;
    expect(fake.sessions.filter((s) => s.state !== 'invalidated')).toHaveLength(1);
  });

  it('refuses a callback after the response deadline with 10062 Unknown interaction', async () => {
    let replied!: (outcome: unknown) => void;
    const outcome = new Promise<unknown>((resolve) => (replied = resolve));
    on(client, Events.InteractionCreate, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await new Promise((resolve) => setTimeout(resolve, 200)); // the bot is too slow on purpose
      replied(await interaction.reply('too late').catch((e: unknown) => e));
    });
    const cmd = fake.sendSlashCommand({ name: 'anything' });
    await fake.waitFor(() => cmd.lateCallbacks > 0, 'the late callback');
    expect(await outcome).toMatchObject({ code: 10062, status: 404 });
    expect(cmd.callbacks).toHaveLength(0);
  });

  it('records unknown routes as unhandled 404s with a clear message; a wrong token gets 401', async () => {
    const rest = new REST({ api: fake.apiUrl }).setToken(fake.token);
    const error = await rest.get('/guilds/1/bans').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, code: 0 });
    expect(String((error as Error).message)).toMatch(/FakeDiscord: no route for GET \/api\/v10\/guilds\/1\/bans/);
    expect(fake.unhandledRequests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /guilds/1/bans']);
    expect(() => fake.assertHealthy()).toThrow(/unhandled request GET \/guilds\/1\/bans/);
    const unauthorized = await new REST({ api: fake.apiUrl })
      .setToken('wrong')
      .get('/users/@me')
      .catch((e: unknown) => e);
    expect(unauthorized).toMatchObject({ status: 401 });
  });

  it('closes IDENTIFY with 4014 when privileged intents are not enabled: login rejects', async () => {
    const strict = await FakeDiscord.start({ privilegedIntentsEnabled: false });
    const denied = makeClient(strict);
    const shardErrors: unknown[] = [];
    denied.removeAllListeners(Events.ShardError);
    denied.on(Events.ShardError, (error) => shardErrors.push(error));
    try {
      await expect(denied.login(strict.token)).rejects.toThrow(/disallowed intents/i);
      expect(strict.gatewayFrames.some((f) => f.direction === 'in' && f.op === 2)).toBe(true);
    } finally {
      await denied.destroy();
      clients.splice(clients.indexOf(denied), 1);
      await strict.close();
    }
  });

  it('speaks zlib-stream to a client that asks for it (as discord.js does when zlib-sync is installed)', async () => {
    type Payload = { op: number; t?: string | null };
    const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json&compress=zlib-stream`);
    const compressed: Buffer[] = [];
    const payloads: Payload[] = [];
    const frameEnds: number[][] = [];
    const waiting: { predicate: (p: Payload) => boolean; resolve: () => void }[] = [];
    let decoded = 0;
    ws.on('message', (data: Buffer) => {
      frameEnds.push([...data.subarray(-4)]);
      compressed.push(data);
      const text = inflateSync(Buffer.concat(compressed), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8');
      const payload = JSON.parse(text.slice(decoded)) as Payload;
      decoded = text.length;
      payloads.push(payload);
      for (const w of waiting.filter((x) => x.predicate(payload))) w.resolve();
    });
    const got = (predicate: (p: Payload) => boolean): Promise<void> =>
      payloads.some(predicate) ? Promise.resolve() : new Promise((resolve) => waiting.push({ predicate, resolve }));
    try {
      await got((p) => p.op === 10);
      ws.send(JSON.stringify({ op: 2, d: { token: fake.token, intents: 1, properties: { os: 'linux', browser: 'raw', device: 'raw' } } }));
      await got((p) => p.t === 'GUILD_CREATE');
      expect(payloads.map((p) => p.t ?? p.op)).toEqual([10, 'READY', 'GUILD_CREATE']);
      // Every frame ends with the Z_SYNC_FLUSH marker zlib-sync looks for.
      expect(frameEnds.every((end) => end.join() === [0x00, 0x00, 0xff, 0xff].join())).toBe(true);
    } finally {
      const closed = once(ws, 'close');
      ws.close(1000);
      await closed;
    }
  });
});

describe('teardown', () => {
  it('client.destroy() + fake.close() leave nothing open: a process doing both exits by itself', async () => {
    const { code, signal, stdout, stderr, lingerMs } = await runExitCheck(new URL('./discord/exit-check.fixture.ts', import.meta.url), 30_000);
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(stdout).toContain('FIXTURE_DONE');
    // Exits right after its last line: nothing (socket, timer, server) kept the event loop alive.
    expect(lingerMs).toBeLessThan(2_000);
  }, 40_000);
});
