// Binance's REST API through @binance/spot, with the policies crewdesk needs around it:
// - the connector makes exactly one attempt (`retries: 1` is one attempt in all: its `retries` counts
//   attempts, and it only ever repeats GET/DELETE); this client repeats reads and cancels itself,
//   and never a new order — a POST that got no answer may have been accepted, and a second one
//   would be a second order;
// - a timeout of 5 s instead of the connector's 1 s, so a slow but successful order is not
//   mistaken for a lost one;
// - refusals become ExchangeError(code, msg, httpStatus); 429/418 close a gate so nothing more is
//   sent until Binance's ban or window ends; no answer, a timeout or a 5xx is a plain Error:
//   the outcome is unknown;
// - recvWindow follows the measured server-clock offset (see server-clock.ts), and a -1021 resyncs
//   the clock and is tried once more (it was refused, so a retry cannot double anything);
// - the responses crewdesk depends on are checked with zod: a malformed answer is an error that
//   says what was wrong.
// The same policies (one rate budget and gate, the clock, unknown outcomes, checked answers) apply
// to requests sent over the WebSocket API (`callWsApi`): Binance counts both against the same
// limits, and a request there that got no answer is as unknown as a POST that got none.
import {
  BadRequestError,
  ConnectorClientError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  RateLimitBanError,
  ServerError,
  Spot,
  type SpotRestAPI,
  TooManyRequestsError,
  UnauthorizedError,
} from '@binance/spot';
import type { z } from 'zod';
import type { Logger } from '../../log/logger.ts';
import { ExchangeError } from '../../ports/exchange.ts';
import { type ClockReading, ClockSkewError, readingFrom, recvWindowFor } from './server-clock.ts';
import { type CallKind, TroubleWatch } from './trouble-watch.ts';
import { serverTimeSchema } from './wire.ts';

export type { CallKind } from './trouble-watch.ts';

export interface BinanceRestOptions {
  readonly restUrl: string;
  /** Empty for market data only (public endpoints). */
  readonly apiKey?: string;
  readonly apiSecret?: string;
  /** Per request (default 5000 ms; the connector's own default is 1000). */
  readonly timeoutMs?: number;
  /** recvWindow sent with signed requests before any clock correction (default 5000, Binance's default). */
  readonly recvWindowMs?: number;
  /** Attempts for reads and cancels on no answer or a 5xx (default 3). */
  readonly readAttempts?: number;
  /** Wait before the n-th repeat: n × this (default 200 ms). */
  readonly retryBackoffMs?: number;
  /** How far this machine's clock may run ahead of Binance's (default 500 ms; Binance refuses ≥ 1000). */
  readonly maxClockAheadMs?: number;
  /** While the clock is known to be off, how old a reading may be before a signed call measures again (default 5000 ms). */
  readonly clockRecheckMs?: number;
  readonly log?: Logger;
  /** Time and waiting (default: the wall clock and timers); tests pass a clock they move themselves. */
  readonly clock?: RestClock;
}

/** The time the budget, the gate and the clock readings go by, and how a wait for them is spent. */
export interface RestClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const wallClock: RestClock = { now: () => Date.now(), sleep: (ms) => delay(ms) };

/** What the connector's REST calls resolve with (its RestApiResponse, which it does not export). */
export interface RestResponse {
  data(): Promise<unknown>;
  readonly status: number;
  readonly rateLimits?: readonly RateLimitUsage[];
}

/** One limit's usage as an answer reports it; an entry without a count says nothing of usage. */
export interface RateLimitUsage {
  readonly rateLimitType: string;
  readonly interval: string;
  readonly intervalNum: number;
  readonly count?: number;
  readonly limit?: number;
}

/** What the connector's WebSocket API requests resolve with (`{ data, rateLimits }` of a status-200 answer). */
export interface WsApiResponse {
  readonly data: unknown;
  readonly rateLimits?: readonly RateLimitUsage[];
}

/** A WebSocket API request got no answer in time (ws-api-requests.ts): the outcome is unknown. */
export class WsApiTimeout extends Error {
  constructor(id: string) {
    super(`Request timeout for id: ${id}`);
    this.name = 'WsApiTimeout';
  }
}

