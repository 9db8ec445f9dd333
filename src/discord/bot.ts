// The Discord transport: a discord.js client that hands slash commands, buttons, autocomplete and
// free text to the same Dispatcher the console uses, and posts the desk's alerts.
//
// - A slash command is dispatched synchronously in the INTERACTION_CREATE handler — nothing is
//   awaited first — so /halt starts the moment Discord's event is read.
// - Every entry (command, button, autocomplete, message) goes through the dispatcher, which checks
//   the owner allowlist (DISCORD_OWNER_IDS) in code before anything else and audits refusals. The
//   Discord user is never taken for an owner on its own say: the actor is built with
//   isOwner: false and the dispatcher's policy decides.
// - Free text reaches the manager from the manager channel, an owner's DM, or a mention.
// - Nothing here throws into the engine: handlers catch their own failures, alerts only queue.
import { once } from 'node:events';
import {
  ApplicationCommandOptionType,
  type AutocompleteInteraction,
  type ButtonInteraction,
  ChannelType,
  type ChatInputCommandInteraction,
  Client,
  type ClientOptions,
  type CommandInteractionOption,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  MessageFlags,
  Partials,
  type RepliableInteraction,
} from 'discord.js';
import type { Reply } from '../chat/command.ts';
import { Dispatcher } from '../chat/dispatcher.ts';
import { fitChoices } from '../chat/limits.ts';
import { ownerAllowlist } from '../chat/preconditions.ts';
import type { ChatServices } from '../chat/services.ts';
import type { EventBus } from '../core/events.ts';
import type { Logger } from '../log/logger.ts';
import type { Actor } from '../services/result.ts';
import { type AlertsOptions, DiscordAlerts } from './alerts.ts';
import type { DiscordSettings } from '../config/discord.ts';
import { plainText } from '../core/plain-text.ts';
import { type OutgoingMessage, parseCommandButton, parseConfirmationButton, type ProposalView, renderProposal, renderReply } from './render.ts';
import { InteractionSink, MessageSink, SAFETY_DEFER_MS } from './sinks.ts';

export interface DiscordOptions {
  readonly services: ChatServices;
  /**
   * A dispatcher to share. It must have been built with `ownerAllowlist(config.ownerIds)`: its
   * policy is the owner check. Default: one loaded from commands/ with that policy.
   */
  readonly dispatcher?: Dispatcher;
  readonly config: DiscordSettings;
  /** The desk's bus: alerts listen to it. */
  readonly bus: EventBus;
  readonly log: Logger;
  /** Extra discord.js options (tests point `rest.api` and `ws` at a fake). */
  readonly clientOptions?: Partial<ClientOptions>;
  readonly commandDirs?: readonly string[];
  /** Tuning for the alert queues (tests shorten the delays). */
  readonly alerts?: Partial<Omit<AlertsOptions, 'channels' | 'ownerIds' | 'post' | 'log'>>;
  /** When a still-running command is deferred on its own (default ~2 s; Discord's deadline is 3 s). */
  readonly safetyDeferMs?: number;
  /** How long login may take before start fails. Default 30 s. */
  readonly readyTimeoutMs?: number;
}

export interface DiscordHandle {
  readonly client: Client<true>;
  readonly dispatcher: Dispatcher;
  readonly alerts: DiscordAlerts;
  /** Posts a report (the daily report) to the reports channel; resolves false when it could not be posted. */
  postReport(reply: Reply): Promise<boolean>;
  /**
   * Posts a proposal of the manager with Approve / Reject buttons (they run `/proposal approve|reject`)
   * to `channelId` — the conversation it came from — or, when that is not a Discord channel (or
   * absent), to the alerts channel. Resolves false when it could not be posted.
   */
  postProposal(proposal: ProposalView, channelId?: string | null): Promise<boolean>;
  /** Stops taking input, cancels confirmations asked on Discord, waits (bounded) for the work under way and the alert queues, then logs out. */
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
}

