// The whole Discord path for tests: FakeDiscord on 127.0.0.1, the commands registered to its
// guild by deploy-commands, a real desk (temp SQLite, paper exchange, the bidder and sma crews),
// and the real discord.js client started by startDiscord with the owner allowlist. What the bot
// logs is kept, so a test can say that nothing went wrong behind its back.
import { Writable } from 'node:stream';
import type { APIUser } from 'discord-api-types/v10';
import { expect } from 'vitest';
import { Dispatcher } from '../../src/chat/dispatcher.ts';
import type { RefusalThrottleOptions } from '../../src/chat/refusal-throttle.ts';
import { Confirmations } from '../../src/chat/confirmations.ts';
import { ownerAllowlist } from '../../src/chat/preconditions.ts';
import type { ChatServices } from '../../src/chat/services.ts';
import type { Candle } from '../../src/core/domain.ts';
import { type DiscordHandle, startDiscord } from '../../src/discord/bot.ts';
import type { DiscordSettings } from '../../src/config/discord.ts';
import { deployCommands } from '../../src/discord/deploy.ts';
import { createLogger } from '../../src/log/logger.ts';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { DeskService } from '../../src/services/desk-service.ts';
import { openTwoCrewHarness } from '../chat/chat-harness.ts';
import { FAKE_DISCORD_IDS, FakeDiscord, type FakeDiscordOptions, type InteractionHandle, type StoredMessage } from '../fakes/discord/fake-discord.ts';
import type { Harness } from '../support/desk-harness.ts';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface DiscordDesk {
  readonly fake: FakeDiscord;
  readonly h: Harness;
  readonly services: ChatServices;
  readonly dispatcher: Dispatcher;
  readonly bot: DiscordHandle;
  readonly settings: DiscordSettings;
  readonly owner: APIUser;
  readonly stranger: APIUser;
  readonly channels: { readonly trades: string; readonly alerts: string; readonly reports: string; readonly manager: string };
  /** Every line the bot logged. */
  readonly logs: LogLine[];
  /** Lines logged at error level or above. */
  errors(): LogLine[];
  trade(candles: Candle[]): Promise<void>;
  /** Every message a command produced, in order: the response, then follow-ups (ephemeral ones included). */
  messagesOf(handle: InteractionHandle): StoredMessage[];
  close(): Promise<void>;
}

export interface DiscordDeskOptions {
  readonly services?: Partial<ChatServices>;
  readonly fake?: FakeDiscordOptions;
  readonly confirmTimeoutMs?: number;
  /** Without the manager channel (and so without the Message Content intent). */
  readonly noManagerChannel?: boolean;
  /** When a still-running command is deferred on its own (default: the bot's ~2 s). */
  readonly safetyDeferMs?: number;
  /** The dispatcher's throttle of a stranger's repeated attempts (default: the dispatcher's). */
  readonly refusals?: RefusalThrottleOptions;
}

export async function openDiscordDesk(options: DiscordDeskOptions = {}): Promise<DiscordDesk> {
  const fake = await FakeDiscord.start(options.fake);
  const h = await openTwoCrewHarness('crewdesk-discord-');
  const services: ChatServices = { desk: new DeskService(h.desk), ...options.services };
  const channels = {
    trades: fake.channelId('trades'),
    alerts: fake.channelId('alerts'),
    reports: fake.channelId('reports'),
    manager: fake.channelId('manager'),
  };
  const settings: DiscordSettings = {
    token: fake.token,
    applicationId: fake.application.id,
    guildId: fake.guild.id,
    ownerIds: [FAKE_DISCORD_IDS.owner],
    apiUrl: fake.apiUrl,
    channels: options.noManagerChannel ? { trades: channels.trades, alerts: channels.alerts, reports: channels.reports } : channels,
  };
  const logs: LogLine[] = [];
  const log = createLogger({
    level: 'debug',
    pretty: false,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as LogLine);
        done();
      },
    }),
  });
  const dispatcher = await Dispatcher.load({
    services,
    isOwner: ownerAllowlist(settings.ownerIds),
    log,
    ...(options.refusals ? { refusals: options.refusals } : {}),
    ...(options.confirmTimeoutMs !== undefined ? { confirmations: new Confirmations({ defaultTimeoutMs: options.confirmTimeoutMs }) } : {}),
  });
  if (dispatcher.problems.length > 0) throw new Error(`command modules failed to load: ${JSON.stringify(dispatcher.problems)}`);
  await deployCommands({ token: fake.token, applicationId: fake.application.id, guildId: fake.guild.id, apiUrl: fake.apiUrl, specs: dispatcher.specs() });
  const bot = await startDiscord({
    services,
    dispatcher,
    config: settings,
    bus: h.desk.bus,
    log,
    clientOptions: fake.clientOptions(),
    alerts: { coalesceMs: 20, retryBaseMs: 50, retryMaxMs: 200 },
    ...(options.safetyDeferMs !== undefined ? { safetyDeferMs: options.safetyDeferMs } : {}),
  });
  let closed = false;
  return {
    fake,
    h,
    services,
    dispatcher,
    bot,
    settings,
    owner: fake.users.owner,
    stranger: fake.users.stranger,
    channels,
    logs,
    errors: () => logs.filter((l) => l.level >= 50),
    trade: (candles) => h.desk.engine.run(new ArrayMarketData(candles)),
    messagesOf: (handle) => [...(handle.original ? [handle.original] : []), ...handle.followUps.filter((m) => m !== handle.original)],
    close: async () => {
      if (closed) return;
      closed = true;
      // The client first: else it reconnects to a server that is gone.
      await bot.close({ timeoutMs: 2_000 });
      await fake.close();
      await h.dispose();
    },
  };
}

/** What every Discord test ends with: the bot logged no error, and FakeDiscord saw its API used as Discord allows. */
export function expectCleanRun(d: DiscordDesk): void {
  expect(d.errors()).toEqual([]);
  d.fake.assertHealthy();
}

/** Everything a reader sees in a message: content, embed titles, descriptions and fields. */
export function seen(message: StoredMessage): string {
  const parts = [message.content];
  for (const e of message.embeds) {
    parts.push(e.title ?? '', e.description ?? '', ...(e.fields ?? []).map((f) => `${f.name}: ${f.value}`));
  }
  return parts.filter((p) => p !== '').join('\n');
}

export const OWNER_ID = FAKE_DISCORD_IDS.owner;
