// Signed WebSocket API requests written straight onto the connector's connection.
//
// The connector (@binance/spot, pinned) builds each signed request through a chain made for
// every kind of payload: copies and filters of the params, a sort, a query string with
// encodeURIComponent, an HMAC keyed by the secret string (the key imported anew each time), a
// redacted copy for its debug log, an async send with its own promise plumbing. In place, in the
// middle of a candle close, that is ~30 µs per order (measured in the latency benchmark), a
// good part of the time between a candle's close and its 20th order leaving. crewdesk's requests
// are few and flat (order.place, order.cancel: strings and a recvWindow), so this writes them the
// way the connector would — the same params, the same order, the same signature, apiKey and
// timestamp — with the HMAC key imported once, onto the connector's own socket, and registers the
// answer where the connector (and ws-api-messages.ts) resolve answers. Connecting, reconnecting,
// renewals, the user data subscription and every other request stay the connector's.
// The requests of one synchronous burst (the orders of one candle close) leave in one write: the
// socket is corked at the first and uncorked when the burst is over — one system call and one
// segment instead of one per order, which the venue then reads in one go.
// When the connection is not shaped as the pinned connector's, this is not used.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import { type WsApiResponse, WsApiTimeout } from './rest-client.ts';

/** One entry of the connector's connection pool (single mode: one), as far as this relies on it. */
interface PoolEntry {
  readonly ws?: { readonly readyState: number; send(text: string): void; readonly _socket?: Partial<Pick<Socket, 'cork' | 'uncork' | 'destroyed'>> };
  readonly pendingRequests: Map<string, { resolve: (answer: unknown) => void; reject: (error: unknown) => void }>;
  readonly closeInitiated?: boolean;
  readonly reconnectionPending?: boolean;
}

const OPEN = 1;

export type RequestParams = Readonly<Record<string, string | number | boolean>>;

export class SignedRequestWriter {
  private readonly key: KeyObject;
  /** Whether the socket is corked for the current burst (uncorked on the next tick). */
  private corked = false;

  private constructor(
    private readonly pool: readonly PoolEntry[],
    private readonly apiKey: string,
    apiSecret: string,
    private readonly timeoutMs: number,
  ) {
    this.key = createSecretKey(Buffer.from(apiSecret, 'utf8'));
  }

  /** A writer on the connector's WebSocket API object, or null when it is not shaped as expected. */
  static attach(websocketBase: unknown, apiKey: string, apiSecret: string, timeoutMs: number): SignedRequestWriter | null {
    if (typeof websocketBase !== 'object' || websocketBase === null) return null;
    const pool = (websocketBase as { connectionPool?: unknown }).connectionPool;
    if (!Array.isArray(pool) || pool.length !== 1) return null;
    const entry = pool[0] as Partial<PoolEntry> | undefined;
    if (typeof entry !== 'object' || entry === null || !(entry.pendingRequests instanceof Map)) return null;
    return new SignedRequestWriter(pool as PoolEntry[], apiKey, apiSecret, timeoutMs);
  }

  /**
   * Writes one signed request and resolves with its answer as the connector would ({ data, rateLimits }),
   * or rejects with Binance's error object, or a timeout error. Null when nothing was written (the
   * connection is not open right now, or a param is of a kind this does not write): the caller
   * then goes the connector's way.
   */
  send(method: string, params: RequestParams, id: string, now: number): Promise<WsApiResponse> | null {
    const entry = this.pool[0];
    const ws = entry?.ws;
    if (entry === undefined || ws === undefined || ws.readyState !== OPEN || entry.closeInitiated === true || entry.reconnectionPending === true) return null;
    // The connector's params: empty values dropped, numbers as their decimal text, apiKey and timestamp added, sorted by name.
    const all: Record<string, string | number | boolean> = { apiKey: this.apiKey, timestamp: now };
    for (const name in params) {
      const value = params[name];
      if (value === '' || value === undefined || value === null) continue;
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value)) return null;
        all[name] = String(value);
      } else all[name] = value;
    }
    const names = Object.keys(all).sort();
    const sorted: Record<string, string | number | boolean> = {};
    let query = '';
    for (const name of names) {
      const value = all[name]!;
      sorted[name] = value;
      query += `${query === '' ? '' : '&'}${name}=${encodeURIComponent(String(value))}`;
    }
    sorted.signature = createHmac('sha256', this.key).update(query).digest('hex');
    const text = JSON.stringify({ id, method, params: sorted });
    this.corkBurst(ws._socket);
    ws.send(text);
    return new Promise<WsApiResponse>((resolve, reject) => {
      const pending = new PendingAnswer(id, entry.pendingRequests, resolve, reject);
      pending.timer = setTimeout(() => pending.timeOut(), this.timeoutMs);
      entry.pendingRequests.set(id, pending);
    });
  }

  /** Corks `ws`'s socket (reached through its field: `ws` keeps it to itself) until this synchronous burst is over. */
  private corkBurst(socket: Partial<Pick<Socket, 'cork' | 'uncork' | 'destroyed'>> | undefined): void {
    if (this.corked || socket === undefined || typeof socket.cork !== 'function' || typeof socket.uncork !== 'function' || socket.destroyed === true) return;
    socket.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      socket.uncork!();
    });
  }
}

/** A request waiting for its answer, as the connector's handler settles it (resolve / reject), or timed out.
 * (A class with methods, not an object of closures: this runs for every order.) */
class PendingAnswer {
  timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly id: string,
    private readonly waiting: Map<string, unknown>,
    private readonly onAnswer: (answer: WsApiResponse) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Called as a method of the entry, by the connector's handler or ws-api-messages.ts. */
  resolve(answer: unknown): void {
    clearTimeout(this.timer);
    this.onAnswer(answer as WsApiResponse);
  }

  reject(error: unknown): void {
    clearTimeout(this.timer);
    this.onError(error);
  }

  timeOut(): void {
    if (this.waiting.delete(this.id)) this.onError(new WsApiTimeout(this.id));
  }
}