/** A Discord failure that retrying will not fix (the channel is not a text channel, or is gone). */
class PermanentPostError extends Error {
  readonly permanent = true;
}

export async function startDiscord(options: DiscordOptions): Promise<DiscordHandle> {
  const { config, log } = options;
  if (config.ownerIds.length === 0) {
    throw new Error('the Discord transport refuses to start without an owner: set DISCORD_OWNER_IDS');
  }
  const dispatcher =
    options.dispatcher ??
    (await Dispatcher.load({
      services: options.services,
      isOwner: ownerAllowlist(config.ownerIds),
      log,
      ...(options.commandDirs ? { dirs: options.commandDirs } : {}),
    }));
  for (const p of dispatcher.problems) log.warn({ path: p.path }, `discord: command module skipped: ${p.reason}`);

  const managerChannel = config.channels.manager;
  const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages];
  // Reading messages in the manager channel needs the privileged Message Content intent; DMs and mentions do not.
  if (managerChannel) intents.push(GatewayIntentBits.MessageContent);
  const extra = options.clientOptions ?? {};
  const client = new Client({
    ...extra,
    intents,
    // DMs arrive on channels discord.js has not cached.
    partials: [Partials.Channel],
    allowedMentions: { parse: [] },
    // Answering a message that was deleted meanwhile posts the answer anyway instead of failing.
    failIfNotExists: false,
    rest: { ...extra.rest, api: extra.rest?.api ?? config.apiUrl },
  });
  client.on(Events.Error, (error) => log.error({ err: error.message }, 'discord: client error'));
  client.on(Events.ShardError, (error) => log.warn({ err: error.message }, 'discord: gateway connection error (it reconnects by itself)'));
  client.on(Events.Warn, (message) => log.warn(`discord: ${message}`));
  client.on(Events.ShardResume, () => log.info('discord: gateway connection resumed'));
  client.rest.on('rateLimited', (info) =>
    log.debug({ route: info.route, retryAfterMs: info.retryAfter, global: info.global }, 'discord: rate limited; discord.js waits it out'),
  );

  let ready: () => void;
  let neverReady: (error: Error) => void;
  const readyOnce = new Promise<void>((resolve, reject) => {
    ready = resolve;
    neverReady = reject;
  });
  readyOnce.catch(() => {});
  const alerts = new DiscordAlerts({
    ...options.alerts,
    channels: config.channels,
    ownerIds: config.ownerIds,
    log,
    post: async (channelId, post) => {
      await readyOnce;
      const channel = await client.channels.fetch(channelId);
      if (!channel || !channel.isSendable()) throw new PermanentPostError(`channel ${channelId} is not a text channel the bot can post in`);
      await channel.send(post);
    },
  });
  // Listen before logging in: what happens meanwhile is queued and posted once connected.
  alerts.attach(options.bus);

  let closing = false;
  /** Confirmations asked on Discord and still open: cancelled at shutdown, nobody is left to answer them. */
  const asked = new Set<string>();
  const onPrompt = (token: string) => {
    asked.add(token);
    if (asked.size > 1000) asked.delete(asked.values().next().value!);
  };
  const actorOf = (user: { id: string }): Actor => ({ id: user.id, via: 'discord', isOwner: false });

  const sinkFor = (interaction: RepliableInteraction, command: string, label: string): InteractionSink =>
    new InteractionSink(interaction, {
      label,
      ephemeral: dispatcher.get(command)?.data.ephemeral ?? false,
      safetyDeferMs: options.safetyDeferMs ?? SAFETY_DEFER_MS,
      log,
      onPrompt,
      fallback: async (message) => {
        const channel = interaction.channel ?? (interaction.channelId ? await client.channels.fetch(interaction.channelId) : null);
        if (channel?.isSendable()) await channel.send(message);
      },
    });

  const onCommand = (interaction: ChatInputCommandInteraction): void => {
    const sink = sinkFor(interaction, interaction.commandName, `/${interaction.commandName}`);
    const { subcommand, values } = optionValues(interaction.options.data);
    // Dispatched before anything is awaited: /halt must not wait.
    void dispatcher
      .dispatch({ actor: actorOf(interaction.user), command: interaction.commandName, subcommand, options: values, channel: interaction.channelId }, sink)
      .finally(() => sink.dispose());
  };

  const onButton = async (interaction: ButtonInteraction): Promise<void> => {
    const run = parseCommandButton(interaction.customId);
    if (run) {
      // A button that stands for a command (a proposal's Approve/Reject) runs that command, owner check and audit included.
      const sink = sinkFor(interaction, run.command, `/${run.command} ${run.subcommand} (button)`);
      const outcome = await dispatcher
        .dispatch(
          { actor: actorOf(interaction.user), command: run.command, subcommand: run.subcommand, options: run.options, channel: interaction.channelId },
          sink,
        )
        .finally(() => sink.dispose());
      // Answered (or no longer answerable) for an owner: the buttons are stale. A stranger's press changes nothing.
      if (config.ownerIds.includes(interaction.user.id) && (outcome === 'done' || outcome === 'refused')) {
        await interaction.message
          .edit({ components: [] })
          .catch((error: unknown) => log.warn({ err: messageOf(error) }, 'discord: could not remove the answered buttons'));
      }
      return;
    }
    const { token, answer } = parseConfirmationButton(interaction.customId);
    const reply = await dispatcher.answerConfirmation(token, actorOf(interaction.user), answer);
    // No reply: a stranger past the refusals answered per episode (the attempt is still counted).
    if (!reply) return;
    if (reply.tone === 'good' || reply.tone === 'info') {
      // Accepted: the prompt loses its buttons and says what was answered.
      await interaction.update({
        content: plainText(`${reply.text ?? 'Answered.'} (by ${interaction.user.username})`),
        components: [],
        allowedMentions: { parse: [] },
      });
    } else {
      await replyTo(interaction, reply);
    }
  };

  const onAutocomplete = async (interaction: AutocompleteInteraction): Promise<void> => {
    const focused = interaction.options.getFocused(true);
    const { subcommand, values } = optionValues(interaction.options.data);
    delete values[focused.name];
    const choices = await dispatcher.autocomplete({
      actor: actorOf(interaction.user),
      command: interaction.commandName,
      subcommand,
      option: focused.name,
      partial: String(focused.value ?? ''),
      options: values,
    });
    await interaction.respond(fitChoices(choices));
  };

  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    if (closing) return;
    try {
      if (interaction.isChatInputCommand()) return onCommand(interaction);
      if (interaction.isButton())
        return void onButton(interaction).catch((error: unknown) => log.warn({ err: messageOf(error) }, 'discord: button not answered'));
      if (interaction.isAutocomplete())
        return void onAutocomplete(interaction).catch((error: unknown) => log.warn({ err: messageOf(error) }, 'discord: autocomplete not answered'));
    } catch (error) {
      log.error({ err: messageOf(error) }, 'discord: interaction handler failed');
    }
  });

  client.on(Events.MessageCreate, (message: Message) => {
    if (closing) return;
    try {
      const botId = client.user?.id;
      if (!botId || message.author.bot || message.webhookId || message.system || message.author.id === botId) return;
      const isDm = message.channel.type === ChannelType.DM;
      const inManagerChannel = managerChannel !== undefined && message.channelId === managerChannel;
      const mentioned = message.mentions.users.has(botId);
      if (!isDm && !inManagerChannel && !mentioned) return;
      const text = message.content.replace(new RegExp(`<@!?${botId}>`, 'g'), '').trim();
      if (text === '') return;
      void dispatcher.converse({ actor: actorOf(message.author), text, channel: message.channelId }, new MessageSink(message, log, onPrompt));
    } catch (error) {
      log.error({ err: messageOf(error) }, 'discord: message handler failed');
    }
  });

  const readyEvent = once(client, Events.ClientReady);
  try {
    await withTimeout(
      (async () => {
        await client.login(config.token);
        await readyEvent;
      })(),
      options.readyTimeoutMs ?? 30_000,
      'Discord did not get ready',
    );
  } catch (error) {
    readyEvent.catch(() => {});
    neverReady!(new PermanentPostError('Discord never connected'));
    await alerts.close(0);
    await client.destroy().catch(() => {});
    throw new Error(`Discord login failed: ${loginHint(messageOf(error), managerChannel !== undefined)}`);
  }
  ready!();
  log.info({ user: client.user?.tag, owners: config.ownerIds.length, channels: config.channels }, 'discord: connected');
  void checkChannels(client, config, log);

  return {
    client: client as Client<true>,
    dispatcher,
    alerts,
    postReport: (reply) => alerts.postReport(reply),
    postProposal: (proposal, channelId) => {
      // A conversation key that is not a Discord channel ("console") means: the alerts channel.
      const target = channelId && /^\d{17,20}$/.test(channelId) ? channelId : alerts.channelFor('alerts');
      return target ? alerts.postMessages(target, [renderProposal(proposal)]) : Promise.resolve(false);
    },
    close: async (closeOptions = {}) => {
      if (closing) return;
      closing = true;
      const timeoutMs = closeOptions.timeoutMs ?? 10_000;
      for (const token of asked) dispatcher.confirmations.cancel(token, 'withdrawn');
      const settled = await withTimeout(
        dispatcher.idle().then(() => true),
        timeoutMs,
        '',
      ).catch(() => false);
      if (!settled) log.warn('discord: commands still running at shutdown; their replies are lost');
      await alerts.close(Math.min(timeoutMs, 5_000));
      await client.destroy();
    },
  };
}

