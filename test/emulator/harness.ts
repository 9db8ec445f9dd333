// Shared pieces of the emulator tests: hand-made candles whose path the tests know, the real
// @binance/spot client pointed at the emulator, raw signed requests, and an "eventually" helper
// that waits for a condition instead of sleeping.
import { createHmac } from 'node:crypto';
import { Spot } from '@binance/spot';
import type { Candle } from '../../src/core/domain.ts';

// The connector logs every connect/disconnect at info level; tests only want its errors.
process.env.LOG_LEVEL ??= 'error';

export const API_KEY = 'emulatorTestKey0123456789';
export const API_SECRET = 'emulator-test-secret';

export const T0 = Date.UTC(2024, 0, 1);

/** 1m candles from [open, high, low, close] rows, one minute apart from T0. */
export function candles(symbol: string, rows: readonly (readonly [number, number, number, number])[]): Candle[] {
  return rows.map(([open, high, low, close], i) => ({
    symbol,
    interval: '1m',
    openTime: T0 + i * 60_000,
    closeTime: T0 + (i + 1) * 60_000 - 1,
    open,
    high,
    low,
    close,
    volume: 10,
  }));
}

export const flat = (price: number): readonly [number, number, number, number] => [price, price, price, price];

export interface ClientOptions {
  readonly timeout?: number;
  readonly retries?: number;
  readonly backoff?: number;
  /** How long the WebSocket API waits for a reply (ms). */
  readonly wsTimeout?: number;
  readonly apiKey?: string;
  readonly apiSecret?: string;
}

/** The real connector, configured for the emulator: only the URLs differ from production. */
export function spotClient(urls: { restUrl: string; wsStreamUrl: string; wsApiUrl: string }, options: ClientOptions = {}): Spot {
  const apiKey = options.apiKey ?? API_KEY;
  const apiSecret = options.apiSecret ?? API_SECRET;
  return new Spot({
    configurationRestAPI: {
      apiKey,
      apiSecret,
      basePath: urls.restUrl,
      timeout: options.timeout ?? 2000,
      retries: options.retries ?? 0,
      backoff: options.backoff ?? 10,
    },
    configurationWebsocketStreams: { wsURL: urls.wsStreamUrl, reconnectDelay: 20 },
    configurationWebsocketAPI: { apiKey, apiSecret, wsURL: urls.wsApiUrl, timeout: options.wsTimeout ?? 2000, reconnectDelay: 20 },
  });
}

/** A signed REST request made by hand: HMAC-SHA256 over the query string (and the form body). */
export async function signedFetch(
  restUrl: string,
  method: string,
  path: string,
  params: Record<string, string>,
  options: { apiKey?: string; secret?: string; inBody?: boolean; tamper?: boolean } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const text = new URLSearchParams({ ...params, timestamp: String(Date.now()) }).toString();
  const signature = createHmac('sha256', options.secret ?? API_SECRET)
    .update(text)
    .digest('hex');
  const signed = `${text}&signature=${options.tamper === true ? signature.replace(/^./, (c) => (c === '0' ? '1' : '0')) : signature}`;
  const response = await fetch(`${restUrl}${path}${options.inBody === true ? '' : `?${signed}`}`, {
    method,
    headers: {
      'X-MBX-APIKEY': options.apiKey ?? API_KEY,
      ...(options.inBody === true && { 'Content-Type': 'application/x-www-form-urlencoded' }),
    },
    ...(options.inBody === true && { body: signed }),
  });
  const raw = await response.text();
  return { status: response.status, body: raw === '' ? undefined : JSON.parse(raw), headers: response.headers };
}

/** Waits until `check` returns a value other than undefined/false (or throws when it never does). */
export async function eventually<T>(check: () => T | undefined | false, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: number; statusCode?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: number };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
