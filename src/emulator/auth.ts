// Binance's request security, as the real venue checks it: the API key, the timestamp inside
// recvWindow of the server's clock, and an HMAC-SHA256 signature over the exact bytes the
// client sent (REST: the raw query string followed by the raw form body; WebSocket API: the
// parameters sorted by name). Errors carry Binance's codes, messages and HTTP statuses.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ExchangeError } from '../ports/exchange.ts';

export interface Credentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

export const INVALID_KEY = 'Invalid API-key, IP, or permissions for action.';
export const BAD_SIGNATURE = 'Signature for this request is not valid.';
export const OUTSIDE_RECV_WINDOW = 'Timestamp for this request is outside of the recvWindow.';

export function mandatory(name: string): ExchangeError {
  return new ExchangeError(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
}

/** -2014 for a missing or malformed key, -2015 for a key that is not this account's (both HTTP 401). */
export function checkApiKey(sent: string | undefined, credentials: Credentials): void {
  if (sent === undefined || sent === '' || !/^[A-Za-z0-9]{1,128}$/.test(sent)) {
    throw new ExchangeError(-2014, 'API-key format invalid.', 401);
  }
  if (!safeEqual(sent, credentials.apiKey)) throw new ExchangeError(-2015, INVALID_KEY, 401);
}

/**
 * Binance's timing rule: the request is processed when
 * `timestamp < serverTime + 1000 && serverTime - timestamp <= recvWindow`.
 */
export function checkTimestamp(timestamp: string | undefined, recvWindow: string | undefined, serverTime: number): void {
  if (timestamp === undefined || timestamp === '') throw mandatory('timestamp');
  if (!/^\d{1,20}$/.test(timestamp)) {
    throw new ExchangeError(-1100, "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'.");
  }
  let window = 5000;
  if (recvWindow !== undefined && recvWindow !== '') {
    window = Number(recvWindow);
    if (!Number.isFinite(window) || window < 0) {
      throw new ExchangeError(-1100, "Illegal characters found in parameter 'recvWindow'; legal range is '^[0-9]{1,20}(\\.[0-9]{1,3})?$'.");
    }
    if (window > 60_000) throw new ExchangeError(-1131, 'recvWindow must be less than 60000');
  }
  let ts = Number(timestamp);
  // Timestamps may be sent in microseconds.
  if (ts > 1e14) ts = Math.floor(ts / 1000);
  if (!(ts < serverTime + 1000 && serverTime - ts <= window)) throw new ExchangeError(-1021, OUTSIDE_RECV_WINDOW);
}

export function hmac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/**
 * Checks a REST signature. `rawQuery` is the query string as received (without `?`), `rawBody`
 * the form body as received; the `signature` parameter is taken out of whichever holds it and the
 * rest is signed as `query + body`, concatenated without a separator (Binance's `totalParams`).
 */
export function checkRestSignature(rawQuery: string, rawBody: string, secret: string): void {
  const query = withoutSignature(rawQuery);
  const body = withoutSignature(rawBody);
  const signature = query.signature ?? body.signature;
  if (signature === undefined || signature === '') throw mandatory('signature');
  verify(secret, query.rest + body.rest, signature);
}

/**
 * Checks a WebSocket API signature: every parameter but `signature`, sorted by name, as
 * `name=value` joined by `&`. Values are accepted percent-encoded (as @binance/spot signs them)
 * or as they are (as Binance's own examples sign them); for plain values both are the same.
 */
export function checkWsSignature(params: Readonly<Record<string, unknown>>, secret: string): void {
  const signature = params.signature;
  if (typeof signature !== 'string' || signature === '') throw mandatory('signature');
  const names = Object.keys(params)
    .filter((k) => k !== 'signature' && params[k] !== undefined && params[k] !== null)
    .sort();
  const text = (k: string): string => {
    const v = params[k];
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  const encoded = names.map((k) => `${k}=${encodeURIComponent(text(k))}`).join('&');
  const plain = names.map((k) => `${k}=${text(k)}`).join('&');
  if (matches(secret, encoded, signature) || matches(secret, plain, signature)) return;
  throw new ExchangeError(-1022, BAD_SIGNATURE);
}

function verify(secret: string, payload: string, signature: string): void {
  if (!matches(secret, payload, signature)) throw new ExchangeError(-1022, BAD_SIGNATURE);
}

/** HMAC signatures are not case-sensitive (Binance accepts upper-case hex). */
function matches(secret: string, payload: string, signature: string): boolean {
  return safeEqual(hmac(secret, payload), signature.toLowerCase());
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Splits `signature=…` out of a raw `a=1&b=2&signature=…` string, keeping the rest byte for byte. */
function withoutSignature(raw: string): { rest: string; signature: string | undefined } {
  if (raw === '') return { rest: '', signature: undefined };
  let signature: string | undefined;
  const kept: string[] = [];
  for (const part of raw.split('&')) {
    if (part.startsWith('signature=')) signature = decodeURIComponent(part.slice('signature='.length));
    else kept.push(part);
  }
  return { rest: kept.join('&'), signature };
}
