// Binance's WebSocket API (`/ws-api/v3`): JSON requests `{id, method, params}` answered
// `{id, status, result | error, rateLimits}`, SIGNED methods carrying apiKey/timestamp/signature
// in their params, and the user data stream subscribed per connection with
// `userDataStream.subscribe.signature`, its events pushed as `{subscriptionId, event}`.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ExchangeError } from '../ports/exchange.ts';
import { type Credentials, checkApiKey, checkTimestamp, checkWsSignature } from './auth.ts';
import { type ApiContext, ENDPOINTS, type Endpoint, WS_METHODS } from './endpoints.ts';
import { probe } from './probe.ts';
import { RateLimitError, type RateLimiter, type Usage } from './rate-limiter.ts';
import { wsParams } from './request-params.ts';
import { takeFault } from './knobs.ts';
import { INTERNAL_ERROR, UNKNOWN_ERROR } from './rest-server.ts';
import type { UserDataEvent, Venue } from './venue.ts';

export const WS_API_PATH = '/ws-api/v3';

export interface WsApiContext extends ApiContext {
  readonly limiter: RateLimiter;
  readonly credentials: Credentials;
  delay(ms: number): Promise<void>;
}

interface Session {
  readonly socket: WebSocket;
  /** When the connection's latest bytes arrived (kept only while a probe listens). */
  readonly arrived: { at: number };
  /** The TCP socket under `socket`: corked while a burst of requests is answered. */
  readonly tcp: Duplex;
  corked: boolean;
  readonly connectedSince: number;
  /** subscriptionId → unsubscribe from the venue's user data. */
  readonly subscriptions: Map<number, () => void>;
  nextSubscriptionId: number;
}

interface Request {
  readonly id: string | number | null;
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** Methods of the WebSocket API itself (sessions and the user data stream). */
const SESSION_WEIGHT = 2;

export class WebsocketApi {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Set<Session>();

