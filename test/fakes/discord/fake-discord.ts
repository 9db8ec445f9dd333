/**
 * FakeDiscord: Discord's REST API and gateway on 127.0.0.1, good enough for the REAL discord.js
 * `Client` (14.x) to log in, receive interactions and messages, reply, get rate limited and resume.
 *
 * ## Use
 *
 * ```ts
 * const fake = await FakeDiscord.start();
 * const client = new Client({
 *   intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages,
 *             GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
 *   partials: [Partials.Channel],            // DMs arrive on uncached channels
 *   ...fake.clientOptions(),                 // rest.api → the fake, plus the speed-ups below
 * });
 * await client.login(fake.token);            // resolves after READY; wait for Events.ClientReady too
 * const cmd = fake.sendSlashCommand({ name: 'status', user: fake.users.owner });
 * const reply = await cmd.awaitReply((m) => m.content.includes('PnL'));
 * …
 * await client.destroy();                    // FIRST: else the client reconnects to a dead server
 * await fake.close();
 * ```
 *
 * ## Client options (`fake.clientOptions()`), and why
 * - `rest: { api: fake.apiUrl }` — discord.js appends `/v10`. Everything else in `rest` stays default
 *   (`retries: 3`, `offset: 50` ms added to every rate-limit wait, `timeout: 15 s`).
 * - `waitGuildTimeout: 1_000` — discord.js waits up to 15 s for GUILD_CREATEs of guilds listed in READY
 *   before `clientReady`; the fake sends them right after READY, so this only bounds a broken setup.
 * - `ws.buildIdentifyThrottler` → no wait. @discordjs/ws spaces IDENTIFYs 5–6.5 s apart; a test that
 *   forces a fresh IDENTIFY (`invalidateSession(false)`) would otherwise stall. RESUME is not throttled.
 * - Not configurable and worth knowing: after any drop, @discordjs/ws waits a hard-coded 500 ms before it
 *   reconnects (so a RESUME test costs ~0.5 s); the first heartbeat is sent after
 *   `heartbeat_interval × random()`. The fake announces 41.25 s like Discord; lower `heartbeatIntervalMs`
 *   only in a test about heartbeats, and not below ~200 ms: the client declares a zombie connection (and
 *   RESUMEs) when an ack is still unprocessed at its next beat, which a busy event loop makes happen.
 * - Compression/encoding: discord.js asks for `compress=zlib-stream` only when the optional `zlib-sync`
 *   package is installed (it is not), and always `encoding=json`. The fake serves plain JSON text frames,
 *   and also zlib-stream and IDENTIFY `compress` should `zlib-sync` ever appear; ETF is refused (4002).
 *
 * ## Behaviour that mirrors Discord (and so catches bot bugs)
 * - REST: `Authorization: Bot <token>` required except on interaction callbacks and interaction webhooks
 *   (401 otherwise); message bodies validated (2000-char content, embed limits, ≤5 rows of ≤5 components,
 *   unique custom_ids, ≤10 files of ≤10 MiB, no empty message: 50035/50006/40005); commands validated
 *   (names, descriptions, required-before-optional, unique names).
 * - Interactions: one callback only (40060 after), within `interactionResponseDeadlineMs` (3 s, then
 *   10062 Unknown interaction); after a deferred reply (type 5) the first follow-up replaces the
 *   "thinking…" message; ephemeral messages never reach channels or the gateway.
 * - Gateway: events filtered by the session's intents; without MessageContent, guild messages arrive with
 *   empty content/embeds/attachments/components unless they mention the bot (DMs keep content); the bot's
 *   own messages and edits come back as MESSAGE_CREATE/UPDATE like on Discord (`echoBotMessages`).
 * - Unknown routes answer 404 `{ code: 0, message: "FakeDiscord: no route for …" }` and are recorded in
 *   `unhandledRequests`; errors inside the fake go to `internalErrors`. `assertHealthy()` checks both.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ChannelType,
  ComponentType,
  EmbedType,
  GatewayDispatchEvents,
  InteractionContextType,
  InteractionResponseType,
  InteractionType,
  Locale,
  MessageFlags,
  MessageType,
  MessageReferenceType,
} from 'discord-api-types/v10';
import type {
  APIAllowedMentions,
  APIApplicationCommand,
  APIApplicationCommandInteractionDataBasicOption,
  APIApplicationCommandInteractionDataOption,
  APIApplicationCommandOption,
  APIApplicationCommandAutocompleteInteraction,
  APIAttachment,
  APIChatInputApplicationCommandInteraction,
  APIDMChannel,
  APIEmbed,
  APIGatewayBotInfo,
  APIGuildMember,
  APIInteraction,
  APIInteractionDataResolved,
  APIInteractionGuildMember,
  APIInteractionResponse,
  APIMessage,
  APIMessageComponentButtonInteraction,
  APIMessageComponentSelectMenuInteraction,
  APIMessageTopLevelComponent,
  APITextChannel,
  APIUser,
  GatewayGuildCreateDispatchData,
  GatewayGuildMembersChunkDispatchData,
  GatewayIdentifyData,
  GatewayMessageCreateDispatchData,
  GatewayRequestGuildMembersData,
  RESTAPIAttachment,
  RESTAPIInteractionCallbackObject,
  RESTAPIMessageReference,
  RESTPatchAPIWebhookWithTokenMessageJSONBody,
  RESTPostAPIApplicationCommandsJSONBody,
  RESTPostAPIInteractionCallbackWithResponseResult,
} from 'discord-api-types/v10';
import type { ClientOptions } from 'discord.js';
import { BodyError, parseRequestBody, readRequestBody, type UploadedFile } from './body.ts';
import { buildWorld, dmChannelFor, makeMember, makeUser, memberPermissions, type World, type WorldOptions } from './fixtures.ts';
import { FakeGateway, type DispatchDataOf, type DispatchEvent, type DropOptions, type GatewayFrame, type GatewaySession } from './gateway.ts';
import { randomToken, snowflake } from './ids.ts';
import {
  findComponent,
  InteractionHandle,
  InteractionRecord,
  StoredMessage,
  Waiters,
  type InteractionCallback,
  type MessageOrigin,
  type RecordedRequest,
  type WaitOptions,
} from './records.ts';
import { ATTACHMENT_SIZE_LIMIT, validateChoices, validateCommands, validateMessageBody, type Rejection } from './validate.ts';

export { FAKE_DISCORD_IDS } from './ids.ts';
export type { UploadedFile } from './body.ts';
export type { GatewayFrame, GatewaySession } from './gateway.ts';
export {
  InteractionHandle,
  StoredMessage,
  type InteractionCallback,
  type InteractionEdit,
  type MessageOrigin,
  type RecordedRequest,
  type WaitOptions,
} from './records.ts';

export interface FakeDiscordOptions extends WorldOptions {
  /** `heartbeat_interval` announced in HELLO. Default 41 250 ms, as Discord. */
  readonly heartbeatIntervalMs?: number;
  /** False: IDENTIFY with MessageContent/GuildMembers/GuildPresences is closed with 4014. Default true. */
  readonly privilegedIntentsEnabled?: boolean;
  /** How long after INTERACTION_CREATE a callback is still accepted. Default 3000 ms, as Discord. */
  readonly interactionResponseDeadlineMs?: number;
  /** Default timeout of every `await…` helper. Default 30 000 ms: a wait ends as soon as its condition holds, and a busy machine may take seconds. */
  readonly waitTimeoutMs?: number;
  /** Dispatch MESSAGE_CREATE/UPDATE/DELETE for the bot's own messages, as Discord does. Default true. */
  readonly echoBotMessages?: boolean;
}

/** An injected failure for the next matching request(s). */
export interface FaultSpec {
  /** HTTP status. Default 429. */
  readonly status?: number;
  /** 429 only: seconds, sent as `retry_after` and `Retry-After` / `X-RateLimit-Reset-After`. Default 0.05. */
  readonly retryAfter?: number;
  /** 429 only: a global rate limit (`X-RateLimit-Global`). Default false. */
  readonly global?: boolean;
  /** 429 only: `X-RateLimit-Scope` of a non-global limit. Default `user`. */
  readonly scope?: 'user' | 'shared';
  /** Non-429: the JSON body. Default `{ message: '<status text>', code: 0 }`. */
  readonly body?: unknown;
  /** How many matching requests fail. Default 1. */
  readonly times?: number;
}

export interface RequestMatcher {
  /** Default: any method. */
  readonly method?: string;
  /** Matched against the path after `/api/v10` (a string must be equal). */
  readonly path: RegExp | string;
}

export type SlashOptionValue = string | number | boolean;

interface InteractionWhere {
  /** Who acts. Default: the owner. */
  readonly user?: APIUser;
  /** Where. Default: the `manager` channel (else the first channel); with `guildId: null`, the user's DM. */
  readonly channelId?: string;
  /** `null` for a DM interaction. Default: the channel's guild. */
  readonly guildId?: string | null;
}

export interface SlashCommandInput extends InteractionWhere {
  readonly name: string;
  readonly subcommandGroup?: string;
  readonly subcommand?: string;
  /**
   * Option values by name, typed from the registered command when there is one (else inferred: string,
   * boolean, integer or number), or the raw interaction options array. User/channel/role values are ids
   * and are added to `resolved`.
   */
  readonly options?: Readonly<Record<string, SlashOptionValue>> | readonly APIApplicationCommandInteractionDataOption[];
}

