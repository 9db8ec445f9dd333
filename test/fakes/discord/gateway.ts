/**
 * The fake gateway: a `ws` WebSocketServer behind the fake's HTTP server, speaking gateway v10 JSON.
 *
 * Lifecycle per connection: HELLO → IDENTIFY (new session: READY + one GUILD_CREATE per guild) or RESUME
 * (replay every dispatch after the client's `seq`, then RESUMED). Every heartbeat (op 1) gets op 11.
 * Dispatches go to every live session and are filtered by its intents the way Discord does (including
 * emptying message content without the MessageContent intent). A session outlives its socket unless the
 * client closed with 1000/1001 (Discord invalidates those), so events dispatched while the client is
 * disconnected are kept and replayed on RESUME.
 *
 * Compression: discord.js asks for `compress=zlib-stream` only when the optional `zlib-sync` package is
 * installed (it is not here); both that and IDENTIFY `compress: true` are nevertheless supported.
 * Only `encoding=json` is (discord.js has no ETF support); anything else is closed with 4002.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { constants as zlibConstants, createDeflate, deflateSync, type Deflate } from 'node:zlib';
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import type {
  GatewayDispatchPayload,
  GatewayGuildCreateDispatchData,
  GatewayGuildMembersChunkDispatchData,
  GatewayIdentifyData,
  GatewayPresenceUpdateData,
  GatewayReadyDispatchData,
  GatewayReceivePayload,
  GatewayRequestGuildMembersData,
  GatewayResumeData,
} from 'discord-api-types/v10';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { randomToken } from './ids.ts';

export type DispatchEvent = GatewayDispatchPayload['t'];
/** The dispatch payload type for event `T` (handles payload types that cover several events). */
export type DispatchPayloadOf<T extends DispatchEvent> = GatewayDispatchPayload extends infer P
  ? P extends { t: infer U }
    ? T extends U
      ? P
      : never
    : never
  : never;
export type DispatchDataOf<T extends DispatchEvent> = DispatchPayloadOf<T>['d'];

const PRIVILEGED_INTENTS = GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;

export interface GatewayHooks {
  readonly token: string;
  readonly botUserId: string;
  readonly heartbeatIntervalMs: number;
  /** When false, IDENTIFY with a privileged intent is closed with 4014 (intent not enabled in the portal). */
  readonly privilegedIntentsEnabled: boolean;
  /** READY and the GUILD_CREATEs for a new session. */
  initialState(
    sessionId: string,
    resumeGatewayUrl: string,
  ): {
    ready: GatewayReadyDispatchData;
    guilds: GatewayGuildCreateDispatchData[];
  };
  membersChunk(request: GatewayRequestGuildMembersData): GatewayGuildMembersChunkDispatchData | null;
  /** Called after anything recorded changed (waiters re-check). */
  changed(): void;
  /** An unexpected error inside the fake (recorded; fails the test's "no internal errors" check). */
  internalError(error: unknown): void;
}

export interface GatewaySession {
  readonly id: string;
  readonly identify: GatewayIdentifyData;
  /** Last sequence number used. */
  seq: number;
  /** Every dispatch of this session, in order (kept for RESUME replay and for assertions). */
  readonly dispatches: GatewayDispatchPayload[];
  connection: GatewayConnection | null;
  state: 'connected' | 'disconnected' | 'invalidated';
  resumes: number;
  presence: GatewayPresenceUpdateData | null;
}

export interface GatewayConnection {
  readonly id: number;
  /** `gateway` for the URL from GET /gateway/bot, `resume` for READY's resume_gateway_url. */
  readonly endpoint: 'gateway' | 'resume';
  readonly query: Readonly<Record<string, string>>;
  readonly socket: WebSocket;
  session: GatewaySession | null;
  heartbeats: number;
  /** Set when the fake closes the socket itself: the session stays resumable whatever the code. */
  closedByServer: boolean;
  closeCode: number | null;
  deflate: Deflate | null;
  identifyCompress: boolean;
  sendChain: Promise<void>;
}

