// Binance Spot's operations, written once and served twice: over REST (`/api/v3/...`) and over
// the WebSocket API (`order.place`, ...). Each says its request weight and whether it is SIGNED;
// the transports do authentication, limits and faults, then call `handle`.
import { defaultFilters } from '../core/filters.ts';
import { ExchangeError } from '../ports/exchange.ts';
import { balanceJson, cancelJson, fmt, klineRow, newOrderJson, orderJson, symbolInfoJson, tradeJson } from './binance-format.ts';
import type { Knobs } from './knobs.ts';
import type { MarketReplay } from './market-replay.ts';
import {
  type Params,
  cancelClientIdParam,
  historyParam,
  intParam,
  intervalParam,
  limitParam,
  orderRefParam,
  placeOrderParams,
  symbolParam,
  symbolsParam,
} from './request-params.ts';
import type { Venue } from './venue.ts';

export interface ApiContext {
  readonly venue: Venue;
  readonly replay: MarketReplay;
  readonly knobs: Knobs;
  serverTime(): number;
}

export interface Endpoint {
  readonly weight: (p: Params) => number;
  readonly signed: boolean;
  /** A new order: counts towards the ORDERS limits and may have its response dropped. */
  readonly placesOrder?: boolean;
  readonly handle: (p: Params, ctx: ApiContext) => unknown;
}

const fixed = (weight: number) => (): number => weight;

export function rateLimitsJson(knobs: Knobs): Record<string, unknown>[] {
  return [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: knobs.requestWeightPerMinute },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: knobs.ordersPer10s },
    { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200_000 },
    { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61_000 },
  ];
}

/** The `symbol` parameter, refused (-1121) unless the venue lists it. */
function knownSymbol(p: Params, ctx: ApiContext): string {
  const symbol = symbolParam(p);
  ctx.venue.symbolFilters(symbol);
  return symbol;
}

function knownSymbols(p: Params, ctx: ApiContext): string[] {
  const one = p.get('symbol');
  const many = symbolsParam(p);
  const wanted = one !== undefined ? [symbolParam(p)] : (many ?? ctx.venue.symbols);
  for (const s of wanted) ctx.venue.symbolFilters(s);
  return wanted;
}

function lastPriceText(ctx: ApiContext, symbol: string): string {
  const price = ctx.venue.lastPrice(symbol);
  if (price === null) throw new ExchangeError(-1121, 'Invalid symbol.');
  return fmt(price);
}