/** A slash command's option values by name, and its subcommand. */
function optionValues(data: readonly CommandInteractionOption[]): { subcommand: string | null; values: Record<string, string | number | boolean> } {
  let list = data;
  let subcommand: string | null = null;
  const first = list[0];
  if (first?.type === ApplicationCommandOptionType.SubcommandGroup) {
    const sub = first.options?.[0];
    subcommand = sub?.name ?? null;
    list = sub?.options ?? [];
  } else if (first?.type === ApplicationCommandOptionType.Subcommand) {
    subcommand = first.name;
    list = first.options ?? [];
  }
  const values: Record<string, string | number | boolean> = {};
  for (const option of list) if (option.value !== undefined) values[option.name] = option.value;
  return { subcommand, values };
}

/** A reply to a button (a refusal, a confirmation not accepted): private. */
async function replyTo(interaction: ButtonInteraction, reply: Reply): Promise<void> {
  const [first, ...rest]: OutgoingMessage[] = renderReply(reply);
  if (!first) return;
  await interaction.reply({ ...first, flags: MessageFlags.Ephemeral });
  for (const message of rest) await interaction.followUp({ ...message, flags: MessageFlags.Ephemeral });
}

/** Warns about configured channels the bot cannot see or post in (a typo in an id is found at start, not at the first alert). */
async function checkChannels(client: Client, config: DiscordSettings, log: Logger): Promise<void> {
  for (const [kind, id] of Object.entries(config.channels)) {
    try {
      const channel = await client.channels.fetch(id);
      if (!channel?.isSendable()) log.warn({ channel: id }, `discord: the ${kind} channel is not a text channel the bot can post in`);
    } catch (error) {
      log.warn(
        { channel: id, err: messageOf(error) },
        `discord: the ${kind} channel (DISCORD_${kind.toUpperCase()}_CHANNEL_ID) cannot be read: wrong id, or the bot is not in that server`,
      );
    }
  }
}

function loginHint(message: string, usesMessageContent: boolean): string {
  if (/disallowed intent/i.test(message) && usesMessageContent) {
    return `${message}. The manager channel needs the Message Content intent: enable it in the Developer Portal (Bot → Privileged Gateway Intents), or unset DISCORD_MANAGER_CHANNEL_ID.`;
  }
  if (/token/i.test(message)) return `${message}. Check DISCORD_TOKEN (Developer Portal → Bot → Reset Token).`;
  return message;
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
