// The one place chat input is handled, whatever the transport: commands, confirmation answers
// (buttons), autocomplete and free text. Every entry checks the owner allowlist in code first; a
// refusal is polite, private and audited, and a stranger's repeated attempts are throttled (the
// first few answered, the first audited, the rest counted: see refusal-throttle.ts). Options are checked against the spec, the command runs,
// a thrown error becomes a private "Something went wrong" reply, and every mutating command is
// audited with the actor and the interface. Commands run concurrently: nothing waits behind a slow
// one, and an urgent command (/halt) starts before anything at all is awaited.
import type { Logger } from '../log/logger.ts';
import type { Actor } from '../services/result.ts';
import { autocomplete as suggest } from './autocomplete.ts';
import type {
  AutocompleteChoice,
  CommandContext,
  CommandModule,
  CommandSpec,
  ConfirmOptions,
  ConfirmOutcome,
  Reply,
  ReplySink,
  SubcommandSpec,
} from './command.ts';
import { COMMANDS_DIR, type CommandLoadProblem, checkCommand, loadCommands } from './command-loader.ts';
import { type ConfirmAnswer, Confirmations } from './confirmations.ts';
import { askManager } from './conversation.ts';
import { optionsOf, optionValues, validateOptions } from './options.ts';
import { notTheManager, ownerAllowlist, ownerOnly, type OwnerPolicy, type Precondition, refusalReply } from './preconditions.ts';
import { type RefusalEpisode, RefusalThrottle, type RefusalThrottleOptions } from './refusal-throttle.ts';
import { capitalize } from './render.ts';
import type { ChatServices } from './services.ts';

export type ChatCommand = CommandModule<ChatServices>;

export interface DispatcherOptions {
  readonly services: ChatServices;
  /** Who is an owner. Default: no Discord user (ownerAllowlist([])); local interfaces keep their own flag. */
  readonly isOwner?: OwnerPolicy;
  readonly confirmations?: Confirmations;
  readonly log?: Pick<Logger, 'error' | 'warn'>;
  /** How a non-owner's repeated attempts are throttled (defaults: 3 answers, 15 quiet minutes end an episode). */
  readonly refusals?: RefusalThrottleOptions;
}

/** A command as a transport received it; option values raw (Discord's typed ones, or text). */
export interface Invocation {
  readonly actor: Actor;
  readonly command: string;
  readonly subcommand?: string | null;
  readonly options?: Readonly<Record<string, unknown>>;
  /** The conversation key (Discord channel id, "console"). */
  readonly channel?: string;
}

export interface AutocompleteQuery {
  readonly actor: Actor;
  readonly command: string;
  readonly subcommand?: string | null;
  /** The option being typed. */
  readonly option: string;
  readonly partial: string;
  /** The other options typed so far. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** How a dispatch ended (the reply has been sent whatever it is). */
export type DispatchOutcome = 'done' | 'refused' | 'invalid' | 'failed' | 'unknown-command';

type EntryKind = 'command' | 'button' | 'autocomplete' | 'message';

export class Dispatcher {
  private readonly commands: Map<string, ChatCommand>;
  private readonly isOwner: OwnerPolicy;
  private readonly preconditions: readonly Precondition[];
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly refusals: RefusalThrottle;
  readonly confirmations: Confirmations;
  readonly services: ChatServices;

  constructor(
    commands: Iterable<ChatCommand>,
    private readonly options: DispatcherOptions,
    /** Modules found broken while loading (reported, skipped). */
    readonly problems: readonly CommandLoadProblem[] = [],
  ) {
    this.commands = new Map();
    for (const command of commands) {
      const problem = checkCommand(command);
      if (problem) throw new Error(`invalid command module: ${problem}`);
      this.commands.set(command.data.name, command);
    }
    this.services = options.services;
    this.isOwner = options.isOwner ?? ownerAllowlist([]);
    this.preconditions = [ownerOnly(this.isOwner), notTheManager];
    this.confirmations = options.confirmations ?? new Confirmations();
    this.refusals = new RefusalThrottle(options.refusals);
  }

  /** Loads every module in `dirs` (default: commands/); a broken one is in `problems` and skipped. */
  static async load(options: DispatcherOptions & { readonly dirs?: readonly string[] }): Promise<Dispatcher> {
    const { commands, problems } = await loadCommands<ChatServices>(options.dirs ?? [COMMANDS_DIR]);
    for (const p of problems) options.log?.warn({ path: p.path }, `command module skipped: ${p.reason}`);
    return new Dispatcher(commands.values(), options, problems);
  }

  /** Every command's spec, in load order (for /help and for registering with Discord). */
  specs(): CommandSpec[] {
    return [...this.commands.values()].map((c) => c.data);
  }

  get(name: string): ChatCommand | undefined {
    return this.commands.get(name);
  }