/** The WebSocket API connection closed while a request on it waited for its answer: the outcome is unknown. */
export class WsApiConnectionLost extends Error {
  constructor() {
    super("the WebSocket API connection closed before Binance's answer");
    this.name = 'WsApiConnectionLost';
  }
}

/** A request over the WebSocket API that was not sent at all (no open connection): nothing to be unknown about. */
export class WsApiUnavailable extends Error {
  constructor(reason: string) {
    super(`the WebSocket API is not available: ${reason}`);
    this.name = 'WsApiUnavailable';
  }
}

/** Weight and order counts as Binance last reported them (X-MBX-USED-WEIGHT-1M, X-MBX-ORDER-COUNT-10S). */
export interface RestUsage {
  usedWeight1m: number | null;
  orderCount10s: number | null;
  at: number;
}

interface Gate {
  readonly until: number;
  readonly code: number;
  readonly status: 429 | 418;
  readonly message: string;
}

export class BinanceRest {
  readonly api: SpotRestAPI.RestAPI;
  readonly restUrl: string;
  readonly usage: RestUsage = { usedWeight1m: null, orderCount10s: null, at: 0 };
  private readonly baseRecvWindow: number;
  private readonly readAttempts: number;
  private readonly retryBackoffMs: number;
  private readonly maxClockAheadMs: number;
  private readonly clockRecheckMs: number;
  private readonly log: Logger | undefined;
  private readonly time: RestClock;
  private gate: Gate | null = null;
  /** Every request's outcome, told to the owner as episodes of trouble (trouble-watch.ts). */
  readonly trouble: TroubleWatch;
  private recvWindowMs: number;
  private clockError: ClockSkewError | null = null;
  private lastReading: ClockReading | null = null;

  constructor(options: BinanceRestOptions) {
    this.restUrl = options.restUrl;
    this.baseRecvWindow = options.recvWindowMs ?? 5000;
    this.recvWindowMs = this.baseRecvWindow;
    this.readAttempts = Math.max(1, options.readAttempts ?? 3);
    this.retryBackoffMs = options.retryBackoffMs ?? 200;
    this.maxClockAheadMs = options.maxClockAheadMs ?? 500;
    this.clockRecheckMs = options.clockRecheckMs ?? 5000;
    this.log = options.log;
    this.time = options.clock ?? wallClock;
    this.trouble = new TroubleWatch('binance', () => this.time.now());
    const spot = new Spot({
      configurationRestAPI: {
        // Without a key no X-MBX-APIKEY header at all (an empty one is an invalid key to Binance); the
        // connector's type wants a string, but leaves an undefined header out.
        apiKey: options.apiKey ?? (undefined as unknown as string),
        ...(options.apiSecret !== undefined && { apiSecret: options.apiSecret }),
        basePath: options.restUrl,
        timeout: options.timeoutMs ?? 5000,
        // One attempt in all (the connector counts attempts); repeats are this class's decision.
        retries: 1,
        backoff: 0,
      },
    });
    if (spot.restAPI === undefined) throw new Error('@binance/spot built no REST client');
    this.api = spot.restAPI;
  }

  /**
   * One budget for the whole process (Binance counts per IP and account): the limits Binance
   * publishes in exchangeInfo `rateLimits` (its defaults here until `adoptRateLimits` says otherwise).
   */
  private readonly limits: Record<BudgetedLimit, number> = { weightPerMinute: 6000, ordersPer10s: 100 };

  /** Takes the limits exchangeInfo publishes (`rateLimits`) as the budget's. */
  adoptRateLimits(rateLimits: readonly { rateLimitType: string; interval: string; intervalNum: number; limit: number }[]): void {
    for (const l of rateLimits) {
      const budgeted = budgetedLimit(l);
      if (budgeted !== undefined) this.limits[budgeted] = l.limit;
    }
  }