/** One frame in either direction, for assertions and for debugging a failing test. */
export interface GatewayFrame {
  readonly at: number;
  readonly connectionId: number;
  readonly direction: 'in' | 'out';
  readonly op: number;
  readonly t: string | null;
  readonly s: number | null;
  readonly d: unknown;
}

export interface DropOptions {
  /** Close code; default 4000 (Unknown error), which discord.js answers with RESUME. */
  readonly code?: number;
  /** Destroy the TCP socket without a close frame (the client sees 1006), like a network cut. */
  readonly abrupt?: boolean;
}

export class FakeGateway {
  readonly #hooks: GatewayHooks;
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  readonly connections = new Set<GatewayConnection>();
  readonly sessions = new Map<string, GatewaySession>();
  readonly frames: GatewayFrame[] = [];
  readonly identifies: GatewayIdentifyData[] = [];
  readonly resumeRequests: GatewayResumeData[] = [];
  #nextConnectionId = 1;
  #baseUrl = '';

  constructor(hooks: GatewayHooks) {
    this.#hooks = hooks;
  }

  set baseUrl(url: string) {
    this.#baseUrl = url;
  }

  get url(): string {
    return `${this.#baseUrl}/gateway`;
  }

  get resumeUrl(): string {
    return `${this.#baseUrl}/resume-gateway`;
  }

