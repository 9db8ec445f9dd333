import { randomBytes } from 'node:crypto';

/** Discord's epoch (2015-01-01T00:00:00Z) in ms, the base of every snowflake's timestamp. */
const DISCORD_EPOCH = 1_420_070_400_000n;

let lastSnowflake = 0n;
let increment = 0n;

/**
 * A fresh snowflake for "now": timestamp bits from the clock, strictly increasing within the process so
 * that ordering by id matches creation order (discord.js sorts caches by id).
 */
export function snowflake(at: number = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  let value = ((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment;
  if (value <= lastSnowflake) value = lastSnowflake + 1n;
  lastSnowflake = value;
  return value.toString();
}

/** An opaque token such as an interaction token. */
export function randomToken(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

/**
 * Fixed ids of the preset world, so that tests (and bot config under test) can name them up front.
 * Each is a valid snowflake (its timestamp falls in 2015), far below the ids minted at run time.
 */
export const FAKE_DISCORD_IDS = {
  /** The bot user; also the application id, as for every Discord bot created since 2019. */
  bot: '900000000000000001',
  /** The desk owner: owns the guild and the application. */
  owner: '900000000000000002',
  /** A guild member with no special role. */
  stranger: '900000000000000003',
  guild: '900000000000000100',
  /** The bot's managed role. */
  botRole: '900000000000000301',
  /** Ids of the default text channels (channel n of `channels` gets 900000000000000201 + n). */
  channels: {
    trades: '900000000000000201',
    alerts: '900000000000000202',
    reports: '900000000000000203',
    manager: '900000000000000204',
  },
} as const;

/** Channel `index` of the guild gets this id plus `index`. */
export const FIRST_CHANNEL_ID = 900000000000000201n;
