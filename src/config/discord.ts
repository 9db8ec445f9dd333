// The Discord transport's settings: the token, the application and guild, the owners, the REST
// base, and the channels alerts and the conversation use. Secrets come from the environment only;
// channel ids may also come from the config file's `discord:` section, which the environment
// overrides. Every error names the variable (or key) and what is wrong with it.
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { formatZodError } from '../crew/template.ts';

/** Discord's own REST base; discord.js appends /v10. */
export const DISCORD_DEFAULT_API_URL = 'https://discord.com/api';

export const CHANNEL_KINDS = ['trades', 'alerts', 'reports', 'manager'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

const SNOWFLAKE = /^\d{17,20}$/;
const SNOWFLAKE_HINT = 'a Discord id (a snowflake: 17 to 20 digits; Developer Mode → right-click → Copy ID)';

/** A Discord id as text. In YAML it must be quoted: as a number it would lose its last digits. */
const snowflake = z.custom<string>((value) => typeof value === 'string' && SNOWFLAKE.test(value.trim()), {
  error: (issue) =>
    typeof issue.input === 'number' || typeof issue.input === 'bigint'
      ? `${SNOWFLAKE_HINT}, written in quotes (as a number it loses digits)`
      : `${JSON.stringify(issue.input)} is not ${SNOWFLAKE_HINT}`,
});

/** The config file's `discord:` section (channel ids only: secrets stay in the environment). */
export const discordConfigSchema = z
  .object({
    channels: z
      .object({
        /** Fills. */
        trades: snowflake.optional(),
        /** Exits, risk denials, pauses, halts, bans, errors. */
        alerts: snowflake.optional(),
        /** The daily report. */
        reports: snowflake.optional(),
        /** Free text here goes to the manager (needs the Message Content intent). */
        manager: snowflake.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type DiscordFileConfig = z.infer<typeof discordConfigSchema>;

/** An empty variable ("DISCORD_GUILD_ID=") counts as unset. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v), schema.optional());

export const discordEnvSchema = z.object({
  DISCORD_TOKEN: optional(z.string().min(1)),
  DISCORD_APPLICATION_ID: optional(snowflake),
  DISCORD_GUILD_ID: optional(snowflake),
  DISCORD_OWNER_IDS: optional(z.string()),
  DISCORD_API_URL: optional(z.url({ protocol: /^https?$/, error: 'an http(s) URL such as https://discord.com/api' })),
  DISCORD_TRADES_CHANNEL_ID: optional(snowflake),
  DISCORD_ALERTS_CHANNEL_ID: optional(snowflake),
  DISCORD_REPORTS_CHANNEL_ID: optional(snowflake),
  DISCORD_MANAGER_CHANNEL_ID: optional(snowflake),
});

export type DiscordChannels = Partial<Record<ChannelKind, string>>;

/** Everything the Discord transport needs, checked. */
export interface DiscordSettings {
  readonly token: string;
  /** The application (deploy-commands needs it; the running bot learns it at login). */
  readonly applicationId: string | null;
  /** The guild the commands are registered to (deploy-commands). */
  readonly guildId: string | null;
  /** Never empty: the transport refuses to start without an owner. */
  readonly ownerIds: readonly string[];
  /** REST base (discord.js appends /v10). */
  readonly apiUrl: string;
  readonly channels: DiscordChannels;
}

/** Whether the environment asks for Discord (DISCORD_TOKEN set): else the console is the transport. */
export function discordRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['DISCORD_TOKEN'] ?? '').trim() !== '';
}

/**
 * The Discord settings from the environment (and the config file's `discord:` section, which the
 * environment overrides), or null when DISCORD_TOKEN is not set. Throws a ConfigError naming the
 * variable when one is malformed, and when no owner is configured.
 */
export function loadDiscordSettings(env: NodeJS.ProcessEnv = process.env, file?: unknown): DiscordSettings | null {
  const vars = parseDiscordEnv(env);
  if (!vars.DISCORD_TOKEN) return null;

  let fileChannels: DiscordChannels = {};
  if (file !== undefined && file !== null) {
    const fromFile = discordConfigSchema.safeParse(file);
    if (!fromFile.success) throw new ConfigError(`config file, discord: ${formatZodError(fromFile.error)}`);
    fileChannels = fromFile.data.channels;
  }

  const ownerIds = parseOwnerList(vars.DISCORD_OWNER_IDS);
  if (ownerIds.length === 0) {
    throw new ConfigError(
      'DISCORD_OWNER_IDS is not set: the Discord transport refuses to start without an owner, since nobody could run a command. ' +
        'Set it to your Discord user id (several: comma-separated), or unset DISCORD_TOKEN to use the console.',
    );
  }

  const channels: DiscordChannels = {};
  const fromEnv: Record<ChannelKind, string | undefined> = {
    trades: vars.DISCORD_TRADES_CHANNEL_ID,
    alerts: vars.DISCORD_ALERTS_CHANNEL_ID,
    reports: vars.DISCORD_REPORTS_CHANNEL_ID,
    manager: vars.DISCORD_MANAGER_CHANNEL_ID,
  };
  for (const kind of CHANNEL_KINDS) {
    const id = fromEnv[kind] ?? fileChannels[kind];
    if (id !== undefined) channels[kind] = id.trim();
  }

  return {
    token: vars.DISCORD_TOKEN,
    applicationId: vars.DISCORD_APPLICATION_ID ?? null,
    guildId: vars.DISCORD_GUILD_ID ?? null,
    ownerIds,
    apiUrl: (vars.DISCORD_API_URL ?? DISCORD_DEFAULT_API_URL).replace(/\/+$/, ''),
    channels,
  };
}

/** "123…, 456…" → ids; throws a ConfigError naming DISCORD_OWNER_IDS for an entry that is not a snowflake. */
export function parseOwnerList(value: string | undefined): string[] {
  const ids = (value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  for (const id of ids) {
    if (!SNOWFLAKE.test(id)) throw new ConfigError(`environment: DISCORD_OWNER_IDS: ${JSON.stringify(id)} is not ${SNOWFLAKE_HINT}`);
  }
  return [...new Set(ids)];
}

/** What `deploy-commands` needs: the token, the application, the guild and the REST base (owners are not needed). */
export interface RegistrationSettings {
  readonly token: string;
  readonly applicationId: string;
  readonly guildId: string;
  readonly apiUrl: string;
}

/** The registration settings from the environment; throws a ConfigError naming every missing or malformed variable. */
export function loadRegistrationSettings(env: NodeJS.ProcessEnv = process.env): RegistrationSettings {
  const vars = parseDiscordEnv(env);
  const missing = [
    vars.DISCORD_TOKEN ? null : 'DISCORD_TOKEN',
    vars.DISCORD_APPLICATION_ID ? null : 'DISCORD_APPLICATION_ID',
    vars.DISCORD_GUILD_ID ? null : 'DISCORD_GUILD_ID',
  ].filter((v): v is string => v !== null);
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing.join(', ')} must be set to register the commands (the bot's token, the application's id, and the id of the server the commands are registered to)`,
    );
  }
  return {
    token: vars.DISCORD_TOKEN!,
    applicationId: vars.DISCORD_APPLICATION_ID!,
    guildId: vars.DISCORD_GUILD_ID!,
    apiUrl: (vars.DISCORD_API_URL ?? DISCORD_DEFAULT_API_URL).replace(/\/+$/, ''),
  };
}

function parseDiscordEnv(env: NodeJS.ProcessEnv): z.infer<typeof discordEnvSchema> {
  const parsed = discordEnvSchema.safeParse(pickDiscordVariables(env));
  if (!parsed.success) throw new ConfigError(`environment: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

function pickDiscordVariables(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(discordEnvSchema.shape)) picked[key] = env[key];
  return picked;
}
