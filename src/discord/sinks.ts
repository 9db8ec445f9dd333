// Where a command's replies go on Discord: over the slash command's interaction, or, for free
// text, as replies to the user's message. The dispatcher drives them through ReplySink.
//
// An interaction must be answered within 3 seconds, once. The sink keeps that promise: it defers
// when the dispatcher says the command is slow, and on its own after ~2 s for anything still
// running; every call to Discord goes through one queue per interaction, so a late defer never
// races the reply. A failed reply is logged (and a public one posted to the channel instead),
// never thrown into the command: the halt has happened whether or not Discord heard about it.
import { MessageFlags, type Message, type RepliableInteraction } from 'discord.js';
import type { ConfirmationRequest, Reply, ReplySink } from '../chat/command.ts';
import { DISCORD_LIMITS, truncate } from '../chat/limits.ts';
import type { Logger } from '../log/logger.ts';
import { plainText } from '../core/plain-text.ts';
import { type OutgoingMessage, renderConfirmationMessages, renderReply } from './render.ts';

type Log = Pick<Logger, 'warn' | 'error' | 'debug'>;

/** Discord's deadline is 3 s; defer a little before it so the callback still lands on a slow network. */
export const SAFETY_DEFER_MS = 2_000;

export interface InteractionSinkOptions {
  /** What is being answered, for the logs ("/halt", "proposal button"). */
  readonly label: string;
  /** The command's spec says its replies are private: the safety defer uses it. */
  readonly ephemeral: boolean;
  readonly safetyDeferMs?: number;
  readonly log: Log;
  /** A confirmation prompt was shown (the bot cancels those still open when it closes). */
  readonly onPrompt?: (token: string) => void;
  /** Posts a public message in the interaction's channel when the interaction cannot carry it any more. */
  readonly fallback?: (message: OutgoingMessage) => Promise<void>;
}

type State = 'fresh' | 'deferred' | 'replied';

export class InteractionSink implements ReplySink {
  private state: State = 'fresh';
  private deferredEphemeral = false;
  private queue: Promise<unknown> = Promise.resolve();
  private safetyTimer: ReturnType<typeof setTimeout> | null;
  /** Latest progress text waiting to be shown (older ones are skipped: only the latest matters). */
  private pendingProgress: string | null = null;
  /** Prompts shown, as `editReply` targets: their buttons are removed once the command has answered. */
  private readonly prompts: string[] = [];

  constructor(
    private readonly interaction: RepliableInteraction,
    private readonly options: InteractionSinkOptions,
  ) {
    this.safetyTimer = setTimeout(() => {
      this.safetyTimer = null;
      void this.enqueue('safety defer', () => this.deferIfFresh(this.options.ephemeral)).catch(() => {});
    }, options.safetyDeferMs ?? SAFETY_DEFER_MS);
  }

  async defer(options: { readonly ephemeral: boolean }): Promise<void> {
    await this.enqueue('defer', () => this.deferIfFresh(options.ephemeral)).catch(() => {});
  }

  async progress(text: string): Promise<void> {
    this.pendingProgress = text;
    await this.enqueue('progress', async () => {
      const latest = this.pendingProgress;
      this.pendingProgress = null;
      if (latest === null) return;
      await this.deferIfFresh(this.options.ephemeral);
      // Only a deferred reply is still a placeholder to edit; after the answer, progress is moot.
      if (this.state === 'deferred') {
        await this.interaction.editReply({ content: truncate(`⏳ ${plainText(latest)}`, DISCORD_LIMITS.content), allowedMentions: { parse: [] } });
      }
    }).catch(() => {});
  }

