// The REST face of the emulator: Binance's `/api/v3` and `/sapi/v1` routes with its checks in
// Binance's order (faults, rate limits, API key, timestamp, signature, parameters), its headers
// (X-MBX-USED-WEIGHT-1M, X-MBX-ORDER-COUNT-10S, Retry-After) and its error bodies `{code,msg}`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ExchangeError } from '../ports/exchange.ts';
import { type Credentials, checkApiKey, checkRestSignature, checkTimestamp } from './auth.ts';
import { type ApiContext, ENDPOINTS, type Endpoint, REST_ROUTES } from './endpoints.ts';
import { takeFault } from './knobs.ts';
import { RateLimitError, type RateLimiter, type Usage } from './rate-limiter.ts';
import { restParams } from './request-params.ts';

export interface RestServerContext extends ApiContext {
  readonly limiter: RateLimiter;
  readonly credentials: Credentials;
  /** Waits `ms` on a timer the emulator cancels when it closes. */
  delay(ms: number): Promise<void>;
}

export const INTERNAL_ERROR = 'Internal error; unable to process your request. Please try your request again.';
/** Binance's -1000 message for a request that failed in a way it does not explain. */
export const UNKNOWN_ERROR = 'An unknown error occurred while processing the request.';

const MAX_BODY = 1 << 20;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ExchangeError(-1101, 'Too many parameters sent for this endpoint.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  /** The order was accepted but the client must not learn it: destroy the socket. */
  readonly drop?: boolean;
}

/** Handles one `/api` or `/sapi` request. */
export async function handleRest(ctx: RestServerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const reply = await answer(ctx, req, url);
  if (ctx.knobs.latencyMs > 0) await ctx.delay(ctx.knobs.latencyMs);
  if (reply.drop === true) {
    // The order exists; the client sees its connection cut with no response (socket hang up).
    req.socket.destroy();
    return;
  }
  if (res.destroyed || res.writableEnded) return;
  const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'Content-Type': reply.body === undefined ? 'text/html' : 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}

async function answer(ctx: RestServerContext, req: IncomingMessage, url: URL): Promise<Reply> {
  const name = REST_ROUTES[`${req.method ?? 'GET'} ${url.pathname}`];
  const rawBody = await readBody(req).catch(() => '');
  if (name === undefined) return { status: 404, body: undefined, headers: {} };
  const endpoint: Endpoint = ENDPOINTS[name];

  if (takeFault(ctx.knobs, 'fail5xx')) {
    return { status: 503, body: { code: -1001, msg: INTERNAL_ERROR }, headers: {} };
  }

  let usage: Usage | undefined;
  try {
    const form = isForm(req) ? rawBody : '';
    const params = restParams(url.searchParams, new URLSearchParams(form));
    usage = ctx.limiter.admit(endpoint.weight(params), endpoint.placesOrder === true);
    if (endpoint.signed) {
      const key = req.headers['x-mbx-apikey'];
      checkApiKey(Array.isArray(key) ? key[0] : key, ctx.credentials);
      checkTimestamp(params.get('timestamp'), params.get('recvWindow'), ctx.serverTime());
      checkRestSignature(rawQuery(req), form, ctx.credentials.apiSecret);
    }
    const body = endpoint.handle(params, ctx);
    const drop = endpoint.placesOrder === true && takeFault(ctx.knobs, 'dropOrderResponses');
    return { status: 200, body, headers: usageHeaders(usage, endpoint), drop };
  } catch (error) {
    return errorReply(error, usage ?? ctx.limiter.usage(), endpoint);
  }
}

function errorReply(error: unknown, usage: Usage, endpoint: Endpoint): Reply {
  const headers = usageHeaders(usage, endpoint);
  if (error instanceof RateLimitError) {
    return {
      status: error.httpStatus,
      body: { code: error.code, msg: error.message },
      headers: { ...headers, 'Retry-After': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof ExchangeError) {
    return { status: error.httpStatus, body: { code: error.code, msg: error.message }, headers };
  }
  console.error('emulator: a request failed unexpectedly', error);
  return { status: 500, body: { code: -1000, msg: UNKNOWN_ERROR }, headers };
}

function usageHeaders(usage: Usage, endpoint: Endpoint): Record<string, string> {
  return {
    'X-MBX-USED-WEIGHT-1M': String(usage.usedWeight1m),
    ...(endpoint.placesOrder === true && {
      'X-MBX-ORDER-COUNT-10S': String(usage.orderCount10s),
      'X-MBX-ORDER-COUNT-1D': String(usage.orderCount1d),
    }),
  };
}

/** The query string exactly as the client sent it (URL parsing would re-encode some characters). */
function rawQuery(req: IncomingMessage): string {
  const target = req.url ?? '';
  const q = target.indexOf('?');
  return q < 0 ? '' : target.slice(q + 1).split('#')[0]!;
}

function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}