  /**
   * Requests queue before the limit rather than after it: when the usage Binance last reported for the
   * current window is within 10 % of a limit, wait for the window to turn. Undefined when there is
   * nothing to wait for: then the request goes out in the caller's own step, with no turn of the
   * event loop or microtask between a decision and its order leaving.
   */
  private withinBudget(kind: CallKind): Promise<void> | undefined {
    const now = this.serverNow();
    const { usedWeight1m, orderCount10s, at } = this.usage;
    const reportedAt = at + (this.lastReading?.offsetMs ?? 0);
    let wait = 0;
    if (usedWeight1m !== null && windowOf(reportedAt, 60_000) === windowOf(now, 60_000) && usedWeight1m >= this.limits.weightPerMinute * 0.9) {
      wait = windowOf(now, 60_000) + 60_000 - now;
    }
    if (
      kind === 'order' &&
      orderCount10s !== null &&
      windowOf(reportedAt, 10_000) === windowOf(now, 10_000) &&
      orderCount10s >= this.limits.ordersPer10s * 0.9
    ) {
      wait = Math.max(wait, windowOf(now, 10_000) + 10_000 - now);
    }
    if (wait <= 0) return undefined;
    this.log?.warn({ usedWeight1m, orderCount10s, waitMs: wait }, 'Binance: close to the rate limit; waiting for the next window');
    return this.time.sleep(wait + 25);
  }

  /** The recvWindow signed requests carry now (the base plus the clock correction). */
  get recvWindow(): number {
    return this.recvWindowMs;
  }

  /** The latest server-clock reading, if any. */
  get clock(): ClockReading | null {
    return this.lastReading;
  }

  /** Server time as this machine estimates it. */
  serverNow(): number {
    return this.time.now() + (this.lastReading?.offsetMs ?? 0);
  }

  /**
   * Measures the server-clock offset (`GET /api/v3/time`) and sets recvWindow from it. Throws
   * ClockSkewError when the clock is off by more than Binance tolerates; every signed call then
   * fails with that error until a later sync finds the clock fixed.
   */
  async syncClock(): Promise<ClockReading> {
    const sentAt = this.time.now();
    const { serverTime } = await this.call('GET /api/v3/time', 'read', () => this.api.time(), serverTimeSchema, { signed: false });
    const reading = readingFrom(sentAt, this.time.now(), serverTime);
    this.lastReading = reading;
    const window = recvWindowFor(reading, this.baseRecvWindow, this.maxClockAheadMs);
    if (window instanceof ClockSkewError) {
      this.clockError = window;
      throw window;
    }
    if (this.clockError !== null) this.log?.info({ offsetMs: reading.offsetMs }, 'Binance: the clock is back within tolerance');
    this.clockError = null;
    if (window !== this.recvWindowMs) {
      this.log?.info({ offsetMs: reading.offsetMs, recvWindow: window }, 'Binance: recvWindow adjusted to the server-clock offset');
    }
    this.recvWindowMs = window;
    return reading;
  }

  /**
   * One REST call: `send` gets the recvWindow to use (signed calls must pass it on). Resolves with
   * the response checked by `schema`; rejects with ExchangeError for a refusal (or a closed
   * rate-limit gate, or a clock too far off) and with a plain Error when the outcome is unknown.
   */
  call<S extends z.ZodType>(
    what: string,
    kind: CallKind,
    send: (recvWindow: number) => Promise<RestResponse>,
    schema: S,
    options: { signed?: boolean } = {},
  ): Promise<z.output<S>> {
    return this.attempt(what, kind, send, schema, options.signed ?? true, (error) => this.classify(what, error));
  }

  /**
   * One signed request over the WebSocket API (`send` does it through the connector's connection),
   * under the same rate budget, gate, clock and outcome rules as `call`. WsApiUnavailable from
   * `send` (nothing was sent) is passed through as it is, for the caller to go by REST instead.
   */
  callWsApi<S extends z.ZodType>(what: string, kind: CallKind, send: (recvWindow: number) => Promise<WsApiResponse>, schema: S): Promise<z.output<S>> {
    return this.attempt(
      what,
      kind,
      async (recvWindow) => {
        const answer = await send(recvWindow);
        return { data: async () => answer.data, status: 200, ...(answer.rateLimits ? { rateLimits: answer.rateLimits } : {}) };
      },
      schema,
      true,
      (error) => this.classifyWsApi(what, error),
    );
  }