  constructor(
    private readonly ctx: WsApiContext,
    private readonly venue: Venue,
  ) {}

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // For the probe: the instant each chunk of bytes arrives, taken before the frames in it are read,
    // so a request's arrival does not include the processing of the requests before it in the chunk.
    const arrived = { at: performance.now() };
    if (probe.wsApiRequestReceived !== undefined) socket.on('data', () => (arrived.at = performance.now()));
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session: Session = { socket: ws, arrived, tcp: socket, corked: false, connectedSince: Date.now(), subscriptions: new Map(), nextSubscriptionId: 0 };
      this.sessions.add(session);
      ws.on('message', (data) => void this.onMessage(session, data.toString()));
      const end = (): void => this.endSession(session);
      ws.on('close', end);
      ws.on('error', end);
    });
  }

  /** User data subscriptions open right now (tests wait on it instead of sleeping). */
  get userDataSubscriptions(): number {
    let n = 0;
    for (const s of this.sessions) n += s.subscriptions.size;
    return n;
  }

  get connections(): number {
    return this.sessions.size;
  }

  disconnectAll(): number {
    const n = this.sessions.size;
    for (const s of [...this.sessions]) {
      this.endSession(s);
      s.socket.terminate();
    }
    return n;
  }

  close(): void {
    this.disconnectAll();
    this.wss.close();
  }

  private endSession(session: Session): void {
    for (const unsubscribe of session.subscriptions.values()) unsubscribe();
    session.subscriptions.clear();
    this.sessions.delete(session);
  }

  private async onMessage(session: Session, text: string): Promise<void> {
    let request: Request;
    try {
      request = parseRequest(text);
    } catch (error) {
      this.send(session, { id: null, status: 400, error: errorBody(error) });
      return;
    }
    probe.wsApiRequestReceived?.(request.method, request.params, session.arrived.at);
    // The answers and user data events of the requests read in one go leave in one write.
    if (!session.corked) {
      session.corked = true;
      session.tcp.cork();
      process.nextTick(() => {
        session.corked = false;
        session.tcp.uncork();
      });
    }
    const { reply, drop } = this.answer(session, request);
    if (this.ctx.knobs.latencyMs > 0) await this.ctx.delay(this.ctx.knobs.latencyMs);
    if (!drop) this.send(session, reply);
  }

  private answer(session: Session, request: Request): { reply: Record<string, unknown>; drop: boolean } {
    const { id, method } = request;
    const params = wsParams(request.params);
    const endpointName = WS_METHODS[method];
    const endpoint: Endpoint | undefined = endpointName === undefined ? undefined : ENDPOINTS[endpointName];
    let usage: Usage | undefined;
    try {
      if (endpoint !== undefined && takeFault(this.ctx.knobs, 'fail5xx')) {
        // Binance's internal error: not processed, and the client cannot know that.
        return { reply: { id, status: 503, error: { code: -1001, msg: INTERNAL_ERROR } }, drop: false };
      }
      if (endpoint !== undefined) {
        usage = this.ctx.limiter.admit(endpoint.weight(params), endpoint.placesOrder === true);
        if (endpoint.signed) this.authenticate(request.params);
        const result = endpoint.handle(params, this.ctx);
        const drop = endpoint.placesOrder === true && takeFault(this.ctx.knobs, 'dropOrderResponses');
        return { reply: { id, status: 200, result, rateLimits: this.rateLimits(usage, endpoint) }, drop };
      }
      usage = this.ctx.limiter.admit(SESSION_WEIGHT);
      const result = this.sessionMethod(session, method, request.params);
      return { reply: { id, status: 200, result, rateLimits: this.rateLimits(usage) }, drop: false };
    } catch (error) {
      const status = error instanceof ExchangeError ? error.httpStatus : 500;
      if (!(error instanceof ExchangeError)) console.error('emulator: a WebSocket API request failed unexpectedly', error);
      const body = errorBody(error);
      if (error instanceof RateLimitError) {
        body.data = { retryAfter: this.ctx.serverTime() + error.retryAfterSeconds * 1000, serverTime: this.ctx.serverTime() };
      }
      return { reply: { id, status, error: body, rateLimits: this.rateLimits(usage ?? this.ctx.limiter.usage(), endpoint) }, drop: false };
    }
  }

  private sessionMethod(session: Session, method: string, params: Record<string, unknown>): unknown {
    switch (method) {
      case 'userDataStream.subscribe.signature': {
        this.authenticate(params);
        const subscriptionId = session.nextSubscriptionId++;
        const unsubscribe = this.venue.onUserData((event) => this.push(session, subscriptionId, event));
        session.subscriptions.set(subscriptionId, unsubscribe);
        return { subscriptionId };
      }
      case 'userDataStream.unsubscribe': {
        const raw = params.subscriptionId;
        const ids = raw === undefined ? [...session.subscriptions.keys()] : [Number(raw)];
        for (const subscriptionId of ids) {
          const unsubscribe = session.subscriptions.get(subscriptionId);
          if (unsubscribe === undefined) throw new ExchangeError(-2035, 'Subscription not found.');
          unsubscribe();
          session.subscriptions.delete(subscriptionId);
        }
        return {};
      }
      case 'session.subscriptions':
        return [...session.subscriptions.keys()].map((subscriptionId) => ({ subscriptionId }));
      case 'session.status':
        return {
          apiKey: null,
          authorizedSince: null,
          connectedSince: session.connectedSince,
          returnRateLimits: true,
          serverTime: this.ctx.serverTime(),
          userDataStream: session.subscriptions.size > 0,
        };
      // session.logon needs an Ed25519 key; this account has an HMAC key, as the bot's does.
      case 'session.logon':
      case 'userDataStream.subscribe':
        throw new ExchangeError(-1002, 'You are not authorized to execute this request.', 401);
      default:
        throw new ExchangeError(-1000, `Unknown method: ${method}`);
    }
  }

  private authenticate(params: Record<string, unknown>): void {
    const key = params.apiKey;
    checkApiKey(typeof key === 'string' ? key : undefined, this.ctx.credentials);
    const text = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
    checkTimestamp(text(params.timestamp), text(params.recvWindow), this.ctx.serverTime());
    checkWsSignature(params, this.ctx.credentials.apiSecret);
  }

  private push(session: Session, subscriptionId: number, event: UserDataEvent): void {
    this.send(session, { subscriptionId, event });
  }

  private rateLimits(usage: Usage, endpoint?: Endpoint): Record<string, unknown>[] {
    const knobs = this.ctx.knobs;
    return [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: knobs.requestWeightPerMinute, count: usage.usedWeight1m },
      ...(endpoint?.placesOrder === true
        ? [
            { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: knobs.ordersPer10s, count: usage.orderCount10s },
            { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200_000, count: usage.orderCount1d },
          ]
        : []),
    ];
  }

  private send(session: Session, message: unknown): void {
    if (session.socket.readyState === WebSocket.OPEN) session.socket.send(JSON.stringify(message));
  }
}

function parseRequest(text: string): Request {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ExchangeError(-1000, 'Malformed request: not valid JSON.');
  }
  if (typeof raw !== 'object' || raw === null) throw new ExchangeError(-1000, 'Malformed request: expected an object.');
  const { id, method, params } = raw as { id?: unknown; method?: unknown; params?: unknown };
  if (!(id === undefined || id === null || typeof id === 'string' || typeof id === 'number')) {
    throw new ExchangeError(-1000, "Malformed request: 'id' must be a string, a number or null.");
  }
  if (typeof method !== 'string') throw new ExchangeError(-1102, "Mandatory parameter 'method' was not sent, was empty/null, or malformed.");
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw new ExchangeError(-1000, "Malformed request: 'params' must be an object.");
  }
  return { id: id ?? null, method, params: (params ?? {}) as Record<string, unknown> };
}

function errorBody(error: unknown): { code: number; msg: string; data?: unknown } {
  if (error instanceof ExchangeError) return { code: error.code, msg: error.message };
  return { code: -1000, msg: UNKNOWN_ERROR };
}