export const ENDPOINTS = {
  ping: { weight: fixed(1), signed: false, handle: () => ({}) },

  time: { weight: fixed(1), signed: false, handle: (_p, ctx) => ({ serverTime: ctx.serverTime() }) },

  exchangeInfo: {
    weight: fixed(20),
    signed: false,
    handle: (p, ctx) => ({
      timezone: 'UTC',
      serverTime: ctx.serverTime(),
      rateLimits: rateLimitsJson(ctx.knobs),
      exchangeFilters: [],
      symbols: knownSymbols(p, ctx).map((s) => symbolInfoJson(ctx.venue.symbolFilters(s))),
    }),
  },

  klines: {
    weight: fixed(2),
    signed: false,
    handle: (p, ctx) => {
      const symbol = knownSymbol(p, ctx);
      const interval = intervalParam(p);
      const startTime = intParam(p, 'startTime');
      const endTime = intParam(p, 'endTime');
      return ctx.replay
        .klines(symbol, interval, {
          ...(startTime !== undefined && { startTime }),
          ...(endTime !== undefined && { endTime }),
          limit: limitParam(p, 500, 1000),
        })
        .map(klineRow);
    },
  },

  tickerPrice: {
    weight: (p) => (p.get('symbol') !== undefined ? 2 : 4),
    signed: false,
    handle: (p, ctx) => {
      const rows = knownSymbols(p, ctx).map((symbol) => ({ symbol, price: lastPriceText(ctx, symbol) }));
      return p.get('symbol') !== undefined ? rows[0] : rows;
    },
  },

  avgPrice: {
    weight: fixed(2),
    signed: false,
    handle: (p, ctx) => ({ mins: 5, price: lastPriceText(ctx, knownSymbol(p, ctx)), closeTime: ctx.serverTime() }),
  },

  account: {
    weight: fixed(20),
    signed: true,
    handle: (p, ctx) => {
      const fee = fmt(ctx.venue.feeBps / 10_000);
      const omitZero = p.get('omitZeroBalances') === 'true';
      const balances = ctx.venue.balances().filter((b) => !omitZero || b.free.gt(0) || b.locked.gt(0));
      return {
        makerCommission: ctx.venue.feeBps,
        takerCommission: ctx.venue.feeBps,
        buyerCommission: 0,
        sellerCommission: 0,
        commissionRates: { maker: fee, taker: fee, buyer: fmt(0), seller: fmt(0) },
        canTrade: true,
        canWithdraw: ctx.knobs.enableWithdrawals,
        canDeposit: true,
        brokered: false,
        requireSelfTradePrevention: false,
        preventSor: false,
        updateTime: ctx.venue.updateTime,
        accountType: 'SPOT',
        balances: balances.map(balanceJson),
        permissions: ['SPOT'],
        uid: 100_000_001,
      };
    },
  },

  apiRestrictions: {
    weight: fixed(1),
    signed: true,
    handle: (_p, ctx) => ({
      ipRestrict: false,
      createTime: 1_700_000_000_000,
      enableReading: true,
      enableSpotAndMarginTrading: true,
      enableWithdrawals: ctx.knobs.enableWithdrawals,
      enableInternalTransfer: false,
      enableMargin: false,
      enableFutures: false,
      permitsUniversalTransfer: false,
      enableVanillaOptions: false,
      enableFixApiTrade: false,
      enableFixReadOnly: false,
      enablePortfolioMarginTrading: false,
    }),
  },

  newOrder: {
    weight: fixed(1),
    signed: true,
    placesOrder: true,
    handle: (p, ctx) => {
      const { order, respType } = placeOrderParams(p);
      const placed = ctx.venue.place(order);
      return newOrderJson(placed.order, respType, placed.fills);
    },
  },

  getOrder: {
    weight: fixed(4),
    signed: true,
    handle: (p, ctx) => orderJson(ctx.venue.get(symbolParam(p), orderRefParam(p))),
  },

  cancelOrder: {
    weight: fixed(1),
    signed: true,
    handle: (p, ctx) => {
      const symbol = symbolParam(p);
      const { order, cancelClientOrderId } = ctx.venue.cancel(symbol, orderRefParam(p), cancelClientIdParam(p));
      return cancelJson(order, cancelClientOrderId, order.updateTime);
    },
  },

  openOrders: {
    weight: (p) => (p.get('symbol') !== undefined ? 6 : 80),
    signed: true,
    handle: (p, ctx) => ctx.venue.openOrders(p.get('symbol') !== undefined ? symbolParam(p) : undefined).map(orderJson),
  },

  cancelOpenOrders: {
    weight: fixed(1),
    signed: true,
    handle: (p, ctx) => ctx.venue.cancelAll(symbolParam(p)).map(({ order, cancelClientOrderId }) => cancelJson(order, cancelClientOrderId, order.updateTime)),
  },

  allOrders: {
    weight: fixed(20),
    signed: true,
    handle: (p, ctx) => ctx.venue.allOrders(symbolParam(p), historyParam(p, 'orderId')).map(orderJson),
  },

  myTrades: {
    weight: fixed(20),
    signed: true,
    handle: (p, ctx) => {
      const symbol = symbolParam(p);
      const orderId = intParam(p, 'orderId');
      return ctx.venue.myTrades(symbol, { ...historyParam(p, 'fromId'), ...(orderId !== undefined && { orderId }) }).map(tradeJson);
    },
  },
} satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof ENDPOINTS;

/** REST routes: `METHOD path` → operation. */
export const REST_ROUTES: Readonly<Record<string, EndpointName>> = {
  'GET /api/v3/ping': 'ping',
  'GET /api/v3/time': 'time',
  'GET /api/v3/exchangeInfo': 'exchangeInfo',
  'GET /api/v3/klines': 'klines',
  'GET /api/v3/uiKlines': 'klines',
  'GET /api/v3/ticker/price': 'tickerPrice',
  'GET /api/v3/avgPrice': 'avgPrice',
  'GET /api/v3/account': 'account',
  'POST /api/v3/order': 'newOrder',
  'GET /api/v3/order': 'getOrder',
  'DELETE /api/v3/order': 'cancelOrder',
  'GET /api/v3/openOrders': 'openOrders',
  'DELETE /api/v3/openOrders': 'cancelOpenOrders',
  'GET /api/v3/allOrders': 'allOrders',
  'GET /api/v3/myTrades': 'myTrades',
  'GET /sapi/v1/account/apiRestrictions': 'apiRestrictions',
};

/** WebSocket API methods served by the same operations. */
export const WS_METHODS: Readonly<Record<string, EndpointName>> = {
  ping: 'ping',
  time: 'time',
  exchangeInfo: 'exchangeInfo',
  klines: 'klines',
  uiKlines: 'klines',
  'ticker.price': 'tickerPrice',
  avgPrice: 'avgPrice',
  'account.status': 'account',
  'order.place': 'newOrder',
  'order.status': 'getOrder',
  'order.cancel': 'cancelOrder',
  'openOrders.status': 'openOrders',
  'openOrders.cancelAll': 'cancelOpenOrders',
  allOrders: 'allOrders',
  myTrades: 'myTrades',
};

/** Filters for the emulator's symbols: Binance's own for well-known symbols, else from the price level. */
export function filtersFor(symbols: readonly string[], priceLevel: (symbol: string) => number | undefined) {
  return new Map(symbols.map((s) => [s, defaultFilters(s, priceLevel(s))] as const));
}