  /** How long from now the 429/418 gate stays closed (0 when it is open). */
  gateClosedForMs(): number {
    const gate = this.gate;
    if (gate === null) return 0;
    return Math.max(0, gate.until - this.time.now());
  }

  /**
   * A request the connector sends in its own way (the user data stream's session methods on the
   * WebSocket API): not sent while the gate is closed (ExchangeError, as for `call`), queued by the
   * same budget, and a 429/418 in its answer closes the gate for every other request too. Binance
   * counts these like any request; one sent into a back-off is how a 429 becomes a 418 ban.
   */
  async guarded<T>(what: string, send: () => Promise<T>): Promise<T> {
    this.checkGate(what);
    const budget = this.withinBudget('read');
    if (budget !== undefined) {
      await budget;
      this.checkGate(what);
    }
    let answer: T;
    try {
      answer = await send();
    } catch (error) {
      const failure = this.classifyWsApi(what, error);
      if (failure.kind === 'refusal') {
        this.trouble.refused('read', failure.error, this.gate?.until ?? null);
        throw failure.error;
      }
      throw error;
    }
    this.trouble.accepted('read');
    const rateLimits = rateLimitsOf(answer);
    if (rateLimits !== undefined) this.noteUsage({ data: async () => undefined, status: 200, rateLimits });
    return answer;
  }

  /** One request with its outcome counted for the trouble watch: a refusal, or an answer. */
  private async attempt<S extends z.ZodType>(
    what: string,
    kind: CallKind,
    send: (recvWindow: number) => Promise<RestResponse>,
    schema: S,
    signed: boolean,
    classify: (error: unknown) => Failure,
  ): Promise<z.output<S>> {
    let answer: z.output<S>;
    try {
      answer = await this.attemptOnce(what, kind, send, schema, signed, classify);
    } catch (error) {
      if (error instanceof ExchangeError) this.trouble.refused(kind, error, this.gate?.until ?? null);
      throw error;
    }
    this.trouble.accepted(kind);
    return answer;
  }

