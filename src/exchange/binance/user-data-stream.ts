// The user data stream over Binance's WebSocket API (`userDataStream.subscribe.signature`, HMAC
// keys; the listenKey stream is retired). The connector's quirks shape this file:
// - it reconnects by itself, but does not restore the subscription: it is made again on every
//   'open' after a reconnect;
// - it hands every user data event to every stream handler ever registered, so exactly one
//   handler is registered, on the first subscription, and later subscriptions reuse it;
// - it renews a connection (every 23 h, or on Binance's `serverShutdown`) without an 'open' or a
//   'close' event, losing the subscription silently: a periodic `session.subscriptions` check
//   finds that and subscribes again;
// - a first connection that fails keeps reconnecting forever out of reach (no handle to
//   disconnect it), so the URL is probed with a plain WebSocket first;
// - it parses every message with json-with-bigint, slowly and with much garbage: answers and
//   events are parsed natively instead (ws-api-messages.ts);
// - its way of building a signed request is slow for an order's hot path: orders and cancels are
//   written onto its connection directly, exactly as it would write them (ws-api-requests.ts).
// Every request here (the subscription, its health check, a reconnect) goes through the process's one
// rate budget and 429/418 gate (`gate`): while Binance says back off nothing is sent, since a request
// sent into a back-off is what turns a 429 into an IP ban.
// While the stream is down the owner polls REST (onDown/onUp), so no fill is lost in between.
// The same connection carries the owner's signed requests (`request`: new orders, cancels); the
// connector does not fail a request whose connection closes before the answer (it waits for its
// timeout), so `request` does, at once: the outcome of such a request is unknown. The requests of
// one synchronous burst (the orders of one candle close) leave in one write (ws-api-requests.ts).
import { Spot, type SpotWebsocketAPI } from '@binance/spot';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { Logger } from '../../log/logger.ts';
import { type WsApiResponse, WsApiConnectionLost, WsApiUnavailable } from './rest-client.ts';
import { parseMessagesNatively } from './ws-api-messages.ts';
import { SignedRequestWriter } from './ws-api-requests.ts';

export interface UserDataStreamOptions {
  readonly wsApiUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** How long a WebSocket API request may take (default 5000 ms). */
  readonly timeoutMs?: number;
  /** The connector's reconnect delay after a drop (default 1000 ms; it is fixed, not a backoff). */
  readonly reconnectDelayMs?: number;
  /** How often the subscription is checked to still exist (default 60 s). */
  readonly healthCheckMs?: number;
  /** Longest wait between attempts to connect at all (default 30 s; doubling from 500 ms). */
  readonly maxRetryMs?: number;
  /** recvWindow for the signed subscription (follows the server-clock offset). */
  readonly recvWindow: () => number;
  readonly onEvent: (event: unknown) => void;
  /** Subscribed (again): events flow from now on; what happened while down must be fetched. */
  readonly onUp: () => void;
  /** Not subscribed any more: poll until onUp. */
  readonly onDown: (reason: string) => void;
  /** The process's rate budget and 429/418 gate (BinanceRest); none: requests go out unguarded. */
  readonly gate?: RequestGate;
  readonly log?: Logger;
}

/** The one budget and gate every request to Binance passes (BinanceRest implements it). */
export interface RequestGate {
  /** How long from now nothing may be sent (0: the gate is open). */
  gateClosedForMs(): number;
  /** Sends `send` under the budget; refuses (ExchangeError) without sending while the gate is closed. */
  guarded<T>(what: string, send: () => Promise<T>): Promise<T>;
}

const unguarded: RequestGate = { gateClosedForMs: () => 0, guarded: (_what, send) => send() };

export class UserDataStream {
  private connection: SpotWebsocketAPI.WebsocketAPIConnection | null = null;
  private handlerRegistered = false;
  private subscribed = false;
  private subscribing: Promise<boolean> | null = null;
  private closed = false;
  private connectAttempts = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private healthTimer: NodeJS.Timeout | null = null;
  /** A health check is out (waiting for the budget or for its answer). */
  private checking = false;
  /** Request ids: the connector takes a 32-hex-digit id it is given (else it draws 16 random bytes per request). */
  private readonly idPrefix = randomBytes(8).toString('hex');
  private nextId = 0;
  /** Whether orders and cancels are written onto the connection directly (ws-api-requests.ts). */
  get writesRequests(): boolean {
    return this.writer !== null;
  }