  async reply(reply: Reply): Promise<void> {
    const messages = renderReply(reply);
    const ephemeral = reply.ephemeral === true;
    let sent = 0;
    try {
      await this.enqueue('reply', async () => {
        this.stopSafetyTimer();
        for (const message of messages) {
          if (sent === 0) await this.first(message, ephemeral);
          else await this.interaction.followUp({ ...message, ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}) });
          sent++;
        }
      });
    } catch {
      // The interaction is gone (too late, expired token): a public answer still reaches the channel.
      if (!ephemeral && this.options.fallback) {
        for (const message of messages.slice(sent)) {
          await this.options.fallback(message).catch((error: unknown) => this.options.log.warn({ err: messageOf(error) }, 'discord: fallback post failed'));
        }
      }
    }
    await this.closePrompts();
  }

  async confirm(request: ConfirmationRequest): Promise<void> {
    const messages = renderConfirmationMessages(request);
    // A bare prompt is private; a prompt with a body (a forge report) is as public as the command.
    const flags = request.body && request.body.ephemeral !== true ? {} : { flags: MessageFlags.Ephemeral as const };
    // Thrown on failure: the dispatcher withdraws a confirmation nobody could see.
    await this.enqueue('confirmation', async () => {
      this.stopSafetyTimer();
      for (const [i, message] of messages.entries()) {
        const buttons = i === messages.length - 1;
        if (this.state === 'fresh') {
          await this.interaction.reply({ ...message, ...flags });
          this.state = 'replied';
          if (buttons) this.prompts.push('@original');
        } else if (this.state === 'deferred') {
          await this.interaction.editReply({ ...message, content: message.content ?? '' });
          this.state = 'replied';
          if (buttons) this.prompts.push('@original');
        } else {
          const sent = await this.interaction.followUp({ ...message, ...flags });
          if (buttons) this.prompts.push(sent.id);
        }
      }
    });
    this.options.onPrompt?.(request.token);
  }

  /** Stops the safety timer (the dispatch is over). */
  dispose(): void {
    this.stopSafetyTimer();
  }

  /** The first message of a reply: the interaction's response, the deferred placeholder replaced, or a follow-up. */
  private async first(message: OutgoingMessage, ephemeral: boolean): Promise<void> {
    const flags = ephemeral ? { flags: MessageFlags.Ephemeral as const } : {};
    if (this.state === 'fresh') {
      await this.interaction.reply({ ...message, ...flags });
    } else if (this.state === 'deferred') {
      if (ephemeral && !this.deferredEphemeral) {
        // A public placeholder cannot turn private: say so in it, and answer privately below.
        await this.interaction.editReply({ content: 'Answered privately.', embeds: [], allowedMentions: { parse: [] } });
        await this.interaction.followUp({ ...message, flags: MessageFlags.Ephemeral });
      } else {
        await this.interaction.editReply({
          content: message.content ?? '',
          embeds: message.embeds ?? [],
          components: [],
          ...(message.files ? { files: message.files } : {}),
          allowedMentions: message.allowedMentions,
        });
      }
    } else {
      await this.interaction.followUp({ ...message, ...flags });
    }
    this.state = 'replied';
  }

  private async deferIfFresh(ephemeral: boolean): Promise<void> {
    if (this.state !== 'fresh') return;
    this.stopSafetyTimer();
    await this.interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    this.state = 'deferred';
    this.deferredEphemeral = ephemeral;
  }

  /** Removes the buttons of prompts shown here (answered ones lost them already; expired ones still have them). */
  private async closePrompts(): Promise<void> {
    for (const target of this.prompts.splice(0)) {
      await this.enqueue('close prompt', () => this.interaction.editReply({ message: target, components: [] })).catch(() => {});
    }
  }

  private stopSafetyTimer(): void {
    if (this.safetyTimer) clearTimeout(this.safetyTimer);
    this.safetyTimer = null;
  }

  /** Runs `work` after everything queued before it; its failure is logged and rethrown to this caller only. */
  private enqueue<T>(what: string, work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run.catch((error: unknown) => {
      this.options.log.warn({ command: this.options.label, step: what, err: messageOf(error) }, 'discord: interaction response failed');
      throw error;
    });
  }
}

/** Replies to a user's message (manager channel, DM, mention): the conversation with the manager. */
export class MessageSink implements ReplySink {
  private first = true;

  constructor(
    private readonly message: Message,
    private readonly log: Log,
    private readonly onPrompt?: (token: string) => void,
  ) {}

  async reply(reply: Reply): Promise<void> {
    for (const body of renderReply(reply)) {
      try {
        if (this.first) await this.message.reply({ ...body, allowedMentions: { parse: [], repliedUser: false } });
        else await this.send(body);
        this.first = false;
      } catch (error) {
        this.log.warn({ channel: this.message.channelId, err: messageOf(error) }, 'discord: reply to a message failed');
        return;
      }
    }
  }

  async defer(): Promise<void> {
    const channel = this.message.channel;
    if (channel.isSendable()) await channel.sendTyping().catch(() => {});
  }

  async progress(): Promise<void> {
    await this.defer();
  }

  async confirm(request: ConfirmationRequest): Promise<void> {
    for (const message of renderConfirmationMessages(request)) await this.send(message);
    this.onPrompt?.(request.token);
  }

  private async send(body: OutgoingMessage): Promise<void> {
    const channel = this.message.channel;
    if (!channel.isSendable()) throw new Error(`cannot send messages in channel ${this.message.channelId}`);
    await channel.send(body);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
