// Binance's wire shapes that crewdesk depends on, checked with zod and turned into domain values.
// Objects are not strict: Binance adds fields without notice, and an extra field must not stop
// trading; a missing or malformed field we use is an error naming it. Decimals arrive as strings
// and become Decimals without passing through a float. Ids may arrive as bigints (the connector
// parses JSON with big-integer support) and become strings.
import { z } from 'zod';
import type { Balance, Fill, OrderType, SymbolFilters } from '../../core/domain.ts';
import { makeFilters } from '../../core/filters.ts';
import { fromBinanceStatus } from '../../core/order-state.ts';
import { type Decimal, dec, maxDec, minDec } from '../../core/money.ts';
import type { ExchangeOrder } from '../../ports/exchange.ts';

const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string such as "0.00100000"')
  .transform((s) => dec(s));
const id = z.union([z.number().int(), z.bigint(), z.string().regex(/^-?\d+$/)]).transform((v) => String(v));
/** A time in ms (a bigint when the connector parsed big integers). */
export const millis = z.union([z.number().int(), z.bigint()]).transform((v) => Number(v));
const side = z.enum(['BUY', 'SELL']);
/** A non-negative decimal as Binance writes prices and quantities ("0.00100000"), kept as text. */
export const decimalText = z.string().regex(/^\d+(\.\d+)?$/);

export const serverTimeSchema = z.object({ serverTime: millis });

/** Binance order types crewdesk places map 1:1; others (an order placed by hand) to the nearest. */
const ORDER_TYPES: Record<string, OrderType> = {
  MARKET: 'MARKET',
  LIMIT: 'LIMIT',
  LIMIT_MAKER: 'LIMIT',
  STOP_LOSS: 'STOP_LOSS',
  STOP_LOSS_LIMIT: 'STOP_LOSS_LIMIT',
  TAKE_PROFIT: 'STOP_LOSS',
  TAKE_PROFIT_LIMIT: 'STOP_LOSS_LIMIT',
};
const orderType = z.string().transform((t, ctx) => {
  const mapped = ORDER_TYPES[t];
  if (mapped === undefined) {
    ctx.addIssue({ code: 'custom', message: `unknown order type ${t}` });
    return z.NEVER;
  }
  return mapped;
});

/** The order fields every order answer carries (GET, a new order's FULL answer, a cancel's). */
const orderFields = {
  symbol: z.string(),
  orderId: id,
  price: decimal,
  origQty: decimal,
  executedQty: decimal,
  cummulativeQuoteQty: decimal,
  status: z.string(),
  type: orderType,
  side,
};

/** GET /api/v3/order, openOrders, allOrders. */
export const orderSchema = z.object({
  ...orderFields,
  clientOrderId: z.string(),
  time: millis,
  updateTime: millis,
});
export type OrderJson = z.output<typeof orderSchema>;

export function orderFromJson(o: OrderJson): ExchangeOrder {
  return {
    clientOrderId: o.clientOrderId,
    exchangeOrderId: o.orderId,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    status: fromBinanceStatus(o.status),
    quantity: o.origQty,
    price: o.price,
    executedQty: o.executedQty,
    cumulativeQuote: o.cummulativeQuoteQty,
    time: o.time,
    updateTime: o.updateTime,
  };
}

const fullFillSchema = z.object({
  price: decimal,
  qty: decimal,
  commission: decimal,
  commissionAsset: z.string(),
  tradeId: id,
});

/** POST /api/v3/order with newOrderRespType=FULL: the order as it stands, with the fills it got at once. */
export const newOrderFullSchema = z.object({
  ...orderFields,
  clientOrderId: z.string(),
  transactTime: millis,
  fills: z.array(fullFillSchema),
});
export type NewOrderFull = z.output<typeof newOrderFullSchema>;

export function placedOrder(o: NewOrderFull): ExchangeOrder {
  // The same order shape as GET /api/v3/order, stamped with the transaction time.
  return orderFromJson({ ...o, time: o.transactTime, updateTime: o.transactTime });
}

/** The FULL response's fills as domain fills (they carry no time: the transaction time stands in). */
export function placedFills(o: NewOrderFull): Fill[] {
  return o.fills.map((f) => ({
    tradeId: f.tradeId,
    clientOrderId: o.clientOrderId,
    exchangeOrderId: o.orderId,
    symbol: o.symbol,
    side: o.side,
    price: f.price,
    quantity: f.qty,
    quoteQuantity: f.price.times(f.qty),
    fee: f.commission,
    feeAsset: f.commissionAsset,
    time: o.transactTime,
  }));
}