  /** Whether the connection's messages are parsed natively (ws-api-messages.ts) rather than by the connector. */
  parsesNatively = false;
  /** Writes `request`s onto the connection directly (ws-api-requests.ts); null: the connector's sendSignedMessage. */
  private writer: SignedRequestWriter | null = null;
  /** Requests waiting for their answer: failed with WsApiConnectionLost when the connection closes. */
  private readonly waiting = new Set<(error: Error) => void>();

  private readonly gate: RequestGate;

  constructor(private readonly options: UserDataStreamOptions) {
    this.gate = options.gate ?? unguarded;
  }

  /** Whether a request can be sent now (the connection is open; subscribed or not). */
  get connected(): boolean {
    return !this.closed && this.connection !== null && this.connection.isConnected();
  }

  /**
   * One signed request on the WebSocket API connection, with apiKey, timestamp and signature
   * (written directly, ws-api-requests.ts; else by the connector). Rejects with WsApiUnavailable when there is no open connection — nothing was sent;
   * with WsApiConnectionLost when the connection closed before the answer, or a timeout error —
   * the outcome is unknown; with Binance's error object for a refusal.
   */
  request(method: string, params: Record<string, string | number | boolean>): Promise<WsApiResponse> {
    const connection = this.connection;
    if (this.closed || connection === null || !connection.isConnected()) {
      return Promise.reject(new WsApiUnavailable(this.closed ? 'closed' : 'not connected'));
    }
    const id = this.idPrefix + (this.nextId++).toString(16).padStart(16, '0');
    const sent = this.writer?.send(method, params, id, Date.now()) ?? (connection.sendSignedMessage(method, { ...params, id }) as Promise<WsApiResponse>);
    return new Promise<WsApiResponse>((resolve, reject) => {
      const lost = (error: Error): void => reject(error);
      this.waiting.add(lost);
      sent.then(
        (answer) => {
          this.waiting.delete(lost);
          resolve(answer);
        },
        (error: unknown) => {
          this.waiting.delete(lost);
          reject(error);
        },
      );
    });
  }

  /** Whether events are flowing (subscribed on an open connection). */
  get up(): boolean {
    return this.subscribed;
  }

