// Where each trading mode talks to Binance, and the checks a mode needs before it may trade:
// live keys must not be able to withdraw; paper needs Binance reachable for its live market data
// (else `crewdesk start` says so and replays local candles). Every URL can be overridden, so any
// mode can be pointed at the local emulator.
import {
  SPOT_REST_API_PROD_URL,
  SPOT_REST_API_TESTNET_URL,
  SPOT_WS_API_PROD_URL,
  SPOT_WS_API_TESTNET_URL,
  SPOT_WS_STREAMS_PROD_URL,
  SPOT_WS_STREAMS_TESTNET_URL,
} from '@binance/spot';
import { z } from 'zod';
import type { BinanceRest } from './rest-client.ts';
import type { TradingMode } from '../../core/domain.ts';

/** The desk's trading modes, as the Binance adapter picks endpoints for them. */
export type BinanceMode = TradingMode;

export interface BinanceEndpoints {
  /** REST base, without `/api` (`https://api.binance.com`). */
  readonly restUrl: string;
  /** Market streams base: combined streams are at `${wsStreamUrl}/stream?streams=…`. */
  readonly wsStreamUrl: string;
  /** WebSocket API (orders, user data stream). */
  readonly wsApiUrl: string;
}

/**
 * Binance's URLs per mode (Spot testnet per Binance's testnet general info: REST
 * testnet.binance.vision, WS API ws-api.testnet.binance.vision/ws-api/v3, streams
 * stream.testnet.binance.vision). Paper trades locally on live market data, so it reads the
 * production market endpoints and never sends an order. The connector's own constants are used,
 * so they move with its pinned version.
 */
const DEFAULTS: Record<BinanceMode, BinanceEndpoints> = {
  paper: { restUrl: SPOT_REST_API_PROD_URL, wsStreamUrl: SPOT_WS_STREAMS_PROD_URL, wsApiUrl: SPOT_WS_API_PROD_URL },
  testnet: { restUrl: SPOT_REST_API_TESTNET_URL, wsStreamUrl: SPOT_WS_STREAMS_TESTNET_URL, wsApiUrl: SPOT_WS_API_TESTNET_URL },
  live: { restUrl: SPOT_REST_API_PROD_URL, wsStreamUrl: SPOT_WS_STREAMS_PROD_URL, wsApiUrl: SPOT_WS_API_PROD_URL },
};

/** Environment variables that override a mode's URLs (e.g. to point it at `crewdesk emulator`). */
export const ENDPOINT_ENV = {
  restUrl: 'BINANCE_REST_URL',
  wsStreamUrl: 'BINANCE_WS_STREAM_URL',
  wsApiUrl: 'BINANCE_WS_API_URL',
} as const satisfies Record<keyof BinanceEndpoints, string>;

const httpUrl = z.url({ protocol: /^https?$/ });
const wsUrl = z.url({ protocol: /^wss?$/ });
const overridesSchema = z.object({ restUrl: httpUrl.optional(), wsStreamUrl: wsUrl.optional(), wsApiUrl: wsUrl.optional() }).strict();

/**
 * The endpoints of a mode. Precedence: `overrides` (config), then the environment
 * (`BINANCE_REST_URL`, `BINANCE_WS_STREAM_URL`, `BINANCE_WS_API_URL`), then Binance's URLs.
 * A malformed URL is an error naming its source. Trailing slashes are dropped.
 */
export function binanceEndpoints(mode: BinanceMode, overrides: Partial<BinanceEndpoints> = {}, env: NodeJS.ProcessEnv = process.env): BinanceEndpoints {
  const fromConfig = overridesSchema.safeParse(overrides);
  if (!fromConfig.success) throw new Error(`Binance endpoint override: ${fromConfig.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const out: Record<keyof BinanceEndpoints, string> = { ...DEFAULTS[mode] };
  for (const key of Object.keys(ENDPOINT_ENV) as (keyof BinanceEndpoints)[]) {
    const configured = fromConfig.data[key];
    const envName = ENDPOINT_ENV[key];
    const envValue = env[envName];
    if (configured !== undefined) out[key] = configured;
    else if (envValue !== undefined && envValue !== '') {
      const parsed = (key === 'restUrl' ? httpUrl : wsUrl).safeParse(envValue);
      if (!parsed.success) throw new Error(`${envName}="${envValue}" is not a ${key === 'restUrl' ? 'http(s)' : 'ws(s)'} URL`);
      out[key] = parsed.data;
    }
    out[key] = out[key].replace(/\/+$/, '');
  }
  return out;
}

const apiRestrictionsSchema = z.object({
  enableWithdrawals: z.boolean(),
  enableSpotAndMarginTrading: z.boolean(),
  enableReading: z.boolean().optional(),
  ipRestrict: z.boolean().optional(),
});

export type ApiKeyPermissions = z.infer<typeof apiRestrictionsSchema>;

export class UnsafeApiKeyError extends Error {
  constructor(
    message: string,
    readonly permissions: ApiKeyPermissions,
  ) {
    super(message);
    this.name = 'UnsafeApiKeyError';
  }
}

/**
 * Refuses API keys a live bot must not hold: one that can withdraw (a leaked key would empty the
 * account) or one that cannot trade spot (every order would fail). Calls
 * `GET /sapi/v1/account/apiRestrictions` (SIGNED, weight 1). The Spot testnet has no `/sapi`, so
 * this check is for live mode. Resolves with the permissions when the key is fit to trade.
 */
export async function checkLiveKeys(exchange: { readonly rest: BinanceRest }): Promise<ApiKeyPermissions> {
  const permissions = await exchange.rest.call(
    'GET /sapi/v1/account/apiRestrictions',
    'read',
    (recvWindow) => exchange.rest.api.sendSignedRequest('/sapi/v1/account/apiRestrictions', 'GET', { recvWindow }),
    apiRestrictionsSchema,
  );
  if (permissions.enableWithdrawals) {
    throw new UnsafeApiKeyError(
      'refusing to trade live: this API key can WITHDRAW funds (enableWithdrawals is true). Create a key with ' +
        'withdrawals disabled (Binance → API Management → edit restrictions) and use that one.',
      permissions,
    );
  }
  if (!permissions.enableSpotAndMarginTrading) {
    throw new UnsafeApiKeyError(
      'refusing to trade live: this API key cannot trade spot (enableSpotAndMarginTrading is false). Enable ' +
        '"Enable Spot & Margin Trading" for the key, or use another key.',
      permissions,
    );
  }
  return permissions;
}

/**
 * Whether Binance's REST API answers `GET /api/v3/ping` within `timeoutMs` — how paper mode
 * decides between live market data and the local replay. Never throws: the reason comes back.
 */
export async function probeReachable(restUrl: string, timeoutMs = 3000): Promise<{ ok: true; ms: number } | { ok: false; reason: string }> {
  const started = performance.now();
  try {
    const response = await fetch(`${restUrl.replace(/\/+$/, '')}/api/v3/ping`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    if (!response.ok) return { ok: false, reason: `${restUrl} answered HTTP ${response.status} to /api/v3/ping` };
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { ok: false, reason: timedOut ? `${restUrl} did not answer within ${timeoutMs} ms` : `${restUrl} is unreachable: ${cause}` };
  }
}