/** DELETE /api/v3/order and each order of DELETE /api/v3/openOrders: `clientOrderId` is the cancel's own id. */
export const cancelSchema = z.object({
  ...orderFields,
  origClientOrderId: z.string(),
  transactTime: millis.optional(),
});

export function cancelledOrder(o: z.output<typeof cancelSchema>, now: number): ExchangeOrder {
  // The same order shape as GET /api/v3/order: a cancel names the order by its original client id.
  const time = o.transactTime ?? now;
  return orderFromJson({ ...o, clientOrderId: o.origClientOrderId, time, updateTime: time });
}

/** DELETE /api/v3/openOrders: single orders, and order lists (OCO) which crewdesk never places and skips. */
export const cancelAllSchema = z.array(z.union([cancelSchema, z.object({ orderListId: z.unknown(), orders: z.array(z.unknown()) })]));

/** GET /api/v3/myTrades. */
export const tradeSchema = z.object({
  symbol: z.string(),
  id: id,
  orderId: id,
  price: decimal,
  qty: decimal,
  quoteQty: decimal,
  commission: decimal,
  commissionAsset: z.string(),
  time: millis,
  isBuyer: z.boolean(),
});
export type TradeJson = z.output<typeof tradeSchema>;

export function fillFromTrade(t: TradeJson, clientOrderId: string): Fill {
  return {
    tradeId: t.id,
    clientOrderId,
    exchangeOrderId: t.orderId,
    symbol: t.symbol,
    side: t.isBuyer ? 'BUY' : 'SELL',
    price: t.price,
    quantity: t.qty,
    quoteQuantity: t.quoteQty,
    fee: t.commission,
    feeAsset: t.commissionAsset,
    time: t.time,
  };
}

/** GET /api/v3/account. */
export const accountSchema = z.object({
  updateTime: millis.optional(),
  canTrade: z.boolean().optional(),
  balances: z.array(z.object({ asset: z.string(), free: decimal, locked: decimal })),
});

const filterSchema = z.looseObject({ filterType: z.string() });

/** One symbol of GET /api/v3/exchangeInfo. */
export const symbolInfoSchema = z.object({
  symbol: z.string(),
  status: z.string(),
  baseAsset: z.string(),
  quoteAsset: z.string(),
  quotePrecision: z.number().int().optional(),
  quoteAssetPrecision: z.number().int().optional(),
  filters: z.array(filterSchema),
});
export const exchangeInfoSchema = z.object({
  symbols: z.array(symbolInfoSchema),
  /** The account's request and order limits (REQUEST_WEIGHT per minute, ORDERS per 10 s, …). */
  rateLimits: z.array(z.object({ rateLimitType: z.string(), interval: z.string(), intervalNum: z.number(), limit: z.number() })).optional(),
});

/**
 * The filters crewdesk checks, from exchangeInfo. Binance writes "0" for a bound it does not
 * enforce: a MARKET_LOT_SIZE step of 0 means the LOT_SIZE step applies (as the domain says), and
 * LOT_SIZE applies to MARKET orders as well, so the stricter of the two bounds is kept.
 */