export interface AutocompleteInput extends SlashCommandInput {
  /** The option being typed in; its value is sent as the (partial) string typed so far. */
  readonly focused: string;
}

export interface ButtonClickInput {
  readonly customId: string;
  readonly messageId: string;
  readonly user?: APIUser;
}

export interface SelectInput extends ButtonClickInput {
  readonly values: readonly string[];
}

export interface UserMessageInput {
  /** Required unless `dm`. */
  readonly channelId?: string;
  readonly content: string;
  /** Default: the owner. */
  readonly author?: APIUser;
  /** Send in the author's DM with the bot (created on demand; `channel_type: 1`). */
  readonly dm?: boolean;
  /** Users mentioned (besides `<@id>` mentions found in content, which are added automatically). */
  readonly mentions?: readonly (APIUser | string)[];
  /** Reply to this message id. */
  readonly replyTo?: string;
  readonly embeds?: readonly APIEmbed[];
}

export interface GatewayDrop {
  /** How many connected sessions were dropped. */
  readonly dropped: number;
  /** Resolves once every dropped session has RESUMEd (RESUMED sent). */
  awaitResumed(options?: WaitOptions): Promise<void>;
}

export interface GatewayStats {
  readonly connections: number;
  readonly openConnections: number;
  readonly identifies: number;
  readonly resumes: number;
  readonly heartbeats: number;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

interface RouteContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly files: readonly UploadedFile[];
  readonly record: RecordedRequest;
}

interface Route {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly auth: boolean;
  readonly handle: (ctx: RouteContext) => Reply | Promise<Reply>;
}

interface Fault {
  readonly match: RequestMatcher;
  readonly spec: FaultSpec;
  remaining: number;
}

/** A message body as the bot sends it (channel message, webhook message or interaction response). */
interface OutgoingBody {
  readonly content?: string | null;
  readonly tts?: boolean;
  readonly embeds?: APIEmbed[] | null;
  readonly components?: APIMessageTopLevelComponent[] | null;
  readonly attachments?: RESTAPIAttachment[];
  readonly flags?: number | null;
  readonly nonce?: string | number;
  readonly message_reference?: RESTAPIMessageReference;
  readonly sticker_ids?: string[];
  readonly poll?: unknown;
  readonly allowed_mentions?: APIAllowedMentions | null;
}

type TextLikeChannel = APITextChannel | APIDMChannel;

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

function discordError(status: number, code: number, message: string): Reply {
  return { status, body: { message, code } };
}

function fromRejection(rejection: Rejection): Reply {
  return { status: rejection.status, body: rejection.body };
}

const UNKNOWN_CHANNEL = discordError(404, 10003, 'Unknown Channel');
const UNKNOWN_MESSAGE = discordError(404, 10008, 'Unknown Message');
const UNKNOWN_WEBHOOK = discordError(404, 10015, 'Unknown Webhook');
const UNKNOWN_INTERACTION = discordError(404, 10062, 'Unknown interaction');
const MISSING_ACCESS = discordError(403, 50001, 'Missing Access');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function richEmbeds(embeds: readonly APIEmbed[] | null | undefined): APIEmbed[] {
  return (embeds ?? []).map((embed) => ({ type: EmbedType.Rich, ...embed }));
}

export class FakeDiscord {
  readonly #world: World;
  readonly #gateway: FakeGateway;
  readonly #server: Server;
  readonly #waiters: Waiters;
  readonly #routes: Route[];
  readonly #deadlineMs: number;
  readonly #echoBotMessages: boolean;
  #baseUrl = '';
  #closed = false;

  readonly #requests: RecordedRequest[] = [];
  readonly #faults: Fault[] = [];
  readonly #messages = new Map<string, StoredMessage>();
  readonly #channelMessages = new Map<string, StoredMessage[]>();
  readonly #attachmentData = new Map<string, UploadedFile>();
  readonly #interactions = new Map<string, InteractionRecord>();
  readonly #interactionsByToken = new Map<string, InteractionRecord>();
  readonly #globalCommands: APIApplicationCommand[] = [];
  readonly #guildCommands = new Map<string, APIApplicationCommand[]>();
  readonly #closedDms = new Set<string>();
  readonly #internalErrors: unknown[] = [];

  private constructor(options: FakeDiscordOptions) {
    this.#world = buildWorld(options);
    this.#deadlineMs = options.interactionResponseDeadlineMs ?? 3_000;
    this.#echoBotMessages = options.echoBotMessages ?? true;
    this.#waiters = new Waiters(options.waitTimeoutMs ?? 30_000, () => this.#describeState());
    this.#gateway = new FakeGateway({
      token: this.#world.token,
      botUserId: this.#world.users.bot.id,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      privilegedIntentsEnabled: options.privilegedIntentsEnabled ?? true,
      initialState: (sessionId, resumeGatewayUrl) => ({
        ready: {
          v: 10,
          user: this.#world.users.bot,
          guilds: [{ id: this.#world.guild.id, unavailable: true }],
          session_id: sessionId,
          resume_gateway_url: resumeGatewayUrl,
          shard: [0, 1],
          application: {
            id: this.#world.application.id,
            flags: this.#world.application.flags,
            flags_new: this.#world.application.flags_new,
          },
        },
        guilds: [this.#guildCreate()],
      }),
      membersChunk: (request) => this.#membersChunk(request),
      changed: () => this.#waiters.notify(),
      internalError: (error) => this.#internalError(error),
    });
    this.#server = createServer((req, res) => {
      void this.#onHttpRequest(req, res);
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      if (!this.#gateway.handleUpgrade(req, socket, head)) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }
    });
    this.#routes = this.#buildRoutes();
  }

  /** Start the fake on 127.0.0.1 with an OS-assigned port. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(0, '127.0.0.1', () => {
        fake.#server.off('error', reject);
        resolve();
      });
    });
    const { port } = fake.#server.address() as AddressInfo;
    fake.#baseUrl = `http://127.0.0.1:${port}`;
    fake.#gateway.baseUrl = `ws://127.0.0.1:${port}`;
    return fake;
  }

  /** Stop everything: gateway sockets are cut, pending waits rejected, the port released. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiters.failAll(new Error('FakeDiscord was closed while this wait was pending'));
    await this.#gateway.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Addresses, world and client options

  /** REST base for discord.js `rest.api` (discord.js appends `/v10`). */
  get apiUrl(): string {
    return `${this.#baseUrl}/api`;
  }
  /** The gateway URL returned by GET /gateway/bot. */
  get gatewayUrl(): string {
    return this.#gateway.url;
  }
  get token(): string {
    return this.#world.token;
  }
  get users(): World['users'] {
    return this.#world.users;
  }
  get guild(): World['guild'] {
    return this.#world.guild;
  }
  get application(): World['application'] {
    return this.#world.application;
  }
  /** Guild text channels by name (trades, alerts, reports, manager by default). */
  get channels(): Readonly<Record<string, APITextChannel>> {
    return this.#world.channelsByName;
  }

  /** The id of a guild text channel by name; throws for an unknown name. */
  channelId(name: string): string {
    const channel = this.#world.channelsByName[name];
    if (!channel) {
      throw new Error(`FakeDiscord: no channel named ${name} (have: ${Object.keys(this.#world.channelsByName).join(', ')})`);
    }
    return channel.id;
  }

