// Registers the slash commands with Discord: the specs of commands/ mapped to Discord's JSON,
// registered to one guild (guild commands update at once; global ones take up to an hour and
// reach every server the bot is in), hidden from everyone but administrators by
// default_member_permissions "0" — the owner allowlist in code is still what decides.
// Registration is a separate step (`npm run deploy-commands`), never a side effect of start-up,
// and only sends the commands when they differ from what Discord has.
import { REST, Routes } from 'discord.js';
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type APIApplicationCommand,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOption,
  type APIApplicationCommandSubcommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { CommandSpec, OptionSpec, OptionType } from '../chat/command.ts';

/** Nobody but administrators sees the commands unless a server admin grants them (Server Settings → Integrations). */
export const DEFAULT_MEMBER_PERMISSIONS = '0';

const OPTION_TYPES: Record<
  OptionType,
  ApplicationCommandOptionType.String | ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Boolean | ApplicationCommandOptionType.Number
> = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  boolean: ApplicationCommandOptionType.Boolean,
  number: ApplicationCommandOptionType.Number,
};

/** A command's spec as Discord's application command JSON. */
export function toDiscordCommand(spec: CommandSpec): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const options: APIApplicationCommandOption[] = spec.subcommands?.length
    ? spec.subcommands.map(
        (sub): APIApplicationCommandSubcommandOption => ({
          type: ApplicationCommandOptionType.Subcommand,
          name: sub.name,
          description: sub.description,
          ...(sub.options?.length ? { options: sub.options.map(toDiscordOption) } : {}),
        }),
      )
    : (spec.options ?? []).map(toDiscordOption);
  return {
    type: ApplicationCommandType.ChatInput,
    name: spec.name,
    description: spec.description,
    ...(options.length > 0 ? { options } : {}),
    default_member_permissions: DEFAULT_MEMBER_PERMISSIONS,
  };
}

export function toDiscordCommands(specs: readonly CommandSpec[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return specs.map(toDiscordCommand);
}

function toDiscordOption(option: OptionSpec): APIApplicationCommandBasicOption {
  const base = { name: option.name, description: option.description, required: option.required ?? false };
  switch (option.type) {
    case 'boolean':
      return { ...base, type: ApplicationCommandOptionType.Boolean };
    case 'string':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        ...(option.maxLength !== undefined ? { max_length: option.maxLength } : {}),
        ...(option.choices?.length ? { choices: option.choices.map((c) => ({ name: c.name, value: String(c.value) })) } : {}),
        ...(option.autocomplete ? { autocomplete: true } : {}),
      } as APIApplicationCommandBasicOption;
    case 'integer':
    case 'number': {
      const type = OPTION_TYPES[option.type] as ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number;
      return {
        ...base,
        type,
        ...(option.min !== undefined ? { min_value: option.min } : {}),
        ...(option.max !== undefined ? { max_value: option.max } : {}),
        ...(option.choices?.length ? { choices: option.choices.map((c) => ({ name: c.name, value: Number(c.value) })) } : {}),
        ...(option.autocomplete ? { autocomplete: true } : {}),
      } as APIApplicationCommandBasicOption;
    }
  }
}

/**
 * What decides whether Discord's copy is up to date: every field we send, with Discord's defaults
 * filled in (it leaves out `required: false`, adds ids, versions and localizations), in name order.
 */
export function commandsFingerprint(commands: readonly (RESTPostAPIChatInputApplicationCommandsJSONBody | APIApplicationCommand)[]): string {
  const normalizeOption = (o: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { type: o['type'], name: o['name'], description: o['description'] };
    const isContainer = o['type'] === ApplicationCommandOptionType.Subcommand || o['type'] === ApplicationCommandOptionType.SubcommandGroup;
    if (!isContainer) out['required'] = o['required'] === true;
    for (const key of ['min_value', 'max_value', 'min_length', 'max_length'] as const) if (o[key] !== undefined && o[key] !== null) out[key] = o[key];
    if (o['autocomplete'] === true) out['autocomplete'] = true;
    const choices = o['choices'] as { name: string; value: unknown }[] | undefined;
    if (choices?.length) out['choices'] = choices.map((c) => ({ name: c.name, value: c.value }));
    const options = o['options'] as Record<string, unknown>[] | undefined;
    if (options?.length) out['options'] = options.map(normalizeOption);
    return out;
  };
  const normalized = commands
    .map((c) => {
      const command = c as unknown as Record<string, unknown>;
      const options = command['options'] as Record<string, unknown>[] | undefined;
      return {
        type: command['type'] ?? ApplicationCommandType.ChatInput,
        name: command['name'],
        description: command['description'] ?? '',
        options: (options ?? []).map(normalizeOption),
        default_member_permissions: command['default_member_permissions'] ?? null,
        nsfw: command['nsfw'] === true,
      };
    })
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return JSON.stringify(normalized);
}

export interface DeployOptions {
  readonly token: string;
  readonly applicationId: string;
  readonly guildId: string;
  /** REST base (discord.js appends /v10). */
  readonly apiUrl: string;
  readonly specs: readonly CommandSpec[];
  /** Send them even when Discord's copy is the same. */
  readonly force?: boolean;
}

export interface DeployResult {
  /** 'registered': sent (PUT); 'unchanged': Discord already had exactly these. */
  readonly status: 'registered' | 'unchanged';
  readonly count: number;
  /** Command names Discord had that are gone now, and names that are new. */
  readonly removed: readonly string[];
  readonly added: readonly string[];
}

/** Registers the commands to the guild, only when they differ from what Discord has (GET first, then one PUT). */
export async function deployCommands(options: DeployOptions): Promise<DeployResult> {
  const rest = new REST({ api: options.apiUrl }).setToken(options.token);
  const route = Routes.applicationGuildCommands(options.applicationId, options.guildId);
  const wanted = toDiscordCommands(options.specs);
  const current = (await rest.get(route)) as APIApplicationCommand[];
  const before = new Set(current.map((c) => c.name));
  const after = new Set(wanted.map((c) => c.name));
  const removed = [...before].filter((n) => !after.has(n));
  const added = [...after].filter((n) => !before.has(n));
  if (!options.force && commandsFingerprint(current) === commandsFingerprint(wanted)) {
    return { status: 'unchanged', count: wanted.length, removed: [], added: [] };
  }
  // A bulk overwrite: commands keep their ids, missing ones are deleted, all in one request.
  await rest.put(route, { body: wanted });
  return { status: 'registered', count: wanted.length, removed, added };
}