  /** Returns false when the path is not a gateway path (the caller answers 404). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://fake');
    const endpoint = url.pathname.replace(/\/+$/, '');
    if (endpoint !== '/gateway' && endpoint !== '/resume-gateway') return false;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#onConnection(ws, endpoint === '/gateway' ? 'gateway' : 'resume', Object.fromEntries(url.searchParams));
    });
    return true;
  }

  #onConnection(socket: WebSocket, endpoint: 'gateway' | 'resume', query: Record<string, string>): void {
    const conn: GatewayConnection = {
      id: this.#nextConnectionId++,
      endpoint,
      query,
      socket,
      session: null,
      heartbeats: 0,
      closedByServer: false,
      closeCode: null,
      deflate: null,
      identifyCompress: false,
      sendChain: Promise.resolve(),
    };
    this.connections.add(conn);
    socket.on('message', (data, isBinary) => {
      try {
        this.#onMessage(conn, data, isBinary);
      } catch (error) {
        this.#hooks.internalError(error);
      }
    });
    socket.on('close', (code) => this.#onClose(conn, code));
    socket.on('error', () => {
      // A reset socket also emits 'close', which is where the state is updated.
    });

    if (query['v'] !== undefined && query['v'] !== '10') {
      this.#close(conn, GatewayCloseCodes.InvalidAPIVersion, `FakeDiscord speaks gateway v10 only, not v${query['v']}`);
      return;
    }
    if (query['encoding'] !== undefined && query['encoding'] !== 'json') {
      this.#close(conn, GatewayCloseCodes.DecodeError, 'FakeDiscord supports encoding=json only');
      return;
    }
    if (query['compress'] === 'zlib-stream') {
      conn.deflate = createDeflate({ chunkSize: 65_535 });
    } else if (query['compress'] !== undefined) {
      this.#close(conn, GatewayCloseCodes.DecodeError, `FakeDiscord: unsupported compress=${query['compress']}`);
      return;
    }
    this.#send(conn, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.#hooks.heartbeatIntervalMs }, s: null, t: null });
    this.#hooks.changed();
  }

  #onMessage(conn: GatewayConnection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.#close(conn, GatewayCloseCodes.DecodeError, 'FakeDiscord: binary frames are not supported');
      return;
    }
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse(rawToString(data)) as { op?: unknown; d?: unknown };
    } catch {
      this.#close(conn, GatewayCloseCodes.DecodeError, 'FakeDiscord: frame is not valid JSON');
      return;
    }
    const op = typeof payload.op === 'number' ? payload.op : -1;
    this.frames.push({ at: Date.now(), connectionId: conn.id, direction: 'in', op, t: null, s: null, d: payload.d });

    switch (op) {
      case GatewayOpcodes.Heartbeat:
        conn.heartbeats += 1;
        this.#send(conn, { op: GatewayOpcodes.HeartbeatAck, d: undefined, s: null, t: null });
        break;
      case GatewayOpcodes.Identify:
        this.#identify(conn, payload.d as GatewayIdentifyData);
        break;
      case GatewayOpcodes.Resume:
        this.#resume(conn, payload.d as GatewayResumeData);
        break;
      case GatewayOpcodes.PresenceUpdate:
        if (!conn.session) return this.#close(conn, GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        conn.session.presence = payload.d as GatewayPresenceUpdateData;
        break;
      case GatewayOpcodes.RequestGuildMembers: {
        if (!conn.session) return this.#close(conn, GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        const chunk = this.#hooks.membersChunk(payload.d as GatewayRequestGuildMembersData);
        if (chunk) this.#dispatchTo(conn.session, GatewayDispatchEvents.GuildMembersChunk, chunk);
        break;
      }
      case GatewayOpcodes.VoiceStateUpdate:
      case GatewayOpcodes.RequestSoundboardSounds:
      case GatewayOpcodes.RequestChannelInfo:
        if (!conn.session) return this.#close(conn, GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        break; // recorded above; nothing to answer in this fake
      default:
        this.#close(conn, GatewayCloseCodes.UnknownOpcode, `Unknown opcode ${String(payload.op)}.`);
        return;
    }
    this.#hooks.changed();
  }

  #identify(conn: GatewayConnection, d: GatewayIdentifyData): void {
    if (conn.session) return this.#close(conn, GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
    if (d?.token !== this.#hooks.token) {
      return this.#close(conn, GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
    }
    if (typeof d.intents !== 'number' || !Number.isInteger(d.intents) || d.intents < 0) {
      return this.#close(conn, GatewayCloseCodes.InvalidIntents, 'Invalid intent(s).');
    }
    if (!this.#hooks.privilegedIntentsEnabled && (d.intents & PRIVILEGED_INTENTS) !== 0) {
      return this.#close(conn, GatewayCloseCodes.DisallowedIntents, 'Disallowed intent(s).');
    }
    if (d.shard && (d.shard[0] !== 0 || d.shard[1] !== 1)) {
      return this.#close(conn, GatewayCloseCodes.InvalidShard, 'Invalid shard.');
    }
    this.identifies.push(d);
    conn.identifyCompress = d.compress === true && conn.deflate === null;
    const session: GatewaySession = {
      id: randomToken('').replace(/[-_]/g, '').slice(0, 32),
      identify: d,
      seq: 0,
      dispatches: [],
      connection: conn,
      state: 'connected',
      resumes: 0,
      presence: d.presence ?? null,
    };
    this.sessions.set(session.id, session);
    conn.session = session;
    const { ready, guilds } = this.#hooks.initialState(session.id, this.resumeUrl);
    this.#dispatchTo(session, GatewayDispatchEvents.Ready, ready);
    for (const guild of guilds) this.#dispatchTo(session, GatewayDispatchEvents.GuildCreate, guild);
  }

  #resume(conn: GatewayConnection, d: GatewayResumeData): void {
    if (conn.session) return this.#close(conn, GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
    if (d?.token !== this.#hooks.token) {
      return this.#close(conn, GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
    }
    this.resumeRequests.push(d);
    const session = this.sessions.get(d.session_id);
    if (!session || session.state === 'invalidated' || typeof d.seq !== 'number' || d.seq > session.seq) {
      this.#send(conn, { op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
      return;
    }
    const previous = session.connection;
    if (previous && previous !== conn) {
      previous.session = null;
      this.#close(previous, GatewayCloseCodes.UnknownError, 'Session resumed on another connection.');
    }
    session.connection = conn;
    session.state = 'connected';
    session.resumes += 1;
    conn.session = session;
    for (const payload of session.dispatches) {
      if (payload.s > d.seq) this.#sendDispatch(conn, payload);
    }
    this.#dispatchTo(session, GatewayDispatchEvents.Resumed, undefined);
  }

  #onClose(conn: GatewayConnection, code: number): void {
    conn.closeCode = code;
    this.connections.delete(conn);
    conn.deflate?.close();
    const session = conn.session;
    if (session && session.connection === conn) {
      session.connection = null;
      const clientEnded = !conn.closedByServer && (code === 1000 || code === 1001);
      session.state = clientEnded ? 'invalidated' : 'disconnected';
    }
    this.#hooks.changed();
  }

  /**
   * Send a dispatch to every session that is not invalidated (buffered for a disconnected one, to be
   * replayed on RESUME). Returns how many sessions it went to after intent filtering.
   */
  dispatch<T extends DispatchEvent>(t: T, d: DispatchDataOf<T>): number {
    let delivered = 0;
    for (const session of this.sessions.values()) {
      if (session.state === 'invalidated') continue;
      if (this.#dispatchTo(session, t, d)) delivered += 1;
    }
    return delivered;
  }

  /** True when some session would receive a dispatch now or on resume. */
  get hasLiveSession(): boolean {
    for (const session of this.sessions.values()) if (session.state !== 'invalidated') return true;
    return false;
  }

  #dispatchTo<T extends DispatchEvent>(session: GatewaySession, t: T, d: DispatchDataOf<T>): boolean {
    const filtered = filterForIntents(t, d, session.identify.intents, this.#hooks.botUserId);
    if (!filtered.keep) return false;
    session.seq += 1;
    const payload = { op: GatewayOpcodes.Dispatch, t, s: session.seq, d: filtered.d } as DispatchPayloadOf<T>;
    session.dispatches.push(payload);
    if (session.connection) this.#sendDispatch(session.connection, payload);
    this.#hooks.changed();
    return true;
  }

  #sendDispatch(conn: GatewayConnection, payload: GatewayDispatchPayload): void {
    this.#send(conn, payload);
  }

