// The Discord settings: the console when there is no token; a clear error naming the variable for
// anything malformed; no owner, no Discord; channel ids from the config file, overridden by env.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.ts';
import { DISCORD_DEFAULT_API_URL, discordConfigSchema, discordRequested, loadDiscordSettings, loadRegistrationSettings } from '../../src/config/discord.ts';

const OWNER = '900000000000000002';
const BASE = { DISCORD_TOKEN: 'token', DISCORD_OWNER_IDS: OWNER };

describe('Discord settings', () => {
  it('are absent without DISCORD_TOKEN (the console is the transport)', () => {
    expect(discordRequested({})).toBe(false);
    expect(discordRequested({ DISCORD_TOKEN: '  ' })).toBe(false);
    expect(loadDiscordSettings({ DISCORD_OWNER_IDS: OWNER })).toBeNull();
    expect(discordRequested(BASE)).toBe(true);
  });

  it('read the owners, the REST base and the channels, env over the config file', () => {
    const settings = loadDiscordSettings(
      {
        ...BASE,
        DISCORD_OWNER_IDS: ` ${OWNER}, 900000000000000005 ,`,
        DISCORD_APPLICATION_ID: '900000000000000001',
        DISCORD_GUILD_ID: '',
        DISCORD_API_URL: 'http://127.0.0.1:4000/api/',
        DISCORD_ALERTS_CHANNEL_ID: '900000000000000202',
      },
      { channels: { alerts: '900000000000000299', trades: '900000000000000201' } },
    );
    expect(settings).toEqual({
      token: 'token',
      applicationId: '900000000000000001',
      guildId: null,
      ownerIds: [OWNER, '900000000000000005'],
      apiUrl: 'http://127.0.0.1:4000/api',
      channels: { trades: '900000000000000201', alerts: '900000000000000202' },
    });
    expect(loadDiscordSettings(BASE)?.apiUrl).toBe(DISCORD_DEFAULT_API_URL);
  });

  it('refuse to start without an owner, saying how to fix it', () => {
    expect(() => loadDiscordSettings({ DISCORD_TOKEN: 'token' })).toThrow(ConfigError);
    expect(() => loadDiscordSettings({ DISCORD_TOKEN: 'token', DISCORD_OWNER_IDS: ' , ' })).toThrow(
      /DISCORD_OWNER_IDS is not set: the Discord transport refuses to start without an owner/,
    );
  });

  it('name the variable that is malformed', () => {
    expect(() => loadDiscordSettings({ ...BASE, DISCORD_OWNER_IDS: `${OWNER},@me` })).toThrow(/DISCORD_OWNER_IDS: "@me" is not a Discord id/);
    expect(() => loadDiscordSettings({ ...BASE, DISCORD_GUILD_ID: '12345' })).toThrow(/DISCORD_GUILD_ID: "12345" is not a Discord id/);
    expect(() => loadDiscordSettings({ ...BASE, DISCORD_MANAGER_CHANNEL_ID: '#manager' })).toThrow(/DISCORD_MANAGER_CHANNEL_ID/);
    expect(() => loadDiscordSettings({ ...BASE, DISCORD_API_URL: 'discord.com' })).toThrow(/DISCORD_API_URL: an http\(s\) URL/);
  });

  it('refuse a channel id written as a YAML number (it would lose digits), and unknown keys', () => {
    // biome-ignore lint/correctness/noPrecisionLoss: a snowflake written as a number loses digits: the schema must refuse it
    expect(discordConfigSchema.safeParse({ channels: { alerts: 900000000000000202 } }).success).toBe(false);
    // biome-ignore lint/correctness/noPrecisionLoss: as above
    expect(() => loadDiscordSettings(BASE, { channels: { alerts: 900000000000000202 } })).toThrow(/discord: channels\.alerts: .*in quotes/);
    expect(() => loadDiscordSettings(BASE, { channels: { alert: '900000000000000202' } })).toThrow(/unknown key "alert"/);
  });

  it('for registering commands, need the token, the application and the guild — and no owner', () => {
    expect(() => loadRegistrationSettings({ DISCORD_TOKEN: 'token' })).toThrow(/DISCORD_APPLICATION_ID, DISCORD_GUILD_ID must be set/);
    expect(loadRegistrationSettings({ DISCORD_TOKEN: 'token', DISCORD_APPLICATION_ID: '900000000000000001', DISCORD_GUILD_ID: '900000000000000100' })).toEqual({
      token: 'token',
      applicationId: '900000000000000001',
      guildId: '900000000000000100',
      apiUrl: DISCORD_DEFAULT_API_URL,
    });
  });
});