  private async attemptOnce<S extends z.ZodType>(
    what: string,
    kind: CallKind,
    send: (recvWindow: number) => Promise<RestResponse>,
    schema: S,
    signed: boolean,
    classify: (error: unknown) => Failure,
  ): Promise<z.output<S>> {
    let resynced = false;
    for (let attempt = 1; ; attempt++) {
      this.checkGate(what);
      const budget = this.withinBudget(kind);
      if (budget !== undefined) {
        await budget;
        // A 429 may have come to another request while this one waited.
        this.checkGate(what);
      }
      if (signed && this.clockError !== null) {
        // Someone may have fixed the clock: measure again now and then (this throws while it is still off).
        if (this.time.now() - (this.lastReading?.at ?? 0) >= this.clockRecheckMs) await this.syncClock();
        else throw this.clockError;
      }
      let response: RestResponse;
      try {
        response = await send(this.recvWindowMs);
      } catch (error) {
        const failure = classify(error);
        if (failure.kind === 'bug') throw error;
        if (failure.kind === 'refusal') {
          if (failure.error.code === -1021 && signed && !resynced) {
            resynced = true;
            this.log?.warn({ what }, 'Binance: -1021 (timestamp outside recvWindow); resyncing the clock and trying once more');
            await this.syncClock();
            attempt--;
            continue;
          }
          throw failure.error;
        }
        if (kind !== 'order' && attempt < this.readAttempts) {
          this.log?.debug({ what, attempt, err: failure.reason }, 'Binance: no usable answer; trying again');
          await this.time.sleep(this.retryBackoffMs * attempt);
          continue;
        }
        throw new Error(
          kind === 'order'
            ? `${what}: ${failure.reason} — the order may or may not have been placed (outcome unknown)`
            : `${what}: ${failure.reason}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`,
          { cause: error },
        );
      }
      this.noteUsage(response);
      let body: unknown;
      try {
        body = await response.data();
      } catch (error) {
        throw new Error(`${what}: Binance's answer is not JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const issues = parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
          .join('; ');
        const unknown = kind === 'order' ? ' (the order may have been placed: outcome unknown)' : '';
        throw new Error(`${what}: malformed response from Binance — ${issues}${unknown}`);
      }
      return parsed.data;
    }
  }

  /** Sorts the connector's error: a refusal (ExchangeError), no usable answer (outcome unknown), or a bug of ours. */
  private classify(what: string, error: unknown): Failure {
    if (error instanceof TooManyRequestsError || error instanceof RateLimitBanError) {
      const status = error instanceof RateLimitBanError ? 418 : 429;
      const code = typeof error.code === 'number' ? error.code : -1003;
      const waitMs = retryAfterMs(status, error.message, this.serverNow());
      return this.closeGate(what, code, status, error.message, waitMs, `HTTP ${status}; Retry-After`);
    }
    if (
      error instanceof BadRequestError ||
      error instanceof UnauthorizedError ||
      error instanceof ForbiddenError ||
      error instanceof NotFoundError ||
      error instanceof ConnectorClientError
    ) {
      const status = error instanceof UnauthorizedError ? 401 : error instanceof ForbiddenError ? 403 : error instanceof NotFoundError ? 404 : 400;
      // A 403 is Binance's WAF (no code): refused before processing, like the others.
      const code = typeof error.code === 'number' ? error.code : -1000;
      return { kind: 'refusal', error: new ExchangeError(code, error.message || `HTTP ${status}`, status) };
    }
    if (error instanceof ServerError) return { kind: 'no-answer', reason: `Binance answered HTTP ${error.statusCode ?? '5xx'} (server error)` };
    if (error instanceof NetworkError) return { kind: 'no-answer', reason: `no answer from Binance (${error.message})` };
    // With `retries: 1` the connector reports a lost connection or a timeout this way.
    if (error instanceof Error && /^Request failed after \d+ retries$/.test(error.message)) {
      return { kind: 'no-answer', reason: 'no answer from Binance (network error or request timeout)' };
    }
    return { kind: 'bug' };
  }

  /**
   * Sorts an error of the connector's WebSocket API request. A refusal comes as Binance's own
   * error object `{ code, msg, data? }` (the connector drops the response's status); a request
   * without an answer as an Error (its timeout, or the connection lost before the answer).
   */
  private classifyWsApi(what: string, error: unknown): Failure {
    if (error instanceof WsApiUnavailable) return { kind: 'bug' };
    if (error instanceof Error) {
      // Our own timeout, or the connector's (its requests that did not go the direct way): same wording.
      if (error instanceof WsApiTimeout || /^Request timeout for id/.test(error.message))
        return { kind: 'no-answer', reason: "no answer from Binance's WebSocket API (request timeout)" };
      if (error instanceof WsApiConnectionLost) return { kind: 'no-answer', reason: error.message };
      return { kind: 'bug' };
    }
    if (typeof error !== 'object' || error === null || typeof (error as { code?: unknown }).code !== 'number') return { kind: 'bug' };
    const { code, msg, data } = error as { code: number; msg?: unknown; data?: { retryAfter?: unknown } };
    const message = typeof msg === 'string' ? msg : `error ${code}`;
    if (code === -1003 || code === -1015) {
      const status = /banned until/i.test(message) ? 418 : 429;
      const serverNow = this.serverNow();
      const retryAfter = typeof data?.retryAfter === 'number' ? data.retryAfter : null;
      const waitMs = retryAfter !== null ? Math.max(1000, retryAfter - serverNow) : retryAfterMs(status, message, serverNow);
      return this.closeGate(what, code, status, message, waitMs, `WebSocket API ${status}; retry after`);
    }
    // Binance's "unknown" family: the backend may or may not have acted (its 5xx over REST).
    if (code === -1000 || code === -1001 || code === -1006 || code === -1007) {
      return { kind: 'no-answer', reason: `Binance's WebSocket API answered ${code} ${message}` };
    }
    // The status is not passed on by the connector: Binance's own for the key errors, else 400.
    const status = code === -2014 || code === -2015 || code === -1002 ? 401 : 400;
    return { kind: 'refusal', error: new ExchangeError(code, message, status) };
  }

  /** A 429/418 (`how` it came, for the message): nothing more is sent for `waitMs`, and the refusal says until when. */
  private closeGate(what: string, code: number, status: 429 | 418, message: string, waitMs: number, how: string): Failure {
    const until = this.time.now() + waitMs;
    const seconds = Math.ceil(waitMs / 1000);
    const text = `${message} (${how} ${seconds} s: no request is sent to Binance before ${new Date(until).toISOString()})`;
    this.gate = { until, code, status, message: text };
    this.log?.error({ what, status, code, retryAfterSeconds: seconds }, `Binance rate limit: ${message}`);
    return { kind: 'refusal', error: new ExchangeError(code, text, status) };
  }

  private checkGate(what: string): void {
    const gate = this.gate;
    if (gate === null) return;
    const left = gate.until - this.time.now();
    if (left <= 0) {
      this.gate = null;
      return;
    }
    throw new ExchangeError(gate.code, `not sent (${what}): Binance rate limit, ${Math.ceil(left / 1000)} s left — ${gate.message}`, gate.status);
  }

  private noteUsage(response: RestResponse): void {
    const limits = response.rateLimits;
    if (limits === undefined) return;
    for (const l of limits) {
      const budgeted = budgetedLimit(l);
      if (budgeted === undefined) continue;
      if (typeof l.count === 'number') this.usage[budgeted === 'weightPerMinute' ? 'usedWeight1m' : 'orderCount10s'] = l.count;
      // The WebSocket API also says each limit (REST headers only the counts): the budget follows it.
      if (typeof l.limit === 'number' && l.limit > 0) this.limits[budgeted] = l.limit;
    }
    this.usage.at = this.time.now();
  }
}

type BudgetedLimit = 'weightPerMinute' | 'ordersPer10s';

/** Which limit of the budget a Binance rate limit is: REQUEST_WEIGHT per 1 MINUTE, ORDERS per 10 SECOND (others are not budgeted). */
function budgetedLimit(l: { readonly rateLimitType: string; readonly interval: string; readonly intervalNum: number }): BudgetedLimit | undefined {
  if (l.rateLimitType === 'REQUEST_WEIGHT' && l.interval === 'MINUTE' && l.intervalNum === 1) return 'weightPerMinute';
  if (l.rateLimitType === 'ORDERS' && l.interval === 'SECOND' && l.intervalNum === 10) return 'ordersPer10s';
  return undefined;
}

type Failure = { readonly kind: 'refusal'; readonly error: ExchangeError } | { readonly kind: 'no-answer'; readonly reason: string } | { readonly kind: 'bug' };

/**
 * How long to stay away after a 429/418. The connector drops the response headers of failed
 * requests, so Retry-After itself is out of reach; Binance's messages say the rest: a ban names
 * its end ("banned until 1659146260000"), a limit names its window ("… per 1 MINUTE", "per 10
 * SECOND"), and the windows are fixed (they reset on the interval's boundary).
 */
export function retryAfterMs(status: 429 | 418, message: string, serverNow: number): number {
  const until = /banned until (\d{12,})/i.exec(message);
  if (until) return Math.max(1000, Number(until[1]) - serverNow);
  const per = /per (\d+) ?(SECOND|MINUTE|HOUR|DAY)/i.exec(message) ?? (/per (minute)/i.exec(message) && ['', '1', 'MINUTE']);
  if (per) {
    const unit = { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 }[per[2]!.toUpperCase() as 'SECOND'];
    const window = Number(per[1]) * unit;
    return Math.max(1000, window - (serverNow % window));
  }
  return status === 418 ? 120_000 : 60_000;
}

/** The usage an answer of the connector's WebSocket API carries (`rateLimits`, on it or on its `response`), if any. */
function rateLimitsOf(answer: unknown): readonly RateLimitUsage[] | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const own = (answer as { rateLimits?: unknown }).rateLimits;
  if (Array.isArray(own)) return own as RateLimitUsage[];
  const response = (answer as { response?: unknown }).response;
  return response === undefined ? undefined : rateLimitsOf(response);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The start of the fixed window (Binance counts per calendar minute / 10 s) holding `time`. */
function windowOf(time: number, size: number): number {
  return time - (time % size);
}