  /** Runs a command. Never rejects: every failure is a reply. */
  dispatch(invocation: Invocation, sink: ReplySink): Promise<DispatchOutcome> {
    return this.track(this.run(invocation, sink));
  }

  /** Autocomplete for an option. Non-owners get nothing (and are audited). */
  async autocomplete(query: AutocompleteQuery): Promise<AutocompleteChoice[]> {
    return this.track(
      (async () => {
        const command = this.commands.get(query.command);
        const specs = command ? optionsOf(command.data, query.subcommand ?? null) : null;
        const sub = specs?.ok ? specs.value.sub : null;
        const refusal = this.refusal(query.actor, command?.data ?? null, sub);
        if (refusal) {
          await this.refuse(query.actor, 'autocomplete', command ? label(command.data, sub) : `/${query.command}`, refusal, null);
          return [];
        }
        if (!specs?.ok) return [];
        const option = specs.value.options.find((o) => o.name === query.option);
        if (!option?.autocomplete) return [];
        try {
          return suggest(option.autocomplete, query.partial, this.services, { ...(query.options ? { options: query.options } : {}) });
        } catch (error) {
          this.options.log?.error({ command: query.command, option: query.option, err: messageOf(error) }, 'autocomplete failed');
          return [];
        }
      })(),
    );
  }

  /** A confirmation answered (a button pressed, "y" typed). The reply is for the one who answered; null: none (a throttled stranger). */
  async answerConfirmation(token: string, actor: Actor, answer: ConfirmAnswer): Promise<Reply | null> {
    const refusal = this.refusal(actor, null, null);
    if (refusal) {
      let reply: Reply | null = null;
      await this.refuse(actor, 'button', 'confirmation', refusal, { reply: async (r) => void (reply = r) });
      return reply;
    }
    const asked = this.confirmations.openRequests().find((r) => r.token === token);
    const result = this.confirmations.answer(token, actor.id, answer);
    if (!result.ok) return { text: `Not accepted: ${result.error}.`, tone: 'bad', ephemeral: true };
    const confirmed = result.value === 'confirmed';
    // A prompt with its own labels (a forge report's Approve / Reject) is answered in them.
    const text = asked?.body ? `${confirmed ? asked.confirmLabel : (asked.cancelLabel ?? 'Cancel')}: answered.` : confirmed ? 'Confirmed.' : 'Cancelled.';
    return { text, tone: confirmed ? 'good' : 'info', ephemeral: true };
  }

  /** Free text (manager channel, DM, mention, a console line without "/"): to the manager. */
  converse(input: { readonly actor: Actor; readonly text: string; readonly channel: string }, sink: ReplySink): Promise<DispatchOutcome> {
    return this.track(
      (async (): Promise<DispatchOutcome> => {
        const refusal = this.refusal(input.actor, null, null);
        if (refusal) {
          await this.refuse(input.actor, 'message', 'free text', refusal, sink);
          return 'refused';
        }
        const actor = this.asSeen(input.actor);
        try {
          if (this.services.manager) await sink.defer?.({ ephemeral: false });
          await this.send(sink, await askManager(this.services, input.text, input.channel, actor));
          return 'done';
        } catch (error) {
          await this.failed(sink, error, 'free text');
          return 'failed';
        }
      })(),
    );
  }

  /** Resolves when every command, autocomplete and message under way has finished. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Cancels open confirmations (the commands waiting on them go on with "cancelled"), waits for the work under way, then audits the refusal counts still open. */
  async close(): Promise<void> {
    this.confirmations.cancelAll('withdrawn');
    await this.idle();
    await this.auditEpisodes(this.refusals.drain());
  }