export function filtersFromSymbolInfo(info: z.output<typeof symbolInfoSchema>): SymbolFilters {
  const find = (type: string) => info.filters.find((f) => f.filterType === type);
  const field = (filter: Record<string, unknown> | undefined, name: string, filterName: string): string | undefined => {
    if (filter === undefined) return undefined;
    const value = filter[name];
    if (value === undefined) return undefined;
    const parsed = decimalText.safeParse(value);
    if (!parsed.success) throw new Error(`exchangeInfo ${info.symbol}: ${filterName}.${name} is not a decimal string (${JSON.stringify(value)})`);
    return parsed.data;
  };
  const price = find('PRICE_FILTER');
  const lot = find('LOT_SIZE');
  const market = find('MARKET_LOT_SIZE');
  const notional = find('NOTIONAL');
  const minNotionalFilter = find('MIN_NOTIONAL');
  const tickSize = field(price, 'tickSize', 'PRICE_FILTER');
  const stepSize = field(lot, 'stepSize', 'LOT_SIZE');
  if (tickSize === undefined || stepSize === undefined) {
    throw new Error(`exchangeInfo ${info.symbol}: no PRICE_FILTER.tickSize or LOT_SIZE.stepSize`);
  }
  const minQty = field(lot, 'minQty', 'LOT_SIZE') ?? stepSize;
  const maxQty = field(lot, 'maxQty', 'LOT_SIZE');
  const positive = (s: string | undefined): Decimal | null => (s !== undefined && dec(s).gt(0) ? dec(s) : null);
  const marketStep = positive(field(market, 'stepSize', 'MARKET_LOT_SIZE')) ?? dec(stepSize);
  const marketMin = maxOf(dec(minQty), positive(field(market, 'minQty', 'MARKET_LOT_SIZE')));
  const marketMax = minOf(positive(maxQty), positive(field(market, 'maxQty', 'MARKET_LOT_SIZE')));
  const minNotional = field(notional, 'minNotional', 'NOTIONAL') ?? field(minNotionalFilter, 'minNotional', 'MIN_NOTIONAL') ?? '0';
  const maxNotional = positive(field(notional, 'maxNotional', 'NOTIONAL'));
  const applyMinToMarket =
    notional !== undefined ? notional.applyMinToMarket !== false : minNotionalFilter !== undefined ? minNotionalFilter.applyToMarket !== false : true;
  const minPrice = field(price, 'minPrice', 'PRICE_FILTER');
  const maxPrice = field(price, 'maxPrice', 'PRICE_FILTER');
  return makeFilters({
    symbol: info.symbol,
    baseAsset: info.baseAsset,
    quoteAsset: info.quoteAsset,
    tickSize,
    stepSize,
    minQty,
    ...(maxQty !== undefined && { maxQty }),
    ...(minPrice !== undefined && { minPrice }),
    ...(maxPrice !== undefined && { maxPrice }),
    minNotional,
    maxNotional: maxNotional === null ? null : maxNotional.toString(),
    marketStepSize: marketStep.toString(),
    marketMinQty: marketMin.toString(),
    ...(marketMax !== null && { marketMaxQty: marketMax.toString() }),
    applyMinToMarket,
    quotePrecision: info.quoteAssetPrecision ?? info.quotePrecision ?? 8,
  });
}

/** The stricter of two bounds, where null is no bound. */
function maxOf(a: Decimal, b: Decimal | null): Decimal {
  return b === null ? a : maxDec(a, b);
}

function minOf(a: Decimal | null, b: Decimal | null): Decimal | null {
  return a === null ? b : b === null ? a : minDec(a, b);
}

// ── User data stream (WebSocket API) ───────────────────────────────────────────────────────────

/** `executionReport`: one order update; a trade when x = TRADE. */
export const executionReportSchema = z.object({
  e: z.literal('executionReport'),
  E: millis,
  s: z.string(),
  c: z.string(),
  S: side,
  o: orderType,
  q: decimal,
  p: decimal,
  C: z.string().nullish(),
  x: z.string(),
  X: z.string(),
  r: z.string().optional(),
  i: id,
  l: decimal,
  z: decimal,
  L: decimal,
  n: z.union([decimal, z.null()]).optional(),
  N: z.string().nullish(),
  T: millis,
  t: id,
  O: millis,
  Z: decimal,
  Y: decimal,
});
export type ExecutionReport = z.output<typeof executionReportSchema>;

/** The order an executionReport is about: for a cancel `c` is the cancel request's id and `C` the order's own. */
export function reportClientOrderId(r: ExecutionReport): string {
  return r.C !== undefined && r.C !== null && r.C !== '' ? r.C : r.c;
}

export function orderFromReport(r: ExecutionReport): ExchangeOrder {
  return {
    clientOrderId: reportClientOrderId(r),
    exchangeOrderId: r.i,
    symbol: r.s,
    side: r.S,
    type: r.o,
    status: fromBinanceStatus(r.X),
    quantity: r.q,
    price: r.p,
    executedQty: r.z,
    cumulativeQuote: r.Z,
    time: r.O,
    updateTime: r.T,
  };
}

export function fillFromReport(r: ExecutionReport): Fill | undefined {
  if (r.x !== 'TRADE') return undefined;
  return {
    tradeId: r.t,
    clientOrderId: reportClientOrderId(r),
    exchangeOrderId: r.i,
    symbol: r.s,
    side: r.S,
    price: r.L,
    quantity: r.l,
    quoteQuantity: r.Y,
    fee: r.n ?? dec(0),
    feeAsset: r.N ?? '',
    time: r.T,
  };
}

/** `outboundAccountPosition`: the balances of the assets an update touched. */
export const accountPositionSchema = z.object({
  e: z.literal('outboundAccountPosition'),
  E: millis,
  u: millis,
  B: z.array(z.object({ a: z.string(), f: decimal, l: decimal })),
});

export function balancesFromPosition(p: z.output<typeof accountPositionSchema>): Balance[] {
  return p.B.map((b) => ({ asset: b.a, free: b.f, locked: b.l }));
}