  /** The id of the DM channel between the bot and `user` (created on first use). */
  dmChannelId(user: APIUser): string {
    return dmChannelFor(this.#world, user).id;
  }

  /** Add a user (a guild member unless `member: false`); call before login so GUILD_CREATE has it. */
  addUser(username: string, options: { member?: boolean; roles?: string[] } = {}): APIUser {
    const user = makeUser(snowflake(), username);
    this.#world.usersById.set(user.id, user);
    if (options.member !== false) {
      this.#world.members.set(user.id, makeMember(user, options.roles ?? [], new Date().toISOString()));
    }
    return user;
  }

  /** Make DMs to `user` fail like a user who blocked the bot / closed DMs (403, code 50007). */
  setDmsClosed(user: APIUser, closed = true): void {
    if (closed) this.#closedDms.add(user.id);
    else this.#closedDms.delete(user.id);
  }

  /** The client options that point discord.js at this fake (see the header comment). */
  clientOptions(): Pick<ClientOptions, 'rest' | 'ws' | 'waitGuildTimeout'> {
    return {
      rest: { api: this.apiUrl },
      waitGuildTimeout: 1_000,
      ws: {
        buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }),
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Recorded state

  /** Every REST request, in arrival order. */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }
  /** Requests no route matched (answered 404). */
  get unhandledRequests(): readonly RecordedRequest[] {
    return this.#requests.filter((request) => request.unhandled);
  }
  /** Errors thrown inside the fake (answered 500 on REST). */
  get internalErrors(): readonly unknown[] {
    return this.#internalErrors;
  }
  /** Throws when a request hit no route or the fake itself failed. */
  assertHealthy(): void {
    const problems: string[] = [];
    for (const request of this.unhandledRequests) problems.push(`unhandled request ${request.method} ${request.path}`);
    for (const error of this.#internalErrors) {
      problems.push(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    if (problems.length > 0) throw new Error(`FakeDiscord is not healthy:\n${problems.join('\n')}`);
  }

  /** Messages in a channel, oldest first (bot posts, injected user messages, non-ephemeral responses). */
  messages(channelId: string): readonly StoredMessage[] {
    return this.#channelMessages.get(channelId) ?? [];
  }
  /** Any stored message by id, ephemeral ones included. */
  message(id: string): StoredMessage | undefined {
    return this.#messages.get(id);
  }
  /** Every interaction sent so far (handles), oldest first. */
  get interactions(): readonly InteractionHandle[] {
    return [...this.#interactions.values()].map((record) => new InteractionHandle(record, this.#waiters));
  }
  /** Registered commands: of a guild, or global ones when `guildId` is omitted. */
  commands(guildId?: string): readonly APIApplicationCommand[] {
    return guildId === undefined ? this.#globalCommands : (this.#guildCommands.get(guildId) ?? []);
  }
  get gatewayStats(): GatewayStats {
    let resumes = 0;
    for (const session of this.#gateway.sessions.values()) resumes += session.resumes;
    let heartbeats = 0;
    for (const frame of this.#gateway.frames) if (frame.direction === 'in' && frame.op === 1) heartbeats += 1;
    return {
      connections: new Set(this.#gateway.frames.map((frame) => frame.connectionId)).size,
      openConnections: this.#gateway.connections.size,
      identifies: this.#gateway.identifies.length,
      resumes,
      heartbeats,
    };
  }
  /** IDENTIFY payloads received (intents, properties, presence). */
  get identifies(): readonly GatewayIdentifyData[] {
    return this.#gateway.identifies;
  }
  get sessions(): readonly GatewaySession[] {
    return [...this.#gateway.sessions.values()];
  }
  /** Every gateway frame both ways (heartbeats included). */
  get gatewayFrames(): readonly GatewayFrame[] {
    return this.#gateway.frames;
  }

  // ---------------------------------------------------------------------------------------------
  // Waiting ("eventually")

  /** Resolve with the first truthy value of `probe`, re-checked whenever the fake's state changes. */
  waitFor<T>(probe: () => T | undefined | null | false, what: string, options?: WaitOptions): Promise<T> {
    return this.#waiters.until(probe, what, options);
  }

  /**
   * The first message in `channelId` matching `predicate` (default: any message by the bot), whether it
   * is already there or arrives later.
   */
  awaitMessage(
    channelId: string,
    predicate: (message: StoredMessage) => boolean = (message) => message.author.id === this.#world.users.bot.id,
    options?: WaitOptions,
  ): Promise<StoredMessage> {
    return this.#waiters.until(
      () => this.messages(channelId).find((message) => !message.deleted && predicate(message)),
      `a message in channel ${this.#channelLabel(channelId)}`,
      options,
    );
  }

  /** The first recorded REST request matching `predicate`. */
  awaitRequest(predicate: (request: RecordedRequest) => boolean, options?: WaitOptions): Promise<RecordedRequest> {
    return this.#waiters.until(() => this.#requests.find((r) => r.status !== 0 && predicate(r)), 'a matching REST request', options);
  }

  /** Registered commands once `predicate` holds (default: at least one command). */
  awaitCommands(
    guildId: string | undefined,
    predicate: (commands: readonly APIApplicationCommand[]) => boolean = (commands) => commands.length > 0,
    options?: WaitOptions,
  ): Promise<readonly APIApplicationCommand[]> {
    return this.#waiters.until(
      () => (predicate(this.commands(guildId)) ? this.commands(guildId) : undefined),
      `commands registered ${guildId === undefined ? 'globally' : `in guild ${guildId}`}`,
      options,
    );
  }

  /** A session is connected and has received READY. */
  awaitGatewayReady(options?: WaitOptions): Promise<GatewaySession> {
    return this.#waiters.until(
      () => [...this.#gateway.sessions.values()].find((session) => session.state === 'connected'),
      'a connected gateway session',
      options,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Fault injection

  /** Fail the next request(s) matching `match` (see FaultSpec; 429s carry Discord's real body/headers). */
  failNextRequest(match: RequestMatcher, spec: FaultSpec = {}): void {
    this.#faults.push({ match, spec, remaining: spec.times ?? 1 });
  }

  /** Fail the next POST /channels/:id/messages (of `channelId`, or any channel). Default: a 429. */
  failNextMessagePost(spec: FaultSpec & { readonly channelId?: string } = {}): void {
    const path = spec.channelId !== undefined ? `/channels/${spec.channelId}/messages` : /^\/channels\/\d+\/messages$/;
    this.failNextRequest({ method: 'POST', path }, spec);
  }

  /**
   * Close every connected gateway socket (default code 4000, resumable): the client reconnects to
   * `resume_gateway_url` and RESUMEs; events dispatched meanwhile are replayed.
   */
  async dropGatewayConnection(options: DropOptions = {}): Promise<GatewayDrop> {
    const sessions = [...this.#gateway.sessions.values()].filter((session) => session.connection !== null);
    const before = new Map(sessions.map((session) => [session, session.resumes]));
    const dropped = await this.#gateway.drop(options);
    return {
      dropped,
      awaitResumed: async (waitOptions) => {
        await this.#waiters.until(
          () => sessions.every((session) => session.resumes > (before.get(session) ?? 0) && session.state === 'connected'),
          'the dropped gateway session(s) to resume',
          waitOptions,
        );
      },
    };
  }

  /** Send op 7 Reconnect (the client closes with 4200 and RESUMEs). */
  requestReconnect(): number {
    return this.#gateway.requestReconnect();
  }

  /** Send op 9 Invalid Session; `resumable: false` makes the client IDENTIFY again. */
  invalidateSession(resumable: boolean): number {
    return this.#gateway.invalidateSessions(resumable);
  }

  /** Dispatch any gateway event to every live session (typed by discord-api-types). */
  dispatch<T extends DispatchEvent>(t: T, d: DispatchDataOf<T>): number {
    this.#requireLiveSession();
    return this.#gateway.dispatch(t, d);
  }

  // ---------------------------------------------------------------------------------------------
  // Injection: what users do

  /** A user runs a slash command. */
  sendSlashCommand(input: SlashCommandInput): InteractionHandle {
    this.#requireLiveSession();
    const where = this.#interactionWhere(input);
    const command = this.#findCommand(input.name, where.guildId);
    const { options, resolved } = this.#buildOptions(command, input, where.guildId, null);
    const payload: APIChatInputApplicationCommandInteraction = {
      ...this.#interactionCommon(where),
      type: InteractionType.ApplicationCommand,
      data: {
        id: command?.id ?? snowflake(),
        name: input.name,
        type: ApplicationCommandType.ChatInput,
        ...(options.length > 0 ? { options: options as APIChatInputApplicationCommandInteraction['data']['options'] } : {}),
        ...(resolved ? { resolved } : {}),
        ...(command?.guild_id !== undefined ? { guild_id: command.guild_id } : {}),
      },
    };
    return this.#sendInteraction(payload, null);
  }

  /** A user types in an autocomplete option (`focused`). */
  sendAutocomplete(input: AutocompleteInput): InteractionHandle {
    this.#requireLiveSession();
    const where = this.#interactionWhere(input);
    const command = this.#findCommand(input.name, where.guildId);
    const { options, resolved } = this.#buildOptions(command, input, where.guildId, input.focused);
    const payload: APIApplicationCommandAutocompleteInteraction = {
      ...this.#interactionCommon(where),
      type: InteractionType.ApplicationCommandAutocomplete,
      data: {
        id: command?.id ?? snowflake(),
        name: input.name,
        type: ApplicationCommandType.ChatInput,
        options: options as APIApplicationCommandAutocompleteInteraction['data']['options'],
        ...(resolved ? { resolved } : {}),
        ...(command?.guild_id !== undefined ? { guild_id: command.guild_id } : {}),
      },
    };
    return this.#sendInteraction(payload, null);
  }

  /** A user clicks a button on a stored message (the button must exist and be enabled). */
  clickButton(input: ButtonClickInput): InteractionHandle {
    this.#requireLiveSession();
    const stored = this.#componentMessage(input, ComponentType.Button);
    const where = this.#interactionWhere({ user: input.user, channelId: stored.channelId });
    const payload: APIMessageComponentButtonInteraction = {
      ...this.#interactionCommon(where),
      type: InteractionType.MessageComponent,
      data: { custom_id: input.customId, component_type: ComponentType.Button },
      message: stored.message,
    };
    return this.#sendInteraction(payload, stored);
  }

  /** A user picks `values` in a string select menu on a stored message. */
  selectOptions(input: SelectInput): InteractionHandle {
    this.#requireLiveSession();
    const stored = this.#componentMessage(input, ComponentType.StringSelect);
    const component = findComponent(stored.components, input.customId);
    if (component?.type === ComponentType.StringSelect) {
      const allowed = new Set(component.options.map((option) => option.value));
      const bad = input.values.filter((value) => !allowed.has(value));
      if (bad.length > 0) throw new Error(`FakeDiscord: select ${input.customId} has no option(s) ${bad.join(', ')}`);
    }
    const where = this.#interactionWhere({ user: input.user, channelId: stored.channelId });
    const payload: APIMessageComponentSelectMenuInteraction = {
      ...this.#interactionCommon(where),
      type: InteractionType.MessageComponent,
      data: { custom_id: input.customId, component_type: ComponentType.StringSelect, values: [...input.values] },
      message: stored.message,
    };
    return this.#sendInteraction(payload, stored);
  }

  /** A user posts a message (MESSAGE_CREATE). With `dm: true` it goes to the author's DM with the bot. */
  sendMessage(input: UserMessageInput): StoredMessage {
    this.#requireLiveSession();
    const author = input.author ?? this.#world.users.owner;
    let channel: TextLikeChannel;
    if (input.dm) {
      channel = dmChannelFor(this.#world, author);
      if (input.channelId !== undefined && input.channelId !== channel.id) {
        throw new Error(`FakeDiscord: channel ${input.channelId} is not ${author.username}'s DM with the bot`);
      }
    } else {
      if (input.channelId === undefined) throw new Error('FakeDiscord: sendMessage needs channelId (or dm: true)');
      const found = this.#textChannel(input.channelId);
      if (!found) throw new Error(`FakeDiscord: unknown channel ${input.channelId}`);
      channel = found;
    }
    if (channel.type === ChannelType.GuildText && !this.#world.members.has(author.id)) {
      throw new Error(`FakeDiscord: ${author.username} is not a member of the guild`);
    }
    const referenced = input.replyTo !== undefined ? this.#messages.get(input.replyTo) : undefined;
    if (input.replyTo !== undefined && !referenced) throw new Error(`FakeDiscord: unknown message ${input.replyTo}`);
    const explicit = (input.mentions ?? []).map((m) => (typeof m === 'string' ? this.#user(m) : m));
    const message = this.#newMessage({
      channelId: channel.id,
      author,
      body: { content: input.content, embeds: input.embeds ? [...input.embeds] : [] },
      files: [],
      type: referenced ? MessageType.Reply : MessageType.Default,
      referenced: referenced?.message ?? null,
      extraMentions: explicit,
    });
    const stored = this.#store(message, [], 'user', false, null);
    this.#dispatchMessage(stored, 'create');
    return stored;
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: interactions

  #requireLiveSession(): void {
    if (this.#closed) throw new Error('FakeDiscord is closed');
    if (!this.#gateway.hasLiveSession) {
      throw new Error('FakeDiscord: no gateway session — log a client in (await client.login(fake.token)) first');
    }
  }

  #interactionWhere(input: InteractionWhere): { user: APIUser; channel: TextLikeChannel; guildId: string | null } {
    const user = input.user ?? this.#world.users.owner;
    let channel: TextLikeChannel | undefined;
    if (input.channelId !== undefined) {
      channel = this.#textChannel(input.channelId);
      if (!channel) throw new Error(`FakeDiscord: unknown channel ${input.channelId}`);
    } else if (input.guildId === null) {
      channel = dmChannelFor(this.#world, user);
    } else {
      channel = this.#world.channelsByName['manager'] ?? [...this.#world.channels.values()][0];
      if (!channel) throw new Error('FakeDiscord: the guild has no channel');
    }
    const guildId = channel.type === ChannelType.GuildText ? (channel.guild_id ?? this.#world.guild.id) : null;
    if (input.guildId !== undefined && input.guildId !== guildId) {
      throw new Error(`FakeDiscord: channel ${channel.id} is not in guild ${String(input.guildId)}`);
    }
    if (guildId !== null && !this.#world.members.has(user.id)) {
      throw new Error(`FakeDiscord: ${user.username} is not a member of the guild`);
    }
    return { user, channel, guildId };
  }

  /** Fields every interaction shares; a missing one here would make discord.js drop the interaction. */
  #interactionCommon(where: { user: APIUser; channel: TextLikeChannel; guildId: string | null }) {
    const botPermissions = memberPermissions(this.#world, this.#world.users.bot.id);
    const base = {
      id: snowflake(),
      application_id: this.#world.application.id,
      token: randomToken('aW50ZXJhY3Rpb246'),
      version: 1 as const,
      app_permissions: botPermissions.toString(),
      locale: Locale.EnglishUS,
      entitlements: [],
      authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: where.guildId ?? '0' },
      attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
      channel: where.channel,
      channel_id: where.channel.id,
    };
    if (where.guildId === null) {
      return { ...base, context: InteractionContextType.BotDM, user: where.user };
    }
    const member = this.#world.members.get(where.user.id);
    if (!member) throw new Error(`FakeDiscord: ${where.user.username} is not a member of the guild`);
    const interactionMember: APIInteractionGuildMember = {
      ...member,
      user: where.user,
      permissions: memberPermissions(this.#world, where.user.id).toString(),
    };
    return {
      ...base,
      context: InteractionContextType.Guild,
      guild: { id: where.guildId, features: this.#world.guild.features, locale: Locale.EnglishUS },
      guild_id: where.guildId,
      guild_locale: Locale.EnglishUS,
      member: interactionMember,
    };
  }

  #sendInteraction(payload: APIInteraction, original: StoredMessage | null): InteractionHandle {
    const record = new InteractionRecord(payload, original);
    this.#interactions.set(record.id, record);
    this.#interactionsByToken.set(record.token, record);
    this.#gateway.dispatch(GatewayDispatchEvents.InteractionCreate, payload);
    return new InteractionHandle(record, this.#waiters);
  }

  #componentMessage(input: ButtonClickInput, type: ComponentType): StoredMessage {
    const stored = this.#messages.get(input.messageId);
    if (!stored || stored.deleted) throw new Error(`FakeDiscord: unknown message ${input.messageId}`);
    const component = findComponent(stored.components, input.customId);
    if (!component) {
      throw new Error(
        `FakeDiscord: message ${input.messageId} has no component with custom_id ${JSON.stringify(input.customId)} ` +
          `(it has: ${stored.customIds.map((id) => JSON.stringify(id)).join(', ') || 'none'})`,
      );
    }
    if (component.type !== type) {
      throw new Error(`FakeDiscord: component ${input.customId} is of type ${component.type}, not ${type}`);
    }
    if (component.disabled === true) throw new Error(`FakeDiscord: component ${input.customId} is disabled`);
    return stored;
  }

  #findCommand(name: string, guildId: string | null): APIApplicationCommand | undefined {
    const isChatInput = (command: APIApplicationCommand): boolean => command.name === name && command.type === ApplicationCommandType.ChatInput;
    return (guildId !== null ? this.#guildCommands.get(guildId)?.find(isChatInput) : undefined) ?? this.#globalCommands.find(isChatInput);
  }

  #buildOptions(
    command: APIApplicationCommand | undefined,
    input: SlashCommandInput,
    guildId: string | null,
    focused: string | null,
  ): { options: APIApplicationCommandInteractionDataOption[]; resolved: APIInteractionDataResolved | undefined } {
    if (Array.isArray(input.options)) {
      return { options: [...(input.options as readonly APIApplicationCommandInteractionDataOption[])], resolved: undefined };
    }
    const values = (input.options ?? {}) as Readonly<Record<string, SlashOptionValue>>;
    const path = [input.name, input.subcommandGroup, input.subcommand].filter((p) => p !== undefined).join(' ');
    let defs: readonly APIApplicationCommandOption[] | undefined = command ? (command.options ?? []) : undefined;
    const descend = (name: string | undefined, type: ApplicationCommandOptionType): void => {
      if (name === undefined || defs === undefined) return;
      const def = defs.find((option) => option.name === name && option.type === type);
      if (!def) throw new Error(`FakeDiscord: /${path}: ${name} is not declared on the registered command`);
      defs = 'options' in def ? ((def.options ?? []) as readonly APIApplicationCommandOption[]) : [];
    };
    descend(input.subcommandGroup, ApplicationCommandOptionType.SubcommandGroup);
    descend(input.subcommand, ApplicationCommandOptionType.Subcommand);

    const resolved: APIInteractionDataResolved = {};
    const basics: APIApplicationCommandInteractionDataBasicOption[] = [];
    for (const [name, value] of Object.entries(values)) {
      const def = defs?.find((option) => option.name === name);
      if (defs !== undefined && !def) {
        throw new Error(`FakeDiscord: /${path} has no option ${name} (declared: ${defs.map((d) => d.name).join(', ') || 'none'})`);
      }
      const type =
        def?.type ??
        (typeof value === 'boolean'
          ? ApplicationCommandOptionType.Boolean
          : typeof value === 'number'
            ? Number.isInteger(value)
              ? ApplicationCommandOptionType.Integer
              : ApplicationCommandOptionType.Number
            : ApplicationCommandOptionType.String);
      basics.push(this.#basicOption(name, type, value, name === focused, guildId, resolved));
    }
    if (focused !== null && !Object.hasOwn(values, focused)) {
      throw new Error(`FakeDiscord: the focused option ${focused} needs a value in options (the text typed so far)`);
    }
    let options: APIApplicationCommandInteractionDataOption[] = basics;
    if (input.subcommand !== undefined) {
      options = [{ name: input.subcommand, type: ApplicationCommandOptionType.Subcommand, options: basics }];
    }
    if (input.subcommandGroup !== undefined) {
      if (input.subcommand === undefined) throw new Error('FakeDiscord: subcommandGroup needs a subcommand');
      options = [
        {
          name: input.subcommandGroup,
          type: ApplicationCommandOptionType.SubcommandGroup,
          options: options as Extract<APIApplicationCommandInteractionDataOption, { type: ApplicationCommandOptionType.Subcommand }>[],
        },
      ];
    }
    return { options, resolved: Object.keys(resolved).length > 0 ? resolved : undefined };
  }

  #basicOption(
    name: string,
    type: ApplicationCommandOptionType,
    value: SlashOptionValue,
    focused: boolean,
    guildId: string | null,
    resolved: APIInteractionDataResolved,
  ): APIApplicationCommandInteractionDataBasicOption {
    const focus = focused ? { focused: true } : {};
    const id = String(value);
    const resolveUser = (): void => {
      const user = this.#user(id);
      resolved.users = { ...resolved.users, [id]: user };
      const member = guildId !== null ? this.#world.members.get(id) : undefined;
      if (member) {
        const { user: _user, deaf: _deaf, mute: _mute, ...rest } = member;
        resolved.members = {
          ...resolved.members,
          [id]: { ...rest, permissions: memberPermissions(this.#world, id).toString() },
        };
      }
    };
    const resolveRole = (): boolean => {
      const role = this.#world.guild.roles.find((r) => r.id === id);
      if (!role) return false;
      resolved.roles = { ...resolved.roles, [id]: role };
      return true;
    };
    switch (type) {
      case ApplicationCommandOptionType.String:
        return { name, type, value: String(value), ...focus };
      case ApplicationCommandOptionType.Integer:
        if (focused) return { name, type, value: String(value), focused: true };
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          throw new Error(`FakeDiscord: option ${name} is an integer, got ${JSON.stringify(value)}`);
        }
        return { name, type, value };
      case ApplicationCommandOptionType.Number:
        if (focused) return { name, type, value: String(value), focused: true };
        if (typeof value !== 'number') throw new Error(`FakeDiscord: option ${name} is a number, got ${JSON.stringify(value)}`);
        return { name, type, value };
      case ApplicationCommandOptionType.Boolean:
        if (typeof value !== 'boolean') throw new Error(`FakeDiscord: option ${name} is a boolean, got ${JSON.stringify(value)}`);
        return { name, type, value };
      case ApplicationCommandOptionType.User:
        resolveUser();
        return { name, type, value: id };
      case ApplicationCommandOptionType.Role:
        if (!resolveRole()) throw new Error(`FakeDiscord: option ${name}: unknown role ${id}`);
        return { name, type, value: id };
      case ApplicationCommandOptionType.Mentionable:
        if (!resolveRole()) resolveUser();
        return { name, type, value: id };
      case ApplicationCommandOptionType.Channel: {
        const channel = this.#textChannel(id);
        if (!channel) throw new Error(`FakeDiscord: option ${name}: unknown channel ${id}`);
        resolved.channels = {
          ...resolved.channels,
          [id]: {
            id,
            name: channel.name ?? null,
            type: channel.type,
            permissions: memberPermissions(this.#world, this.#world.users.bot.id).toString(),
          },
        };
        return { name, type, value: id };
      }
      default:
        throw new Error(`FakeDiscord: option ${name}: option type ${type} is not supported by the fake (pass raw options)`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: messages

  #user(id: string): APIUser {
    const user = this.#world.usersById.get(id);
    if (!user) throw new Error(`FakeDiscord: unknown user ${id}`);
    return user;
  }

  #textChannel(id: string): TextLikeChannel | undefined {
    return this.#world.channels.get(id) ?? this.#world.dmChannels.get(id);
  }

  #channelLabel(id: string): string {
    const channel = this.#textChannel(id);
    if (!channel) return `${id} (unknown)`;
    return channel.type === ChannelType.DM ? `${id} (DM with ${channel.recipients?.[0]?.username ?? '?'})` : `#${channel.name} (${id})`;
  }

  #mentions(content: string, extra: readonly APIUser[]): APIUser[] {
    const found = new Map<string, APIUser>(extra.map((user) => [user.id, user]));
    for (const match of content.matchAll(/<@!?(\d{15,21})>/g)) {
      const user = match[1] !== undefined ? this.#world.usersById.get(match[1]) : undefined;
      if (user) found.set(user.id, user);
    }
    return [...found.values()];
  }

  #attachments(
    channelId: string,
    requested: readonly RESTAPIAttachment[] | undefined,
    files: readonly UploadedFile[],
    existing: readonly APIAttachment[],
  ): APIAttachment[] {
    const make = (file: UploadedFile, meta: RESTAPIAttachment | undefined): APIAttachment => {
      const id = snowflake();
      const filename = meta?.filename ?? file.name;
      this.#attachmentData.set(id, file);
      const url = `${this.#baseUrl}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
      return {
        id,
        filename,
        size: file.data.length,
        url,
        proxy_url: url,
        content_type: file.contentType,
        ...(meta?.description !== undefined ? { description: meta.description } : {}),
        ...(meta?.title !== undefined ? { title: meta.title } : {}),
      };
    };
    if (requested === undefined) {
      return [...existing, ...files.map((file) => make(file, undefined))];
    }
    const result: APIAttachment[] = [];
    for (const meta of requested) {
      const kept = existing.find((attachment) => attachment.id === String(meta.id));
      if (kept) {
        result.push(kept);
        continue;
      }
      const file = files.find((f) => f.index !== null && String(f.index) === String(meta.id));
      if (file) result.push(make(file, meta));
    }
    // Files not referenced by attachments[] are still attached by Discord.
    for (const file of files) {
      if (!requested.some((meta) => file.index !== null && String(meta.id) === String(file.index))) {
        result.push(make(file, undefined));
      }
    }
    return result;
  }

  #newMessage(args: {
    channelId: string;
    author: APIUser;
    body: OutgoingBody;
    files: readonly UploadedFile[];
    type: MessageType;
    flags?: number;
    interaction?: InteractionRecord;
    referenced?: APIMessage | null;
    extraMentions?: readonly APIUser[];
  }): APIMessage {
    const { body } = args;
    const content = body.content ?? '';
    const appId = this.#world.application.id;
    const interaction = args.interaction;
    const interactionUser = interaction ? this.#interactionUser(interaction.payload) : undefined;
    const referenced = args.referenced ?? null;
    const channel = this.#textChannel(args.channelId);
    const guildId = channel && channel.type === ChannelType.GuildText ? channel.guild_id : undefined;
    return {
      id: snowflake(),
      channel_id: args.channelId,
      author: args.author,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: body.tts ?? false,
      mention_everyone: false,
      mentions: this.#mentions(content, args.extraMentions ?? []),
      mention_roles: [],
      attachments: this.#attachments(args.channelId, body.attachments, args.files, []),
      embeds: richEmbeds(body.embeds),
      pinned: false,
      type: args.type,
      flags: ((body.flags ?? 0) | (args.flags ?? 0)) as MessageFlags,
      components: body.components ?? [],
      ...(body.nonce !== undefined ? { nonce: body.nonce } : {}),
      ...(interaction ? { webhook_id: appId, application_id: appId } : {}),
      ...(interaction && interactionUser
        ? {
            interaction_metadata:
              interaction.type === InteractionType.MessageComponent
                ? {
                    id: interaction.id,
                    type: InteractionType.MessageComponent,
                    user: interactionUser,
                    authorizing_integration_owners: interaction.payload.authorizing_integration_owners,
                    interacted_message_id: interaction.original?.id ?? '0',
                  }
                : {
                    id: interaction.id,
                    type: InteractionType.ApplicationCommand,
                    user: interactionUser,
                    authorizing_integration_owners: interaction.payload.authorizing_integration_owners,
                  },
          }
        : {}),
      ...(referenced
        ? {
            message_reference: {
              type: MessageReferenceType.Default,
              message_id: referenced.id,
              channel_id: referenced.channel_id,
              ...(guildId !== undefined ? { guild_id: guildId } : {}),
            },
            referenced_message: referenced,
          }
        : {}),
    };
  }

  #interactionUser(payload: APIInteraction): APIUser | undefined {
    return payload.member?.user ?? payload.user;
  }

  #store(message: APIMessage, files: readonly UploadedFile[], origin: MessageOrigin, ephemeral: boolean, interactionId: string | null): StoredMessage {
    const stored = new StoredMessage({ message, files: [...files], origin, ephemeral, interactionId });
    this.#messages.set(message.id, stored);
    if (!ephemeral) {
      const list = this.#channelMessages.get(message.channel_id) ?? [];
      list.push(stored);
      this.#channelMessages.set(message.channel_id, list);
      const channel = this.#textChannel(message.channel_id);
      if (channel) channel.last_message_id = message.id;
    }
    this.#waiters.notify();
    return stored;
  }

  #applyEdit(stored: StoredMessage, body: OutgoingBody, files: readonly UploadedFile[]): void {
    const previous = stored.message;
    stored.history.push(previous);
    const wasLoading = stored.loading;
    // Ephemeral is fixed at creation; Loading ends with the first edit; other flags follow the edit.
    const keepFlags = (previous.flags ?? 0) & MessageFlags.Ephemeral;
    const newFlags = (body.flags ?? previous.flags ?? 0) & ~MessageFlags.Loading;
    const next: APIMessage = {
      ...previous,
      edited_timestamp: wasLoading ? null : new Date().toISOString(),
      flags: (keepFlags | newFlags) as MessageFlags,
    };
    if (body.content !== undefined) {
      next.content = body.content ?? '';
      next.mentions = this.#mentions(next.content, []);
    }
    if (body.embeds !== undefined) next.embeds = richEmbeds(body.embeds);
    if (body.components !== undefined) next.components = body.components ?? [];
    if (body.attachments !== undefined || files.length > 0) {
      next.attachments = this.#attachments(previous.channel_id, body.attachments, files, previous.attachments);
    }
    stored.message = next;
    stored.files.push(...files);
    this.#waiters.notify();
  }

  /** MESSAGE_CREATE/UPDATE/DELETE to the gateway (never for ephemeral messages). */
  #dispatchMessage(stored: StoredMessage, kind: 'create' | 'update' | 'delete'): void {
    if (stored.ephemeral) return;
    const isBot = stored.author.id === this.#world.users.bot.id;
    if (isBot && !this.#echoBotMessages) return;
    const channel = this.#textChannel(stored.channelId);
    if (!channel) return;
    const guildId = channel.type === ChannelType.GuildText ? (channel.guild_id ?? this.#world.guild.id) : undefined;
    if (kind === 'delete') {
      this.#gateway.dispatch(GatewayDispatchEvents.MessageDelete, {
        id: stored.id,
        channel_id: stored.channelId,
        ...(guildId !== undefined ? { guild_id: guildId } : {}),
      });
      return;
    }
    const member = guildId !== undefined ? this.#world.members.get(stored.author.id) : undefined;
    let memberNoUser: GatewayMessageCreateDispatchData['member'];
    if (member) {
      const { user: _user, ...rest } = member;
      memberNoUser = rest;
    }
    const data: GatewayMessageCreateDispatchData = {
      ...stored.message,
      channel_type: channel.type,
      ...(guildId !== undefined ? { guild_id: guildId } : {}),
      ...(memberNoUser ? { member: memberNoUser } : {}),
    };
    if (kind === 'create') this.#gateway.dispatch(GatewayDispatchEvents.MessageCreate, data);
    else this.#gateway.dispatch(GatewayDispatchEvents.MessageUpdate, data);
  }

  #guildCreate(): GatewayGuildCreateDispatchData {
    const world = this.#world;
    return {
      ...world.guild,
      joined_at: world.guildJoinedAt,
      large: false,
      unavailable: false,
      member_count: world.members.size,
      voice_states: [],
      members: [...world.members.values()],
      channels: [...world.channels.values()],
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  #membersChunk(request: GatewayRequestGuildMembersData): GatewayGuildMembersChunkDispatchData | null {
    if (request.guild_id !== this.#world.guild.id) return null;
    let members: APIGuildMember[] = [...this.#world.members.values()];
    let notFound: string[] = [];
    if ('user_ids' in request) {
      const ids = Array.isArray(request.user_ids) ? request.user_ids : [request.user_ids];
      members = members.filter((member) => ids.includes(member.user.id));
      notFound = ids.filter((id) => !members.some((member) => member.user.id === id));
    } else {
      const query = request.query.toLowerCase();
      members = members.filter((member) => member.user.username.toLowerCase().startsWith(query));
      if (request.limit > 0) members = members.slice(0, request.limit);
    }
    return {
      guild_id: request.guild_id,
      members,
      chunk_index: 0,
      chunk_count: 1,
      ...(notFound.length > 0 ? { not_found: notFound } : {}),
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: HTTP

  #internalError(error: unknown): void {
    this.#internalErrors.push(error);
    this.#waiters.notify();
  }

  #describeState(): string {
    const lines = ['Recent REST requests:'];
    for (const r of this.#requests.slice(-12)) {
      lines.push(`  ${r.method} ${r.path} → ${r.status}${r.unhandled ? ' (no route)' : ''}${r.fault ? ' (injected fault)' : ''}`);
    }
    if (this.#requests.length === 0) lines.push('  (none)');
    lines.push('Gateway sessions:');
    for (const s of this.#gateway.sessions.values()) {
      lines.push(`  ${s.id}: ${s.state}, seq ${s.seq}, resumes ${s.resumes}`);
    }
    if (this.#gateway.sessions.size === 0) lines.push('  (none — did the client log in?)');
    if (this.#internalErrors.length > 0) lines.push(`Internal errors: ${this.#internalErrors.length}`);
    return lines.join('\n');
  }

  async #onHttpRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const raw = await readRequestBody(req);
      const url = new URL(req.url ?? '/', this.#baseUrl || 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toUpperCase();
      if (method === 'GET' && url.pathname.startsWith('/attachments/')) {
        this.#serveAttachment(url.pathname, res);
        return;
      }
      const match = /^\/api(?:\/v(\d+))?(\/.*)$/.exec(url.pathname);
      const version = match?.[1];
      const path = match?.[2] ?? url.pathname;
      const authHeader = req.headers.authorization;
      let parsed: { json: unknown; files: readonly UploadedFile[] };
      try {
        parsed = await parseRequestBody(raw, req.headers['content-type']);
      } catch (error) {
        if (!(error instanceof BodyError)) throw error;
        const record = this.#record(method, path, url, authHeader, req, undefined, [], null, false);
        this.#respond(res, record, { status: 400, body: { message: error.message, code: 50109 } });
        return;
      }
      const found = version === '10' ? this.#matchRoute(method, path) : null;
      const record = this.#record(method, path, url, authHeader, req, parsed.json, parsed.files, found?.route.template ?? null, !found);
      if (!found) {
        const why =
          match === null
            ? 'not under /api'
            : version !== '10'
              ? `API version ${version === undefined ? '(none)' : `v${version}`} — the fake speaks v10 only`
              : 'no route';
        this.#respond(res, record, {
          status: 404,
          body: { message: `FakeDiscord: ${why} for ${method} ${url.pathname} (add it in test/fakes/discord)`, code: 0 },
        });
        return;
      }
      if (found.route.auth && !record.authorized) {
        this.#respond(res, record, { status: 401, body: { message: '401: Unauthorized', code: 0 } });
        return;
      }
      const fault = this.#takeFault(method, path);
      if (fault) {
        record.fault = true;
        this.#respond(res, record, fault);
        return;
      }
      const reply = await found.route.handle({
        params: found.params,
        query: url.searchParams,
        body: parsed.json,
        files: parsed.files,
        record,
      });
      this.#respond(res, record, reply);
    } catch (error) {
      this.#internalError(error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `FakeDiscord internal error: ${String(error)}`, code: 0 }));
      }
    }
  }

  #record(
    method: string,
    path: string,
    url: URL,
    authHeader: string | undefined,
    req: IncomingMessage,
    body: unknown,
    files: readonly UploadedFile[],
    route: string | null,
    unhandled: boolean,
  ): RecordedRequest {
    const record: RecordedRequest = {
      seq: this.#requests.length + 1,
      at: Date.now(),
      method,
      path,
      route,
      query: Object.fromEntries(url.searchParams),
      authorized: authHeader === `Bot ${this.#world.token}`,
      userAgent: req.headers['user-agent'],
      body,
      files,
      unhandled,
      status: 0,
      response: undefined,
      fault: false,
    };
    this.#requests.push(record);
    return record;
  }

  #respond(res: ServerResponse, record: RecordedRequest, reply: Reply): void {
    record.status = reply.status;
    record.response = reply.body;
    if (reply.status === 204 || reply.body === undefined) {
      res.writeHead(reply.status === 200 && reply.body === undefined ? 204 : reply.status, { ...reply.headers });
      res.end();
    } else {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
    }
    this.#waiters.notify();
  }

  #serveAttachment(pathname: string, res: ServerResponse): void {
    const id = pathname.split('/')[3] ?? '';
    const file = this.#attachmentData.get(id);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.data.length) });
    res.end(file.data);
  }

  #matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | null {
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(path);
      if (match) {
        const params: Record<string, string> = {};
        for (const [key, value] of Object.entries(match.groups ?? {})) params[key] = decodeURIComponent(value);
        return { route, params };
      }
    }
    return null;
  }

  #takeFault(method: string, path: string): Reply | null {
    const index = this.#faults.findIndex(
      (fault) =>
        (fault.match.method === undefined || fault.match.method.toUpperCase() === method) &&
        (typeof fault.match.path === 'string' ? fault.match.path === path : fault.match.path.test(path)),
    );
    const fault = index >= 0 ? this.#faults[index] : undefined;
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    const { spec } = fault;
    const status = spec.status ?? 429;
    if (status !== 429) {
      return { status, body: spec.body ?? { message: `${status}: ${STATUS_TEXT[status] ?? 'Error'}`, code: 0 } };
    }
    // Discord's 429: body { message, retry_after (s), global } and the X-RateLimit-* headers.
    const retryAfter = spec.retryAfter ?? 0.05;
    const global = spec.global ?? false;
    const headers: Record<string, string> = {
      'retry-after': String(retryAfter),
      'x-ratelimit-scope': global ? 'global' : (spec.scope ?? 'user'),
    };
    if (global) {
      headers['x-ratelimit-global'] = 'true';
    } else {
      headers['x-ratelimit-limit'] = '5';
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-reset'] = (Date.now() / 1000 + retryAfter).toFixed(3);
      headers['x-ratelimit-reset-after'] = retryAfter.toFixed(3);
      headers['x-ratelimit-bucket'] = 'fake0000000000000000000000000000';
    }
    return {
      status: 429,
      headers,
      body: { message: 'You are being rate limited.', retry_after: retryAfter, global, ...(global ? { code: 0 } : {}) },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Routes

  #buildRoutes(): Route[] {
    const routes: Route[] = [];
    const add = (method: string, template: string, auth: boolean, handle: Route['handle']): void => {
      const source = template
        .split('/')
        .map((part) => (part.startsWith(':') ? `(?<${part.slice(1)}>[^/]+)` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      routes.push({ method, template: `${method} ${template}`, pattern: new RegExp(`^${source}$`), auth, handle });
    };
    const world = this.#world;
    const ok = (body: unknown): Reply => ({ status: 200, body });

    add('GET', '/gateway', false, () => ok({ url: this.#gateway.url }));
    add('GET', '/gateway/bot', true, () => {
      const info: APIGatewayBotInfo = {
        url: this.#gateway.url,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      };
      return ok(info);
    });

    add('GET', '/users/@me', true, () => ok(world.users.bot));
    add('POST', '/users/@me/channels', true, ({ body }) => {
      const recipient = isObject(body) && typeof body['recipient_id'] === 'string' ? world.usersById.get(body['recipient_id']) : undefined;
      if (!recipient) {
        return {
          status: 400,
          body: {
            message: 'Invalid Form Body',
            code: 50035,
            errors: { recipient_id: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: 'Value is not snowflake.' }] } },
          },
        };
      }
      return ok(dmChannelFor(world, recipient));
    });
    add('GET', '/users/:user', true, ({ params }) => {
      const user = world.usersById.get(params['user'] ?? '');
      return user ? ok(user) : discordError(404, 10013, 'Unknown User');
    });

    add('GET', '/applications/@me', true, () => ok(world.application));
    const appGuard = (appId: string | undefined): Reply | null => (appId === world.application.id ? null : MISSING_ACCESS);
    const guildGuard = (guildId: string | undefined): Reply | null => (guildId === world.guild.id ? null : MISSING_ACCESS);
    add('GET', '/applications/:app/commands', true, ({ params }) => appGuard(params['app']) ?? ok(this.#globalCommands));
    add('PUT', '/applications/:app/commands', true, ({ params, body }) => appGuard(params['app']) ?? this.#saveCommands(null, body, 'overwrite'));
    add('POST', '/applications/:app/commands', true, ({ params, body }) => appGuard(params['app']) ?? this.#saveCommands(null, body, 'upsert'));
    add(
      'GET',
      '/applications/:app/guilds/:guild/commands',
      true,
      ({ params }) => appGuard(params['app']) ?? guildGuard(params['guild']) ?? ok(this.#guildCommands.get(params['guild'] ?? '') ?? []),
    );
    add(
      'PUT',
      '/applications/:app/guilds/:guild/commands',
      true,
      ({ params, body }) => appGuard(params['app']) ?? guildGuard(params['guild']) ?? this.#saveCommands(params['guild'] ?? null, body, 'overwrite'),
    );
    add(
      'POST',
      '/applications/:app/guilds/:guild/commands',
      true,
      ({ params, body }) => appGuard(params['app']) ?? guildGuard(params['guild']) ?? this.#saveCommands(params['guild'] ?? null, body, 'upsert'),
    );

    add('POST', '/interactions/:id/:token/callback', false, (ctx) => this.#interactionCallback(ctx));

    const webhook = (params: Readonly<Record<string, string>>): InteractionRecord | Reply => {
      if (params['app'] !== world.application.id) return UNKNOWN_WEBHOOK;
      const record = this.#interactionsByToken.get(params['token'] ?? '');
      if (!record || !record.acknowledged) return UNKNOWN_WEBHOOK;
      return record;
    };
    const webhookMessage = (record: InteractionRecord, messageId: string): StoredMessage | null => {
      if (messageId === '@original') return record.original && !record.original.deleted ? record.original : null;
      const stored = record.followUps.find((m) => m.id === messageId) ?? (record.original?.id === messageId ? record.original : undefined);
      return stored && !stored.deleted ? stored : null;
    };
    add('POST', '/webhooks/:app/:token', false, (ctx) => {
      const record = webhook(ctx.params);
      if (!(record instanceof InteractionRecord)) return record;
      return this.#followUp(record, ctx);
    });
    add('GET', '/webhooks/:app/:token/messages/:message', false, ({ params }) => {
      const record = webhook(params);
      if (!(record instanceof InteractionRecord)) return record;
      const stored = webhookMessage(record, params['message'] ?? '');
      return stored ? ok(stored.message) : UNKNOWN_MESSAGE;
    });
    add('PATCH', '/webhooks/:app/:token/messages/:message', false, ({ params, body, files }) => {
      const record = webhook(params);
      if (!(record instanceof InteractionRecord)) return record;
      const target = params['message'] ?? '';
      const stored = webhookMessage(record, target);
      if (!stored) return UNKNOWN_MESSAGE;
      if (!isObject(body) && files.length === 0) return discordError(400, 50109, 'The request body contains invalid JSON.');
      const edit = (body ?? {}) as OutgoingBody;
      const rejected = validateMessageBody(edit, files, 'edit');
      if (rejected) return fromRejection(rejected);
      this.#applyEdit(stored, edit, files);
      record.edits.push({
        at: Date.now(),
        target,
        body: edit as RESTPatchAPIWebhookWithTokenMessageJSONBody,
        files,
        message: stored.message,
      });
      this.#dispatchMessage(stored, 'update');
      return ok(stored.message);
    });
    add('DELETE', '/webhooks/:app/:token/messages/:message', false, ({ params }) => {
      const record = webhook(params);
      if (!(record instanceof InteractionRecord)) return record;
      const stored = webhookMessage(record, params['message'] ?? '');
      if (!stored) return UNKNOWN_MESSAGE;
      stored.deleted = true;
      this.#dispatchMessage(stored, 'delete');
      this.#waiters.notify();
      return { status: 204 };
    });

    add('GET', '/channels/:channel', true, ({ params }) => {
      const channel = this.#textChannel(params['channel'] ?? '');
      return channel ? ok(channel) : UNKNOWN_CHANNEL;
    });
    add('POST', '/channels/:channel/messages', true, (ctx) => this.#postChannelMessage(ctx));
    add('GET', '/channels/:channel/messages', true, ({ params, query }) => {
      const channelId = params['channel'] ?? '';
      if (!this.#textChannel(channelId)) return UNKNOWN_CHANNEL;
      const limit = Math.min(Math.max(Number(query.get('limit') ?? 50) || 50, 1), 100);
      const list = this.messages(channelId).filter((m) => !m.deleted);
      return ok(
        list
          .slice(-limit)
          .reverse()
          .map((m) => m.message),
      );
    });
    add('GET', '/channels/:channel/messages/:message', true, ({ params }) => {
      if (!this.#textChannel(params['channel'] ?? '')) return UNKNOWN_CHANNEL;
      const stored = this.#messages.get(params['message'] ?? '');
      return stored && !stored.deleted && !stored.ephemeral && stored.channelId === params['channel'] ? ok(stored.message) : UNKNOWN_MESSAGE;
    });
    add('PATCH', '/channels/:channel/messages/:message', true, ({ params, body, files }) => {
      if (!this.#textChannel(params['channel'] ?? '')) return UNKNOWN_CHANNEL;
      const stored = this.#messages.get(params['message'] ?? '');
      if (!stored || stored.deleted || stored.ephemeral || stored.channelId !== params['channel']) return UNKNOWN_MESSAGE;
      if (stored.author.id !== world.users.bot.id) return discordError(403, 50005, 'Cannot edit a message authored by another user');
      if (!isObject(body) && files.length === 0) return discordError(400, 50109, 'The request body contains invalid JSON.');
      const edit = (body ?? {}) as OutgoingBody;
      const rejected = validateMessageBody(edit, files, 'edit');
      if (rejected) return fromRejection(rejected);
      this.#applyEdit(stored, edit, files);
      this.#dispatchMessage(stored, 'update');
      return ok(stored.message);
    });
    add('DELETE', '/channels/:channel/messages/:message', true, ({ params }) => {
      if (!this.#textChannel(params['channel'] ?? '')) return UNKNOWN_CHANNEL;
      const stored = this.#messages.get(params['message'] ?? '');
      if (!stored || stored.deleted || stored.ephemeral || stored.channelId !== params['channel']) return UNKNOWN_MESSAGE;
      stored.deleted = true;
      this.#dispatchMessage(stored, 'delete');
      this.#waiters.notify();
      return { status: 204 };
    });
    add('POST', '/channels/:channel/typing', true, ({ params }) => (this.#textChannel(params['channel'] ?? '') ? { status: 204 } : UNKNOWN_CHANNEL));

    add('GET', '/guilds/:guild', true, ({ params }) => (params['guild'] === world.guild.id ? ok(world.guild) : discordError(404, 10004, 'Unknown Guild')));
    add('GET', '/guilds/:guild/channels', true, ({ params }) =>
      params['guild'] === world.guild.id ? ok([...world.channels.values()]) : discordError(404, 10004, 'Unknown Guild'),
    );
    add('GET', '/guilds/:guild/members/:user', true, ({ params }) => {
      if (params['guild'] !== world.guild.id) return discordError(404, 10004, 'Unknown Guild');
      const member = world.members.get(params['user'] ?? '');
      return member ? ok(member) : discordError(404, 10007, 'Unknown Member');
    });
    return routes;
  }

  #saveCommands(guildId: string | null, body: unknown, mode: 'overwrite' | 'upsert'): Reply {
    const list = mode === 'overwrite' ? body : [body];
    if (!Array.isArray(list) || !list.every(isObject)) {
      return discordError(400, 50109, 'The request body contains invalid JSON.');
    }
    const bodies = list as unknown as RESTPostAPIApplicationCommandsJSONBody[];
    const rejected = validateCommands(bodies);
    if (rejected) return fromRejection(rejected);
    const current = guildId === null ? this.#globalCommands : (this.#guildCommands.get(guildId) ?? []);
    const build = (input: RESTPostAPIApplicationCommandsJSONBody): APIApplicationCommand => {
      const type = input.type ?? ApplicationCommandType.ChatInput;
      const existing = current.find((command) => command.name === input.name && command.type === type);
      const command: APIApplicationCommand = {
        id: existing?.id ?? snowflake(),
        application_id: this.#world.application.id,
        ...(guildId !== null ? { guild_id: guildId } : {}),
        name: input.name,
        name_localizations: input.name_localizations ?? null,
        description: 'description' in input ? (input.description ?? '') : '',
        description_localizations: input.description_localizations ?? null,
        ...('options' in input && input.options ? { options: input.options } : {}),
        default_member_permissions: input.default_member_permissions ?? null,
        nsfw: input.nsfw ?? false,
        type,
        version: snowflake(),
        ...(guildId === null ? { integration_types: input.integration_types ?? [ApplicationIntegrationType.GuildInstall] } : {}),
        ...(guildId === null ? { contexts: input.contexts ?? null } : {}),
      };
      return command;
    };
    const built = bodies.map(build);
    let next: APIApplicationCommand[];
    let status = 200;
    if (mode === 'overwrite') {
      next = built;
    } else {
      const [command] = built;
      if (!command) return discordError(400, 50109, 'The request body contains invalid JSON.');
      const isNew = !current.some((c) => c.id === command.id);
      status = isNew ? 201 : 200;
      next = [...current.filter((c) => c.id !== command.id), command];
    }
    if (guildId === null) this.#globalCommands.splice(0, this.#globalCommands.length, ...next);
    else this.#guildCommands.set(guildId, next);
    this.#waiters.notify();
    return { status, body: mode === 'overwrite' ? next : built[0] };
  }

  #postChannelMessage({ params, body, files }: RouteContext): Reply {
    const channel = this.#textChannel(params['channel'] ?? '');
    if (!channel) return UNKNOWN_CHANNEL;
    if (!isObject(body) && files.length === 0) return discordError(400, 50109, 'The request body contains invalid JSON.');
    const message = (body ?? {}) as OutgoingBody;
    if (channel.type === ChannelType.DM) {
      const recipient = channel.recipients?.[0];
      if (recipient && this.#closedDms.has(recipient.id)) {
        return discordError(403, 50007, 'Cannot send messages to this user');
      }
    }
    const rejected = validateMessageBody(message, files, 'create');
    if (rejected) return fromRejection(rejected);
    let referenced: StoredMessage | undefined;
    const reference = message.message_reference;
    if (reference?.message_id !== undefined) {
      referenced = this.#messages.get(reference.message_id);
      if ((!referenced || referenced.deleted) && reference.fail_if_not_exists !== false) {
        return {
          status: 400,
          body: {
            message: 'Invalid Form Body',
            code: 50035,
            errors: {
              message_reference: { _errors: [{ code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }] },
            },
          },
        };
      }
    }
    const created = this.#newMessage({
      channelId: channel.id,
      author: this.#world.users.bot,
      body: message,
      files,
      type: referenced ? MessageType.Reply : MessageType.Default,
      referenced: referenced?.message ?? null,
    });
    const stored = this.#store(created, files, 'bot', false, null);
    this.#dispatchMessage(stored, 'create');
    return { status: 200, body: stored.message };
  }

  #interactionCallback({ params, query, body, files }: RouteContext): Reply {
    const record = this.#interactions.get(params['id'] ?? '');
    if (!record || record.token !== params['token']) return UNKNOWN_INTERACTION;
    if (record.acknowledged) return discordError(400, 40060, 'Interaction has already been acknowledged.');
    if (Date.now() - record.sentAt > this.#deadlineMs) {
      record.lateCallbacks += 1;
      this.#waiters.notify();
      return UNKNOWN_INTERACTION;
    }
    if (!isObject(body) || typeof body['type'] !== 'number') {
      return discordError(400, 50109, 'The request body contains invalid JSON.');
    }
    const response = body as unknown as APIInteractionResponse;
    const allowed: Readonly<Record<number, readonly InteractionResponseType[]>> = {
      [InteractionType.ApplicationCommand]: [
        InteractionResponseType.ChannelMessageWithSource,
        InteractionResponseType.DeferredChannelMessageWithSource,
        InteractionResponseType.Modal,
      ],
      [InteractionType.MessageComponent]: [
        InteractionResponseType.ChannelMessageWithSource,
        InteractionResponseType.DeferredChannelMessageWithSource,
        InteractionResponseType.DeferredMessageUpdate,
        InteractionResponseType.UpdateMessage,
        InteractionResponseType.Modal,
      ],
      [InteractionType.ApplicationCommandAutocomplete]: [InteractionResponseType.ApplicationCommandAutocompleteResult],
      [InteractionType.ModalSubmit]: [
        InteractionResponseType.ChannelMessageWithSource,
        InteractionResponseType.DeferredChannelMessageWithSource,
        InteractionResponseType.DeferredMessageUpdate,
        InteractionResponseType.UpdateMessage,
      ],
    };
    if (!(allowed[record.type] ?? []).includes(response.type)) {
      return {
        status: 400,
        body: {
          message: 'Invalid Form Body',
          code: 50035,
          errors: { type: { _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: 'Interaction response type is invalid for this interaction' }] } },
        },
      };
    }

    const channelId = record.payload.channel_id ?? record.payload.channel?.id ?? '';
    const isCommand = record.type === InteractionType.ApplicationCommand;
    let resourceMessage: APIMessage | undefined;
    switch (response.type) {
      case InteractionResponseType.ChannelMessageWithSource: {
        const data = (response.data ?? {}) as OutgoingBody;
        const rejected = validateMessageBody(data, files, 'create');
        if (rejected) return fromRejection(rejected);
        const ephemeral = ((data.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
        const message = this.#newMessage({
          channelId,
          author: this.#world.users.bot,
          body: data,
          files,
          type: isCommand ? MessageType.ChatInputCommand : MessageType.Default,
          interaction: record,
        });
        const stored = this.#store(message, files, 'interaction-response', ephemeral, record.id);
        record.original = stored;
        resourceMessage = stored.message;
        this.#dispatchMessage(stored, 'create');
        break;
      }
      case InteractionResponseType.DeferredChannelMessageWithSource: {
        const flags = response.data?.flags ?? 0;
        const ephemeral = (flags & MessageFlags.Ephemeral) !== 0;
        const message = this.#newMessage({
          channelId,
          author: this.#world.users.bot,
          body: { content: '', flags },
          files: [],
          type: isCommand ? MessageType.ChatInputCommand : MessageType.Default,
          flags: MessageFlags.Loading,
          interaction: record,
        });
        const stored = this.#store(message, [], 'interaction-response', ephemeral, record.id);
        record.original = stored;
        resourceMessage = stored.message;
        this.#dispatchMessage(stored, 'create');
        break;
      }
      case InteractionResponseType.UpdateMessage: {
        const data = (response.data ?? {}) as OutgoingBody;
        const rejected = validateMessageBody(data, files, 'edit');
        if (rejected) return fromRejection(rejected);
        const target = record.original;
        if (target) {
          this.#applyEdit(target, data, files);
          resourceMessage = target.message;
          this.#dispatchMessage(target, 'update');
        }
        break;
      }
      case InteractionResponseType.ApplicationCommandAutocompleteResult: {
        const rejected = validateChoices(response.data.choices ?? []);
        if (rejected) return fromRejection(rejected);
        break;
      }
      default:
        break; // 6 (deferred update) and 9 (modal): recorded only
    }

    const withResponse = query.get('with_response') === 'true';
    const callback: InteractionCallback = { at: Date.now(), type: response.type, body: response, files, withResponse };
    record.callbacks.push(callback);
    this.#waiters.notify();
    if (!withResponse) return { status: 204 };
    const interaction: RESTAPIInteractionCallbackObject = {
      id: record.id,
      type: record.type,
      ...(resourceMessage
        ? {
            response_message_id: resourceMessage.id,
            response_message_loading: ((resourceMessage.flags ?? 0) & MessageFlags.Loading) !== 0,
            response_message_ephemeral: ((resourceMessage.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
          }
        : {}),
    };
    const result: RESTPostAPIInteractionCallbackWithResponseResult = {
      interaction,
      resource: { type: response.type, ...(resourceMessage ? { message: resourceMessage } : {}) },
    };
    return { status: 200, body: result };
  }

  #followUp(record: InteractionRecord, { query, body, files }: RouteContext): Reply {
    if (!isObject(body) && files.length === 0) return discordError(400, 50109, 'The request body contains invalid JSON.');
    const data = (body ?? {}) as OutgoingBody;
    const rejected = validateMessageBody(data, files, 'create');
    if (rejected) return fromRejection(rejected);
    const wait = query.get('wait') === 'true';
    const original = record.original;
    const firstCallback = record.callbacks[0];
    // After a deferred reply, the first follow-up replaces the "thinking…" message (Discord's documented
    // behaviour), keeping the defer's ephemeral setting.
    if (
      original &&
      original.loading &&
      firstCallback?.type === InteractionResponseType.DeferredChannelMessageWithSource &&
      !record.followUps.includes(original)
    ) {
      this.#applyEdit(original, data, files);
      record.followUps.push(original);
      this.#dispatchMessage(original, 'update');
      this.#waiters.notify();
      return wait ? { status: 200, body: original.message } : { status: 204 };
    }
    const ephemeral = ((data.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
    const channelId = record.payload.channel_id ?? record.payload.channel?.id ?? '';
    const message = this.#newMessage({
      channelId,
      author: this.#world.users.bot,
      body: data,
      files,
      type: MessageType.Default,
      interaction: record,
    });
    const stored = this.#store(message, files, 'follow-up', ephemeral, record.id);
    record.followUps.push(stored);
    this.#dispatchMessage(stored, 'create');
    this.#waiters.notify();
    return wait ? { status: 200, body: stored.message } : { status: 204 };
  }
}