  private async run(invocation: Invocation, sink: ReplySink): Promise<DispatchOutcome> {
    const { actor } = invocation;
    const command = this.commands.get(invocation.command);
    const spec = command?.data ?? null;
    const resolved = spec ? optionsOf(spec, invocation.subcommand ?? null) : null;
    const sub = resolved?.ok ? resolved.value.sub : null;
    const name = spec ? label(spec, sub) : `/${invocation.command}`;
    // Ownership before anything else, even before telling a stranger which commands exist or what their options are.
    const refusal = this.refusal(actor, spec, sub);
    if (refusal) {
      await this.refuse(actor, 'command', name, refusal, sink);
      return 'refused';
    }
    if (!command || !spec || !resolved) {
      await this.send(sink, { text: `Unknown command /${invocation.command}. /help lists the commands.`, tone: 'bad', ephemeral: true });
      return 'unknown-command';
    }
    if (!resolved.ok) {
      await this.send(sink, { text: `${capitalize(resolved.error)}.`, tone: 'bad', ephemeral: true });
      return 'invalid';
    }
    const validated = validateOptions(resolved.value.options, invocation.options ?? {}, name);
    if (!validated.ok) {
      await this.send(sink, { text: `${capitalize(validated.error)}. /help ${spec.name} shows its options.`, tone: 'bad', ephemeral: true });
      return 'invalid';
    }

    const ephemeral = spec.ephemeral ?? false;
    let replied = false;
    let refused = false;
    const seen = this.asSeen(actor);
    const ctx: CommandContext<ChatServices> = {
      actor: seen,
      command: spec.name,
      subcommand: sub?.name ?? null,
      options: optionValues(validated.value),
      services: this.services,
      ...(invocation.channel !== undefined ? { channel: invocation.channel } : {}),
      commands: this.specs(),
      reply: async (reply) => {
        replied = true;
        refused = reply.refused === true;
        await sink.reply({ ...reply, ephemeral: reply.ephemeral ?? ephemeral });
      },
      progress: async (text) => {
        try {
          await sink.progress?.(text);
        } catch (error) {
          this.options.log?.warn({ command: name, err: messageOf(error) }, 'progress update failed');
        }
      },
      confirm: (prompt, opts) => this.confirm(seen, sink, prompt, opts),
    };

    let outcome: DispatchOutcome;
    try {
      // Urgent commands start here, synchronously: no await has happened since dispatch() was called.
      if (spec.slow && !spec.urgent) await sink.defer?.({ ephemeral });
      await command.execute(ctx);
      if (!replied) await ctx.reply({ text: 'Done.', tone: 'good' });
      outcome = refused ? 'refused' : 'done';
    } catch (error) {
      await this.failed(sink, error, name);
      outcome = 'failed';
    }
    if (sub?.mutating ?? spec.mutating) {
      await this.audit(seen, 'command', { command: name, options: Object.fromEntries(validated.value), outcome });
    }
    return outcome;
  }

  private async confirm(actor: Actor, sink: ReplySink, prompt: string, options?: ConfirmOptions): Promise<ConfirmOutcome> {
    const { request, outcome } = this.confirmations.open(actor.id, prompt, options);
    try {
      await sink.confirm(request);
    } catch (error) {
      this.confirmations.cancel(request.token, 'withdrawn');
      throw error;
    }
    return outcome;
  }

  /** The first precondition that refuses, in words; null when the actor may go on. */
  private refusal(actor: Actor, spec: CommandSpec | null, sub: SubcommandSpec | null): string | null {
    const target = spec ? { spec, sub } : null;
    for (const p of this.preconditions) {
      const reason = p.check(actor, target);
      if (reason) return reason;
    }
    return null;
  }

  /** The actor as services see it: ownership decided by the policy, not by the transport's claim. */
  private asSeen(actor: Actor): Actor {
    return { ...actor, isOwner: this.isOwner(actor) };
  }

  /**
   * A refused attempt: audited and answered. A non-owner's attempts are throttled: the first of an
   * episode audited at once, the first few answered, the rest counted (audited when the episode
   * ends). The manager's refused hard actions are not throttled: each is audited and answered.
   */
  private async refuse(actor: Actor, kind: EntryKind, what: string, reason: string, sink: Pick<ReplySink, 'reply'> | null): Promise<void> {
    const detail = { kind, what, reason, claimedOwner: actor.isOwner };
    if (this.isOwner(actor)) {
      await this.audit(actor, 'refused', detail);
      if (sink) await this.send(sink, refusalReply(reason));
      return;
    }
    const decision = this.refusals.note(actor, what);
    await this.auditEpisodes(decision.ended);
    if (decision.auditNow) await this.audit(actor, 'refused', detail);
    if (sink && decision.reply) await this.send(sink, refusalReply(reason, decision.lastReply));
  }

  /** One row per ended episode with repeats: how many attempts, from when to when, at what. */
  private async auditEpisodes(episodes: readonly RefusalEpisode[]): Promise<void> {
    for (const e of episodes) {
      await this.audit(e.actor, 'refused.repeated', { count: e.count, from: e.from, to: e.to, what: e.what, claimedOwner: e.actor.isOwner });
    }
  }

  private async audit(actor: Actor, action: string, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.services.desk.audit(actor, action, detail);
    } catch (error) {
      this.options.log?.error({ action, err: messageOf(error) }, 'audit write failed');
    }
  }

  private async failed(sink: ReplySink, error: unknown, what: string): Promise<void> {
    this.options.log?.error({ command: what, err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'chat command failed');
    await this.send(sink, { text: `Something went wrong: ${messageOf(error)}`, tone: 'bad', ephemeral: true });
  }

  /** Sends a reply the dispatcher itself makes; a transport failure is logged, never thrown. */
  private async send(sink: Pick<ReplySink, 'reply'>, reply: Reply): Promise<void> {
    try {
      await sink.reply(reply);
    } catch (error) {
      this.options.log?.error({ err: messageOf(error) }, 'chat reply failed');
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work)).catch(() => {});
    return work;
  }
}

function label(spec: CommandSpec, sub: SubcommandSpec | null): string {
  return `/${spec.name}${sub ? ` ${sub.name}` : ''}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