  #send(conn: GatewayConnection, payload: GatewayReceivePayload): void {
    if (conn.socket.readyState !== WebSocket.OPEN) return;
    this.frames.push({
      at: Date.now(),
      connectionId: conn.id,
      direction: 'out',
      op: payload.op,
      t: payload.t ?? null,
      s: payload.s ?? null,
      d: payload.d,
    });
    const json = JSON.stringify(payload);
    const { deflate } = conn;
    if (deflate) {
      conn.sendChain = conn.sendChain.then(
        () =>
          new Promise<void>((resolve) => {
            const chunks: Buffer[] = [];
            const onData = (chunk: Buffer): void => {
              chunks.push(chunk);
            };
            deflate.on('data', onData);
            deflate.write(json);
            deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
              deflate.off('data', onData);
              if (conn.socket.readyState === WebSocket.OPEN) conn.socket.send(Buffer.concat(chunks));
              resolve();
            });
          }),
      );
      return;
    }
    if (conn.identifyCompress && payload.op === GatewayOpcodes.Dispatch) {
      conn.socket.send(deflateSync(json));
      return;
    }
    conn.socket.send(json);
  }

  #close(conn: GatewayConnection, code: number, reason: string): void {
    conn.closedByServer = true;
    const send = (): void => {
      if (conn.socket.readyState === WebSocket.OPEN) conn.socket.close(code, reason);
    };
    // Let queued compressed frames go out first.
    void conn.sendChain.then(send);
  }

  /** Close every connected session's socket (resumable). Resolves once the sockets are closed. */
  async drop(options: DropOptions = {}): Promise<number> {
    const targets = [...this.connections].filter((conn) => conn.session !== null);
    await Promise.all(
      targets.map(
        (conn) =>
          new Promise<void>((resolve) => {
            if (conn.socket.readyState === WebSocket.CLOSED) return resolve();
            conn.socket.once('close', () => resolve());
            conn.closedByServer = true;
            if (options.abrupt) conn.socket.terminate();
            else this.#close(conn, options.code ?? GatewayCloseCodes.UnknownError, 'FakeDiscord: connection dropped by the test');
          }),
      ),
    );
    return targets.length;
  }

  /** Op 7 Reconnect on every connected session (the client closes and RESUMEs). */
  requestReconnect(): number {
    let count = 0;
    for (const conn of this.connections) {
      if (!conn.session) continue;
      this.#send(conn, { op: GatewayOpcodes.Reconnect, d: undefined, s: null, t: null });
      count += 1;
    }
    return count;
  }

  /** Op 9 Invalid Session on every connected session; `resumable: false` forces a fresh IDENTIFY. */
  invalidateSessions(resumable: boolean): number {
    let count = 0;
    for (const conn of this.connections) {
      const session = conn.session;
      if (!session) continue;
      session.connection = null;
      session.state = resumable ? 'disconnected' : 'invalidated';
      conn.session = null;
      this.#send(conn, { op: GatewayOpcodes.InvalidSession, d: resumable, s: null, t: null });
      count += 1;
    }
    return count;
  }

  async close(): Promise<void> {
    for (const conn of this.connections) {
      conn.closedByServer = true;
      conn.socket.terminate();
      conn.deflate?.close();
    }
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

type Filtered = { readonly keep: false } | { readonly keep: true; readonly d: unknown };
const DROP: Filtered = { keep: false };

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/**
 * What a session with `intents` receives for a dispatch: null when an intent is missing; message
 * content emptied without MessageContent, except for the bot's own messages, DMs and mentions of the
 * bot (Discord's documented exceptions).
 */
function filterForIntents(t: DispatchEvent, d: unknown, intents: number, botUserId: string): Filtered {
  const has = (bit: GatewayIntentBits): boolean => (intents & bit) !== 0;
  switch (t) {
    case GatewayDispatchEvents.GuildCreate:
    case GatewayDispatchEvents.GuildUpdate:
    case GatewayDispatchEvents.GuildDelete:
    case GatewayDispatchEvents.ChannelCreate:
    case GatewayDispatchEvents.ChannelUpdate:
    case GatewayDispatchEvents.ChannelDelete:
      return has(GatewayIntentBits.Guilds) ? { keep: true, d } : DROP;
    case GatewayDispatchEvents.MessageCreate:
    case GatewayDispatchEvents.MessageUpdate: {
      const message = d as DispatchDataOf<GatewayDispatchEvents.MessageCreate>;
      const inGuild = message.guild_id !== undefined;
      if (!has(inGuild ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages)) return DROP;
      const visible =
        has(GatewayIntentBits.MessageContent) || !inGuild || message.author.id === botUserId || message.mentions.some((user) => user.id === botUserId);
      if (visible) return { keep: true, d };
      const stripped: DispatchDataOf<GatewayDispatchEvents.MessageCreate> = {
        ...message,
        content: '',
        embeds: [],
        attachments: [],
        components: [],
      };
      delete stripped.poll;
      return { keep: true, d: stripped };
    }
    case GatewayDispatchEvents.MessageDelete: {
      const deleted = d as DispatchDataOf<GatewayDispatchEvents.MessageDelete>;
      return has(deleted.guild_id !== undefined ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages) ? { keep: true, d } : DROP;
    }
    case GatewayDispatchEvents.GuildMemberAdd:
    case GatewayDispatchEvents.GuildMemberUpdate:
    case GatewayDispatchEvents.GuildMemberRemove:
      return has(GatewayIntentBits.GuildMembers) ? { keep: true, d } : DROP;
    default:
      return { keep: true, d };
  }
}
