import {
  ApplicationFlags,
  ChannelType,
  type ChannelFlags,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildMFALevel,
  type GuildMemberFlags,
  GuildNSFWLevel,
  GuildPremiumTier,
  type GuildSystemChannelFlags,
  GuildVerificationLevel,
  Locale,
  PermissionFlagsBits,
  type RoleFlags,
  type UserFlags,
} from 'discord-api-types/v10';
import type { APIApplication, APIDMChannel, APIGuild, APIGuildMember, APIRole, APITextChannel, APIUser } from 'discord-api-types/v10';
import { FAKE_DISCORD_IDS, FIRST_CHANNEL_ID, snowflake } from './ids.ts';

/** What can be overridden about the preset world. */
export interface WorldOptions {
  /** Bot token the fake accepts (REST `Authorization: Bot <token>` and gateway IDENTIFY/RESUME). */
  readonly token?: string;
  /** Names of the guild's text channels, created in order. Default: trades, alerts, reports, manager. */
  readonly channels?: readonly string[];
  readonly guildName?: string;
  readonly botUsername?: string;
  readonly ownerUsername?: string;
  readonly strangerUsername?: string;
}

export const DEFAULT_CHANNELS = ['trades', 'alerts', 'reports', 'manager'] as const;

/** The fake's whole Discord: three users, one guild with text channels, DM channels made on demand. */
export interface World {
  readonly token: string;
  readonly users: { readonly bot: APIUser; readonly owner: APIUser; readonly stranger: APIUser };
  /** Every user the fake knows, by id (presets plus any added with `addUser`). */
  readonly usersById: Map<string, APIUser>;
  readonly application: APIApplication;
  readonly guild: APIGuild;
  readonly guildJoinedAt: string;
  readonly members: Map<string, APIGuildMember>;
  /** Guild text channels by id. */
  readonly channels: Map<string, APITextChannel>;
  /** Guild text channels by name. */
  readonly channelsByName: Record<string, APITextChannel>;
  /** DM channels by id. */
  readonly dmChannels: Map<string, APIDMChannel>;
}

/** Every permission bit: what the guild owner (and Administrator) effectively has. */
export const ALL_PERMISSIONS: bigint = Object.values(PermissionFlagsBits).reduce((acc, bit) => acc | bit, 0n);

/** What @everyone may do in the fake guild. */
const EVERYONE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.SendMessagesInThreads;

/** What the bot's managed role adds (a realistic invite, not Administrator). */
const BOT_ROLE_PERMISSIONS =
  EVERYONE_PERMISSIONS | PermissionFlagsBits.ManageMessages | PermissionFlagsBits.UseExternalEmojis | PermissionFlagsBits.MentionEveryone;

export function makeUser(id: string, username: string, bot = false): APIUser {
  return {
    id,
    username,
    discriminator: '0',
    global_name: bot ? null : username.charAt(0).toUpperCase() + username.slice(1),
    avatar: null,
    ...(bot ? { bot: true } : {}),
    public_flags: 0 as UserFlags,
    flags: 0 as UserFlags,
  };
}

function makeRole(id: string, name: string, permissions: bigint, position: number, botId?: string): APIRole {
  return {
    id,
    name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions: permissions.toString(),
    managed: botId !== undefined,
    mentionable: false,
    ...(botId !== undefined ? { tags: { bot_id: botId } } : {}),
    flags: 0 as RoleFlags,
  };
}

export function makeMember(user: APIUser, roles: string[], joinedAt: string): APIGuildMember {
  return {
    user,
    nick: null,
    avatar: null,
    roles,
    joined_at: joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  };
}

