// What a chat command is, independent of where it is typed: a Discord slash command and the same
// line in the console run one module from commands/. Transports (Discord, console) turn their
// input into an Invocation for the Dispatcher (src/chat/dispatcher.ts) and implement a ReplySink;
// the dispatcher builds the CommandContext around it. Transports render the Reply.
import type { Actor } from '../services/result.ts';

export type OptionType = 'string' | 'integer' | 'number' | 'boolean';

/** What an option's autocomplete offers. */
export type AutocompleteSource = 'crew' | 'module' | 'symbol' | 'team' | 'param' | 'risk-limit' | 'interval';

export interface OptionSpec {
  readonly name: string;
  readonly description: string;
  readonly type: OptionType;
  readonly required?: boolean;
  readonly choices?: readonly { readonly name: string; readonly value: string | number }[];
  readonly autocomplete?: AutocompleteSource;
  readonly min?: number;
  readonly max?: number;
  readonly maxLength?: number;
}

export interface SubcommandSpec {
  readonly name: string;
  readonly description: string;
  readonly options?: readonly OptionSpec[];
  /** Overrides the command's `mutating` for this subcommand (/crew list reads, /crew set writes). */
  readonly mutating?: boolean;
  /** Overrides the command's `hard` for this subcommand (/risk set is hard, /risk show is not). */
  readonly hard?: boolean;
}

export interface CommandSpec {
  /** Lower-case, as Discord requires: /status, /crew, … */
  readonly name: string;
  readonly description: string;
  readonly options?: readonly OptionSpec[];
  readonly subcommands?: readonly SubcommandSpec[];
  /** Replies only the asker sees (balances, positions, risk). */
  readonly ephemeral?: boolean;
  /** Work that may take over a second: the transport defers first (Discord's 3-second deadline). */
  readonly slow?: boolean;
  /** Changes something: the dispatcher audits every run with the actor and the interface. */
  readonly mutating?: boolean;
  /** An action the manager (LLM) may never take, whatever it is told: lifting a halt, hard limits, mode. */
  readonly hard?: boolean;
  /** Starts at once, before anything else is awaited, and never waits behind other work (/halt). */
  readonly urgent?: boolean;
}

/** One autocomplete suggestion (Discord shows at most 25; names and values at most 100 characters). */
export interface AutocompleteChoice {
  readonly name: string;
  readonly value: string;
}

/** A reply, rendered as an embed on Discord and as text in the console. */
export interface Reply {
  readonly title?: string;
  readonly text?: string;
  readonly fields?: readonly { readonly name: string; readonly value: string; readonly inline?: boolean }[];
  /** good: green (profit, done), bad: red (loss, refused), warn: amber (halt), info: blue. */
  readonly tone?: 'good' | 'bad' | 'warn' | 'info';
  readonly files?: readonly { readonly name: string; readonly data: Buffer }[];
  readonly ephemeral?: boolean;
  /** Monospace block (tables, logs). */
  readonly code?: string;
  /** The command did not do what was asked (a service said no): audited as refused. Not shown. */
  readonly refused?: boolean;
}

export interface OptionValues {
  string(name: string): string | null;
  integer(name: string): number | null;
  number(name: string): number | null;
  boolean(name: string): boolean | null;
}

/** withdrawn: nobody answered — the prompt could not be shown, or the desk is shutting down. */
export type ConfirmOutcome = 'confirmed' | 'cancelled' | 'expired' | 'withdrawn';

export interface ConfirmOptions {
  readonly timeoutMs?: number;
  readonly confirmLabel?: string;
  readonly cancelLabel?: string;
  /** A whole reply to show with the buttons (a forge report), instead of the prompt alone. */
  readonly body?: Reply;
}

export interface CommandContext<S = unknown> {
  readonly actor: Actor;
  readonly command: string;
  readonly subcommand: string | null;
  readonly options: OptionValues;
  readonly services: S;
  /** The conversation this came from (a Discord channel id, "console"): the manager keeps context per key. */
  readonly channel?: string;
  /** Every command the dispatcher knows (for /help). */
  readonly commands?: readonly CommandSpec[];
  /** Sends (or, after defer/progress, replaces) the reply. */
  reply(reply: Reply): Promise<void>;
  /** Updates a deferred reply with progress text (no-op where there is nothing to edit). */
  progress(text: string): Promise<void>;
  /** Asks the asker to confirm with a single-use button bound to them; expires after `timeoutMs`. */
  confirm(prompt: string, options?: ConfirmOptions): Promise<ConfirmOutcome>;
}

/** A confirmation the transport shows: Discord as two buttons, the console as a y/n question. */
export interface ConfirmationRequest {
  /** Single-use; the answer must come from `actorId` before `expiresAt`. Discord: put it in the button's custom id. */
  readonly token: string;
  readonly actorId: string;
  readonly prompt: string;
  readonly confirmLabel: string;
  /** The other button's label (default: Cancel). */
  readonly cancelLabel?: string;
  /** Shown with the buttons instead of the prompt alone (Discord: the report's embeds carry them). */
  readonly body?: Reply;
  /** ms since epoch. */
  readonly expiresAt: number;
}

/**
 * What a transport gives the dispatcher for one command: where its replies go. The dispatcher
 * builds the CommandContext around it; a transport never runs a command itself.
 */
export interface ReplySink {
  /** Sends the reply, or replaces a deferred one / the progress message. Later calls add follow-ups or replace: the transport decides. */
  reply(reply: Reply): Promise<void>;
  /** Called before a slow command runs (Discord: deferReply, with the ephemeral flag). */
  defer?(options: { readonly ephemeral: boolean }): Promise<void>;
  /** Progress of a deferred command (Discord: edit the deferred reply). */
  progress?(text: string): Promise<void>;
  /** Shows a confirmation; the answer comes back through Dispatcher.answerConfirmation. */
  confirm(request: ConfirmationRequest): Promise<void>;
}

export interface CommandModule<S = unknown> {
  readonly data: CommandSpec;
  execute(ctx: CommandContext<S>): Promise<void>;
}
