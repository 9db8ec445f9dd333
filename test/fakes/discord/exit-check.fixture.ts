/**
 * Run by test/fakes/discord.test.ts in a child process (`node --import tsx`): log a real client in,
 * exercise heartbeats, an interaction, a 429 retry and a resume, then destroy the client and close the
 * fake, and print FIXTURE_DONE. It must then exit on its own: any socket, server or ref'd timer left
 * behind keeps it alive and fails the test.
 */
import { once } from 'node:events';
import { ChannelType, Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import { FakeDiscord } from './fake-discord.ts';

const fake = await FakeDiscord.start({ heartbeatIntervalMs: 100 });
const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
  partials: [Partials.Channel],
  ...fake.clientOptions(),
});
const ready = once(client, Events.ClientReady);
await client.login(fake.token);
await ready;

client.on(Events.InteractionCreate, (interaction) => {
  if (interaction.isChatInputCommand()) void interaction.deferReply().then(() => interaction.editReply('ok'));
});
await fake.sendSlashCommand({ name: 'ping' }).awaitReply((m) => m.content === 'ok');

fake.failNextMessagePost({ retryAfter: 0.05 });
const channel = await client.channels.fetch(fake.channelId('trades'));
if (channel?.type !== ChannelType.GuildText) throw new Error('no #trades');
await channel.send('after a 429');

const drop = await fake.dropGatewayConnection();
await drop.awaitResumed();
await fake.waitFor(() => fake.gatewayStats.heartbeats >= 3, 'heartbeats');

await client.destroy();
await fake.close();
fake.assertHealthy();
console.log('FIXTURE_DONE');
