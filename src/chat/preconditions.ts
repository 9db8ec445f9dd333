// Who may do what, checked in code before any command, button, autocomplete or message is
// handled (Sapphire's preconditions, declared once instead of copied into each command).
// Discord-side permissions can be changed by a server admin; this allowlist cannot.
import type { CommandSpec, Reply, SubcommandSpec } from './command.ts';
import type { Actor } from '../services/result.ts';

/** Decides whether an actor is an owner. The answer replaces whatever `isOwner` a transport claimed. */
export type OwnerPolicy = (actor: Actor) => boolean;

/**
 * The owner allowlist: a Discord user is an owner only when their id is listed
 * (DISCORD_OWNER_IDS). Local interfaces — the console in the process's own terminal, the CLI, the
 * manager acting for the owner, tests — keep the `isOwner` their caller set.
 */
export function ownerAllowlist(discordOwnerIds: Iterable<string>): OwnerPolicy {
  const ids = new Set([...discordOwnerIds].map((id) => id.trim()).filter((id) => id !== ''));
  return (actor) => (actor.via === 'discord' ? ids.has(actor.id) : actor.isOwner);
}

/** DISCORD_OWNER_IDS ("123, 456") as a list. */
export function parseOwnerIds(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
}

/** What is being run: a command (and subcommand), or null for a button, a message, … */
export type PreconditionTarget = { readonly spec: CommandSpec; readonly sub: SubcommandSpec | null } | null;

export interface Precondition {
  readonly name: string;
  /** null when the actor may go on; else the refusal, in words. */
  check(actor: Actor, target: PreconditionTarget): string | null;
}

/** Every command: owners only. */
export function ownerOnly(isOwner: OwnerPolicy): Precondition {
  return {
    name: 'owner-only',
    check: (actor) => (isOwner(actor) ? null : 'crewdesk only takes commands from its owners'),
  };
}

/** Hard actions (lifting a halt, hard risk limits, the trading mode): never the manager. */
export const notTheManager: Precondition = {
  name: 'not-the-manager',
  check: (actor, target) => {
    if (!target || actor.via !== 'manager') return null;
    const { spec, sub } = target;
    return (sub?.hard ?? spec.hard) ? `the manager may never run /${spec.name}${sub ? ` ${sub.name}` : ''}: only an owner can` : null;
  },
};

/** The polite refusal a non-owner sees (private); the last one of an episode says no more answers follow. */
export function refusalReply(reason: string, last = false): Reply {
  const more = last ? ' Further attempts will not be answered.' : '';
  return { title: 'Not allowed', text: `Sorry — ${reason}. This attempt has been logged.${more}`, tone: 'bad', ephemeral: true };
}