export function buildWorld(options: WorldOptions = {}): World {
  const ids = FAKE_DISCORD_IDS;
  const bot = makeUser(ids.bot, options.botUsername ?? 'crewdesk', true);
  const owner = makeUser(ids.owner, options.ownerUsername ?? 'owner');
  const stranger = makeUser(ids.stranger, options.strangerUsername ?? 'stranger');
  const token = options.token ?? `${Buffer.from(ids.bot).toString('base64url')}.FakeDs.fake-discord-bot-token`;
  const joinedAt = new Date('2024-01-01T00:00:00.000Z').toISOString();

  const roles = [makeRole(ids.guild, '@everyone', EVERYONE_PERMISSIONS, 0), makeRole(ids.botRole, bot.username, BOT_ROLE_PERMISSIONS, 1, bot.id)];

  const guild: APIGuild = {
    id: ids.guild,
    name: options.guildName ?? 'crewdesk test desk',
    icon: null,
    icon_hash: null,
    splash: null,
    discovery_splash: null,
    owner_id: owner.id,
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: GuildVerificationLevel.None,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled,
    roles,
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null,
    max_presences: null,
    max_members: 500_000,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: GuildPremiumTier.None,
    premium_subscription_count: 0,
    preferred_locale: Locale.EnglishUS,
    public_updates_channel_id: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: GuildNSFWLevel.Default,
    premium_progress_bar_enabled: false,
    hub_type: null,
    safety_alerts_channel_id: null,
    incidents_data: null,
  };

  const channels = new Map<string, APITextChannel>();
  const channelsByName: Record<string, APITextChannel> = {};
  (options.channels ?? DEFAULT_CHANNELS).forEach((name, index) => {
    const channel: APITextChannel = {
      id: (FIRST_CHANNEL_ID + BigInt(index)).toString(),
      type: ChannelType.GuildText,
      guild_id: guild.id,
      name,
      position: index,
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      topic: null,
      last_message_id: null,
      rate_limit_per_user: 0,
      flags: 0 as ChannelFlags,
    };
    channels.set(channel.id, channel);
    channelsByName[name] = channel;
  });

  const members = new Map<string, APIGuildMember>([
    [bot.id, makeMember(bot, [ids.botRole], joinedAt)],
    [owner.id, makeMember(owner, [], joinedAt)],
    [stranger.id, makeMember(stranger, [], joinedAt)],
  ]);

  const application: APIApplication = {
    id: bot.id,
    name: bot.username,
    icon: null,
    description: 'crewdesk trading bot (FakeDiscord)',
    bot_public: false,
    bot_require_code_grant: false,
    bot,
    owner,
    summary: '',
    verify_key: '0'.repeat(64),
    team: null,
    flags: ApplicationFlags.GatewayMessageContentLimited as ApplicationFlags,
    flags_new: String(ApplicationFlags.GatewayMessageContentLimited),
    approximate_guild_count: 1,
    interactions_endpoint_url: null,
    role_connections_verification_url: null,
  };

  return {
    token,
    users: { bot, owner, stranger },
    usersById: new Map([bot, owner, stranger].map((user) => [user.id, user])),
    application,
    guild,
    guildJoinedAt: joinedAt,
    members,
    channels,
    channelsByName,
    dmChannels: new Map(),
  };
}

/** The DM channel between the bot and `user`, created on first use (as `POST /users/@me/channels` does). */
export function dmChannelFor(world: World, user: APIUser): APIDMChannel {
  for (const channel of world.dmChannels.values()) {
    if (channel.recipients?.some((recipient) => recipient.id === user.id)) return channel;
  }
  const channel: APIDMChannel = {
    id: snowflake(),
    type: ChannelType.DM,
    name: null,
    last_message_id: null,
    recipients: [user],
    flags: 0 as ChannelFlags,
  };
  world.dmChannels.set(channel.id, channel);
  return channel;
}

/** Effective guild-level permissions of a member (owner and Administrator get everything). */
export function memberPermissions(world: World, userId: string): bigint {
  if (userId === world.guild.owner_id) return ALL_PERMISSIONS;
  const member = world.members.get(userId);
  const roleIds = new Set([world.guild.id, ...(member?.roles ?? [])]);
  let permissions = 0n;
  for (const role of world.guild.roles) {
    if (roleIds.has(role.id)) permissions |= BigInt(role.permissions);
  }
  return (permissions & PermissionFlagsBits.Administrator) !== 0n ? ALL_PERMISSIONS : permissions;
}