  /**
   * Connects and subscribes. Resolves true once subscribed; false when that failed for now — it
   * keeps trying in the background, and the owner polls meanwhile.
   */
  async start(): Promise<boolean> {
    const ok = await this.connect();
    this.healthTimer ??= setInterval(() => void this.checkHealth(), this.options.healthCheckMs ?? 60_000);
    this.healthTimer.unref();
    return ok;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.healthTimer !== null) clearInterval(this.healthTimer);
    this.healthTimer = null;
    this.subscribed = false;
    for (const fail of [...this.waiting]) fail(new WsApiConnectionLost());
    this.waiting.clear();
    const connection = this.connection;
    this.connection = null;
    if (connection !== null) await connection.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<boolean> {
    if (this.closed) return false;
    const { wsApiUrl, apiKey, apiSecret } = this.options;
    const closedFor = this.gate.gateClosedForMs();
    if (closedFor > 0) {
      // Binance said back off: not even a connection attempt until it may be made again.
      const reason = `not connecting to the WebSocket API for ${Math.ceil(closedFor / 1000)} s: Binance's rate limit said back off`;
      this.options.onDown(reason);
      this.later(closedFor + 25, () => void this.connect());
      return false;
    }
    const probe = await probeWebSocket(wsApiUrl, this.options.timeoutMs ?? 5000);
    if (probe !== null) {
      this.retryConnect(`the WebSocket API at ${wsApiUrl} is unreachable: ${probe}`);
      return false;
    }
    try {
      const spot = new Spot({
        configurationWebsocketAPI: {
          apiKey,
          apiSecret,
          wsURL: wsApiUrl,
          timeout: this.options.timeoutMs ?? 5000,
          reconnectDelay: this.options.reconnectDelayMs ?? 1000,
        },
      });
      const connection = await spot.websocketAPI!.connect();
      if (this.closed) {
        await connection.disconnect().catch(() => undefined);
        return false;
      }
      this.connection = connection;
      this.connectAttempts = 0;
      // Answers and events parsed natively, requests written directly (ws-api-messages.ts, ws-api-requests.ts);
      // the connector's own ways where it is not shaped as the pinned version is.
      const base = (connection as unknown as { websocketBase?: unknown }).websocketBase;
      this.parsesNatively = parseMessagesNatively(base);
      this.writer = SignedRequestWriter.attach(base, apiKey, apiSecret, this.options.timeoutMs ?? 5000);
      if (!this.parsesNatively || this.writer === null)
        this.options.log?.warn('Binance: the connector is not shaped as this version expects; its own (slower) message handling is kept');
      connection.on('close', (code: number) => {
        for (const fail of [...this.waiting]) fail(new WsApiConnectionLost());
        this.waiting.clear();
        this.lost(`the WebSocket API connection closed (${code})`);
      });
      // Only reconnects reach this listener (the first 'open' happened inside connect()).
      connection.on('open', () => void this.subscribe());
      connection.on('error', (error: unknown) =>
        this.options.log?.warn({ err: error instanceof Error ? error.message : String(error) }, 'Binance WebSocket API error'),
      );
    } catch (error) {
      this.retryConnect(`could not connect to the WebSocket API at ${wsApiUrl}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
    return this.subscribe();
  }

  private retryConnect(reason: string): void {
    const wait = Math.min(this.options.maxRetryMs ?? 30_000, 500 * 2 ** this.connectAttempts++);
    this.options.log?.warn({ retryInMs: wait }, `Binance user data stream down: ${reason}`);
    this.options.onDown(reason);
    this.later(wait, () => void this.connect());
  }

  /** Subscribes on the current connection; one attempt at a time. Failures retry while connected. */
  private subscribe(): Promise<boolean> {
    this.subscribing ??= this.subscribeOnce().finally(() => {
      this.subscribing = null;
    });
    return this.subscribing;
  }

  private async subscribeOnce(): Promise<boolean> {
    const connection = this.connection;
    if (this.closed || connection === null) return false;
    try {
      const { stream } = await this.gate.guarded('userDataStream.subscribe.signature', () =>
        connection.userDataStreamSubscribeSignature({ recvWindow: this.options.recvWindow() }),
      );
      if (!this.handlerRegistered) {
        this.handlerRegistered = true;
        stream.on('message', (event) => this.options.onEvent(event));
      }
      if (this.closed) return false;
      this.subscribed = true;
      this.options.log?.info('Binance user data stream subscribed');
      this.options.onUp();
      return true;
    } catch (error) {
      const reason = `subscribing to the user data stream failed: ${describe(error)}`;
      this.subscribed = false;
      this.options.onDown(reason);
      this.options.log?.warn(reason);
      // Not before the rate-limit gate opens again (nothing is sent into a back-off).
      const wait = Math.max(this.options.reconnectDelayMs ?? 1000, this.gate.gateClosedForMs() + 25);
      if (connection.isConnected()) this.later(wait, () => void this.subscribe());
      return false;
    }
  }

  private lost(reason: string): void {
    if (this.closed) return;
    const was = this.subscribed;
    this.subscribed = false;
    if (was) this.options.log?.warn(`Binance user data stream down: ${reason}; polling REST until it is back`);
    this.options.onDown(reason);
  }

  /** Finds a subscription lost without a close (the connector's silent renewals) and makes it again. */
  private async checkHealth(): Promise<void> {
    const connection = this.connection;
    // One check at a time: checks piled up behind the rate budget would leave in one burst.
    if (this.closed || connection === null || this.subscribing !== null || this.checking || !connection.isConnected()) return;
    if (this.gate.gateClosedForMs() > 0) {
      this.options.log?.debug('Binance: session.subscriptions not sent: the rate limit said back off');
      return;
    }
    this.checking = true;
    try {
      const { data } = await this.gate.guarded('session.subscriptions', () => connection.sessionSubscriptions());
      if (Array.isArray(data) && data.length > 0) return;
      this.lost('the subscription is gone (connection renewed)');
      await this.subscribe();
    } catch (error) {
      this.options.log?.debug({ err: describe(error) }, 'Binance: session.subscriptions failed');
    } finally {
      this.checking = false;
    }
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }
}

/** Opens and closes a plain WebSocket: null when the URL answers, else why not. */
export function probeWebSocket(url: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    let done = false;
    function finish(result: string | null): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      if (socket.readyState === WebSocket.OPEN) socket.close();
      else socket.terminate();
      resolve(result);
    }
    socket.once('open', () => finish(null));
    socket.once('error', (error) => finish(error.message));
    socket.once('unexpected-response', (_req, res) => finish(`HTTP ${res.statusCode}`));
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'msg' in error) {
    const e = error as { code?: unknown; msg?: unknown };
    return `${String(e.code)} ${String(e.msg)}`;
  }
  return String(error);
}
